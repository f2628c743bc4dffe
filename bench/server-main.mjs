// Bench server process: a Weft server on 127.0.0.1, port 0 (any free port), SQLite at WEFT_BENCH_DB (default: a
// fresh temp file, removed on exit), default durability (synchronous=FULL), log level warn. Prints one JSON line
// {address, pid, ...} on stdout once it listens; stops on SIGTERM/SIGINT or when the parent closes stdin.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { distImport, onParentGone, sqliteSettings } from './lib.mjs';

const { startServer } = await distImport('server/index.js');
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
  logLevel: process.env.WEFT_BENCH_LOG_LEVEL ?? 'warn',
});
onParentGone(async () => {
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  try {
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
    db,
    ...sqliteSettings(server.context.store),
  }) + '\n',
);
