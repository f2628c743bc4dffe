// Shared pieces of the Weft benchmark: paths, child processes (with bounded waits and cleanup), the worker
// set-up used by both layouts, and small helpers. Node built-ins only at import time; dist/ is imported lazily
// (the runner builds it first).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
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
 * stdout: 'inherit', stderr inherited. Returns helpers to wait for a JSON line and to stop the child.
 */
export function spawnNode(
  script,
  args = [],
  { env = {}, name = path.basename(script), nodeArgs = [], stdout = 'pipe' } = {},
) {
  const proc = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', stdout, 'inherit'],
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
