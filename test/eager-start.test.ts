/**
 * Eager workflow start (Temporal's requestEagerStart): a worker in this process on the same connection gets the
 * new run's first workflow task in the start's answer, without a poll.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from 'weft/client';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

const TQ = 'it-eager';
let ts: TestServer;
let stopWorker: () => Promise<void>;
let identity: string;
beforeAll(async () => {
  ts = await startTestServer();
  const w = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('workflows.ts'), activities });
  stopWorker = w.stop;
  identity = (w.worker as unknown as { identity: string }).identity;
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

describe('eager workflow start', () => {
  it("hands the first workflow task to the worker on the client's connection", async () => {
    const handle = await ts.client.workflow.start('sequential', {
      taskQueue: TQ,
      workflowId: uid('eager'),
      args: [3],
      requestEagerStart: true,
    });
    expect(handle.eagerlyStarted).toBe(true);
    expect(await handle.result()).toBe(9);
    const events = (await handle.fetchHistory()).events;
    const firstStarted = events.find((e) => e.eventType === 'WorkflowTaskStarted');
    expect((firstStarted?.attributes as { identity: string }).identity).toBe(identity);
  });

  it('falls back to an ordinary start: another connection, no task queue, another queue, an existing run', async () => {
    const other = await Connection.connect({ address: ts.server.address });
    try {
      const client = new Client({ connection: other });
      const h1 = await client.workflow.start('sequential', {
        taskQueue: TQ,
        workflowId: uid('eager'),
        args: [1],
        requestEagerStart: true,
      });
      expect(h1.eagerlyStarted).toBe(false);
      expect(await h1.result()).toBe(5);
    } finally {
      await other.close();
    }
    const h2 = await ts.client.workflow.start('sleeper', {
      taskQueue: 'it-eager-nobody',
      workflowId: uid('eager'),
      args: [1],
      requestEagerStart: true,
    });
    expect(h2.eagerlyStarted).toBe(false);
    await h2.terminate();
    const workflowId = uid('eager');
    const first = await ts.client.workflow.start('sleeper', { taskQueue: TQ, workflowId, args: [60_000] });
    const again = await ts.client.workflow.start('sleeper', {
      taskQueue: TQ,
      workflowId,
      args: [1],
      workflowIdConflictPolicy: 'USE_EXISTING',
      requestEagerStart: true,
    });
    expect(again.eagerlyStarted).toBe(false);
    expect(again.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await first.terminate();
  });

  it('bad input: an eagerWorkflowTask without an identity is 400', async () => {
    const r = await fetch(`${ts.server.address}/api/v1/namespaces/default/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflowType: 'sleeper', taskQueue: TQ, workflowId: uid('e'), eagerWorkflowTask: {} }),
    });
    expect(r.status).toBe(400);
  });
});
