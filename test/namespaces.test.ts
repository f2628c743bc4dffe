/**
 * Namespaces as records (docs/security.md): create, describe, update, list, delete; an unknown namespace is
 * refused; each namespace's own retention and limits; nothing crosses between namespaces.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '../src/client/index.js';
import type { PollResponse } from '../src/protocol/tasks.js';
import { startServer } from '../src/server/index.js';
import { startTestServer, uid, waitFor, type TestServer } from './helpers.js';

let ts: TestServer;

beforeAll(async () => {
  // the server keeps every run (retention 0); namespaces may keep theirs shorter. Sweeps every 100 ms.
  ts = await startTestServer({ config: { retentionMs: 0, retentionSweepEveryMs: 100, resultWaitMs: 500 } });
});
afterAll(async () => {
  await ts?.stop();
});

const nsClient = (namespace: string): Client => new Client({ connection: ts.connection, namespace });

/** Waits for the sweeper to remove a deleted namespace (its record too: the name is free again). */
const namespaceGone = (name: string): Promise<unknown> =>
  waitFor(
    () =>
      ts.client.namespaces.describe(name).then(
        () => false,
        (e: { code?: string }) => e.code === 'NAMESPACE_NOT_FOUND',
      ),
    10_000,
    'the deleted namespace to be gone',
  );

it('default exists from the start; create, describe, update, list', async () => {
  const c = ts.client.namespaces;
  expect((await c.describe('default')).state).toBe('Registered');
  const name = uid('team');
  const made = await c.create({ name, description: 'a team', retention: '3d', limits: { maxPayloadBytes: 5000 } });
  expect(made).toMatchObject({
    name,
    description: 'a team',
    state: 'Registered',
    retentionMs: 3 * 86_400_000,
    retentionIsServerDefault: false,
    limits: { maxPayloadBytes: 5000 },
  });
  expect(made.createdAt).toBeInstanceOf(Date);
  const updated = await c.update(name, { description: 'renamed', retention: null });
  expect(updated).toMatchObject({ description: 'renamed', retentionMs: 0, retentionIsServerDefault: true });
  expect(updated.limits).toEqual({ maxPayloadBytes: 5000 });
  expect((await c.list()).map((n) => n.name)).toEqual(expect.arrayContaining(['default', name]));
  const again = await c.create({ name }).catch((e: { code?: string }) => e.code);
  expect(again).toBe('NAMESPACE_ALREADY_EXISTS');
});

it('an unknown namespace answers 404 NAMESPACE_NOT_FOUND on every route that names one', async () => {
  const ghost = nsClient('never-made');
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: { code?: string }) => e.code,
    );
  expect(await code(ghost.workflow.start('x', { taskQueue: 'q', workflowId: 'w' }))).toBe('NAMESPACE_NOT_FOUND');
  expect(await code(ghost.workflow.count())).toBe('NAMESPACE_NOT_FOUND');
  expect(await code(ghost.schedule.list().next())).toBe('NAMESPACE_NOT_FOUND');
  expect(await code(ts.client.namespaces.describe('never-made'))).toBe('NAMESPACE_NOT_FOUND');
  const r = await fetch(`${ts.server.address}/api/v1/namespaces/never-made/task-queues/q/poll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(r.status).toBe(404);
});

it('bad namespace requests are 4xx with a code', async () => {
  for (const body of [
    {},
    { name: 'bad name' },
    { name: 'x', retention: 'soon' },
    { name: 'x', limits: { maxPayloadBytes: 0 } },
  ]) {
    const r = await fetch(`${ts.server.address}/api/v1/namespaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(r.status, JSON.stringify(body)).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toMatch(/^INVALID_/);
  }
  const del = await ts.client.namespaces.delete('default').catch((e: { code?: string }) => e.code);
  expect(del).toBe('INVALID_ARGUMENT');
});

it('the same workflow id lives apart in two namespaces; lists and counts never cross', async () => {
  const [a, b] = [uid('iso-a'), uid('iso-b')];
  await ts.client.namespaces.create({ name: a });
  await ts.client.namespaces.create({ name: b });
  const workflowId = uid('same-id');
  const ha = await nsClient(a).workflow.start('nobody', { taskQueue: 'q', workflowId, args: ['in a'] });
  const hb = await nsClient(b).workflow.start('nobody', { taskQueue: 'q', workflowId, args: ['in b'] });
  expect(ha.firstExecutionRunId).not.toBe(hb.firstExecutionRunId);
  await ha.terminate('stop');
  expect((await hb.describe()).status.name).toBe('RUNNING');
  expect((await nsClient(a).workflow.count()).count).toBe(1);
  expect((await nsClient(b).workflow.count(`ExecutionStatus = 'Running'`)).count).toBe(1);
  await hb.terminate('stop');
});

