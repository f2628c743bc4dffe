// The benchmark client ("client:driver"), started by run.mjs as its own process, like the peers' driver: runs the
// closed-loop / timer / list workloads through the Weft client and prints one JSON line per workload (harness).
//
// env (set by run.mjs):
//   DRIVER_WORKLOADS   comma list among seq3,fanout100,latency1,timers,long1k,list1m,idle100k,burst,soak
//   BENCH_MODE         http: talk to WEFT_ADDRESSES (comma list, one Client per server; workflow or query i goes
//                      through server i % N); SERVER_PIDS and WORKER_PIDS (comma lists, if any) are the sampled
//                      groups `server` and `worker` (each group covers all N processes); burst: no worker at
//                      first, the runner starts it when asked over the IPC channel
//                      inprocess: start server (+ worker if DRIVER_WITH_WORKER=1) in this process on WEFT_BENCH_DB
//                      (a SQLite file or postgres:// URL; default: a fresh temp SQLite file, removed on exit)
//   BENCH_EXTRA        JSON fields added to every line (mode, store, durability settings...)
//   W1_N ... W4_N, W6_N, W6_QUERIES, W7_N, W8_N, W9_N, SOAK_S, SOAK_SAMPLE_S, WF_TIMEOUT_MS, RESULTS_FILE as for
//   run.mjs
// Exit status: 0 all good, 1 some workflow failed or returned a wrong result, 3 the driver itself failed.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  W,
  Sampler,
  closedLoop,
  emit,
  measureClosedLoop,
  measureTimers,
  now,
  processTree,
  summary,
} from './harness.mjs';
import { connectClient, startInProcessCluster } from './cluster.mjs';
import { TASK_QUEUE, failureLine, log, onParentGone, withTimeout } from './lib.mjs';
import { PAGE_SIZE, expectedFirstPage, queryOf } from './list1m-data.mjs';

const SYSTEM = 'weft';
const only = (process.env.DRIVER_WORKLOADS ?? '').split(',').filter(Boolean);
const MODE = process.env.BENCH_MODE ?? 'http';
const WF_TIMEOUT_MS = Number(process.env.WF_TIMEOUT_MS ?? 60_000);
const LIST_ROWS = Number(process.env.W6_N ?? 1_000_000);
const LIST_QUERIES = Number(process.env.W6_QUERIES ?? 100);
const IDLE_N = Number(process.env.W8_N ?? 100_000);
const BURST_N = Number(process.env.W9_N ?? 10_000);
const SOAK_S = Number(process.env.SOAK_S ?? 300);
const SOAK_SAMPLE_S = Number(process.env.SOAK_SAMPLE_S ?? 30);
/** idle100k, burst: starts in flight at once (WORKLOADS.md: "no more than 200 outstanding starts"). */
const START_CONCURRENCY = 200;
/** soak: workflows in flight at once (WORKLOADS.md). */
const SOAK_CONCURRENCY = 50;
/** idle100k: how long the timer half sleeps (WORKLOADS.md: 10 minutes), and when the RSS is read after the starts. */
const IDLE_SLEEP_MS = 600_000;
const IDLE_AFTER_MS = 10_000;
const RUN = `d${Date.now().toString(36)}`; // workflow id prefix of this run
const r2 = (x) => Math.round(x * 100) / 100;
const pause = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

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

// ---- idle100k, burst, soak: memory of waiting runs, a backlog drained by a late worker, a long steady run

/**
 * RSS (MB) of the process trees rooted at `roots` (WORKLOADS.md asks these figures in RSS; the harness's
 * peak_rss_mb stays its PSS sum).
 */
