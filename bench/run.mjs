#!/usr/bin/env node
// `npm run bench`: the workloads of WORKLOADS.md against Weft, one JSON line per workload on stdout (the peers'
// fields, from the vendored harness, plus `mode` and `store`). Everything else goes to stderr.
//
// This process only orchestrates: it builds dist/ if needed, prepares the cached fixtures (the replay10k history,
// the list1m store), and starts the processes that are measured:
//   http (default)      server-main.mjs + worker-main.mjs + driver.mjs (the client), three sibling processes,
//                       HTTP on 127.0.0.1; memory groups server, worker (peak_rss_mb) and client:driver (reported
//                       apart, as the peers do). The client is a process of its own, not this one, because the
//                       harness samples each group as a process TREE: a client that parented the server and worker
//                       would count them too.
//   inprocess           driver.mjs alone, with server + worker + client inside it (group weft(server+worker+client)).
//   replay10k always runs in a fresh replay-main.mjs process.
//
//   npm run bench                               every workload, http layout
//   WORKLOADS=seq3,timers npm run bench         a subset (seq3 fanout100 latency1 timers replay10k list1m)
//   BENCH_MODE=inprocess npm run bench          the in-process layout
//   RESULTS_FILE=out.jsonl npm run bench        also append the lines to a file
//   sizes: W1_N W1_C W1_WARMUP W2_N W2_C W2_WARMUP W3_N W3_WARMUP W4_N (as the peers), W5_EVENTS (replay10k
//     history length, 10000), W6_N (list1m rows, 1000000), W6_QUERIES (100)
//   BENCH_SKIP_BUILD=1: do not (re)build dist/; BENCH_DIST=dir: use that build instead of dist/ (never built here)
//   BENCH_REBUILD_CACHE=1: re-record the replay history and refill the list1m store (cache: $TMPDIR/weft-bench-cache,
//     or BENCH_CACHE_DIR)
//   BENCH_WORKER_OPTIONS='{...}': non-default Worker.create options (diagnosis only; every line then says
//     worker_options)
//   WF_TIMEOUT_MS (60000): the limit for one workflow (or list query), counted as an error;
//   BENCH_DRIVER_TIMEOUT_S (1800), BENCH_TIMEOUT_S (3600): limits for one driver and for the whole run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { Sampler, emit, now } from './harness.mjs';
import { connectClient, startChildCluster } from './cluster.mjs';
import {
  BENCH_DIR,
  DIST,
  ROOT,
  TASK_QUEUE,
  WORKFLOWS_PATH,
  cacheDir,
  extraWorkerOptions,
  hashFiles,
  killAllChildren,
  log,
  spawnNode,
  stopAllChildren,
  withTimeout,
  failureLine,
} from './lib.mjs';
import { FILL_VERSION } from './list1m-data.mjs';

