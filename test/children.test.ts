/**
 * Child workflows, handles to other workflows, continue-as-new, history limits and workflow retries, over
 * HTTP on a real SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '../src/client/index.js';
import type { HistoryEvent } from '../src/protocol/events.js';
import { Worker } from '../src/worker/index.js';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-children';
let ts: TestServer;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, {
    taskQueue: TQ,
    workflowsPath: fixture('children.ts'),
    activities,
  }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

const types = (events: HistoryEvent[]): string[] => events.map((e) => e.eventType);
const start = (type: string, args: unknown[] = [], workflowId = uid(type)) =>
  ts.client.workflow.start(type, { taskQueue: TQ, workflowId, args });

describe('child workflows', () => {
  it('a parent executes a child and gets its result; both histories show the child events', async () => {
    const h = await start('parentOfOne', [41]);
    const r = (await h.result()) as { result: number; parentSeen?: string };
    expect(r.result).toBe(42);
    const { events } = await h.fetchHistory();
    const t = types(events);
    const initiated = t.indexOf('StartChildWorkflowExecutionInitiated');
    const started = t.indexOf('ChildWorkflowExecutionStarted');
    const completed = t.indexOf('ChildWorkflowExecutionCompleted');
    expect(initiated).toBeGreaterThan(0);
    expect(started).toBeGreaterThan(initiated);
    expect(completed).toBeGreaterThan(started);
    const ev = events[completed]!.attributes as { initiatedEventId: number; result: number; workflowId: string };
    expect(ev).toMatchObject({
      initiatedEventId: events[initiated]!.eventId,
      result: 42,
      workflowId: `${h.workflowId}-child`,
    });

    const child = ts.client.workflow.getHandle(`${h.workflowId}-child`);
    const d = await child.describe();
    expect(d.parentExecution).toEqual({ workflowId: h.workflowId, runId: h.runId });
    // list items name the parent too; the parent's own has none
    const listed = [];
    for await (const e of ts.client.workflow.list({
      query: `WorkflowId = '${h.workflowId}-child' OR WorkflowId = '${h.workflowId}'`,
    }))
      listed.push(e);
    expect(listed.find((e) => e.workflowId === h.workflowId)?.parentExecution).toBeUndefined();
    expect(listed.find((e) => e.workflowId !== h.workflowId)?.parentExecution).toEqual({
      workflowId: h.workflowId,
      runId: h.runId,
    });
    const childStarted = (await child.fetchHistory()).events[0]!.attributes as Record<string, unknown>;
    expect(childStarted.parentWorkflowExecution).toEqual({ workflowId: h.workflowId, runId: h.runId });
  });

  it('rootExecution: the top of the chain of parents, in describe, list items, history and workflowInfo()', async () => {
    const h = await start('grandparent', [1]);
    expect((await h.result()).result).toBe(2);
    const top = { workflowId: h.workflowId, runId: h.runId };
    const ids = [h.workflowId, `${h.workflowId}-mid`, `${h.workflowId}-mid-child`];
    // every level has the grandparent as its root; the grandparent is its own
    for (const id of ids) expect((await ts.client.workflow.getHandle(id).describe()).rootExecution).toEqual(top);
    const listed = new Map<string, { rootExecution?: unknown; historySize?: number }>();
    for await (const e of ts.client.workflow.list({ query: `WorkflowId STARTS_WITH '${h.workflowId}'` }))
      listed.set(e.workflowId, e);
    expect(listed.size).toBe(3);
    for (const id of ids) {
      expect(listed.get(id)?.rootExecution, id).toEqual(top);
      // the size as describe gives it
      const d = await ts.client.workflow.getHandle(id).describe();
      expect(listed.get(id)?.historySize, id).toBe(d.historySize);
      expect(d.historySize).toBeGreaterThan(0);
    }
    // the children's started events record the root; the top one's leaves it out (it is the run itself)
    const startedOf = async (id: string): Promise<Record<string, unknown>> =>
      (await ts.client.workflow.getHandle(id).fetchHistory()).events[0]!.attributes as Record<string, unknown>;
    expect((await startedOf(ids[0]!)).rootWorkflowExecution).toBeUndefined();
    expect((await startedOf(ids[2]!)).rootWorkflowExecution).toEqual(top);
    // workflowInfo().root as Temporal's: the root for a child, undefined for a run without a parent
    const seer = await start('parentOfRootSeer');
    expect(await seer.result()).toEqual({ child: { root: seer.workflowId, parent: seer.workflowId }, own: null });
  });

  it('a parent with 100 children gets every result', async () => {
    const h = await start('parentOfMany', [100]);
    expect(await h.result()).toBe(Array.from({ length: 100 }, (_, i) => i + 1).reduce((a, b) => a + b, 0));
    const { events } = await h.fetchHistory();
    expect(events.filter((e) => e.eventType === 'StartChildWorkflowExecutionInitiated')).toHaveLength(100);
    expect(events.filter((e) => e.eventType === 'ChildWorkflowExecutionStarted')).toHaveLength(100);
    expect(events.filter((e) => e.eventType === 'ChildWorkflowExecutionCompleted')).toHaveLength(100);
    expect(
      await ts.client.workflow.count(`WorkflowId STARTS_WITH '${h.workflowId}-c' AND ExecutionStatus = 'Completed'`),
    ).toEqual({ count: 100 });
  }, 60_000);

  it('a child that continues as new reports once, from its last run', async () => {
    const h = await start('parentOfContinuingChild');
    const r = (await h.result()) as { n: number; continuedFrom?: string };
    expect(r.n).toBe(2);
    const { events } = await h.fetchHistory();
    const completed = events.filter((e) => e.eventType === 'ChildWorkflowExecutionCompleted');
    expect(completed).toHaveLength(1);
    const child = ts.client.workflow.getHandle(`${h.workflowId}-child`);
    // the report names the child's last run, which continued from an earlier one
    expect((completed[0]!.attributes as { runId: string }).runId).toBe((await child.describe()).runId);
    expect(r.continuedFrom).toBeDefined();
    // continue-as-new keeps the parent, and so the root (as Temporal)
    expect((await child.describe()).rootExecution).toEqual({ workflowId: h.workflowId, runId: h.runId });
  });

  it("a child's failure reaches the parent as ChildWorkflowFailure with its cause", async () => {
    const h = await start('parentOfFailing');
    expect(await h.result()).toEqual({
      name: 'ChildWorkflowFailure',
      causeType: 'Boom',
      childId: `${h.workflowId}-child`,
    });
    const { events } = await h.fetchHistory();
    expect(types(events)).toContain('ChildWorkflowExecutionFailed');
  });

  it('describe shows pending children; signals reach a child through its handle and an external handle', async () => {
    const h = await start('parentSignalsChild');
    expect(await h.result()).toEqual(['a', 'b']);
    const { events } = await h.fetchHistory();
    expect(events.filter((e) => e.eventType === 'SignalExternalWorkflowExecutionInitiated')).toHaveLength(3);
    expect(events.filter((e) => e.eventType === 'ExternalWorkflowExecutionSignaled')).toHaveLength(3);
  });

  it('cancelling the scope of a child cancels the child; the parent sees a ChildWorkflowFailure caused by cancellation', async () => {
    const h = await start('parentCancelsChild');
    expect(await h.result()).toBe('child cancelled');
    const child = ts.client.workflow.getHandle(`${h.workflowId}-child`);
    expect((await child.describe()).status.name).toBe('CANCELLED');
    const t = types((await h.fetchHistory()).events);
    expect(t).toContain('RequestCancelExternalWorkflowExecutionInitiated');
    expect(t).toContain('ExternalWorkflowExecutionCancelRequested');
    expect(t).toContain('ChildWorkflowExecutionCanceled');
  });

  it.each(['TRY_CANCEL', 'ABANDON', 'WAIT_CANCELLATION_REQUESTED'] as const)(
    '%s: the parent stops waiting with a ChildWorkflowFailure caused by cancellation; the child is asked to cancel unless ABANDON',
    async (cancellationType) => {
      const h = await start('parentCancelsChild', [cancellationType, 1000]);
      expect(await h.result()).toBe('child cancelled');
      const child = ts.client.workflow.getHandle(`${h.workflowId}-child`);
      const { events } = await h.fetchHistory();
      const t = types(events);
      if (cancellationType === 'ABANDON') {
        expect(t).not.toContain('RequestCancelExternalWorkflowExecutionInitiated');
        expect((await child.describe()).status.name).toBe('RUNNING');
        await child.terminate('test over');
      } else {
        expect(t).toContain('RequestCancelExternalWorkflowExecutionInitiated');
        await waitFor(async () => (await child.describe()).status.name === 'CANCELLED', 10_000, 'the child cancelled');
      }
      // the task that cancelled recorded the SDK flag it used, once
      const flags = events.flatMap((e) =>
        e.eventType === 'WorkflowTaskCompleted' ? (e.attributes.sdkFlags ?? []) : [],
      );
      expect(flags.filter((f) => f === 1)).toEqual([1]);
      await expect(
        Worker.runReplayHistory({ workflowsPath: fixture('children.ts') }, { events }),
      ).resolves.toBeUndefined();
    },
  );

  it('a child cancelled in the workflow task that starts it is never started; its start rejects with a ChildWorkflowFailure', async () => {
    const h = await start('parentCancelsChildAtOnce');
    expect(await h.result()).toBe('child cancelled');
    const t = types((await h.fetchHistory()).events);
    expect(t).not.toContain('StartChildWorkflowExecutionInitiated');
    await expect(ts.client.workflow.getHandle(`${h.workflowId}-child`).describe()).rejects.toMatchObject({
      name: 'WorkflowNotFoundError',
    });
  });

  it('parent close policy: TERMINATE (default) ends the child, REQUEST_CANCEL cancels it, ABANDON leaves it running', async () => {
    const ids = { TERMINATE: uid('pc-term'), REQUEST_CANCEL: uid('pc-cancel'), ABANDON: uid('pc-abandon') };
    for (const [policy, childId] of Object.entries(ids)) {
      const h = await start('parentLeavesChild', [policy, childId]);
      expect(await h.result()).toBe('parent done');
    }
    const statusOf = (id: string) =>
      ts.client.workflow
        .getHandle(id)
        .describe()
        .then((d) => d.status.name);
    expect(await waitFor(async () => ((await statusOf(ids.TERMINATE)) === 'TERMINATED' ? 'ok' : undefined))).toBe('ok');
    expect(await waitFor(async () => ((await statusOf(ids.REQUEST_CANCEL)) === 'CANCELLED' ? 'ok' : undefined))).toBe(
      'ok',
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(await statusOf(ids.ABANDON)).toBe('RUNNING');
    await ts.client.workflow.getHandle(ids.ABANDON).signal('release');
    expect(await ts.client.workflow.getHandle(ids.ABANDON).result()).toEqual([]);
  });

  it('parent close policy reaches a child that continued as new (its newest run), as Temporal', async () => {
    const ids = { TERMINATE: uid('pc-can-term'), REQUEST_CANCEL: uid('pc-can-cancel') };
    for (const [policy, childId] of Object.entries(ids)) {
      const h = await start('parentLeavesContinuingChild', [policy, childId]);
      expect(await h.result()).toBe('parent done');
    }
    const describe = (id: string) => ts.client.workflow.getHandle(id).describe();
    for (const [policy, childId] of Object.entries(ids)) {
      const want = policy === 'TERMINATE' ? 'TERMINATED' : 'CANCELLED';
      await waitFor(async () => (await describe(childId)).status.name === want, 10_000, `${policy} to apply`);
      // the newest run of the chain; the first one had continued as new
      const runs: string[] = [];
      for await (const e of ts.client.workflow.list({ query: `WorkflowId = '${childId}'` })) runs.push(e.status.name);
      expect(runs.sort()).toEqual(['CONTINUED_AS_NEW', want].sort());
    }
  });

  it('describe shows the pending child while the parent waits on it, and none once it closed', async () => {
    const childId = uid('pending-child');
    const h = await start('parentWaitsOnChild', [childId]);
    const pending = await waitFor(async () => {
      const d = await h.describe();
      return d.pendingChildren[0]?.state === 'STARTED' ? d.pendingChildren : undefined;
    });
    const child = ts.client.workflow.getHandle(childId);
    expect(pending).toEqual([
      {
        workflowId: childId,
        runId: (await child.describe()).runId,
        workflowType: 'waitingChild',
        initiatedEventId: expect.any(Number) as number,
        parentClosePolicy: 'ABANDON',
        state: 'STARTED',
      },
    ]);
    await child.signal('ping', 'x');
    await child.signal('release');
    expect(await h.result()).toEqual(['x']);
    expect((await h.describe()).pendingChildren).toEqual([]);
  });

  it('a child with an unregistered search attribute fails to start, naming the cause', async () => {
    const h = await start('parentOfBadAttributes');
    expect(await h.result()).toBe('INVALID_SEARCH_ATTRIBUTE');
    const failed = (await h.fetchHistory()).events.find((e) => e.eventType === 'StartChildWorkflowExecutionFailed');
    expect((failed?.attributes as { message: string }).message).toContain('NotRegistered');
  });

  it('a child whose workflow id is taken fails to start with WorkflowExecutionAlreadyStarted', async () => {
    const other = await start('waitingChild');
    const h = await start('parentOfDuplicate', [other.workflowId]);
    expect(await h.result()).toBe('WorkflowExecutionAlreadyStarted');
    expect(types((await h.fetchHistory()).events)).toContain('StartChildWorkflowExecutionFailed');
    await other.terminate();
  });
});

describe('external workflow handles', () => {
  it('signal and cancel another workflow; an unknown one fails with ExternalWorkflowExecutionNotFound', async () => {
    const target = await start('waitingChild');
    expect(await (await start('signalOther', [target.workflowId, 'hi'])).result()).toBe('ok');
    expect(await (await start('cancelOther', [target.workflowId])).result()).toBe('ok');
    const err = await target.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((await target.describe()).status.name).toBe('CANCELLED');
    expect(await (await start('signalOther', ['no-such-workflow', 'x'])).result()).toBe(
      'ExternalWorkflowExecutionNotFound',
    );
    expect(await (await start('cancelOther', ['no-such-workflow'])).result()).toBe('ExternalWorkflowExecutionNotFound');
  });
});

describe('continue-as-new', () => {
  it('closes each run as ContinuedAsNew and starts the next in the same transaction; result() follows the chain', async () => {
    const h = await start('counter', [0, 3]);
    const r = (await h.result()) as { n: number; continuedFrom?: string };
    expect(r.n).toBe(3);
    const first = await ts.client.workflow.getHandle(h.workflowId, h.runId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    const firstHistory = (await ts.client.workflow.getHandle(h.workflowId, h.runId).fetchHistory()).events;
    const last = firstHistory[firstHistory.length - 1]!;
    expect(last.eventType).toBe('WorkflowExecutionContinuedAsNew');
    const next = (last.attributes as { newExecutionRunId: string }).newExecutionRunId;
    const second = (await ts.client.workflow.getHandle(h.workflowId, next).fetchHistory()).events[0]!;
    expect(second.attributes).toMatchObject({
      continuedExecutionRunId: h.runId,
      firstExecutionRunId: h.runId,
      input: [1, 3],
    });
    const current = await ts.client.workflow.getHandle(h.workflowId).describe();
    expect(current.status.name).toBe('COMPLETED');
    expect(r.continuedFrom).toBeDefined();
    expect(await ts.client.workflow.count(`WorkflowId = '${h.workflowId}'`)).toEqual({ count: 4 });
  });
});

describe('history limits (a server configured with small ones)', () => {
  let small: TestServer;
  let stopSmallWorker: () => Promise<void>;
  beforeAll(async () => {
    small = await startTestServer({
      config: {
        historyLimits: {
          suggestContinueAsNewEvents: 60,
          suggestContinueAsNewBytes: 10 * 1024 * 1024,
          maxEvents: 200,
          maxBytes: 50 * 1024 * 1024,
        },
      },
    });
    ({ stop: stopSmallWorker } = await startWorker(small, {
      taskQueue: TQ,
      workflowsPath: fixture('children.ts'),
      activities,
    }));
  });
  afterAll(async () => {
    await stopSmallWorker?.();
    await small?.stop();
  });
  const startSmall = (type: string, args: unknown[] = []) =>
    small.client.workflow.start(type, { taskQueue: TQ, workflowId: uid(type), args });

  it('each WorkflowTaskStarted tells the size of the history committed before it', async () => {
    const h = await startSmall('counter', [0, 0]);
    await h.result();
    const { events } = await h.fetchHistory();
    const size = (upTo: number): number =>
      events.filter((e) => e.eventId <= upTo).reduce((n, e) => n + JSON.stringify(e).length, 0);
    const started = events.filter((e) => e.eventType === 'WorkflowTaskStarted');
    expect(started.length).toBeGreaterThan(1);
    for (let i = 1; i < started.length; i++) {
      const bytes = (started[i]!.attributes as { historySizeBytes: number }).historySizeBytes;
      // at least what the previous task had seen, at most everything written before this one
      expect(bytes).toBeGreaterThanOrEqual(size(started[i - 1]!.eventId));
      expect(bytes).toBeLessThanOrEqual(size(started[i]!.eventId - 1));
    }
  });

  it('workflowInfo().continueAsNewSuggested turns true past the configured history length', async () => {
    const h = await startSmall('longHistory', [0]);
    const r = (await h.result()) as { round: number; timers: number };
    expect(r.round).toBe(1);
    // 60 events in this test server: a timer costs 5 events (fired, task scheduled/started/completed, started)
    expect(r.timers).toBeGreaterThan(5);
    expect(r.timers).toBeLessThan(20);
  });

  it('a run past the history limit fails with HistoryLimitExceeded', async () => {
    const h = await startSmall('endless');
    const err = await h.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toMatchObject({ type: 'HistoryLimitExceeded' });
    const d = await h.describe();
    expect(d.status.name).toBe('FAILED');
    expect(d.historyLength).toBeGreaterThanOrEqual(200);
    expect(d.historyLength).toBeLessThan(210);
  });
});

describe('workflow retry policy', () => {
  it('a failing workflow with a retry policy runs again (attempt 2, 3) and result() follows to the success', async () => {
    const h = await ts.client.workflow.start('retriedWorkflow', {
      taskQueue: TQ,
      workflowId: uid('wf-retry'),
      args: [3],
      retry: { initialInterval: 50, maximumAttempts: 5 },
    });
    expect(await h.result()).toBe(3);
    const first = await ts.client.workflow.getHandle(h.workflowId, h.runId).describe();
    expect(first.status.name).toBe('FAILED');
    const closing = (await ts.client.workflow.getHandle(h.workflowId, h.runId).fetchHistory()).events.at(-1)!;
    expect(closing.attributes).toMatchObject({ retryState: 'IN_PROGRESS' });
    expect(await ts.client.workflow.count(`WorkflowId = '${h.workflowId}'`)).toEqual({ count: 3 });
  });

  it('maximumAttempts ends the retries with the last failure', async () => {
    const h = await ts.client.workflow.start('retriedWorkflow', {
      taskQueue: TQ,
      workflowId: uid('wf-retry-max'),
      args: [10],
      retry: { initialInterval: 20, maximumAttempts: 2 },
    });
    const err = (await h.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(err.cause?.message).toContain('attempt 2 failed');
  });
});
