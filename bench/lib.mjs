// Shared pieces of the Weft benchmark: paths, child processes (with bounded waits and cleanup), the worker
// set-up used by both layouts, and small helpers. Node built-ins only at import time; dist/ is imported lazily
// (the runner builds it first).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(BENCH_DIR);
/** The built package; BENCH_DIST points at another build (e.g. a snapshot, while dist/ is being rebuilt). */
export const DIST = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.join(ROOT, 'dist');
export const TASK_QUEUE = 'bench';
export const WORKFLOWS_PATH = path.join(BENCH_DIR, 'workflows.ts');
export const CACHE_DIR = process.env.BENCH_CACHE_DIR ?? path.join(tmpdir(), 'weft-bench-cache');

/** Imports a module of the built package: distImport('server/index.js'). */
export const distImport = (rel) => import(pathToFileURL(path.join(DIST, rel)).href);

export function cacheDir() {
  mkdirSync(CACHE_DIR, { recursive: true });
  return CACHE_DIR;
}

/** sha256 over the contents of the given files and directories (sorted walk; names relative to each), 16 hex digits. */
export function hashFiles(paths, extra = '') {
  const h = createHash('sha256');
  h.update(extra);
  const walk = (p, top) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) return h.update(`missing:${path.basename(p)}`);
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(path.join(p, e), top);
    else {
      h.update(`${path.basename(top)}/${path.relative(top, p)}`);
      h.update(readFileSync(p));
    }
  };
  for (const p of paths) walk(p, p);
  return h.digest('hex').slice(0, 16);
}

export const log = (...a) => console.error('[bench]', ...a);

/** Rejects after `ms` with a clear message (the timer does not keep the process alive). */
export function withTimeout(promise, ms, what) {
  let t;
  const timeout = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    t.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(t));
}

// ------------------------------------------------------------------------------------------ child processes

const children = new Set();

/** Kills every child still running (SIGKILL); safe to call from an 'exit' handler (synchronous). */
export function killAllChildren() {
  for (const c of children) {
    try {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    } catch {
      /* gone already */
    }
  }
  children.clear();
}

/** SIGTERM to every child still running, waits up to `graceMs` for them to exit, then SIGKILLs the rest. */
export async function stopAllChildren(graceMs = 5_000) {
  const alive = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = alive.map((c) => new Promise((resolve) => c.once('exit', resolve)));
  for (const c of alive) {
    try {
      c.kill('SIGTERM');
    } catch {
      /* gone */
    }
  }
  await withTimeout(Promise.all(exited), graceMs, 'children to stop').catch(() => {});
  killAllChildren();
}

/**
 * Spawns `node script args` with stdin a pipe (the child exits when it closes, so no child outlives the runner
 * even after a SIGKILL), stdout read line by line (lines that are not JSON objects go to our stderr) unless
 * stdout: 'inherit', stderr inherited. ipc: also a Node IPC channel (proc.send / 'message'), for a child whose stdout
 * is not ours to read (the driver's goes straight to our stdout). Returns helpers to wait for a JSON line and to stop
 * the child.
 */
export function spawnNode(
  script,
  args = [],
  { env = {}, name = path.basename(script), nodeArgs = [], stdout = 'pipe', ipc = false } = {},
) {
  const proc = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', stdout, 'inherit', ...(ipc ? ['ipc'] : [])],
  });
  children.add(proc);
  const lines = [];
  const waiters = [];
  let buf = '';
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exited = { code, signal };
      children.delete(proc);
      for (const w of waiters.splice(0))
        w.reject(new Error(`${name} (pid ${proc.pid}) exited (code ${code}, signal ${signal}) before answering`));
      resolve(exited);
    });
  });
  proc.on('error', (e) => {
    for (const w of waiters.splice(0)) w.reject(e);
  });
  proc.stdin.on('error', () => {}); // EPIPE when the child is gone
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        msg = undefined;
      }
      if (!msg || typeof msg !== 'object') {
        if (line.trim()) process.stderr.write(`[${name}] ${line}\n`);
        continue;
      }
      const i = waiters.findIndex((w) => w.match(msg));
      if (i >= 0) waiters.splice(i, 1)[0].resolve(msg);
      else lines.push(msg);
    }
  });

  /** Waits for a JSON line for which match(msg) is true. */
  function waitFor(match, timeoutMs, what) {
    const i = lines.findIndex(match);
    if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0]);
    if (exited)
      return Promise.reject(
        new Error(`${name} (pid ${proc.pid}) has exited (code ${exited.code}, signal ${exited.signal})`),
      );
    const p = new Promise((resolve, reject) => waiters.push({ match, resolve, reject }));
    return withTimeout(p, timeoutMs, `${name}: waiting for ${what}`);
  }

  function send(msg) {
    if (!exited) proc.stdin.write(JSON.stringify(msg) + '\n');
  }

  /** SIGTERM (graceful), then SIGKILL after `graceMs`. */
  async function stop(graceMs = 10_000) {
    if (exited) return exited;
    try {
      proc.kill('SIGTERM');
    } catch {
      /* gone */
    }
    const t = setTimeout(() => {
      log(`${name} (pid ${proc.pid}) did not stop within ${graceMs} ms: SIGKILL`);
      try {
        proc.kill('SIGKILL');
      } catch {
        /* gone */
      }
    }, graceMs);
    const r = await exitPromise;
    clearTimeout(t);
    return r;
  }

  return { proc, pid: proc.pid, waitFor, send, stop, exited: exitPromise, name };
}

