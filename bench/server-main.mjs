// Bench server process: a Weft server on 127.0.0.1, port 0 (any free port), log level warn, on WEFT_BENCH_DB: a
// SQLite file or a postgres:// URL (several of these processes may share one PostgreSQL database); default: a
// fresh temp SQLite file, removed on exit; default durability (SQLite synchronous=FULL). Prints one JSON line
// {address, pid, ...} on stdout once it listens; stops on SIGTERM/SIGINT or when the parent closes stdin.
// BENCH_PG_TRACE=1 (diagnosis only): count and time the store's PostgreSQL statements, pool waits, group-commit
// batches and HTTP requests, printed on stderr when the process stops (bench/pg-trace.mjs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyCliHeapPolicy, distImport, onParentGone, sqliteSettings } from './lib.mjs';

const trace = process.env.BENCH_PG_TRACE === '1' ? await import('./pg-trace.mjs') : undefined;
await trace?.install();
const { startServer } = await distImport('server/index.js');
// the V8 heap policy `weft server start` applies
await applyCliHeapPolicy('server/heap-tuning.js');
let tempDir;
let db = process.env.WEFT_BENCH_DB;
if (!db) {
  tempDir = mkdtempSync(path.join(tmpdir(), 'weft-bench-server-'));
  db = path.join(tempDir, 'weft.db');
}
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  db,
  // no retention sweeps: list1m's cached store holds a million runs closed long ago
  config: { retentionMs: 0 },
  logLevel: process.env.WEFT_BENCH_LOG_LEVEL ?? 'warn',
});
trace?.attach(server.context.store);
onParentGone(async () => {
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  try {
    trace?.report(`server ${process.env.WEFT_BENCH_SERVER_INDEX ?? 0} (pid ${process.pid})`);
    await server.stop();
  } finally {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    process.exit(0);
  }
});
process.stdout.write(
  JSON.stringify({
    ready: 'server',
    address: server.address,
    pid: process.pid,
    db: db.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@'),
    ...sqliteSettings(server.context.store),
  }) + '\n',
);
