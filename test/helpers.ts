/** Shared helpers for integration tests: real servers on 127.0.0.1, real SQLite files, real workers. */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Client, Connection, type WorkflowHandle } from '../src/client/index.js';
import type { PollResponse } from '../src/protocol/tasks.js';
import type { Mutation } from '../src/store/store.js';
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

/** A metric's value from a server's /metrics (0 when absent; the first sample of the name, without labels). */
export async function metric(address: string, name: string): Promise<number> {
  const text = await (await fetch(`${address}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** The HTTP answer to an upgrade the server refuses. */
export async function upgradeRefusal(
  address: string,
  path: string,
  protocol: string,
): Promise<{ status: number; body: { error: { code: string; message: string } } }> {
  const ws = new WebSocket(address.replace(/^http/, 'ws') + path, protocol);
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('error', () => {});
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }));
    });
  });
}

/** The paths of the HTTP requests this process sends while `fn` runs. */
export async function httpRequestsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const paths: string[] = [];
  const onCreate = (m: unknown): void => void paths.push((m as { request: { path: string } }).request.path);
  subscribe('undici:request:create', onCreate);
  try {
    await fn();
  } finally {
    unsubscribe('undici:request:create', onCreate);
  }
  return paths;
}

/** Counts the store's writes of one run's state (its transitions) from now on. */
export function countTransitions(ts: TestServer, runId: () => string | undefined): { count: number; stop(): void } {
  const store = ts.server.context.store;
  const commit = store.commit.bind(store);
  const counter = {
    count: 0,
    stop: () => {
      store.commit = commit;
    },
  };
  store.commit = (m: Mutation) => {
    counter.count += m.executions.filter((e) => e.state.runId === runId()).length;
    return commit(m);
  };
  return counter;
}

/**
 * A `fanout` run whose first workflow task a raw worker ('raw') has taken: its handle and that task's token, for
 * tests that drive the protocol by hand.
 */
export async function rawFirstWorkflowTask(
  ts: TestServer,
  taskQueue: string,
  workflowId = uid('raw'),
): Promise<{ handle: WorkflowHandle; taskToken: string }> {
  const handle = await ts.client.workflow.start('fanout', { taskQueue, workflowId, args: [] });
  const p = await ts.connection.transport.call<PollResponse>('pollTasks', {
    params: { namespace: 'default', taskQueue },
    body: { identity: 'raw', maxWorkflowTasks: 1, maxActivityTasks: 0, timeoutMs: 5000 },
  });
  return { handle, taskToken: p.workflowTasks[0]!.taskToken };
}

/** The raw worker completes its workflow task scheduling one activity (queued for a poll: none eagerly). */
export function scheduleOneActivity(
  ts: TestServer,
  taskQueue: string,
  taskToken: string,
  activityType: string,
  input: unknown[],
): Promise<unknown> {
  return ts.connection.transport.call('completeTasks', {
    params: { namespace: 'default' },
    body: {
      identity: 'raw',
      taskQueue,
      eagerActivitySlots: 0,
      completions: [
        {
          kind: 'workflowTaskCompleted',
          taskToken,
          commands: [
            {
              type: 'ScheduleActivityTask',
              seq: 1,
              activityId: '1',
              activityType,
              taskQueue,
              input,
              startToCloseTimeoutMs: 60_000,
            },
          ],
        },
      ],
    },
  });
}