/** In a child: calls `onEnd` once when the parent goes away (stdin closes) or asks to stop (SIGTERM/SIGINT). */
export function onParentGone(onEnd) {
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    onEnd();
  };
  process.stdin.on('end', once);
  process.stdin.on('error', once);
  process.stdin.resume();
  process.on('SIGTERM', once);
  process.on('SIGINT', once);
}

/** In a child: JSON lines arriving on stdin, as an async iterator of objects. */
export async function* stdinMessages() {
  let buf = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) yield JSON.parse(line);
    }
  }
}

// ------------------------------------------------------------------------------------------ the bench worker

/**
 * Worker options beyond the defaults, from BENCH_WORKER_OPTIONS (JSON, e.g. '{"maxConcurrentPolls":4}'); empty
 * by default: the benchmark runs the worker's defaults. A run that sets it says so in every line (worker_options).
 */
export function extraWorkerOptions() {
  const raw = process.env.BENCH_WORKER_OPTIONS;
  if (!raw) return undefined;
  const o = JSON.parse(raw);
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new Error('BENCH_WORKER_OPTIONS must be a JSON object');
  return o;
}

/**
 * Connection options beyond the defaults, from BENCH_CONNECTION_OPTIONS (JSON, e.g. '{"channel":false}' for one
 * HTTP request per call instead of the streaming channel), for the worker's and the driver's connections.
 */
export function extraConnectionOptions() {
  const raw = process.env.BENCH_CONNECTION_OPTIONS;
  if (!raw) return {};
  const o = JSON.parse(raw);
  if (!o || typeof o !== 'object' || Array.isArray(o))
    throw new Error('BENCH_CONNECTION_OPTIONS must be a JSON object');
  return o;
}

/** The bench worker (the same in both layouts): bench workflows + activities, default options. */
export async function createBenchWorker(connection, { logLevel = 'warn', handleSignals = true } = {}) {
  const { Worker } = await distImport('worker/index.js');
  const { createLogger } = await distImport('common/logger.js');
  const activities = { ...(await import('./activities.mjs')) };
  return Worker.create({
    connection,
    taskQueue: TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    activities,
    handleSignals,
    logger: createLogger(logLevel, 'weft-worker'),
    ...extraWorkerOptions(),
  });
}

/**
 * The V8 heap policy the CLI applies to a process it runs (`weft server start`, `weft worker start`:
 * src/common/heap-tuning.ts; WEFT_HEAP_GROWING_PERCENT as for the CLI), so the bench's processes run as those
 * commands would. A BENCH_DIST build from before a command applied it applies none for that command: the server's
 * lived in server/heap-tuning.js before the worker's came (`older`).
 */
export async function applyCliHeapPolicy(older) {
  const heap =
    (await distImport('common/heap-tuning.js').catch(() => undefined)) ??
    (older ? await distImport(older).catch(() => undefined) : undefined);
  const percent = process.env.WEFT_HEAP_GROWING_PERCENT;
  heap?.applyHeapGrowingPercent(percent === undefined ? undefined : Number(percent));
}

/** What the store says about durability (checked at run time, as the peers' scripts do). */
export function sqliteSettings(store) {
  const db = store?.database;
  if (!db) return {};
  const sync = Number(db.pragma('synchronous', { simple: true }));
  return {
    sqlite_synchronous: ['OFF', 'NORMAL', 'FULL', 'EXTRA'][sync] ?? String(sync),
    sqlite_journal_mode: String(db.pragma('journal_mode', { simple: true })),
  };
}

// ------------------------------------------------------------------------------------------ PostgreSQL

/** The PostgreSQL the bench uses (STORE=postgres, list1m): an admin URL; fresh databases get the same URL. */
export const PG_ADMIN_URL = process.env.WEFT_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** PG_ADMIN_URL with the password hidden (for messages). */
export function describePg(url = PG_ADMIN_URL) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable WEFT_BENCH_PG)';
  }
}

