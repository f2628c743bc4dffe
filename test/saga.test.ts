/** Saga over HTTP on a real SQLite file: order, parallel, failing and retried compensations, cancellation. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  WorkflowFailedError,
  type HistoryEvent,
  type WorkflowHandle,
} from '../src/client/index.js';
import * as exampleActivities from '../examples/saga/activities.js';
import { bookings } from '../examples/saga/providers.js';
import { Worker } from '../src/worker/index.js';
import * as activities from './fixtures/saga-activities.js';
import type { SagaInput, SagaOutcome } from './fixtures/saga-workflows.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const EXAMPLE_WORKFLOWS = new URL('../examples/saga/workflows.ts', import.meta.url).pathname;
const TQ = 'it-saga';
const EXAMPLE_TQ = 'it-saga-example';
let ts: TestServer;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  ts = await startTestServer();
  const fixtures = await startWorker(ts, {
    taskQueue: TQ,
    workflowsPath: fixture('saga-workflows.ts'),
    activities: { doStep: activities.doStep, longStep: activities.longStep, undoStep: activities.undoStep },
    defaultHeartbeatThrottleInterval: '100ms',
    maxHeartbeatThrottleInterval: '200ms',
  });
  stops.push(fixtures.stop);
  const example = await startWorker(ts, {
    taskQueue: EXAMPLE_TQ,
    workflowsPath: EXAMPLE_WORKFLOWS,
    activities: exampleActivities,
  });
  stops.push(example.stop);
});

afterAll(async () => {
  for (const stop of stops) await stop();
  await ts?.stop();
});

interface ActivityAttrs {
  activityType: string;
  activityId: string;
  input?: unknown[];
}

const attrs = (e: HistoryEvent): ActivityAttrs => e.attributes as unknown as ActivityAttrs;
const scheduledIdOf = (e: HistoryEvent): unknown => (e.attributes as { scheduledEventId?: number }).scheduledEventId;
const types = (events: HistoryEvent[]): string[] => events.map((e) => e.eventType);
const scheduled = (events: HistoryEvent[], activityType?: string): HistoryEvent[] =>
  events.filter(
    (e) => e.eventType === 'ActivityTaskScheduled' && (!activityType || attrs(e).activityType === activityType),
  );
/** The step names of the undoStep activities, in the order they were scheduled. */
const undone = (events: HistoryEvent[]): unknown[] => scheduled(events, 'undoStep').map((e) => attrs(e).input?.[0]);

function startSaga(input: SagaInput): Promise<WorkflowHandle> {
  return ts.client.workflow.start('sagaSteps', { taskQueue: TQ, workflowId: uid('saga'), args: [input] });
}

