#!/usr/bin/env node
// `npm run bench`: the workloads of WORKLOADS.md against Weft, one JSON line per workload on stdout (the peers'
// fields, from the vendored harness, plus `mode`, `store` and `servers`). Everything else goes to stderr.
//
// This process only orchestrates: it builds dist/ if needed, prepares the cached fixtures (the replay10k history,
// the list1m store), and starts the processes that are measured:
//   http (default)      server-main.mjs + worker-main.mjs + driver.mjs (the client), sibling processes, HTTP on
//                       127.0.0.1; SERVERS=N: N servers on one PostgreSQL database, one worker per server, the
//                       client spreading its calls over the servers round-robin; memory groups server (all N),
//                       worker (all N) (peak_rss_mb) and client:driver (reported apart, as the peers do). The client
//                       is a process of its own, not this one, because the harness samples each group as a process
//                       TREE: a client that parented the servers and workers would count them too.
//   inprocess           driver.mjs alone, with server + worker + client inside it (group weft(server+worker+client)).
//   replay10k always runs in a fresh replay-main.mjs process.
//
//   npm run bench                               every workload but the long ones, http layout
//   WORKLOADS=seq3,timers npm run bench         a subset (seq3 fanout100 latency1 timers long1k replay10k list1m;
//                                               the long ones, idle100k burst soak, run only when named here)
//   BENCH_MODE=inprocess npm run bench          the in-process layout
//   STORE=postgres npm run bench                PostgreSQL (WEFT_BENCH_PG, admin URL, default
//                                               postgres://postgres@127.0.0.1:5432/postgres): a fresh database per
//                                               step (weft_bench_<pid>_<random>), dropped at the end, even on failure
//   STORE=postgres SERVERS=3 npm run bench      three server processes (+ three workers) on that database
//   list1m runs on both stores unless STORE is set (SQLite file and PostgreSQL database both cached); with no
//     PostgreSQL answering, its postgres line says `skipped`
//   RESULTS_FILE=out.jsonl npm run bench        also append the lines to a file
//   sizes: W1_N W1_C W1_WARMUP W2_N W2_C W2_WARMUP W3_N W3_WARMUP W4_N (as the peers), W5_EVENTS (replay10k
//     history length, 10000), W6_N (list1m rows, 1000000), W6_QUERIES (100), W7_N (long1k steps, 1000),
//     W8_N (idle100k runs, 100000), W9_N (burst workflows, 10000), SOAK_S (300), SOAK_SAMPLE_S (30)
//   BENCH_SKIP_BUILD=1: do not (re)build dist/; BENCH_DIST=dir: use that build instead of dist/ (never built here)
//   BENCH_REBUILD_CACHE=1: re-record the replay history and refill the list1m store (cache: $TMPDIR/weft-bench-cache,
//     or BENCH_CACHE_DIR)
//   BENCH_WORKER_OPTIONS='{...}': non-default Worker.create options (diagnosis only; every line then says
//     worker_options); BENCH_CONNECTION_OPTIONS='{"channel":false}': the same for the worker's and the driver's
//     Connection options (lines say connection_options)
//   diagnosis: BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' (node flags of the server processes;
//     BENCH_WORKER_NODE_ARGS and BENCH_DRIVER_NODE_ARGS: of the worker processes and of the driver),
//     BENCH_PG_TRACE=1 (server statements, pool waits, batch sizes on stderr at the end: pg-trace.mjs),
//     BENCH_KEEP_DB=1 (keep the fresh PostgreSQL database of a step that ran, as weft_bench_kept_<pid>_<random>)
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
  createPgDatabase,
  dropAllPgDatabases,
  dropAllPgDatabasesSync,
  dropPgDatabase,
  extraConnectionOptions,
  extraWorkerOptions,
  hashFiles,
  killAllChildren,
  listPgDatabases,
  log,
  pgDatabaseUrl,
  pgSettings,
  pgUnavailableReason,
  renamePgDatabase,
  spawnNode,
  stopAllChildren,
  sweepStalePgDatabases,
  withTimeout,
  failureLine,
} from './lib.mjs';
import { FILL_VERSION } from './list1m-data.mjs';

const SYSTEM = 'weft';
const ALL = ['seq3', 'fanout100', 'latency1', 'timers', 'long1k', 'replay10k', 'list1m', 'idle100k', 'burst', 'soak'];
const CORE = ['seq3', 'fanout100', 'latency1', 'timers', 'long1k'];
/**
 * Long workloads (minutes each, and 100,000 runs left waiting): only when WORKLOADS names them. Each runs alone on
 * a fresh store and server, so none measures what another left behind (idle100k's waiting runs, soak's history).
 */
