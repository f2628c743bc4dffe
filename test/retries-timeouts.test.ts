/** Activity retries (backoff visible in history) and every timeout type, with the failure and state each yields. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, TimeoutFailure, WorkflowFailedError } from '../src/client/index.js';
import type { HistoryEvent } from '../src/client/index.js';
import * as activities from './fixtures/activities.js';
import { activityInfo } from '../src/activity/index.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-retries';
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

const byType = (events: HistoryEvent[], type: string) => events.filter((e) => e.eventType === type);

async function failureOf(p: Promise<unknown>): Promise<WorkflowFailedError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof WorkflowFailedError) return e;
    throw e;
  }
  throw new Error('expected the workflow to fail');
}

describe('activity retries', () => {
  it('completes at attempt 3 after two failures, with the backoff visible in history', async () => {
    const key = uid('flaky');
    const handle = await ts.client.workflow.start('retrying', { taskQueue: TQ, workflowId: uid(), args: [key, 3] });
    expect(await handle.result()).toBe(3);
    expect(await activities.attemptsOf(key)).toEqual([1, 2, 3]);
    const { events } = await handle.fetchHistory();
    const scheduled = byType(events, 'ActivityTaskScheduled')[0]!;
    const started = byType(events, 'ActivityTaskStarted')[0]!;
    expect(started.attributes).toMatchObject({
      attempt: 3,
      lastFailure: { message: 'attempt 2 failed', type: 'Flaky' },
    });
    // backoff 100ms then 200ms: the last attempt started at least 300ms after the activity was scheduled
    expect(Date.parse(started.eventTime) - Date.parse(scheduled.eventTime)).toBeGreaterThanOrEqual(300);
    expect(byType(events, 'ActivityTaskFailed')).toHaveLength(0);
    expect(byType(events, 'ActivityTaskCompleted')).toHaveLength(1);
  });

  it('honours maximumAttempts', async () => {
    const key = uid('flaky');
    const err = await failureOf(
      ts.client.workflow.execute('retrying', { taskQueue: TQ, workflowId: uid(), args: [key, 10, 2] }),
    );
    expect(await activities.attemptsOf(key)).toEqual([1, 2]);
    expect(err.cause).toBeInstanceOf(ActivityFailure);
    expect(err.cause).toMatchObject({ retryState: 'MAXIMUM_ATTEMPTS_REACHED', activityType: 'flaky' });
    expect(err.cause?.cause).toBeInstanceOf(ApplicationFailure);
    expect(err.cause?.cause).toMatchObject({ message: 'attempt 2 failed', type: 'Flaky' });
  });

  it('fails the workflow at once on ApplicationFailure.nonRetryable', async () => {
    const handle = await ts.client.workflow.start('nonRetryable', { taskQueue: TQ, workflowId: uid() });
    const err = await failureOf(handle.result());
    expect(err.cause).toMatchObject({ retryState: 'NON_RETRYABLE_FAILURE' });
    expect(err.cause?.cause).toMatchObject({ message: 'card declined', type: 'CardDeclined', nonRetryable: true });
    const { events } = await handle.fetchHistory();
    expect(byType(events, 'ActivityTaskStarted')[0]?.attributes).toMatchObject({ attempt: 1 });
    expect((await handle.describe()).status.name).toBe('FAILED');
  });

  it('does not retry error types listed in nonRetryableErrorTypes', async () => {
    const handle = await ts.client.workflow.start('nonRetryableByType', {
      taskQueue: TQ,
      workflowId: uid(),
      args: ['Fatal'],
    });
    const err = await failureOf(handle.result());
    expect(err.cause).toMatchObject({ retryState: 'NON_RETRYABLE_FAILURE' });
    const { events } = await handle.fetchHistory();
    expect(byType(events, 'ActivityTaskStarted')[0]?.attributes).toMatchObject({ attempt: 1 });
  });

  it('an error class of its own is typed by its class name, so nonRetryableErrorTypes can name it (as Temporal)', async () => {
    const handle = await ts.client.workflow.start('nonRetryableByClass', { taskQueue: TQ, workflowId: uid() });
    const err = await failureOf(handle.result());
    expect(err.cause).toMatchObject({ retryState: 'NON_RETRYABLE_FAILURE' });
    expect(err.cause?.cause).toBeInstanceOf(ApplicationFailure);
    expect(err.cause?.cause).toMatchObject({ message: 'not enough money', type: 'InsufficientFunds' });
    const { events } = await handle.fetchHistory();
    expect(byType(events, 'ActivityTaskStarted')[0]?.attributes).toMatchObject({ attempt: 1 });
  });

  it('a CancelledFailure the activity throws itself is a retryable application failure, not a cancellation', async () => {
    const handle = await ts.client.workflow.start('ownCancelledFailure', { taskQueue: TQ, workflowId: uid() });
    const err = await failureOf(handle.result());
    expect(err.cause).toMatchObject({ retryState: 'MAXIMUM_ATTEMPTS_REACHED' });
    expect(err.cause?.cause).toBeInstanceOf(ApplicationFailure);
    expect(err.cause?.cause).toMatchObject({ type: 'CancelledFailure', nonRetryable: false });
    expect((await handle.describe()).status.name).toBe('FAILED');
  });

  it('maximumAttempts: Infinity means unlimited (Temporal spells it so)', async () => {
    const key = uid('inf');
    const handle = await ts.client.workflow.start('infiniteAttempts', {
      taskQueue: TQ,
      workflowId: uid(),
      args: [key],
    });
    expect(await handle.result()).toBe(2);
    const { events } = await handle.fetchHistory();
    expect(byType(events, 'ActivityTaskScheduled')[0]?.attributes).toMatchObject({
      retryPolicy: { maximumAttempts: 0 },
    });
    // the client's start options take it as well
    const h2 = await ts.client.workflow.start('sequential', {
      taskQueue: TQ,
      workflowId: uid(),
      args: [1],
      retry: { maximumAttempts: Infinity },
    });
    expect(await h2.result()).toBe(5);
  });

  it('a retry policy the server would refuse fails the workflow task with the reason, and other work goes on', async () => {
    const bad = await ts.client.workflow.start('badRetryPolicy', { taskQueue: TQ, workflowId: uid() });
    const good = await ts.client.workflow.start('sequential', { taskQueue: TQ, workflowId: uid(), args: [1] });
    expect(await good.result()).toBe(5);
    await waitFor(
      async () => (await bad.fetchHistory()).events.some((e) => e.eventType === 'WorkflowTaskFailed'),
      10_000,
      'the bad task failed',
    );
    const failed = byType((await bad.fetchHistory()).events, 'WorkflowTaskFailed')[0]!;
    expect(JSON.stringify(failed.attributes)).toContain('backoffCoefficient');
    await bad.terminate('test over');
  });

  it('an activity that ends with AbortError after a cancel request is cancelled (ActivityTaskCanceled)', async () => {
    const handle = await ts.client.workflow.start('cancelAbortingActivity', { taskQueue: TQ, workflowId: uid() });
    expect(await handle.result()).toBe('cancelled');
    const { events } = await handle.fetchHistory();
    expect(byType(events, 'ActivityTaskCanceled')).toHaveLength(1);
    expect(byType(events, 'ActivityTaskFailed')).toHaveLength(0);
  });

  it("a worker's `default` activity runs types nothing else is registered for, and sees the type it runs as", async () => {
    const queue = uid('dyn');
    const { stop } = await startWorker(ts, {
      taskQueue: queue,
      workflowsPath: fixture('workflows.ts'),
      activities: { default: async (x: string) => `${activityInfo().activityType}(${x})` },
    });
    try {
      const r = await ts.client.workflow.execute('dynamicActivity', { taskQueue: queue, workflowId: uid() });
      expect(r).toBe('someUnknownType(x)');
    } finally {
      await stop();
    }
  });
});

describe('timeouts', () => {
  it('start-to-close: retried per policy, then ActivityTaskTimedOut (START_TO_CLOSE)', async () => {
    const handle = await ts.client.workflow.start('startToCloseTimeout', { taskQueue: TQ, workflowId: uid() });
    const err = await failureOf(handle.result());
    expect(err.cause).toMatchObject({ retryState: 'MAXIMUM_ATTEMPTS_REACHED' });
    expect(err.cause?.cause).toBeInstanceOf(TimeoutFailure);
    expect(err.cause?.cause).toMatchObject({ timeoutType: 'START_TO_CLOSE' });
    const { events } = await handle.fetchHistory();
    expect(byType(events, 'ActivityTaskTimedOut')).toHaveLength(1);
    expect(byType(events, 'ActivityTaskStarted')[0]?.attributes).toMatchObject({ attempt: 2 });
  });

  it('schedule-to-close: ends the activity across attempts (SCHEDULE_TO_CLOSE)', async () => {
    const handle = await ts.client.workflow.start('scheduleToCloseTimeout', { taskQueue: TQ, workflowId: uid() });
    const err = await failureOf(handle.result());
    expect(err.cause?.cause).toMatchObject({ timeoutType: 'SCHEDULE_TO_CLOSE' });
    expect(err.cause).toMatchObject({ retryState: 'TIMEOUT' });
  });

  it("a timeout's cause is the failure of the attempt before it (as Temporal)", async () => {
    const handle = await ts.client.workflow.start('timeoutAfterFailure', { taskQueue: TQ, workflowId: uid() });
    const err = await failureOf(handle.result());
    expect(err.cause?.cause).toBeInstanceOf(TimeoutFailure);
    expect(err.cause?.cause).toMatchObject({ timeoutType: 'SCHEDULE_TO_CLOSE' });
    expect(err.cause?.cause?.cause).toMatchObject({ message: 'upstream refused', type: 'Refused' });
  });

  it('schedule-to-close: no retry is started that would end after the deadline', async () => {
    const handle = await ts.client.workflow.start('retriesPastScheduleToClose', { taskQueue: TQ, workflowId: uid() });
    const err = await failureOf(handle.result());
    // the last attempt's own failure, with retry state TIMEOUT, as Temporal reports it
    expect(err.cause?.cause).toMatchObject({ timeoutType: 'START_TO_CLOSE' });
    expect(err.cause).toMatchObject({ retryState: 'TIMEOUT' });
    const { events } = await handle.fetchHistory();
    const started = byType(events, 'ActivityTaskStarted')[0]!;
    expect((started.attributes as { attempt: number }).attempt).toBeGreaterThanOrEqual(2);
  });

  it('schedule-to-start: nobody polls the queue (SCHEDULE_TO_START)', async () => {
    const handle = await ts.client.workflow.start('scheduleToStartTimeout', { taskQueue: TQ, workflowId: uid() });
    const err = await failureOf(handle.result());
    expect(err.cause?.cause).toMatchObject({ timeoutType: 'SCHEDULE_TO_START' });
    const { events } = await handle.fetchHistory();
    const timedOut = byType(events, 'ActivityTaskTimedOut')[0]!;
    expect((timedOut.attributes as { startedEventId?: number }).startedEventId).toBeUndefined();
  });

  it('heartbeat: an activity that stops heartbeating times out (HEARTBEAT) with its last details', async () => {
    const handle = await ts.client.workflow.start('heartbeatTimeout', { taskQueue: TQ, workflowId: uid() });
    const err = await failureOf(handle.result());
    expect(err.cause?.cause).toMatchObject({ timeoutType: 'HEARTBEAT', lastHeartbeatDetails: 'first' });
  });

  it('workflow run timeout: the run ends TimedOut', async () => {
    const handle = await ts.client.workflow.start('sleeper', {
      taskQueue: TQ,
      workflowId: uid(),
      args: [60_000],
      workflowRunTimeout: '300ms',
    });
    const err = await failureOf(handle.result());
    expect(err.cause).toBeInstanceOf(TimeoutFailure);
    const d = await handle.describe();
    expect(d.status.name).toBe('TIMED_OUT');
    const { events } = await handle.fetchHistory();
    expect(events.at(-1)?.eventType).toBe('WorkflowExecutionTimedOut');
  });

  it('workflow execution timeout: the execution ends TimedOut', async () => {
    const handle = await ts.client.workflow.start('sleeper', {
      taskQueue: TQ,
      workflowId: uid(),
      args: [60_000],
      workflowExecutionTimeout: 300,
    });
    await failureOf(handle.result());
    expect((await handle.describe()).status.name).toBe('TIMED_OUT');
  });

  it('workflow task timeout: a task nobody completes in time goes back to the queue and the run goes on', async () => {
    // no worker polls this queue at first: the task is started by a poll we make by hand and never completed
    const queue = uid('wtt');
    await ts.client.workflow.register({ workflowType: 'hello', taskQueue: queue });
    const handle = await ts.client.workflow.start('hello', {
      taskQueue: queue,
      workflowId: uid(),
      args: ['x'],
      workflowTaskTimeout: '300ms',
    });
    const polled = await ts.connection.transport.call<{ workflowTasks: unknown[] }>('pollTasks', {
      params: { namespace: 'default', taskQueue: queue },
      body: { identity: 'silent-worker', maxWorkflowTasks: 1, maxActivityTasks: 0, timeoutMs: 5000 },
    });
    expect(polled.workflowTasks).toHaveLength(1);
    const { stop } = await startWorker(ts, { taskQueue: queue, workflowsPath: fixture('workflows.ts'), activities });
    try {
      expect(await handle.result()).toBe('Hello, x!');
    } finally {
      await stop();
    }
    const { events } = await handle.fetchHistory();
    expect(byType(events, 'WorkflowTaskTimedOut')).toHaveLength(1);
    expect(byType(events, 'WorkflowTaskTimedOut')[0]?.attributes).toMatchObject({ timeoutType: 'START_TO_CLOSE' });
  });
});