const SYSTEM = 'weft';
const ALL = ['seq3', 'fanout100', 'latency1', 'timers', 'replay10k', 'list1m'];
const CORE = ['seq3', 'fanout100', 'latency1', 'timers'];
const only = (process.env.WORKLOADS ?? ALL.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const unknown = only.filter((w) => !ALL.includes(w));
if (unknown.length) {
  console.error(`unknown workload(s): ${unknown.join(', ')} (known: ${ALL.join(', ')})`);
  process.exit(2);
}
const MODE = process.env.BENCH_MODE ?? 'http';
if (!['http', 'inprocess'].includes(MODE)) {
  console.error(`BENCH_MODE must be http or inprocess, not ${MODE}`);
  process.exit(2);
}
const num = (name, dflt) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number >= 0`);
  return v;
};
const WF_TIMEOUT_MS = num('WF_TIMEOUT_MS', 60_000);
const BENCH_TIMEOUT_S = num('BENCH_TIMEOUT_S', 3600);
const REPLAY_EVENTS = num('W5_EVENTS', 10_000);
const LIST_ROWS = num('W6_N', 1_000_000);
num('W6_QUERIES', 100); // read by driver.mjs
const DRIVER_TIMEOUT_S = num('BENCH_DRIVER_TIMEOUT_S', 1800);
const REBUILD_CACHE = process.env.BENCH_REBUILD_CACHE === '1';
const RUN = `b${Date.now().toString(36)}`; // workflow id prefix of this run
const r2 = (x) => Math.round(x * 100) / 100;

// ------------------------------------------------------------------------------------------ cleanup

process.on('exit', killAllChildren); // last resort (synchronous): SIGKILL
let stopping = false;
/** Stops every child (SIGTERM, so each removes its temp store; SIGKILL after 5 s), then exits. */
async function bail(code, ...message) {
  if (stopping) return;
  stopping = true;
  console.error('[bench]', ...message);
  await stopAllChildren(5_000);
  process.exit(code);
}
for (const [sig, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.on(sig, () => void bail(code, `${sig}: stopping every child process`));
}
process.on('uncaughtException', (e) => void bail(1, 'uncaught exception:', e));
process.on('unhandledRejection', (e) => void bail(1, 'unhandled rejection:', e));
setTimeout(
  () => void bail(1, `the whole run took longer than BENCH_TIMEOUT_S=${BENCH_TIMEOUT_S} s: giving up`),
  BENCH_TIMEOUT_S * 1000,
).unref();

// ------------------------------------------------------------------------------------------ build

/** Newest mtime (ms) of the files under `p` (skipping tests). */
function newestMtime(p) {
  const st = statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return /\.test\.ts$/.test(p) ? 0 : st.mtimeMs;
  let m = 0;
  for (const e of readdirSync(p)) m = Math.max(m, newestMtime(path.join(p, e)));
  return m;
}

function ensureBuilt() {
  const marker = path.join(DIST, 'server/index.js');
  if (process.env.BENCH_SKIP_BUILD === '1' || process.env.BENCH_DIST) {
    if (!existsSync(marker)) throw new Error(`${DIST} is not built: run \`npm run build\``);
    return;
  }
  const built = statSync(marker, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'src')),
    newestMtime(path.join(ROOT, 'scripts/build.mjs')),
    newestMtime(path.join(ROOT, 'tsconfig.json')),
  );
  if (built >= sources) return;
  log(built ? 'dist/ is older than src/: npm run build' : 'dist/ is missing: npm run build');
  const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2], timeout: 600_000 });
  if (r.status !== 0)
    throw new Error(`npm run build failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''})`);
}

/**
 * The source measured: commit, '+dirty' when src/ has uncommitted changes (undefined outside a git checkout).
 * With BENCH_DIST, the REVISION file beside that dist/ if any (this checkout's git state says nothing about it).
 */
function gitRevision() {
  if (process.env.BENCH_DIST) {
    const f = path.join(path.dirname(DIST), 'REVISION');
    return existsSync(f) ? readFileSync(f, 'utf8').trim() : `unknown (BENCH_DIST=${DIST})`;
  }
  const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return undefined;
  const dirty = git('status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json').stdout.trim() !== '';
  return `${head.stdout.trim()}${dirty ? '+dirty' : ''}`;
}

// ------------------------------------------------------------------------------------------ the driver

let failures = 0; // workloads that failed or had errors (exit status)

/**
 * Runs driver.mjs (the client, its own process) for `workloads`; its JSON lines go straight to our stdout.
 * http: against a child cluster (server + worker pids are its sampled groups); inprocess: the driver starts the
 * server (+ worker) inside itself on `db`.
 */
async function runDriver(workloads, { cluster, db, withWorker }, extra) {
  const env = {
    DRIVER_WORKLOADS: workloads.join(','),
    BENCH_MODE: MODE,
    BENCH_EXTRA: JSON.stringify({ ...extra, ...(cluster?.info ?? {}) }),
    ...(cluster
      ? {
          WEFT_ADDRESS: cluster.address,
          SERVER_PID: String(cluster.serverPid),
          ...(cluster.workerPid ? { WORKER_PID: String(cluster.workerPid) } : {}),
        }
      : { ...(db ? { WEFT_BENCH_DB: db } : {}), DRIVER_WITH_WORKER: withWorker ? '1' : '0' }),
  };
  const driver = spawnNode(path.join(BENCH_DIR, 'driver.mjs'), [], { env, name: 'driver', stdout: 'inherit' });
  log(`driver pid ${driver.pid}: ${workloads.join(', ')} (${MODE})`);
  let r;
  try {
    r = await withTimeout(driver.exited, DRIVER_TIMEOUT_S * 1000, `the driver (${workloads.join(', ')})`);
  } catch (e) {
    await driver.stop(5_000);
    throw e;
  }
  if (r.code === 1) failures++;
  else if (r.code !== 0) throw new Error(`the driver exited with code ${r.code}, signal ${r.signal}`);
}

