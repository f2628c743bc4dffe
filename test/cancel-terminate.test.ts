/** Cancel and terminate a workflow that has a pending activity and a pending timer. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelledFailure,
  TerminatedFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '../src/client/index.js';
import type { HistoryEvent, WorkflowHandle } from '../src/client/index.js';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-cancel';
let ts: TestServer;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, {
    taskQueue: TQ,
    workflowsPath: fixture('workflows.ts'),
    activities,
    defaultHeartbeatThrottleInterval: '100ms',
    maxHeartbeatThrottleInterval: '200ms',
  }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

const types = (events: HistoryEvent[]) => events.map((e) => e.eventType);

async function startedWithActivityAndTimer(type: string, timers = 1): Promise<WorkflowHandle> {
  const handle = await ts.client.workflow.start(type, { taskQueue: TQ, workflowId: uid() });
  await waitFor(
    async () => {
      const d = await handle.describe();
      return (
        d.pendingActivities.some((a) => a.state === 'STARTED' && a.lastHeartbeatTime) &&
        d.pendingTimers.length === timers
      );
    },
    10_000,
    'a running, heartbeating activity and a pending timer',
  );
  return handle;
}

describe('cancel', () => {
  it('cancels the activity (through its heartbeats) and the timer; the workflow ends Cancelled', async () => {
    const handle = await startedWithActivityAndTimer('pendingActivityAndTimer');
    await handle.cancel('user asked');
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const d = await handle.describe();
    expect(d.status.name).toBe('CANCELLED');
    const { events } = await handle.fetchHistory();
    const t = types(events);
    expect(t).toContain('WorkflowExecutionCancelRequested');
    expect(t).toContain('ActivityTaskCancelRequested');
    expect(t).toContain('TimerCanceled');
    expect(t.at(-1)).toBe('WorkflowExecutionCanceled');
    // the activity saw, at its next heartbeat, that it is not wanted any more (TRY_CANCEL: the workflow did
    // not wait, so by then the run had closed)
    const ending = await waitFor(
      () => activities.heartbeaterEndings.get(handle.workflowId),
      5000,
      'the activity to end',
    );
    expect(ending).toMatch(/^cancelled: /);
  });

  it('with WAIT_CANCELLATION_COMPLETED the activity gets the request through a heartbeat and its cancellation is recorded', async () => {
    const handle = await startedWithActivityAndTimer('waitsForActivityCancellation', 0);
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(activities.heartbeaterEndings.get(handle.workflowId)).toBe('cancelled: Activity cancellation requested');
    const t = types((await handle.fetchHistory()).events);
    expect(t.indexOf('ActivityTaskCancelRequested')).toBeLessThan(t.indexOf('ActivityTaskCanceled'));
    expect(t.at(-1)).toBe('WorkflowExecutionCanceled');
  });

  it('with ABANDON the workflow moves on at once, nothing is asked of the server, and the activity runs to its end', async () => {
    const handle = await ts.client.workflow.start('abandonsActivity', {
      taskQueue: TQ,
      workflowId: uid(),
      args: [400],
    });
    expect(await handle.result()).toBe('cancelled');
    const t = types((await handle.fetchHistory()).events);
    expect(t).not.toContain('ActivityTaskCancelRequested');
    expect(t).not.toContain('ActivityTaskCanceled');
    expect(t).toContain('ActivityTaskCompleted');
  });

  it('runs non-cancellable cleanup after a cancel', async () => {
    const handle = await startedWithActivityAndTimer('cancellableWithCleanup');
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const { events } = await handle.fetchHistory();
    const cleanup = events.filter(
      (e) =>
        e.eventType === 'ActivityTaskScheduled' && (e.attributes as { activityType: string }).activityType === 'greet',
    );
    expect(cleanup).toHaveLength(1);
    expect(types(events)).toContain('ActivityTaskCompleted');
    expect((await handle.describe()).status.name).toBe('CANCELLED');
  });

  it('a second cancel request is accepted and changes nothing', async () => {
    const handle = await ts.client.workflow.start('sleeper', { taskQueue: TQ, workflowId: uid(), args: [60_000] });
    await waitFor(async () => (await handle.describe()).pendingTimers.length === 1);
    // both before the workflow can act on the first (sequentially, a fast worker may close the run in between,
    // and a cancel of a closed run is WORKFLOW_NOT_RUNNING, as in Temporal)
    await Promise.all([handle.cancel(), handle.cancel()]);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const { events } = await handle.fetchHistory();
    expect(types(events).filter((t) => t === 'WorkflowExecutionCancelRequested')).toHaveLength(1);
  });
});

describe('terminate', () => {
  it('ends the run at once with its pending activity and timer; the activity learns it is no longer wanted', async () => {
    const handle = await startedWithActivityAndTimer('pendingActivityAndTimer');
    await handle.terminate('operator says so');
    const err = await handle.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
    expect((err as WorkflowFailedError).cause?.message).toBe('operator says so');
    const d = await handle.describe();
    expect(d.status.name).toBe('TERMINATED');
    expect(d.pendingActivities).toEqual([]);
    expect(d.pendingTimers).toEqual([]);
    const { events } = await handle.fetchHistory();
    expect(events.at(-1)).toMatchObject({
      eventType: 'WorkflowExecutionTerminated',
      attributes: { reason: 'operator says so' },
    });
    // the running activity learned from its next heartbeat that nobody wants it any more
    const ending = await waitFor(
      () => activities.heartbeaterEndings.get(handle.workflowId),
      5000,
      'the activity to end',
    );
    expect(ending).toMatch(/^cancelled: Activity is no longer wanted/);
    // terminating again: the run is closed
    await expect(handle.terminate()).rejects.toMatchObject({ code: 'WORKFLOW_NOT_RUNNING' });
    await expect(handle.cancel()).rejects.toMatchObject({ code: 'WORKFLOW_NOT_RUNNING' });
  });

  it('answers WorkflowNotFoundError for an unknown workflow id', async () => {
    const handle = ts.client.workflow.getHandle('no-such-workflow');
    await expect(handle.terminate()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(handle.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});
