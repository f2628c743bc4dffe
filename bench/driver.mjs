// The benchmark client ("client:driver"), started by run.mjs as its own process, like the peers' driver: runs the
// closed-loop / timer / list workloads through the Weft client and prints one JSON line per workload (harness).
//
// env (set by run.mjs):
//   DRIVER_WORKLOADS   comma list among seq3,fanout100,latency1,timers,list1m
//   BENCH_MODE         http: talk to WEFT_ADDRESSES (comma list, one Client per server; workflow or query i goes
//                      through server i % N); SERVER_PIDS and WORKER_PIDS (comma lists, if any) are the sampled
//                      groups `server` and `worker` (each group covers all N processes)
//                      inprocess: start server (+ worker if DRIVER_WITH_WORKER=1) in this process on WEFT_BENCH_DB
//                      (a SQLite file or postgres:// URL; default: a fresh temp SQLite file, removed on exit)
//   BENCH_EXTRA        JSON fields added to every line (mode, store, durability settings...)
//   W1_N ... W4_N, W6_N, W6_QUERIES, WF_TIMEOUT_MS, RESULTS_FILE as for run.mjs
// Exit status: 0 all good, 1 some workflow failed or returned a wrong result, 3 the driver itself failed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { W, Sampler, emit, measureClosedLoop, measureTimers, now, summary } from './harness.mjs';
import { connectClient, startInProcessCluster } from './cluster.mjs';
import { TASK_QUEUE, failureLine, log, onParentGone, withTimeout } from './lib.mjs';
import { PAGE_SIZE, expectedFirstPage, queryOf } from './list1m-data.mjs';

const SYSTEM = 'weft';
const only = (process.env.DRIVER_WORKLOADS ?? '').split(',').filter(Boolean);
const MODE = process.env.BENCH_MODE ?? 'http';
const WF_TIMEOUT_MS = Number(process.env.WF_TIMEOUT_MS ?? 60_000);
const LIST_ROWS = Number(process.env.W6_N ?? 1_000_000);
const LIST_QUERIES = Number(process.env.W6_QUERIES ?? 100);
const RUN = `d${Date.now().toString(36)}`; // workflow id prefix of this run
const r2 = (x) => Math.round(x * 100) / 100;

onParentGone(() => {
  log('driver: stopped by the runner');
  process.exit(3);
});

