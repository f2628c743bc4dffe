// Store commit throughput: the mutations of real `seq3`-like workflows (built with the engine), committed by
// concurrent callers, each walking its workflow's mutations in order as the server would.
//
//   npm run build && node bench/store-commit.mjs [--workflows 2000] [--concurrency 100] [--sync FULL|NORMAL|OFF]
//     [--ids random|time]   (run ids like randomUUID, or time-ordered like UUIDv7)
//
// Prints one JSON line: commits/s, event rows/s and the workflows/s that rate would carry.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../dist/store/sqlite/sqlite-store.js';
import { workflowMutations } from './seq3-mutations.mjs';

const { values: args } = parseArgs({
  options: {
    workflows: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '100' },
    sync: { type: 'string', default: 'FULL' },
    dir: { type: 'string' },
    ids: { type: 'string', default: 'random' },
  },
});
const WORKFLOWS = Number(args.workflows);
const CONCURRENCY = Number(args.concurrency);

const workflows = Array.from({ length: WORKFLOWS }, (_, i) => workflowMutations(i, args.ids));
const mutations = workflows.reduce((n, w) => n + w.length, 0);
const events = workflows.reduce((n, w) => n + w.reduce((k, m) => k + m.executions[0].newEvents.length, 0), 0);

const dir = args.dir ?? mkdtempSync(path.join(tmpdir(), 'weft-bench-'));
const store = new SqliteStore({ path: path.join(dir, 'bench.db'), synchronous: args.sync });
await store.init();

let nextWorkflow = 0;
const db = store.database;
db.pragma('wal_checkpoint(TRUNCATE)'); // start from an empty WAL
const started = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (nextWorkflow < workflows.length) {
      for (const m of workflows[nextWorkflow++]) await store.commit(m);
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const { batches } = store.commitStats;

const check = await store.getExecution(workflows[0][0].executions[0].state.runId);
if (check?.state.status !== 'Completed') throw new Error('the first workflow did not complete');
await store.close();
if (!args.dir) rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    bench: 'store-commit',
    store: 'sqlite',
    synchronous: args.sync,
    concurrency: CONCURRENCY,
    workflows: WORKFLOWS,
    mutations,
    mutations_per_workflow: +(mutations / WORKFLOWS).toFixed(1),
    events_per_workflow: +(events / WORKFLOWS).toFixed(1),
    ids: args.ids,
    seconds: +seconds.toFixed(3),
    mutations_per_batch: +(mutations / batches).toFixed(1),
    commits_per_s: Math.round(mutations / seconds),
    events_per_s: Math.round(events / seconds),
    workflows_per_s: Math.round(WORKFLOWS / seconds),
  }),
);
