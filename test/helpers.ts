/** Shared helpers for integration tests: real servers on 127.0.0.1, real SQLite files, real workers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '../src/client/index.js';
import { startServer, type StartServerOptions, type WeftServer } from '../src/server/index.js';
import { Worker, type WorkerOptions } from '../src/worker/index.js';
import { createLogger } from '../src/common/logger.js';
import { createTestDatabase } from '../src/store/postgres/test-pg.js';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const fixture = (name: string): string => path.join(FIXTURES, name);

let seq = 0;
/** A workflow id unique within this test process. */
export const uid = (prefix = 'wf'): string => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++seq}`;

export interface TestServer {
  server: WeftServer;
  connection: Connection;
  client: Client;
  dir: string;
  dbPath: string;
  stop(): Promise<void>;
}

/**
 * The store integration tests run on: a SQLite file (default), or with WEFT_TEST_STORE=postgres a fresh
 * PostgreSQL database per server (`npm test` runs a second pass of the end-to-end files that way).
 */
export const TEST_STORE = process.env['WEFT_TEST_STORE'] === 'postgres' ? 'postgres' : 'sqlite';

/** A server over HTTP on a real SQLite file in a temp dir (or a fresh PostgreSQL database), and a client for it. */
export async function startTestServer(opts: StartServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-it-'));
  const pg = TEST_STORE === 'postgres' && !opts.db && !opts.store ? await createTestDatabase() : undefined;
  const dbPath = pg?.url ?? path.join(dir, 'weft.db');
  const server = await startServer({ port: 0, db: dbPath, logLevel: 'warn', ...opts });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  return {
    server,
    connection,
    client,
    dir,
    dbPath,
    async stop() {
      await connection.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
      await pg?.drop();
    },
  };
}

export const quietLogger = createLogger('silent');

/** A worker on the test server's connection, running until stopped. */
export async function startWorker(
  ts: { connection: Connection },
  opts: Omit<WorkerOptions, 'connection'>,
): Promise<{ worker: Worker; running: Promise<void>; stop(): Promise<void> }> {
  const worker = await Worker.create({
    connection: ts.connection,
    handleSignals: false,
    logger: quietLogger,
    shutdownGraceTime: '2s',
    ...opts,
  });
  const running = worker.run();
  return {
    worker,
    running,
    async stop() {
      worker.shutdown();
      await running;
    },
  };
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