it('delete: refused while a workflow runs; then the namespace is gone, its runs go, its name is free', async () => {
  const name = uid('doomed');
  await ts.client.namespaces.create({ name });
  const c = nsClient(name);
  const h = await c.workflow.start('nobody', { taskQueue: 'q', workflowId: uid('w') });
  expect(await ts.client.namespaces.delete(name).catch((e: { code?: string }) => e.code)).toBe('NAMESPACE_NOT_EMPTY');
  await h.terminate('make room');
  expect((await ts.client.namespaces.delete(name)).state).toBe('Deleted');
  expect(await c.workflow.count().catch((e: { code?: string }) => e.code)).toBe('NAMESPACE_NOT_FOUND');
  // the sweeper removes its closed run and then its record: the name can be used again
  await namespaceGone(name);
  await ts.client.namespaces.create({ name });
  expect((await nsClient(name).workflow.count()).count).toBe(0);
});

it('delete racing a start: a run and a schedule made as the namespace was deleted are terminated and deleted by the sweep', async () => {
  const name = uid('raced');
  await ts.client.namespaces.create({ name });
  const c = nsClient(name);
  const h = await c.workflow.start('nobody', { taskQueue: 'q', workflowId: uid('w') });
  await c.schedule.create({
    scheduleId: uid('s'),
    spec: { intervals: [{ every: '1h' }] },
    action: { type: 'startWorkflow', workflowType: 'nobody', taskQueue: 'q' },
  });
  // what the race leaves: the namespace marked deleted (its start and the schedule checked it just before)
  const ctx = ts.server.context;
  const ns = ctx.namespaces.get(name)!;
  const { version, updatedAt, ...body } = ns;
  await ctx.namespaces.write(name, version, { ...body, state: 'Deleted' }, updatedAt + 1);
  await namespaceGone(name);
  expect(await ctx.store.getExecution(h.firstExecutionRunId!)).toBeUndefined();
  expect(await ctx.store.listSchedules(name, undefined, 10)).toEqual([]);
});

it("a namespace's retention deletes its closed runs; other namespaces keep theirs", async () => {
  const short = uid('short');
  await ts.client.namespaces.create({ name: short, retention: '1s' });
  const gone = await nsClient(short).workflow.start('nobody', { taskQueue: 'q', workflowId: uid('gone') });
  const kept = await ts.client.workflow.start('nobody', { taskQueue: 'q', workflowId: uid('kept') });
  await gone.terminate('closed');
  await kept.terminate('closed');
  await waitFor(async () => (await nsClient(short).workflow.count()).count === 0, 10_000, 'retention in ' + short);
  expect((await kept.describe()).status.name).toBe('TERMINATED');
});

it("a namespace's limits: payload size and history length", async () => {
  const small = uid('small');
  await ts.client.namespaces.create({ name: small, limits: { maxPayloadBytes: 200, maxHistoryEvents: 6 } });
  const c = nsClient(small);
  const big = await c.workflow
    .start('nobody', { taskQueue: 'q', workflowId: uid('big'), args: ['x'.repeat(300)] })
    .catch((e: { code?: string }) => e.code);
  expect(big).toBe('PAYLOAD_TOO_LARGE');
  // the same payload is fine in default
  const fine = await ts.client.workflow.start('nobody', {
    taskQueue: 'q',
    workflowId: uid('fine'),
    args: ['x'.repeat(300)],
  });
  await fine.terminate();
  // signals grow the history past 6 events: the run fails with HistoryLimitExceeded
  const h = await c.workflow.start('nobody', { taskQueue: 'q', workflowId: uid('long') });
  for (let i = 0; i < 6; i++) await h.signal('poke', i).catch(() => undefined);
  const d = await h.describe();
  expect(d.status.name).toBe('FAILED');
  const { events } = await h.fetchHistory();
  const failed = events.find((e) => e.eventType === 'WorkflowExecutionFailed');
  expect(JSON.stringify(failed?.attributes)).toContain('HistoryLimitExceeded');

  // a memo upserted by the workflow counts too: over the limit, the run is terminated (as for any command payload)
  const taskQueue = uid('memo-q');
  const m = await c.workflow.start('nobody', { taskQueue, workflowId: uid('memo') });
  const polled = await ts.connection.transport.call<PollResponse>('pollTasks', {
    params: { namespace: small, taskQueue },
    body: { identity: 'raw', maxWorkflowTasks: 1, maxActivityTasks: 0, timeoutMs: 5000 },
  });
  await ts.connection.transport.call('completeTasks', {
    params: { namespace: small },
    body: {
      identity: 'raw',
      completions: [
        {
          kind: 'workflowTaskCompleted',
          taskToken: polled.workflowTasks[0]!.taskToken,
          commands: [{ type: 'ModifyWorkflowProperties', upsertedMemo: { note: 'x'.repeat(300) } }],
        },
      ],
    },
  });
  expect((await m.describe()).status.name).toBe('TERMINATED');
  expect(JSON.stringify((await m.fetchHistory()).events)).toContain('upserted memo');
});

it('startServer({ namespaces }) makes them at start unless they exist; a bad name is refused before anything opens', async () => {
  const again = await startTestServer({ namespaces: ['made-at-start', 'default'] });
  try {
    expect((await again.client.namespaces.describe('made-at-start')).state).toBe('Registered');
    expect(
      (await new Client({ connection: again.connection, namespace: 'made-at-start' }).workflow.count()).count,
    ).toBe(0);
  } finally {
    await again.stop();
  }
  await expect(startServer({ db: ':memory:', port: 0, namespaces: ['bad name'] })).rejects.toThrow(
    /namespace "bad name"/,
  );
});