async function rssMb(roots) {
  let kb = 0;
  for (const pid of await processTree(roots)) {
    try {
      kb += Number(/^Rss:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process is gone
    }
  }
  return Math.round(kb / 102.4) / 10;
}

/** client.workflow.start through server i % N, within WF_TIMEOUT_MS; the handle. */
function startVia(clients, type, workflowId, args, i) {
  return withTimeout(
    clients[i % clients.length].workflow.start(type, { workflowId, taskQueue: TASK_QUEUE, args }),
    WF_TIMEOUT_MS,
    `start of ${workflowId}`,
  );
}

/**
 * idle100k's count queries, through the first server (the store is shared): the runs still running, and those of
 * them whose first workflow task is done, i.e. that wait on their timer or signal. HistoryLength >= 4: started,
 * task scheduled, task started, task completed (the timer run adds TimerStarted; a run not yet polled has 2).
 */
async function idleCounts(client) {
  const running = `WorkflowType = 'idle' AND ExecutionStatus = 'Running'`;
  const [r, w] = await Promise.all([
    client.workflow.count(running),
    client.workflow.count(`${running} AND HistoryLength >= 4`),
  ]);
  return { running: r.count, waiting: w.count };
}

/** Workflow tasks queued on the servers and not yet taken by a worker (each server's own queue, summed). */
async function workflowBacklog(clients) {
  const d = await Promise.all(clients.map((c) => c.taskQueue.describe(TASK_QUEUE)));
  return d.reduce((a, x) => a + x.backlog.workflowTasks, 0);
}

/**
 * idle100k: W8_N runs that only wait (even i: a 10-minute durable timer; odd i: a signal never sent), started with
 * at most 200 starts in flight; nothing waits for a result. Server RSS before the first start and 10 s after the
 * last; then the counts say whether every run is there and waiting, and (bounded: before the first timer is due)
 * how long until every run has reached its wait, with the RSS then.
 */
async function idle100k(clients, groups, serverRoots, extra) {
  const n = IDLE_N;
  const sampler = new Sampler(groups);
  const rssBefore = await rssMb(serverRoots);
  await sampler.start();
  const t0 = now();
  const st = await closedLoop(n, START_CONCURRENCY, (i) =>
    startVia(clients, 'idle', `${RUN}-i${i}`, [i % 2 === 0 ? 'timer' : 'signal', IDLE_SLEEP_MS], i),
  );
  const tLast = now();
  await pause(IDLE_AFTER_MS);
  const rssAfter = await rssMb(serverRoots);
  const atSample = await idleCounts(clients[0]);
  const backlog = await workflowBacklog(clients);
  // every run must reach its wait; stop looking 5 s before the first timer is due (its run would then close)
  const started = n - st.errors;
  let counts = atSample;
  const deadline = t0 + IDLE_SLEEP_MS - 5_000;
  while (counts.waiting < started && now() < deadline) {
    await pause(Math.min(2_000, deadline - now()));
    counts = await idleCounts(clients[0]);
  }
  const allWaiting = counts.waiting >= started;
  const settledS = allWaiting ? (now() - tLast) / 1000 : null;
  const rssSettled = allWaiting ? await rssMb(serverRoots) : null;
  const { peak_rss_mb, ...mem } = await sampler.stop();
  // a start that failed is an error; so is a started run that is not running, or never reached its wait (a run
  // that is not running is not counted as waiting either)
  const missing = Math.max(0, started - atSample.running, started - counts.waiting);
  if (missing)
    console.error(
      `idle100k: ${started} started, ${atSample.running} running at +10 s, ${counts.waiting} waiting at the end`,
    );
  const errors = st.errors + missing;
  wrongOrFailed += errors;
  const s = summary(st.lat);
  const mbPerRun = (after) => Math.round(((after - rssBefore) / n) * 1e5) / 1e5; // 1e-5 MB: 10 bytes
  await emit({
    system: SYSTEM,
    workload: 'idle100k',
    n,
    seconds: r2(st.seconds),
    wf_per_s: r2(n / st.seconds),
    p50_ms: s.p50,
    p99_ms: s.p99,
    peak_rss_mb,
    errors,
    starts_per_s: r2(n / st.seconds),
    start_errors: st.errors,
    start_concurrency: START_CONCURRENCY,
    server_rss_before_mb: rssBefore,
    server_rss_after_mb: rssAfter,
    mb_per_run: mbPerRun(rssAfter),
    kb_per_run: r2(((rssAfter - rssBefore) * 1024) / n),
    running_at_sample: atSample.running,
    waiting_at_sample: atSample.waiting,
    workflow_backlog_at_sample: backlog,
    all_waiting_by_s: settledS === null ? null : r2(settledS),
    waiting_at_end: counts.waiting,
    server_rss_all_waiting_mb: rssSettled,
    mb_per_run_all_waiting: rssSettled === null ? null : mbPerRun(rssSettled),
    ...extra,
    ...mem,
  });
}

/**
 * burst: the runner started the server(s) without a worker; asks it for the worker(s) now (IPC; the runner spawns
 * them as siblings of the servers) or, in process, creates the worker here. Returns their pids, when they were
 * spawned (epoch ms) and `ready`, resolved (epoch ms) once they poll, rejected if they cannot start.
 */
function startLateWorkers(inProcess) {
  if (inProcess) {
    const spawnedAt = Date.now();
    const ready = inProcess.startWorker().then(() => Date.now());
    ready.catch(() => {}); // awaited later; a failure before that is not an unhandled rejection
    return { pids: [], spawnedAt, ready };
  }
  if (!process.send) throw new Error('burst needs the runner (run.mjs) to start its worker: no IPC channel');
  return new Promise((resolve, reject) => {
    let readyOk;
    let readyFail;
    const ready = new Promise((a, b) => {
      readyOk = a;
      readyFail = b;
    });
    ready.catch(() => {}); // awaited later; a failure before that is not an unhandled rejection
    const onMessage = (m) => {
      if (m?.workers) resolve({ pids: m.workers, spawnedAt: m.spawnedAt, ready });
      else if (m?.workersReady) {
        process.off('message', onMessage);
        readyOk(m.workersReady);
      } else if (m?.workersFailed) {
        process.off('message', onMessage);
        const e = new Error(`the worker did not start: ${m.workersFailed}`);
        reject(e);
        readyFail(e);
      }
    };
    process.on('message', onMessage);
    process.send({ startWorkers: true });
  });
}

/**
 * burst: W9_N seq3 workflows started with no worker anywhere (at most 200 starts in flight), every result waited on,
 * then the worker starts; `seconds` runs from its spawn (bundling included) until every result is in.
 */
async function burst(clients, groups, inProcess, extra) {
  const n = BURST_N;
  const startSampler = new Sampler(groups);
  await startSampler.start();
  const handles = new Array(n);
  const st = await closedLoop(n, START_CONCURRENCY, async (i) => {
    handles[i] = await startVia(clients, 'seq3', `${RUN}-b${i}`, [i], i);
  });
  const startMem = await startSampler.stop();
  // every result is waited on before the worker exists: its time is then the worker's, not this loop's
  const doneAt = new Array(n); // epoch ms when result i came in
  const settled = new Array(n).fill(false);
  let failed = 0; // wrong results and failed workflows
  let firstError;
  const results = handles.map((h, i) =>
    h
      ?.result()
      .then((got) => {
        doneAt[i] = Date.now();
        check(got, i + 3);
      })
      .catch((e) => {
        failed++;
        firstError ??= e;
      })
      .finally(() => (settled[i] = true)),
  );
  const workers = await startLateWorkers(inProcess);
  const drainSampler = new Sampler(workers.pids.length ? { ...groups, worker: workers.pids } : groups);
  await drainSampler.start();
  // a result not in by then counts as missing (the default WF_TIMEOUT_MS is for one workflow, this for all)
  const limitMs = Math.max(WF_TIMEOUT_MS, n * 30);
  let readyAt;
  let timedOut = false;
  await withTimeout(
    Promise.all([workers.ready.then((t) => (readyAt = t)), Promise.all(results)]),
    limitMs,
    `the ${n} burst results`,
  ).catch((e) => {
    if (!/^timed out/.test(e.message)) throw e; // the worker did not start: the workload failed
    timedOut = true;
  });
  const { peak_rss_mb, ...mem } = await drainSampler.stop();
  const got = doneAt.filter((t) => t !== undefined).map((t) => t - workers.spawnedAt);
  const missing = handles.filter((h, i) => h && !settled[i]).length;
  if (firstError) console.error('first error:', firstError);
  if (missing) console.error(`burst: ${missing} result(s) not in after ${limitMs} ms`);
  const errors = st.errors + failed + missing;
  wrongOrFailed += errors;
  const seconds = timedOut ? limitMs / 1000 : Math.max(0, ...got) / 1000;
  const s = summary(got);
  await emit({
    system: SYSTEM,
    workload: 'burst',
    n,
    seconds: r2(seconds),
    wf_per_s: r2(got.length / seconds),
    p50_ms: s.p50,
    p99_ms: s.p99,
    peak_rss_mb: Math.max(peak_rss_mb, startMem.peak_rss_mb),
    errors,
    start_seconds: r2(st.seconds),
    starts_per_s: r2(n / st.seconds),
    start_errors: st.errors,
    start_concurrency: START_CONCURRENCY,
    worker_ready_s: readyAt === undefined ? null : r2((readyAt - workers.spawnedAt) / 1000),
    results_in: got.length,
    starts_peak_rss_mb: startMem.peak_rss_mb,
    starts_cpu_s: startMem.cpu_s,
    ...extra,
    ...mem,
  });
}

/**
 * closedLoop for a time: `concurrency` lanes run fn(0), fn(1), ... until `seconds` have passed; the runs then in
 * flight finish. Latencies (ms), how many ran, wall time, errors.
 */
async function closedLoopFor(seconds, concurrency, fn) {
  const lat = [];
  let next = 0;
  let errors = 0;
  let firstError;
  const t0 = now();
  const end = t0 + seconds * 1000;
  async function lane() {
    while (now() < end) {
      const i = next++;
      const s = now();
      try {
        await fn(i);
      } catch (e) {
        errors++;
        firstError ??= e;
      }
      lat.push(now() - s);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  if (firstError) console.error('first error:', firstError);
  return { lat, n: next, seconds: (now() - t0) / 1000, errors };
}

/**
 * soak: seq3 with 50 in flight for SOAK_S seconds; the server's RSS every SOAK_SAMPLE_S s (from before the first
 * workflow to the end). It levels off when the second half grew by less than 10 % of the RSS at the half (or 5 MB).
 */
async function soak(clients, groups, serverRoots, extra) {
  const sampler = new Sampler(groups);
  const series = [await rssMb(serverRoots)];
  await sampler.start();
  const t0 = now();
  const sampling = (async () => {
    for (let k = 1; k * SOAK_SAMPLE_S <= SOAK_S; k++) {
      await pause(t0 + k * SOAK_SAMPLE_S * 1000 - now());
      series.push(await rssMb(serverRoots));
    }
  })();
  const loop = await closedLoopFor(SOAK_S, SOAK_CONCURRENCY, async (i) => {
    const workflowId = `${RUN}-k${i}`;
    const got = await withTimeout(
      clients[i % clients.length].workflow.execute('seq3', { workflowId, taskQueue: TASK_QUEUE, args: [i] }),
      WF_TIMEOUT_MS,
      `workflow ${workflowId}`,
    );
    check(got, i + 3);
  });
  await sampling;
  const { peak_rss_mb, ...mem } = await sampler.stop();
  wrongOrFailed += loop.errors;
  const half = series[Math.floor((series.length - 1) / 2)];
  const last = series[series.length - 1];
  const lastHalf = Math.round((last - half) * 10) / 10;
  const s = summary(loop.lat);
  await emit({
    system: SYSTEM,
    workload: 'soak',
    n: loop.n,
    seconds: r2(loop.seconds),
    wf_per_s: r2(loop.n / loop.seconds),
    p50_ms: s.p50,
    p99_ms: s.p99,
    peak_rss_mb,
    errors: loop.errors,
    concurrency: SOAK_CONCURRENCY,
    mean_ms: s.mean,
    max_ms: s.max,
    sample_s: SOAK_SAMPLE_S,
    server_rss_mb_series: series,
    rss_growth_first_half_mb: Math.round((half - series[0]) * 10) / 10,
    rss_growth_last_half_mb: lastHalf,
    levels_off: lastHalf < Math.max(5, 0.1 * half),
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
/** The processes whose RSS idle100k and soak report as the server's: the servers (in process: everything). */
let serverRoots;
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
    serverRoots = process.pid;
    extra = { ...extra0, ...cluster.info, server_rss_of: 'weft(server+worker+client)' };
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
    serverRoots = pids('SERVER_PIDS');
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
  idle100k: () => idle100k(clients, groups, serverRoots, extra),
  burst: () => burst(clients, groups, cluster, extra),
  soak: () => soak(clients, groups, serverRoots, extra),
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
