/**
 * A worker retries task completions the server failed with an internal error (500), as Temporal's SDK retries
 * INTERNAL (src/worker/completion-batcher.ts): the completions are not lost to their tasks' timeouts, and one
 * the server had applied before failing completes only once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Connection, ServiceError } from 'weft/client';
import { Worker } from 'weft/worker';
import type { CallOptions, CallRequest, Transport } from '../src/client/transport.js';
import type { OperationId } from '../src/protocol/routes.js';
import * as activities from './fixtures/activities.js';
import { fixture, quietLogger, startTestServer, uid, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

/**
 * Fails the first `failures` completeTasks calls with the server's internal error: before they reach the server
 * (`after: false`), or after it applied them (`after: true`, the answer lost).
 */
function failingCompletions(inner: Transport, failures: number, after: boolean): Transport & { failed: number } {
  const t = {
    failed: 0,
    async call<T>(op: OperationId, req: CallRequest, opts?: CallOptions): Promise<T> {
      if (op !== 'completeTasks' || t.failed >= failures) return inner.call<T>(op, req, opts);
      t.failed++;
      if (after) await inner.call<T>(op, req, opts);
      throw new ServiceError('internal error (see the server log)', 'INTERNAL', 500);
    },
    health: () => inner.health(),
    close: async () => {},
  };
  return t;
}

async function runWith(transport: Transport & { failed: number }, workflowType: string, args: unknown[]) {
  const taskQueue = uid('completion-retry');
  const worker = await Worker.create({
    connection: Connection.fromTransport(transport),
    taskQueue,
    workflowsPath: fixture('workflows.ts'),
    activities,
    handleSignals: false,
    logger: quietLogger,
  });
  const workflowId = uid('completion-retry');
  // well inside the workflow task's timeout (10 s): a completion lost would only come back after it
  const result = await worker.runUntil(
    ts.client.workflow.execute(workflowType, { taskQueue, workflowId, args, workflowExecutionTimeout: '8s' }),
  );
  const history = await ts.client.workflow.getHandle(workflowId).fetchHistory();
  return { result, types: history.events.map((e) => e.eventType) };
}

it('retries completions the server failed before applying them', async () => {
  const transport = failingCompletions(ts.connection.transport, 2, false);
  const { result, types } = await runWith(transport, 'hello', ['retry']);
  expect(transport.failed).toBe(2);
  expect(result).toBe('Hello, retry!');
  expect(types.at(-1)).toBe('WorkflowExecutionCompleted');
});

// (no activity here: one handed back eagerly in an answer that is lost waits for its start-to-close timeout,
// as in Temporal)
it('a completion the server applied before failing completes once', async () => {
  const transport = failingCompletions(ts.connection.transport, 1, true);
  const { result, types } = await runWith(transport, 'info', []);
  expect(transport.failed).toBe(1);
  expect(result).toMatchObject({ workflowType: 'info', attempt: 1 });
  expect(types).toEqual([
    'WorkflowExecutionStarted',
    'WorkflowTaskScheduled',
    'WorkflowTaskStarted',
    'WorkflowTaskCompleted',
    'WorkflowExecutionCompleted',
  ]);
});