async function emitFailure(workload, err, extra) {
  failures++;
  await emit(failureLine(workload, err, extra));
}

async function runWorkflowWorkloads(workloads, extra) {
  // a fresh store: a temp file made (and removed, even when this runner is killed) by the process that opens it
  if (MODE === 'inprocess') return runDriver(workloads, { withWorker: true }, extra);
  const cluster = await startChildCluster({});
  try {
    await runDriver(workloads, { cluster }, extra);
  } finally {
    await cluster.stop();
  }
}

// ------------------------------------------------------------------------------------------ replay10k

/** Records (once, cached in the OS temp dir) a real ~W5_EVENTS-event history of `longHistory`. */
async function ensureHistory() {
  const key = hashFiles(
    [WORKFLOWS_PATH, ...['engine', 'protocol', 'worker', 'workflow', 'server'].map((d) => path.join(DIST, d))],
    `replay:${REPLAY_EVENTS}`,
  );
  const file = path.join(cacheDir(), `replay10k-${REPLAY_EVENTS}-${key}.json`);
  if (existsSync(file) && !REBUILD_CACHE) return file;
  for (const f of readdirSync(cacheDir()))
    if (f.startsWith(`replay10k-${REPLAY_EVENTS}-`)) rmSync(path.join(cacheDir(), f), { force: true });
  log(`recording a ${REPLAY_EVENTS}-event history (once; cached in ${file})`);
  // recording is set-up, not measured: always server + worker processes over HTTP, on a fresh store
  const cluster = await startChildCluster({});
  let connection;
  try {
    const c = await connectClient(cluster.address);
    connection = c.connection;
    const lengthFor = async (n) => {
      const h = await c.client.workflow.start('longHistory', {
        workflowId: `${RUN}-probe${n}`,
        taskQueue: TASK_QUEUE,
        args: [n],
      });
      const got = await withTimeout(h.result(), WF_TIMEOUT_MS, 'probe workflow');
      if (got !== n) throw new Error(`longHistory(${n}) returned ${got}`);
      return (await h.fetchHistory()).events.length;
    };
    const e10 = await lengthFor(10);
    const e20 = await lengthFor(20);
    const perStep = (e20 - e10) / 10;
    const fixed = e10 - 10 * perStep;
    const n = Math.max(1, Math.round((REPLAY_EVENTS - fixed) / perStep));
    log(`history: ${perStep} events per activity + ${fixed}: running ${n} sequential activities`);
    const t = now();
    const h = await c.client.workflow.start('longHistory', {
      workflowId: `${RUN}-long`,
      taskQueue: TASK_QUEUE,
      args: [n],
    });
    const got = await withTimeout(h.result(), 1_200_000, `longHistory(${n})`);
    if (got !== n) throw new Error(`longHistory(${n}) returned ${got}`);
    const history = await h.fetchHistory();
    log(`recorded ${history.events.length} events in ${((now() - t) / 1000).toFixed(1)} s`);
    writeFileSync(`${file}.tmp`, JSON.stringify(history));
    renameSync(`${file}.tmp`, file);
    return file;
  } finally {
    await connection?.close().catch(() => {});
    await cluster.stop();
  }
}