const LONG = ['idle100k', 'burst', 'soak'];
const only = (process.env.WORKLOADS ?? ALL.filter((w) => !LONG.includes(w)).join(','))
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
const STORE_SET = process.env.STORE !== undefined && process.env.STORE !== '';
const STORE = STORE_SET ? process.env.STORE : 'sqlite';
if (!['sqlite', 'postgres'].includes(STORE)) {
  console.error(`STORE must be sqlite or postgres, not ${STORE}`);
  process.exit(2);
}
const SERVERS = Number(process.env.SERVERS ?? 1);
if (!Number.isInteger(SERVERS) || SERVERS < 1) {
  console.error(`SERVERS must be a whole number >= 1, not ${process.env.SERVERS}`);
  process.exit(2);
}
if (SERVERS > 1 && STORE !== 'postgres') {
  console.error(
    `SERVERS=${SERVERS} needs STORE=postgres: SQLite is one server per file (a server claims its file), so several ` +
      'servers can only share a PostgreSQL database',
  );
  process.exit(2);
}
if (SERVERS > 1 && MODE === 'inprocess') {
  console.error(`SERVERS=${SERVERS} needs BENCH_MODE=http: the in-process layout is one process, one server`);
  process.exit(2);
}
/** The stores list1m reports: both in a plain run, else only the one STORE names. */
const LIST_STORES = STORE_SET ? [STORE] : ['sqlite', 'postgres'];
const num = (name, dflt) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number >= 0`);
  return v;
};
const WF_TIMEOUT_MS = num('WF_TIMEOUT_MS', 60_000);
const BENCH_TIMEOUT_S = num('BENCH_TIMEOUT_S', 3600);
const REPLAY_EVENTS = num('W5_EVENTS', 10_000);
const LIST_ROWS = num('W6_N', 1_000_000);
// read by driver.mjs: checked here so that a typo stops the run before anything starts
num('W6_QUERIES', 100);
num('W8_N', 100_000);
num('W9_N', 10_000);
num('SOAK_S', 300);
if (num('SOAK_SAMPLE_S', 30) <= 0) throw new Error('SOAK_SAMPLE_S must be > 0');
const DRIVER_TIMEOUT_S = num('BENCH_DRIVER_TIMEOUT_S', 1800);
const REBUILD_CACHE = process.env.BENCH_REBUILD_CACHE === '1';
const RUN = `b${Date.now().toString(36)}`; // workflow id prefix of this run
const r2 = (x) => Math.round(x * 100) / 100;

// ------------------------------------------------------------------------------------------ cleanup

process.on('exit', () => {
  // last resort (synchronous): SIGKILL the children, then drop the PostgreSQL databases still held
  killAllChildren();
  dropAllPgDatabasesSync();
});
let stopping = false;
/**
 * Stops every child (SIGTERM, so each removes its temp store; SIGKILL after 5 s), drops the temp PostgreSQL
 * databases (best effort), then exits.
 */
async function bail(code, ...message) {
  if (stopping) return;
  stopping = true;
  console.error('[bench]', ...message);
  await stopAllChildren(5_000);
  await dropAllPgDatabases();
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
 * burst (http): the driver asks, over its IPC channel, for the workers once its workflows are started; they are
 * spawned here, as siblings of the servers (a child of the driver would be counted again in its sampled process
 * tree). Answers at once with their pids and the spawn time (epoch ms, the driver's clock too: one machine), then
 * again when they poll.
 */
function serveWorkerRequests(driver, cluster) {
  driver.proc.on('message', (m) => {
    if (!m?.startWorkers) return;
    const reply = (msg) => {
      if (driver.proc.connected) driver.proc.send(msg);
    };
    let started;
    const spawnedAt = Date.now();
    try {
      started = cluster.startWorkers();
    } catch (e) {
      reply({ workersFailed: String(e?.message ?? e) });
      return;
    }
    log(`burst: worker pid(s) ${started.pids.join(', ')} started`);
    reply({ workers: started.pids, spawnedAt });
    started.ready.then(
      () => reply({ workersReady: Date.now() }),
      (e) => reply({ workersFailed: String(e?.message ?? e) }),
    );
  });
}

/**
 * Runs driver.mjs (the client, its own process) for `workloads`; its JSON lines go straight to our stdout.
 * http: against a child cluster (server + worker pids are its sampled groups, its servers the driver's
 * round-robin; lateWorkers: the cluster has none yet and starts them when the driver asks, burst); inprocess: the
 * driver starts the server (+ worker) inside itself on `db`.
 */
async function runDriver(workloads, { cluster, db, withWorker, lateWorkers = false }, extra) {
  const env = {
    DRIVER_WORKLOADS: workloads.join(','),
    BENCH_MODE: MODE,
    BENCH_EXTRA: JSON.stringify({ ...extra, ...(cluster?.info ?? {}) }),
    ...(cluster
      ? {
          WEFT_ADDRESSES: cluster.addresses.join(','),
          SERVER_PIDS: cluster.serverPids.join(','),
          WORKER_PIDS: cluster.workerPids.join(','),
        }
      : { ...(db ? { WEFT_BENCH_DB: db } : {}), DRIVER_WITH_WORKER: withWorker ? '1' : '0' }),
  };
  const driver = spawnNode(path.join(BENCH_DIR, 'driver.mjs'), [], {
    env,
    name: 'driver',
    nodeArgs: (process.env.BENCH_DRIVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean),
    stdout: 'inherit',
    ipc: Boolean(cluster && lateWorkers),
  });
  if (cluster && lateWorkers) serveWorkerRequests(driver, cluster);
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

/**
 * Runs `fn(db)` on a fresh store. SQLite: db undefined, a temp file made (and removed, even when this runner is
 * killed) by the process that opens it. PostgreSQL: a fresh database made here and dropped after `fn`, whatever
 * happens (and by bail() / the exit handler when the run is stopped).
 */
async function withFreshStore(store, fn) {
  if (store !== 'postgres') return fn(undefined);
  const { name, url } = await createPgDatabase();
  log(`fresh PostgreSQL database ${name}`);
  let ok = false;
  try {
    const r = await fn(url);
    ok = true;
    return r;
  } finally {
    if (ok && process.env.BENCH_KEEP_DB === '1') {
      // diagnosis: kept under a name the sweep leaves alone; drop it by hand
      const kept = name.replace(/^weft_bench_/, 'weft_bench_kept_');
      await renamePgDatabase(name, kept).then(
        () => log(`BENCH_KEEP_DB=1: kept the database as ${kept} (DROP DATABASE ${kept} when done)`),
        (e) => log(`could not keep database ${name}: ${e.message}`),
      );
    } else await dropPgDatabase(name).catch((e) => log(`could not drop database ${name}: ${e.message}`));
  }
}

/** `withWorker` false: the server(s) start without a worker; the driver has it started later (burst). */
async function runWorkflowWorkloads(workloads, extra, { withWorker = true } = {}) {
  await withFreshStore(STORE, async (db) => {
    if (MODE === 'inprocess') return runDriver(workloads, { db, withWorker }, extra);
    const cluster = await startChildCluster({ db, servers: SERVERS, withWorker });
    try {
      await runDriver(workloads, { cluster, lateWorkers: !withWorker }, extra);
    } finally {
      await cluster.stop();
    }
  });
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
  // recording is set-up, not measured: always one server + worker over HTTP, on a fresh SQLite store (the history
  // does not depend on the store)
  const cluster = await startChildCluster({});
  let connection;
  try {
    const c = await connectClient(cluster.addresses[0]);
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

/** The cached SQLite list1m store (filled once through SqliteStore.commit). */
async function ensureSqliteListStore() {
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
  log(`filling a SQLite store with ${LIST_ROWS} closed executions (once; cached in ${file})`);
  await runFill(file, 'sqlite');
  return file;
}

/** Runs list1m-fill.mjs on `target` (a SQLite file or postgres:// URL) and waits for it to end. */
async function runFill(target, store) {
  const fill = spawnNode(path.join(BENCH_DIR, 'list1m-fill.mjs'), [target, String(LIST_ROWS)], {
    name: `list1m-fill-${store}`,
  });
  try {
    const r = await fill.waitFor((m) => m.filled !== undefined, 3_600_000, `the list1m ${store} store to fill`);
    log(
      `${store} store filled in ${r.seconds} s${r.vacuum_seconds !== undefined ? ` (VACUUM ANALYZE ${r.vacuum_seconds} s of it)` : ''}`,
    );
    const exited = await withTimeout(fill.exited, 60_000, 'the fill process to exit');
    if (exited.code !== 0) throw new Error(`list1m-fill exited with code ${exited.code}`);
    return r;
  } finally {
    await fill.stop(10_000);
  }
}

/**
 * The cached PostgreSQL list1m database, weft_bench_list1m_<rows>_<key> (key: the PostgreSQL migrations, the
 * generator). Filled through PgStore.commit into a temp-named database that is renamed only once the fill is
 * complete and checked, so a fill cut half-way is never taken for the cache (its temp database is dropped).
 */
async function ensurePgListStore() {
  const key = hashFiles(
    [path.join(DIST, 'store/migrations/postgres'), path.join(BENCH_DIR, 'list1m-data.mjs')],
    `${FILL_VERSION}:${LIST_ROWS}:postgres`,
  );
  const prefix = `weft_bench_list1m_${LIST_ROWS}_`;
  const name = `${prefix}${key}`;
  const existing = await listPgDatabases(new RegExp(`^${prefix}[0-9a-f]{16}$`));
  if (existing.includes(name) && !REBUILD_CACHE) return { name, url: pgDatabaseUrl(name) };
  // an older fill of the same size (other schema or generator) is stale
  for (const old of existing) {
    log(`dropping the stale list1m database ${old}`);
    await dropPgDatabase(old);
  }
  const tmp = await createPgDatabase();
  log(
    `filling a PostgreSQL database with ${LIST_ROWS} closed executions (once; cached as ${name}, filled as ${tmp.name})`,
  );
  const r = await runFill(tmp.url, 'postgres');
  await renamePgDatabase(tmp.name, name);
  return { name, url: pgDatabaseUrl(name), fill_seconds: r.seconds };
}

async function runList1mOn(store, extra) {
  let db;
  let fill = {};
  if (store === 'postgres') {
    const { url, fill_seconds } = await ensurePgListStore();
    db = url;
    if (fill_seconds !== undefined) fill = { fill_seconds };
  } else db = await ensureSqliteListStore();
  const lineExtra = { ...extra, ...fill };
  if (MODE === 'inprocess') return runDriver(['list1m'], { db, withWorker: false }, lineExtra);
  const cluster = await startChildCluster({ db, servers: store === 'postgres' ? SERVERS : 1, withWorker: false });
  try {
    await runDriver(['list1m'], { cluster }, lineExtra);
  } finally {
    await cluster.stop();
  }
}

// ------------------------------------------------------------------------------------------ main

/** The fields of a line that say where it ran: store, servers and (PostgreSQL) the server's durability. */
async function storeFields(store) {
  const servers = store === 'postgres' ? SERVERS : 1;
  if (store !== 'postgres') return { store, servers };
  return { store, servers, ...(await pgSettings()) };
}

async function main() {
  ensureBuilt();
  const workerOptions = extraWorkerOptions();
  const connectionOptions = extraConnectionOptions();
  const base = {
    mode: MODE,
    weft_rev: gitRevision(),
    ...(workerOptions ? { worker_options: workerOptions } : {}),
    ...(Object.keys(connectionOptions).length ? { connection_options: connectionOptions } : {}),
  };
  // PostgreSQL: asked for (STORE=postgres) it must answer; for list1m in a plain run its line is skipped if not
  const listOnPg = only.includes('list1m') && LIST_STORES.includes('postgres');
  let pgDown;
  if (STORE === 'postgres' || listOnPg) {
    pgDown = await pgUnavailableReason();
    if (pgDown && STORE === 'postgres') {
      console.error(`[bench] STORE=postgres: ${pgDown}`);
      return 2;
    }
    if (!pgDown) await sweepStalePgDatabases();
  }
  const steps = [];
  const core = CORE.filter((w) => only.includes(w));
  const extra = { ...base, ...(await storeFields(STORE)) };
  // the machine's 1-minute load average when the step starts: other work on these 2 cores skews every figure
  const withLoad = (e = extra) => ({ ...e, host_load1: r2(loadavg()[0]) });
  if (core.length) steps.push([core, extra, () => runWorkflowWorkloads(core, withLoad())]);
  // replay10k uses no store (a recorded history, replayed in a fresh process): its store/servers are the run's
  if (only.includes('replay10k')) steps.push([['replay10k'], extra, () => runReplay10k(withLoad())]);
  if (only.includes('list1m'))
    for (const store of LIST_STORES) {
      if (store === 'postgres' && pgDown) {
        // not a failure: a plain run on a machine without PostgreSQL still reports everything else
        const skip = async () => {
          log(`list1m on PostgreSQL skipped: ${pgDown}`);
          await emit({ system: SYSTEM, workload: 'list1m', store, servers: SERVERS, mode: MODE, skipped: pgDown });
        };
        steps.push([['list1m'], { store }, skip]);
        continue;
      }
      const e = { ...base, ...(await storeFields(store)) };
      steps.push([['list1m'], e, () => runList1mOn(store, withLoad(e))]);
    }
  // the long ones: each on its own fresh store and servers; burst starts with no worker
  for (const w of LONG.filter((l) => only.includes(l)))
    steps.push([[w], extra, () => runWorkflowWorkloads([w], withLoad(), { withWorker: w !== 'burst' })]);
  for (const [workloads, e, step] of steps) {
    try {
      await step();
    } catch (err) {
      if (stopping) await new Promise(() => {}); // Ctrl-C / SIGTERM: bail() is stopping everything and exits
      console.error(`[bench] ${workloads.join(', ')} (${e.store}) failed:`, err);
      for (const w of workloads) await emitFailure(w, err, e);
    }
  }
  if (failures) log(`${failures} workload(s) had errors or failed`);
  return failures ? 1 : 0;
}

const code = await main();
process.exit(code);