/** The URL of `database` on the bench's PostgreSQL (PG_ADMIN_URL with the database name replaced). */
export function pgDatabaseUrl(database) {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${database}`;
  return u.toString();
}

const pgModulePath = createRequire(path.join(ROOT, 'package.json')).resolve('pg');
const loadPg = async () => (await import(pathToFileURL(pgModulePath).href)).default;

/** Runs `fn(client)` on a fresh admin connection (connect within 5 s), then closes it. */
export async function pgAdmin(fn) {
  const pg = await loadPg();
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5000 });
  client.on('error', () => {}); // a connection lost between queries: the next query says so
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Undefined when the bench's PostgreSQL answers; else why not (one line). */
export async function pgUnavailableReason() {
  try {
    await withTimeout(
      pgAdmin((c) => c.query('SELECT 1')),
      10_000,
      `PostgreSQL at ${describePg()}`,
    );
    return undefined;
  } catch (e) {
    const m = String(e?.message || e?.code || e);
    return `PostgreSQL at ${describePg()} does not answer (${m}); start it or point WEFT_BENCH_PG at one`;
  }
}

const quoteIdent = (name) => {
  if (!/^[a-z0-9_]{1,63}$/.test(name)) throw new Error(`unexpected database name ${name}`);
  return `"${name}"`;
};

/** Databases this process created and has not dropped (or renamed) yet: dropped on failure / Ctrl-C / exit. */
const pgDatabases = new Set();
/** A fresh temp database name: weft_bench_<pid>_<8 hex> (stale ones of dead pids are swept, sweepStalePg). */
const TEMP_DB = /^weft_bench_(\d+)_[0-9a-f]{8}$/;

/** Creates an empty database `weft_bench_<pid>_<random>`; returns { name, url }. */
export async function createPgDatabase() {
  const name = `weft_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  pgDatabases.add(name);
  await pgAdmin((c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  return { name, url: pgDatabaseUrl(name) };
}

/** DROP DATABASE ... WITH (FORCE) (connections still on it are cut). */
export async function dropPgDatabase(name) {
  await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
  pgDatabases.delete(name);
}

/** Renames a temp database (its fill is complete) to `to`, replacing an older `to`; no connection may be on it. */
export async function renamePgDatabase(from, to) {
  await pgAdmin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(to)} WITH (FORCE)`);
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query(`ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`);
        break;
      } catch (e) {
        // 55006 object_in_use: a connection of the fill process has not gone yet
        if (e?.code !== '55006' || attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  });
  pgDatabases.delete(from);
}

/** Names of the databases on the bench's PostgreSQL that match `re`. */
export async function listPgDatabases(re) {
  const rows = await pgAdmin((c) => c.query('SELECT datname FROM pg_database'));
  return rows.rows.map((r) => r.datname).filter((n) => re.test(n));
}

/** Best effort: drops every database this process created and still holds (failure, Ctrl-C). */
export async function dropAllPgDatabases() {
  for (const name of [...pgDatabases]) {
    try {
      await withTimeout(dropPgDatabase(name), 15_000, `DROP DATABASE ${name}`);
      log(`dropped database ${name}`);
    } catch (e) {
      log(`could not drop database ${name}: ${e?.message ?? e}`);
    }
  }
}

/** The same, synchronously (an 'exit' handler): one short node process runs the DROPs. */
export function dropAllPgDatabasesSync() {
  if (pgDatabases.size === 0) return;
  const names = [...pgDatabases];
  pgDatabases.clear();
  const script = `
    const pg = require(${JSON.stringify(pgModulePath)});
    (async () => {
      const c = new pg.Client({ connectionString: process.env.WEFT_BENCH_PG, connectionTimeoutMillis: 5000 });
      await c.connect();
      for (const n of ${JSON.stringify(names)}) await c.query('DROP DATABASE IF EXISTS "' + n + '" WITH (FORCE)');
      await c.end();
    })().catch((e) => { console.error('[bench] could not drop ' + ${JSON.stringify(names.join(', '))} + ': ' + e.message); process.exit(1); });`;
  spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, WEFT_BENCH_PG: PG_ADMIN_URL },
    stdio: ['ignore', 2, 2],
    timeout: 15_000,
  });
}

/**
 * Drops temp databases left by bench runs that were SIGKILLed (weft_bench_<pid>_<hex> whose pid is gone); only
 * when PostgreSQL is on this machine (else a pid says nothing).
 */
export async function sweepStalePgDatabases() {
  const host = new URL(PG_ADMIN_URL).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', ''].includes(host)) return;
  for (const name of await listPgDatabases(TEMP_DB)) {
    const pid = Number(TEMP_DB.exec(name)[1]);
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = e.code !== 'ESRCH';
    }
    if (alive) continue;
    log(`dropping database ${name}, left by bench process ${pid} (gone)`);
    await dropPgDatabase(name).catch((e) => log(`could not drop ${name}: ${e.message}`));
  }
}

/** What the PostgreSQL server says about durability (as the peers' scripts check theirs at run time). */
export async function pgSettings() {
  const r = await pgAdmin((c) =>
    c.query(
      `SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sc,
              current_setting('fsync') AS fsync`,
    ),
  );
  const row = r.rows[0];
  return { pg_version: row.v, pg_synchronous_commit: row.sc, pg_fsync: row.fsync };
}

/** The JSON line of a workload that could not run at all (so a subset never silently loses a line). */
export function failureLine(workload, err, extra) {
  return {
    system: 'weft',
    workload,
    n: 0,
    seconds: null,
    wf_per_s: null,
    p50_ms: null,
    p99_ms: null,
    peak_rss_mb: null,
    errors: 1,
    failed: String(err?.message ?? err),
    ...extra,
  };
}
