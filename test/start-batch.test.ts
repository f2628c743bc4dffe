/**
 * Starts sent together (src/client/start-batcher.ts): the starts of one event-loop turn go in one
 * `startWorkflows` request, each answered on its own; the bad input of the batch route.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '../src/client/index.js';
import { httpRequestsDuring, startTestServer, uid, type TestServer } from './helpers.js';

let ts: TestServer;
let client: Client;
beforeAll(async () => {
  ts = await startTestServer();
  // plain HTTP requests, to count them (the streaming channel carries the same batches: test/channel.test.ts)
  client = new Client({ connection: await Connection.connect({ address: ts.server.address, channel: false }) });
});
afterAll(async () => {
  await client?.connection.close();
  await ts?.stop();
});

it('sixty starts of one moment go in one request, and each gets its own run', async () => {
  const ids = Array.from({ length: 60 }, () => uid('batch'));
  let handles: Awaited<ReturnType<typeof client.workflow.start>>[] = [];
  const paths = await httpRequestsDuring(async () => {
    handles = await Promise.all(
      ids.map((workflowId) => client.workflow.start('nobody', { taskQueue: 'q', workflowId })),
    );
  });
  expect(paths.filter((p) => p.includes('/workflow-starts'))).toHaveLength(1);
  expect(paths.filter((p) => p.endsWith('/workflows'))).toHaveLength(0);
  expect(new Set(handles.map((h) => h.firstExecutionRunId)).size).toBe(60);
  for (const [i, h] of handles.entries()) {
    expect(h.workflowId).toBe(ids[i]);
    expect((await h.describe()).status.name).toBe('RUNNING');
  }
  expect((await client.workflow.count(`WorkflowId = '${ids[0]}' OR WorkflowId = '${ids[59]}'`)).count).toBe(2);
  // a lone start goes as a plain one
  const lone = await httpRequestsDuring(() => client.workflow.start('nobody', { taskQueue: 'q', workflowId: uid() }));
  expect(lone.filter((p) => p.endsWith('/workflows'))).toHaveLength(1);
});

it("one start's error is its own: the others of the request start", async () => {
  const taken = uid('taken');
  await client.workflow.start('nobody', { taskQueue: 'q', workflowId: taken });
  const fresh = uid('fresh');
  const [again, bad, ok] = await Promise.allSettled([
    client.workflow.start('nobody', { taskQueue: 'q', workflowId: taken }),
    client.workflow.start('nobody', { taskQueue: 'q', workflowId: uid(), searchAttributes: { NotRegistered: 1 } }),
    client.workflow.start('nobody', { taskQueue: 'q', workflowId: fresh }),
  ]);
  expect(again.status === 'rejected' && again.reason).toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
  expect(bad.status === 'rejected' && bad.reason).toMatchObject({ code: 'INVALID_SEARCH_ATTRIBUTE', status: 400 });
  expect(ok.status).toBe('fulfilled');
  expect((await client.workflow.getHandle(fresh).describe()).status.name).toBe('RUNNING');
});

it('the batch route refuses bad input with 400 and a stable code', async () => {
  const post = (body: unknown) =>
    fetch(`${ts.server.address}/api/v1/namespaces/default/workflow-starts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const start = { workflowId: uid(), workflowType: 'nobody', taskQueue: 'q' };
  for (const body of [
    {},
    { starts: [] },
    { starts: Array.from({ length: 501 }, () => start) },
    { starts: [{ ...start, eagerWorkflowTask: { identity: 'me' } }] },
    { starts: [{ ...start, waitMs: 100 }] },
    { starts: [start], extra: 1 },
  ]) {
    const r = await post(body);
    expect(r.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
  }
  // a well-formed one answers per start: the same workflow id twice starts once
  const r = await post({ starts: [start, start] });
  expect(r.status).toBe(200);
  const { results } = (await r.json()) as {
    results: Array<{ ok: boolean; start?: { runId: string }; status?: number; error?: { code: string } }>;
  };
  expect(results.map((x) => x.ok)).toEqual([true, false]);
  expect(results[0]!.start!.runId).toBeDefined();
  expect(results[1]).toMatchObject({ status: 409, error: { code: 'WORKFLOW_ALREADY_STARTED' } });
});
