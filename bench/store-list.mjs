// Visibility list over many closed executions (the `list1m` workload, store only): a list filtered by type +
// status + start-time range, first page, and a deep page reached through page tokens.
//
//   npm run build && node bench/store-list.mjs [--rows 1000000] [--queries 100] [--dir DIR (keeps the database)]
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../dist/store/sqlite/sqlite-store.js';
import { parseQuery } from '../dist/visibility/query-parser.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    queries: { type: 'string', default: '100' },
    dir: { type: 'string' },
  },
});
const ROWS = Number(args.rows);
const QUERIES = Number(args.queries);
const T0 = Date.UTC(2025, 0, 1);
const SPAN = 30 * 86_400_000; // start times spread over 30 days
const TYPES = ['order', 'payment', 'shipment', 'refund', 'invoice'];
const STATUSES = ['Completed', 'Completed', 'Completed', 'Failed', 'Terminated', 'TimedOut'];

function closedState(i) {
  const startTime = T0 + Math.floor((i / ROWS) * SPAN);
  const runId = `${startTime.toString(16)}-${i.toString(16).padStart(8, '0')}-run`;
  return {
    namespace: 'default',
    workflowId: `wf-${i}`,
    runId,
    firstExecutionRunId: runId,
    workflowType: TYPES[i % TYPES.length],
    taskQueue: 'main',
    status: STATUSES[(i * 7) % STATUSES.length],
    startTime,
    closeTime: startTime + 1000 + (i % 5000),
    lastProgressTime: startTime + 1000,
    nextEventId: 12,
    workflowTaskTimeoutMs: 10_000,
    attempt: 1,
    nextTaskId: 5,
    lastCompletedStartedEventId: 9,
    needsWorkflowTask: false,
    bufferedEvents: [],
    activities: {},
    timers: {},
    cancelRequested: false,
    historySizeBytes: 2400,
    outcome: { status: 'Completed', result: i },
  };
}

const dir = args.dir ?? mkdtempSync(path.join(tmpdir(), 'weft-list-'));
const file = path.join(dir, 'list.db');
const fresh = !existsSync(file);
const store = new SqliteStore({ path: file });
await store.init();

if (fresh) {
  const started = Date.now();
  const CHUNK = 5000;
  for (let i = 0; i < ROWS; i += CHUNK) {
    const commits = [];
    for (let j = i; j < Math.min(ROWS, i + CHUNK); j++) {
      const state = closedState(j);
      commits.push(
        store.commit({
          executions: [
            {
              state,
              expectedVersion: 0,
              newEvents: [],
              tasksRemoved: [],
              tasksAdded: [],
              timersRemoved: [],
              timersAdded: [],
              closed: true,
            },
          ],
        }),
      );
    }
    await Promise.all(commits);
  }
  console.error(`loaded ${ROWS} executions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const iso = (ms) => new Date(ms).toISOString();
let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
function query() {
  const from = T0 + Math.floor(rand() * (SPAN - 86_400_000));
  const type = TYPES[Math.floor(rand() * TYPES.length)];
  return parseQuery(
    `WorkflowType = '${type}' AND ExecutionStatus = 'Completed' AND StartTime >= '${iso(from)}' AND StartTime < '${iso(from + 86_400_000)}'`,
  );
}

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

const first = [];
const deep = [];
let rowsSeen = 0;
for (let q = 0; q < QUERIES; q++) {
  const vq = query();
  let t = performance.now();
  let page = await store.listExecutions({ namespace: 'default', query: vq, pageSize: 50 });
  first.push(performance.now() - t);
  rowsSeen += page.executions.length;
  for (let k = 0; k < 20 && page.nextPageToken; k++)
    page = await store.listExecutions({ namespace: 'default', query: vq, pageSize: 50, pageToken: page.nextPageToken });
  if (page.nextPageToken) {
    t = performance.now();
    await store.listExecutions({ namespace: 'default', query: vq, pageSize: 50, pageToken: page.nextPageToken });
    deep.push(performance.now() - t);
  }
}
if (rowsSeen === 0) throw new Error('the queries found nothing');
const t = performance.now();
const count = await store.countExecutions('default', query());
const countMs = performance.now() - t;
await store.close();
if (!args.dir) rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    bench: 'store-list',
    store: 'sqlite',
    rows: ROWS,
    queries: QUERIES,
    first_page_p50_ms: +percentile(first, 50).toFixed(2),
    first_page_p99_ms: +percentile(first, 99).toFixed(2),
    page22_p50_ms: deep.length ? +percentile(deep, 50).toFixed(2) : null,
    count_one_day_ms: +countMs.toFixed(1),
    count_one_day: count,
  }),
);
