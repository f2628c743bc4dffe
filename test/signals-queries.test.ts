/** Signals (in order, once) and queries (from a live or closed workflow, never changing it), over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryNotRegisteredError, WorkflowFailedError, WorkflowNotFoundError } from '../src/client/index.js';
import * as activities from './fixtures/activities.js';
import { addSignal, badQuery, countQuery, finishSignal, totalQuery } from './fixtures/messages.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-messages';
let ts: TestServer;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('workflows.ts'), activities }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

describe('signals', () => {
  it('a workflow receives 1,000 signals and sums them: each applied once, in order', async () => {
    const handle = await ts.client.workflow.start('summer', { taskQueue: TQ, workflowId: uid('sum'), args: [1000] });
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    // in parallel, from many requests at once
    await Promise.all(values.map((v) => handle.signal(addSignal, v)));
    expect(await handle.result()).toBe(500_500);
    const { events } = await handle.fetchHistory();
    const signalled = events.filter((e) => e.eventType === 'WorkflowExecutionSignaled');
    expect(signalled).toHaveLength(1000);
    expect(signalled.map((e) => (e.attributes as { input: number[] }).input[0]).sort((a, b) => a! - b!)).toEqual(
      values,
    );
  });

  it('signals sent before the handler is set are delivered to it in order', async () => {
    const handle = await ts.client.workflow.start('lateHandler', { taskQueue: TQ, workflowId: uid('late') });
    for (const v of [7, 8, 9]) await handle.signal('add', v);
    expect(await handle.result()).toEqual([7, 8, 9]);
  });

  it('signalWithStart starts a run with the signal in it, or signals the running one', async () => {
    const workflowId = uid('sws');
    const h1 = await ts.client.workflow.signalWithStart('summer', {
      taskQueue: TQ,
      workflowId,
      args: [2],
      signal: addSignal,
      signalArgs: [40],
    });
    const h2 = await ts.client.workflow.signalWithStart('summer', {
      taskQueue: TQ,
      workflowId,
      args: [2],
      signal: addSignal,
      signalArgs: [2],
    });
    expect(h2.runId).toBe(h1.runId);
    expect(await h1.result()).toBe(42);
    const { events } = await h1.fetchHistory();
    expect(
      events[1]?.eventType === 'WorkflowTaskScheduled' || events[1]?.eventType === 'WorkflowExecutionSignaled',
    ).toBe(true);
    expect(events.filter((e) => e.eventType === 'WorkflowExecutionSignaled')).toHaveLength(2);
  });

  it("signalWithStart: the signal reaches a handler set at the top before the code after it runs (Temporal's order)", async () => {
    const handle = await ts.client.workflow.signalWithStart('signalledAtStart', {
      taskQueue: TQ,
      workflowId: uid('sws-order'),
      signal: finishSignal,
      signalArgs: [],
    });
    expect(await handle.result()).toBe('saw the signal first');
    const { events } = await handle.fetchHistory();
    expect(events.some((e) => e.eventType === 'TimerStarted')).toBe(false);
    const flags = events.flatMap((e) => (e.eventType === 'WorkflowTaskCompleted' ? (e.attributes.sdkFlags ?? []) : []));
    expect(flags).toContain(2);
  });

  it('a signal to a closed workflow is refused with WORKFLOW_NOT_RUNNING', async () => {
    const handle = await ts.client.workflow.start('summer', { taskQueue: TQ, workflowId: uid('closed'), args: [1] });
    await handle.signal(addSignal, 1);
    await handle.result();
    const err = await handle.signal(addSignal, 1).catch((e: unknown) => e);
    // as Temporal: WorkflowNotFoundError; Weft's code says why
    expect(err).toBeInstanceOf(WorkflowNotFoundError);
    expect(err).toMatchObject({ code: 'WORKFLOW_NOT_RUNNING' });
  });

  it("a handle from start follows the workflow's current run across continue-as-new (as Temporal's)", async () => {
    const handle = await ts.client.workflow.start('entity', { taskQueue: TQ, workflowId: uid('entity') });
    for (let i = 1; i <= 5; i++) await handle.signal(addSignal, i); // continues as new after the 2nd and 4th
    await waitFor(async () => (await handle.query(totalQuery)) === 15, 10_000, 'all five signals counted');
    const d = await handle.describe();
    expect(d.runId).not.toBe(handle.runId); // the current run, not the first
    expect(d.status.name).toBe('RUNNING');
    expect(handle.runId).toBe(handle.firstExecutionRunId);
    // signalWithStart on the running workflow returns its current run, which is not its chain's first: its
    // handle's terminate does not name a chain (as Temporal's), and works
    const sws = await ts.client.workflow.signalWithStart('entity', {
      taskQueue: TQ,
      workflowId: handle.workflowId,
      signal: addSignal,
      signalArgs: [0],
    });
    expect(sws.signaledRunId).toBe(d.runId);
    await sws.terminate('first chain over');
    // cancel and terminate of the start handle name the chain: a new chain under the same workflow id is not theirs
    const next = await ts.client.workflow.start('entity', { taskQueue: TQ, workflowId: handle.workflowId });
    await expect(handle.terminate()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(handle.cancel()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect((await next.describe()).status.name).toBe('RUNNING');
    // a handle for one run stays on that run
    const pinned = ts.client.workflow.getHandle(handle.workflowId, handle.runId);
    expect((await pinned.describe()).status.name).toBe('CONTINUED_AS_NEW');
    await next.signal(finishSignal);
    expect(await next.result()).toBe(0);
  });
});

describe('queries', () => {
  it('answers from the live state, with arguments, and from the final state once closed', async () => {
    const handle = await ts.client.workflow.start('summer', { taskQueue: TQ, workflowId: uid('q'), args: [10] });
    await handle.signal(addSignal, 5);
    await handle.signal(addSignal, 6);
    expect(await waitFor(async () => ((await handle.query(totalQuery)) === 11 ? 11 : undefined))).toBe(11);
    expect(await handle.query(countQuery, 3)).toBe(6);
    await handle.signal(finishSignal);
    expect(await handle.result()).toBe(11);
    const historyLength = (await handle.describe()).historyLength;
    expect(await handle.query(totalQuery)).toBe(11);
    expect(await handle.query('total')).toBe(11);
    // queries write nothing
    expect((await handle.describe()).historyLength).toBe(historyLength);
  });

  it('a query no handler answers is QueryNotRegisteredError; a query cannot schedule work', async () => {
    const handle = await ts.client.workflow.start('summer', { taskQueue: TQ, workflowId: uid('qerr'), args: [1] });
    await expect(handle.query('nope')).rejects.toBeInstanceOf(QueryNotRegisteredError);
    const err = await handle.query(badQuery).catch((e: unknown) => e);
    expect((err as Error).message).toContain('a query handler or update validator cannot change the workflow');
    const d = await handle.describe();
    expect(d.pendingActivities).toEqual([]);
    await handle.signal(finishSignal);
    expect(await handle.result()).toBe(0);
  });

  it('a worker without the workflow in its cache answers by replaying the history', async () => {
    const queue = uid('qnocache');
    const w = await startWorker(ts, {
      taskQueue: queue,
      workflowsPath: fixture('workflows.ts'),
      activities,
      maxCachedWorkflows: 0,
    });
    try {
      const handle = await ts.client.workflow.start('summer', { taskQueue: queue, workflowId: uid('qr'), args: [3] });
      await handle.signal(addSignal, 20);
      await handle.signal(addSignal, 22);
      expect(await waitFor(async () => ((await handle.query(totalQuery)) === 42 ? 42 : undefined))).toBe(42);
    } finally {
      await w.stop();
    }
  });

  it('without any worker a query fails at once with NO_WORKERS; a worker that does not answer: QUERY_TIMEOUT', async () => {
    const queue = uid('noworker');
    await ts.client.workflow.register({ workflowType: 'summer', taskQueue: queue });
    const handle = await ts.client.workflow.start('summer', { taskQueue: queue, workflowId: uid('qt'), args: [1] });
    const t0 = Date.now();
    await expect(handle.query(totalQuery)).rejects.toMatchObject({ code: 'NO_WORKERS', status: 400 });
    expect(Date.now() - t0).toBeLessThan(5_000);
    // a "worker" that polls once (and gets the workflow task) and then never answers the query
    const poll = await fetch(`${ts.server.address}/api/v1/namespaces/default/task-queues/${queue}/poll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identity: 'mute', maxWorkflowTasks: 1, maxActivityTasks: 0, timeoutMs: 1000 }),
    });
    expect(poll.status).toBe(200);
    ts.server.context.config.queryTimeoutMs = 300;
    try {
      await expect(handle.query(totalQuery)).rejects.toMatchObject({ code: 'QUERY_TIMEOUT' });
    } finally {
      ts.server.context.config.queryTimeoutMs = 20_000;
      await handle.terminate();
    }
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  });
});