/** Replays the history in a fresh process (a fresh worker); this process samples its memory. */
async function runReplay10k(extra) {
  const file = await ensureHistory();
  const child = spawnNode(path.join(BENCH_DIR, 'replay-main.mjs'), [file], { name: 'replay' });
  try {
    const ready = await child.waitFor((m) => m.ready === 'replay', 120_000, 'history load + bundle');
    const sampler = new Sampler({ 'replay-worker': child.pid });
    await sampler.start();
    child.send({ go: true });
    const done = await child.waitFor((m) => m.done === 'replay', 600_000, 'the replay');
    const { peak_rss_mb, ...mem } = await sampler.stop();
    if (done.error) {
      console.error('[bench] replay10k failed:', done.error);
      failures++;
    }
    const ms = done.replay_ms;
    await emit({
      system: SYSTEM,
      workload: 'replay10k',
      n: 1,
      seconds: r2(ms / 1000),
      wf_per_s: r2(1000 / ms),
      p50_ms: r2(ms),
      p99_ms: r2(ms),
      peak_rss_mb,
      errors: done.error ? 1 : 0,
      events: ready.events,
      bundle_ms: r2(ready.bundle_ms),
      history_load_ms: r2(ready.load_ms),
      rss_before_mb: ready.rss_before_mb,
      rss_after_mb: done.rss_after_mb,
      vm_hwm_mb: done.vm_hwm_mb,
      heap_used_mb: done.heap_used_mb,
      ...(done.error ? { failed: done.error } : {}),
      ...extra,
      process: 'fresh child process',
      ...mem,
    });
  } finally {
    await child.stop(5_000);
  }
}

// ------------------------------------------------------------------------------------------ list1m

async function ensureListStore() {
  const key = hashFiles(
    [path.join(DIST, 'store/migrations/sqlite'), path.join(BENCH_DIR, 'list1m-data.mjs')],
    `${FILL_VERSION}:${LIST_ROWS}`,
  );
  const file = path.join(cacheDir(), `list1m-${LIST_ROWS}-${key}.db`);
  if (existsSync(file) && !REBUILD_CACHE) return file;
  // an older fill of the same size (other schema or generator) is stale: drop it (~1 GB at 1M rows)
  for (const f of readdirSync(cacheDir()))
    if (f.startsWith(`list1m-${LIST_ROWS}-`) || /\.tmp(-wal|-shm)?$/.test(f))
      rmSync(path.join(cacheDir(), f), { force: true });
  log(`filling a store with ${LIST_ROWS} closed executions (once; cached in ${file})`);
  const fill = spawnNode(path.join(BENCH_DIR, 'list1m-fill.mjs'), [file, String(LIST_ROWS)], { name: 'list1m-fill' });
  try {
    const r = await fill.waitFor((m) => m.filled !== undefined, 3_600_000, 'the list1m store to fill');
    log(`filled in ${r.seconds} s`);
  } finally {
    await fill.stop(10_000);
  }
  return file;
}

async function runList1m(extra) {
  const db = await ensureListStore();
  if (MODE === 'inprocess') return runDriver(['list1m'], { db, withWorker: false }, extra);
  const cluster = await startChildCluster({ db, withWorker: false });
  try {
    await runDriver(['list1m'], { cluster }, extra);
  } finally {
    await cluster.stop();
  }
}

// ------------------------------------------------------------------------------------------ main

async function main() {
  ensureBuilt();
  const workerOptions = extraWorkerOptions();
  const extra = {
    mode: MODE,
    store: 'sqlite',
    weft_rev: gitRevision(),
    ...(workerOptions ? { worker_options: workerOptions } : {}),
  };
  const steps = [];
  const core = CORE.filter((w) => only.includes(w));
  // the machine's 1-minute load average when the step starts: other work on these 2 cores skews every figure
  const withLoad = () => ({ ...extra, host_load1: r2(loadavg()[0]) });
  if (core.length) steps.push([core, () => runWorkflowWorkloads(core, withLoad())]);
  if (only.includes('replay10k')) steps.push([['replay10k'], () => runReplay10k(withLoad())]);
  if (only.includes('list1m')) steps.push([['list1m'], () => runList1m(withLoad())]);
  for (const [workloads, step] of steps) {
    try {
      await step();
    } catch (e) {
      console.error(`[bench] ${workloads.join(', ')} failed:`, e);
      for (const w of workloads) await emitFailure(w, e, extra);
    }
  }
  if (failures) log(`${failures} workload(s) had errors or failed`);
  return failures ? 1 : 0;
}

const code = await main();
process.exit(code);