async function failureOf(handle: WorkflowHandle): Promise<WorkflowFailedError> {
  const err = await handle.result().then(
    (r) => {
      throw new Error(`expected the workflow to fail, it returned ${JSON.stringify(r)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return err as WorkflowFailedError;
}

describe('the trip example (examples/saga)', () => {
  it('cancels the hotel, then the flight, and fails with the car error', async () => {
    const tripId = uid('trip');
    const handle = await ts.client.workflow.start('bookTrip', {
      taskQueue: EXAMPLE_TQ,
      workflowId: tripId,
      args: [tripId],
    });
    const err = await failureOf(handle);
    expect(err.cause).toBeInstanceOf(ActivityFailure);
    expect((err.cause as ActivityFailure).activityType).toBe('bookCar');
    expect(err.cause?.cause).toBeInstanceOf(ApplicationFailure);
    expect(err.cause?.cause).toMatchObject({ type: 'NoCarAvailable', message: `no car available for trip ${tripId}` });
    expect((await handle.describe()).status.name).toBe('FAILED');

    const { events } = await handle.fetchHistory();
    expect(scheduled(events).map((e) => attrs(e).activityType)).toEqual([
      'bookFlight',
      'bookHotel',
      'bookCar',
      'cancelHotel',
      'cancelFlight',
    ]);
    expect(scheduled(events, 'cancelHotel').map((e) => attrs(e).input)).toEqual([[`hotel-${tripId}`]]);
    expect(types(events).filter((t) => t === 'ActivityTaskCompleted')).toHaveLength(4); // 2 bookings, 2 undos
    // the hotel's cancellation completed before the flight's was scheduled: one at a time, newest first
    const hotelDone = events.findIndex(
      (e) =>
        e.eventType === 'ActivityTaskCompleted' && scheduledIdOf(e) === scheduled(events, 'cancelHotel')[0]!.eventId,
    );
    expect(hotelDone).toBeGreaterThan(-1);
    expect(hotelDone).toBeLessThan(events.indexOf(scheduled(events, 'cancelFlight')[0]!));
    // and the (simulated) providers hold nothing for this trip any more
    expect([...bookings.keys()].filter((k) => k.endsWith(tripId))).toEqual([]);
    // replaying the history in a fresh sandbox produces the same commands
    await expect(Worker.runReplayHistory({ workflowsPath: EXAMPLE_WORKFLOWS }, { events })).resolves.toBeUndefined();
  });
});

describe('Saga', () => {
  it('runs the compensations newest first and fails with the original error', async () => {
    const handle = await startSaga({ steps: [{ name: 'flight' }, { name: 'hotel' }, { name: 'failCar' }] });
    const err = await failureOf(handle);
    expect(err.cause).toBeInstanceOf(ActivityFailure);
    expect(err.cause?.cause).toMatchObject({ type: 'StepFailed', message: 'step failCar failed' });
    const { events } = await handle.fetchHistory();
    expect(undone(events)).toEqual(['hotel', 'flight']);
    expect(activities.undoAttempts.get(handle.workflowId)).toEqual(['hotel#1', 'flight#1']);
    expect(types(events).at(-1)).toBe('WorkflowExecutionFailed');
  });

  it('with parallelCompensation starts every compensation at once and runs them all', async () => {
    const handle = await startSaga({
      steps: [{ name: 'a', undo: 'slow' }, { name: 'b', undo: 'fail' }, { name: 'c', undo: 'slow' }, { name: 'failD' }],
      parallelCompensation: true,
      continueOnError: false, // no effect in parallel: all have started when one fails
      returnReport: true,
    });
    const outcome = (await handle.result()) as SagaOutcome;
    expect(outcome.error).toBe('step failD failed');
    expect(outcome.succeeded.sort()).toEqual([0, 2]);
    expect(outcome.failures).toEqual([{ index: 1, message: 'Activity task failed', cause: 'cannot undo b' }]);
    expect(outcome.skipped).toEqual([]);
    const { events } = await handle.fetchHistory();
    expect(undone(events)).toEqual(['c', 'b', 'a']);
    // all three were scheduled by one workflow task, before any of them finished
    const undoIds = new Set(scheduled(events, 'undoStep').map((e) => e.eventId));
    const firstUndoOutcome = events.findIndex(
      (e) =>
        (e.eventType === 'ActivityTaskCompleted' || e.eventType === 'ActivityTaskFailed') &&
        undoIds.has(scheduledIdOf(e) as number),
    );
    const lastUndoScheduled = events.map((e) => e.eventId).lastIndexOf(Math.max(...undoIds));
    expect(firstUndoOutcome).toBeGreaterThan(lastUndoScheduled);
    expect(activities.undoAttempts.get(handle.workflowId)?.sort()).toEqual(['a#1', 'b#1', 'c#1']);
    await expect(
      Worker.runReplayHistory({ workflowsPath: fixture('saga-workflows.ts') }, { events }),
    ).resolves.toBeUndefined();
  });

  it('reports a failing compensation, runs the rest, and the workflow still fails with the original error', async () => {
    const steps = [{ name: 'a' }, { name: 'b', undo: 'fail' as const }, { name: 'c' }, { name: 'failD' }];
    const reported = await startSaga({ steps, returnReport: true });
    expect(await reported.result()).toEqual({
      error: 'step failD failed',
      succeeded: [2, 0],
      failures: [{ index: 1, message: 'Activity task failed', cause: 'cannot undo b' }],
      skipped: [],
    });
    expect(undone((await reported.fetchHistory()).events)).toEqual(['c', 'b', 'a']);

    const rethrown = await startSaga({ steps });
    const err = await failureOf(rethrown);
    expect(err.cause?.cause).toMatchObject({ type: 'StepFailed', message: 'step failD failed' });
    const { events } = await rethrown.fetchHistory();
    expect(undone(events)).toEqual(['c', 'b', 'a']);
    const failed = events.filter((e) => e.eventType === 'ActivityTaskFailed');
    expect(failed).toHaveLength(2); // failD and b's undo
    expect(JSON.stringify(failed[1]!.attributes)).toContain('cannot undo b');
  });

  it('with continueOnError false skips the compensations after the one that failed', async () => {
    const handle = await startSaga({
      steps: [{ name: 'a' }, { name: 'b', undo: 'fail' }, { name: 'c' }, { name: 'failD' }],
      continueOnError: false,
      returnReport: true,
    });
    expect(await handle.result()).toEqual({
      error: 'step failD failed',
      succeeded: [2],
      failures: [{ index: 1, message: 'Activity task failed', cause: 'cannot undo b' }],
      skipped: [0],
    });
    expect(undone((await handle.fetchHistory()).events)).toEqual(['c', 'b']);

    const rethrown = await startSaga({
      steps: [{ name: 'a' }, { name: 'b', undo: 'fail' }, { name: 'failC' }],
      continueOnError: false,
    });
    expect((await failureOf(rethrown)).cause?.cause).toMatchObject({ message: 'step failC failed' });
    expect(undone((await rethrown.fetchHistory()).events)).toEqual(['b']);
  });

  it('retries a compensation by its activity retry policy (fails twice, then succeeds)', async () => {
    const handle = await startSaga({
      steps: [{ name: 'a' }, { name: 'b', undo: 'flaky' }, { name: 'failC' }],
      returnReport: true,
    });
    expect(await handle.result()).toEqual({ error: 'step failC failed', succeeded: [1, 0], failures: [], skipped: [] });
    expect(activities.undoAttempts.get(handle.workflowId)).toEqual(['b#1', 'b#2', 'b#3', 'a#1']);
    const { events } = await handle.fetchHistory();
    expect(undone(events)).toEqual(['b', 'a']); // scheduled once each: the retries are attempts of one activity
    const bScheduled = scheduled(events, 'undoStep')[0]!.eventId;
    const bStarted = events.find((e) => e.eventType === 'ActivityTaskStarted' && scheduledIdOf(e) === bScheduled);
    expect(bStarted?.attributes).toMatchObject({ attempt: 3, lastFailure: { message: 'undo b failed on attempt 2' } });
  });

  it('runs the compensations when the workflow is cancelled in the middle of a step, and ends Cancelled', async () => {
    const handle = await startSaga({ steps: [{ name: 'flight' }, { name: 'hotel' }, { name: 'longCar' }] });
    await waitFor(
      async () =>
        (await handle.describe()).pendingActivities.some((a) => a.activityType === 'longStep' && a.lastHeartbeatTime),
      10_000,
      'the long step to run',
    );
    await handle.cancel('traveller changed plans');
    const err = await failureOf(handle);
    expect(err.cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const { events } = await handle.fetchHistory();
    const t = types(events);
    expect(t).toContain('ActivityTaskCancelRequested'); // the step was cancelled...
    expect(undone(events)).toEqual(['hotel', 'flight']); // ...its predecessors were undone
    const cancelRequested = t.indexOf('WorkflowExecutionCancelRequested');
    for (const e of scheduled(events, 'undoStep')) {
      expect(events.indexOf(e)).toBeGreaterThan(cancelRequested);
      expect(events.some((c) => c.eventType === 'ActivityTaskCompleted' && scheduledIdOf(c) === e.eventId)).toBe(true);
    }
    expect(t.at(-1)).toBe('WorkflowExecutionCanceled');
  });

  it('does not let a cancel request stop compensations already running', async () => {
    const handle = await startSaga({
      steps: [{ name: 'a', undo: 'slow', slowMs: 600 }, { name: 'b', undo: 'slow', slowMs: 600 }, { name: 'failC' }],
    });
    await waitFor(
      async () => (await handle.describe()).pendingActivities.some((a) => a.activityType === 'undoStep'),
      10_000,
      'a compensation to run',
    );
    await handle.cancel();
    const err = await failureOf(handle);
    // the original error, not the cancellation: compensate() resolved, the workflow rethrew what it caught
    expect(err.cause?.cause).toMatchObject({ type: 'StepFailed', message: 'step failC failed' });
    expect((await handle.describe()).status.name).toBe('FAILED');
    const { events } = await handle.fetchHistory();
    const t = types(events);
    expect(t).toContain('WorkflowExecutionCancelRequested');
    expect(t).not.toContain('ActivityTaskCancelRequested');
    expect(undone(events)).toEqual(['b', 'a']);
    expect(activities.undoAttempts.get(handle.workflowId)).toEqual(['b#1', 'a#1']);
  });
});