let wrongOrFailed = 0;
const counted = (fn) => async (i) => {
  try {
    return await fn(i);
  } catch (e) {
    wrongOrFailed++;
    throw e;
  }
};
function check(got, want) {
  if (got !== want) throw new Error(`bad result ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
}

async function emitFailure(workload, err, extra) {
  await emit(failureLine(workload, err, extra));
}

// ---- the four workflow workloads

function workflowWorkloads(clients, groups, extra) {
  /** client.workflow.execute (start, then wait for the result) through server i % N, within WF_TIMEOUT_MS. */
  const execute = (type, key, args, i) => {
    const workflowId = `${RUN}-${key}`;
    return withTimeout(
      clients[i % clients.length].workflow.execute(type, { workflowId, taskQueue: TASK_QUEUE, args }),
      WF_TIMEOUT_MS,
      `workflow ${workflowId}`,
    );
  };
  return {
    seq3: () =>
      measureClosedLoop(
        SYSTEM,
        'seq3',
        groups,
        W.seq3.n,
        W.seq3.concurrency,
        counted(async (i) => {
          check(await execute('seq3', `s${i}`, [i], i), i + 3);
        }),
        W.seq3.warmup,
        extra,
      ),
    fanout100: () => {
      const want = (W.fanout100.width * (W.fanout100.width - 1)) / 2;
      return measureClosedLoop(
        SYSTEM,
        'fanout100',
        groups,
        W.fanout100.n,
        W.fanout100.concurrency,
        counted(async (i) => {
          check(await execute('fanout100', `f${i}`, [W.fanout100.width], i), want);
        }),
        W.fanout100.warmup,
        extra,
      );
    },
    latency1: () =>
      measureClosedLoop(
        SYSTEM,
        'latency1',
        groups,
        W.latency1.n,
        1,
        counted(async (i) => {
          check(await execute('latency1', `l${i}`, [i], i), i + 1);
        }),
        W.latency1.warmup,
        extra,
      ),
    timers: () =>
      measureTimers(
        SYSTEM,
        groups,
        W.timers.n,
        counted(async (i) => {
          const late = await execute('timers', `t${i}`, [W.timers.sleepMs], i);
          // the workflow's clock after the timer is never before t0 + sleep: a negative lateness is a wrong result
          if (typeof late !== 'number' || !Number.isFinite(late) || late < 0)
            throw new Error(`bad timers result ${late}`);
          return late;
        }),
        extra,
      ),
  };
}

// ---- long1k: one workflow of W7_N (1,000) sequential activities; the time per step early, midway and late

async function long1k(clients, groups, extra) {
  const n = Number(process.env.W7_N ?? 1000);
  const sampler = new Sampler(groups);
  await sampler.start();
  const t0 = now();
  const workflowId = `${RUN}-long1k`;
  const times = await withTimeout(
    clients[0].workflow.execute('long1k', { workflowId, taskQueue: TASK_QUEUE, args: [n] }),
    Math.max(WF_TIMEOUT_MS, n * 200),
    `workflow ${workflowId}`,
  );
  const seconds = (now() - t0) / 1000;
  const { peak_rss_mb, ...mem } = await sampler.stop();
  if (!Array.isArray(times) || times.length !== n || times.some((t, i) => i > 0 && t < times[i - 1]))
    throw new Error(`long1k: bad result (${Array.isArray(times) ? times.length : typeof times} finish times)`);
  // mean ms per step over steps [from, to] (1-based, as WORKLOADS.md names them)
  const perStep = (from, to) => r2((times[to - 1] - times[from - 1]) / (to - from));
  const first = perStep(1, Math.min(10, n));
  const mid = perStep(Math.max(1, Math.floor(n / 2) - 10), Math.floor(n / 2));
  const last = perStep(Math.max(1, n - 10), n);
  await emit({
    system: SYSTEM,
    workload: 'long1k',
    n: 1,
    steps: n,
    seconds: r2(seconds),
    wf_per_s: r2(1 / seconds),
    p50_ms: mid,
    p99_ms: null,
    peak_rss_mb,
    errors: 0,
    step_ms_first10: first,
    step_ms_mid: mid,
    step_ms_last10: last,
    last_vs_first: r2(last / first),
    ...extra,
    ...mem,
  });
}

// ---- list1m: 100 filtered list queries, first page, each checked against the exact expected page

async function list1m(connections, groups, extra) {
  const sampler = new Sampler(groups);
  await sampler.start();
  const lat = [];
  let errors = 0;
  let firstError;
  let rowsSeen = 0;
  const t0 = now();
  for (let k = 0; k < LIST_QUERIES; k++) {
    const q = queryOf(k, LIST_ROWS);
    const s = now();
    try {
      const page = await withTimeout(
        connections[k % connections.length].transport.call('listWorkflows', {
          params: { namespace: 'default' },
          query: { query: q.text, pageSize: PAGE_SIZE },
        }),
        WF_TIMEOUT_MS,
        `list query ${k}`,
      );
      lat.push(now() - s);
      const want = expectedFirstPage(q, LIST_ROWS);
      const got = page.executions.map((e) => e.runId);
      rowsSeen += got.length;
      for (const e of page.executions) {
        const st = Date.parse(e.startTime);
        if (e.workflowType !== q.type || e.status !== 'Completed' || !(st >= q.from && st <= q.to))
          throw new Error(`query ${k}: row ${e.runId} does not match ${q.text}`);
      }
      if (got.length !== want.runIds.length || got.some((id, j) => id !== want.runIds[j]))
        throw new Error(
          `query ${k}: the first page differs from the expected one (${got.length} vs ${want.runIds.length} rows)`,
        );
      if (Boolean(page.nextPageToken) !== want.more)
        throw new Error(`query ${k}: nextPageToken ${page.nextPageToken ? 'present' : 'missing'}`);
    } catch (e) {
      if (lat.length <= k) lat.push(now() - s);
      errors++;
      wrongOrFailed++;
      firstError ??= e;
    }
  }
  const seconds = (now() - t0) / 1000;
  const { peak_rss_mb, ...mem } = await sampler.stop();
  if (firstError) console.error('first error:', firstError);
  const st = summary(lat);
  await emit({
    system: SYSTEM,
    workload: 'list1m',
    n: LIST_QUERIES,
    seconds: r2(seconds),
    wf_per_s: r2(LIST_QUERIES / seconds),
    p50_ms: st.p50,
    p99_ms: st.p99,
    peak_rss_mb,
    errors,
    mean_ms: st.mean,
    max_ms: st.max,
    rows: LIST_ROWS,
    page_size: PAGE_SIZE,
    rows_returned: rowsSeen,
    ...extra,
    ...mem,
  });
}

// ---- main

const extra0 = JSON.parse(process.env.BENCH_EXTRA ?? '{}');
let cluster;
let clients;
let connections;
let groups;
let extra;
try {
  if (MODE === 'inprocess') {
    let db = process.env.WEFT_BENCH_DB;
    if (!db) {
      // a fresh store, removed when this process exits (however it ends, short of SIGKILL)
      const dir = mkdtempSync(path.join(tmpdir(), 'weft-bench-db-'));
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
      db = path.join(dir, 'weft.db');
    }
    cluster = await startInProcessCluster({
      db,
      withWorker: process.env.DRIVER_WITH_WORKER === '1',
    });
    clients = [cluster.client];
    connections = [cluster.connection];
    groups = { 'weft(server+worker+client)': process.pid };
    extra = { ...extra0, ...cluster.info };
  } else {
    const pids = (name) => (process.env[name] ?? '').split(',').filter(Boolean).map(Number);
    const addresses = (process.env.WEFT_ADDRESSES ?? '').split(',').filter(Boolean);
    if (addresses.length === 0) throw new Error('WEFT_ADDRESSES is empty');
    const connected = [];
    try {
      for (const address of addresses) connected.push(await connectClient(address));
    } finally {
      clients = connected.map((c) => c.client);
      connections = connected.map((c) => c.connection);
    }
    // one group per role, covering every server (worker) process: peak_rss_mb stays server + worker
    const workerPids = pids('WORKER_PIDS');
    groups = {
      server: pids('SERVER_PIDS'),
      ...(workerPids.length ? { worker: workerPids } : {}),
      'client:driver': process.pid, // separate client process: reported, not in peak_rss_mb (as the peers)
    };
    extra = extra0;
  }
} catch (e) {
  console.error('[driver] could not start:', e);
  for (const w of only) await emitFailure(w, e, extra0);
  process.exit(3);
}

// BENCH_COUNT_CALLS=1: count the client's calls by operation and print them on stderr (diagnosis)
if (process.env.BENCH_COUNT_CALLS === '1') {
  const counts = {};
  for (const connection of connections) {
    const t = connection.transport;
    const call = t.call.bind(t);
    t.call = (op, ...a) => {
      counts[op] = (counts[op] ?? 0) + 1;
      return call(op, ...a);
    };
  }
  process.on('exit', () => console.error(`[driver] client calls: ${JSON.stringify(counts)}`));
}

const run = {
  ...workflowWorkloads(clients, groups, extra),
  long1k: () => long1k(clients, groups, extra),
  list1m: () => list1m(connections, groups, extra),
};
let failed = false;
for (const w of only) {
  try {
    await run[w]();
  } catch (e) {
    failed = true;
    console.error(`[driver] ${w} failed:`, e);
    await emitFailure(w, e, extra);
  }
}
if (cluster) await cluster.stop();
else for (const connection of connections) await connection.close().catch(() => {});
if (wrongOrFailed) log(`${wrongOrFailed} workflow(s)/queries failed or returned a wrong result`);
process.exit(failed || wrongOrFailed ? 1 : 0);
