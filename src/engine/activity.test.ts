/**
 * Activities: scheduling with each timeout, dispatch, completion, retries (backoff, maximum attempts,
 * non-retryable failures, the schedule-to-close deadline), heartbeat timeouts, cancellation.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../common/api-error.js';
import type { FailureInfo } from '../common/failure.js';
import type { Command } from '../protocol/commands.js';
import { keys } from './state.js';
import { cmd, EngineDriver } from './test-driver.js';
import { checkInvariants } from './test-invariants.js';

const flaky: FailureInfo = { kind: 'application', message: 'flaky', type: 'Flaky' };

/** A run whose first workflow task scheduled `commands`; the clock is at the completion. */
function scheduled(...commands: Command[]): EngineDriver {
  const d = new EngineDriver();
  d.start();
  d.dispatchWorkflowTask('w1');
  d.completeWorkflowTask(commands);
  return d;
}

function expectTaskNotFound(fn: () => unknown): void {
  expect(fn).toThrow(ApiError);
  try {
    fn();
  } catch (e) {
    expect((e as ApiError).code).toBe('TASK_NOT_FOUND');
  }
}

/** Fails the current attempt of activity 1 and returns the backoff before the next (undefined: no retry). */
function failAndGetBackoff(d: EngineDriver, failure: FailureInfo = flaky): number | undefined {
  d.failActivity(1, failure);
  const a = d.state.activities[1];
  if (!a) return undefined;
  return d.timers.get(keys.actRetry(1, a.attempt))!.dueAt - d.now;
}

describe('scheduling', () => {
  it('writes ActivityTaskScheduled with the resolved retry policy and queues attempt 1', () => {
    const d = scheduled(
      cmd.activity(1, { scheduleToCloseTimeoutMs: 60_000, scheduleToStartTimeoutMs: 5000, heartbeatTimeoutMs: 3000 }),
    );
    const t0 = d.now;
    expect(d.eventAs(5, 'ActivityTaskScheduled').attributes).toEqual({
      activityId: '1',
      seq: 1,
      activityType: 'greet',
      taskQueue: 'q',
      input: [1],
      scheduleToCloseTimeoutMs: 60_000,
      scheduleToStartTimeoutMs: 5000,
      startToCloseTimeoutMs: 10_000,
      heartbeatTimeoutMs: 3000,
      retryPolicy: {
        initialIntervalMs: 1000,
        backoffCoefficient: 2,
        maximumIntervalMs: 100_000,
        maximumAttempts: 0,
        nonRetryableErrorTypes: [],
      },
      workflowTaskCompletedEventId: 4,
    });
    expect(d.tasks.get(keys.activityTask(1, 1))).toMatchObject({ kind: 'activity', taskQueue: 'q' });
    expect(d.timers.get(keys.actScheduleToClose(1))?.dueAt).toBe(t0 + 60_000);
    expect(d.timers.get(keys.actScheduleToStart(1, 1))?.dueAt).toBe(t0 + 5000);
    checkInvariants(d);
  });

  it("caps start-to-close at schedule-to-close and the heartbeat timeout at start-to-close (Temporal's server)", () => {
    const d = scheduled(
      cmd.activity(1, { scheduleToCloseTimeoutMs: 2000, startToCloseTimeoutMs: 9000, heartbeatTimeoutMs: 60_000 }),
    );
    expect(d.eventAs(5, 'ActivityTaskScheduled').attributes).toMatchObject({
      scheduleToCloseTimeoutMs: 2000,
      startToCloseTimeoutMs: 2000,
      heartbeatTimeoutMs: 2000,
    });
    expect(d.state.activities[1]).toMatchObject({ startToCloseTimeoutMs: 2000, heartbeatTimeoutMs: 2000 });
    checkInvariants(d);
  });

  it('takes the schedule-to-close timeout as start-to-close when only that is given', () => {
    const d = scheduled(cmd.activity(1, { startToCloseTimeoutMs: undefined, scheduleToCloseTimeoutMs: 7000 }));
    expect(d.eventAs(5, 'ActivityTaskScheduled').attributes).toMatchObject({
      startToCloseTimeoutMs: 7000,
      scheduleToCloseTimeoutMs: 7000,
    });
    d.dispatchActivity(1);
    expect(d.timers.get(keys.actStartToClose(1, 1))?.dueAt).toBe(d.now + 7000);
  });

  it('dispatch removes the row and the schedule-to-start timeout, and arms start-to-close and heartbeat; no event yet', () => {
    const d = scheduled(cmd.activity(1, { scheduleToStartTimeoutMs: 5000, heartbeatTimeoutMs: 3000 }));
    d.advance(100);
    d.dispatchActivity(1, 'aw');
    expect(d.tasks.size).toBe(0);
    expect([...d.timers.keys()].sort()).toEqual([keys.actHeartbeat(1, 1), keys.actStartToClose(1, 1)]);
    expect(d.timers.get(keys.actStartToClose(1, 1))?.dueAt).toBe(d.now + 10_000);
    expect(d.timers.get(keys.actHeartbeat(1, 1))?.dueAt).toBe(d.now + 3000);
    expect(d.events).toHaveLength(5); // ActivityTaskStarted is written with the outcome
    checkInvariants(d);
  });
});

describe('completion', () => {
  it('writes ActivityTaskStarted and ActivityTaskCompleted, clears every timer, and schedules a workflow task', () => {
    const d = scheduled(cmd.activity(1, { scheduleToCloseTimeoutMs: 60_000, heartbeatTimeoutMs: 3000 }));
    d.advance(100);
    const startedAt = d.now;
    d.dispatchActivity(1, 'aw');
    d.advance(900);
    d.completeActivity(1, { n: 42 });
    expect(d.lastEventTypes()).toEqual(['ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowTaskScheduled']);
    const started = d.eventAs(6, 'ActivityTaskStarted');
    expect(started.attributes).toEqual({ scheduledEventId: 5, identity: 'aw', attempt: 1 });
    expect(started.eventTime).toBe(new Date(startedAt).toISOString());
    expect(d.event(7).attributes).toEqual({
      scheduledEventId: 5,
      startedEventId: 6,
      result: { n: 42 },
      identity: 'aw',
    });
    expect(d.state.activities).toEqual({});
    expect([...d.timers.keys()]).toEqual([]);
    expect([...d.tasks.keys()]).toEqual([keys.workflowTask(2)]);
    checkInvariants(d);
  });

  it('refuses an attempt that is not running, and a second completion', () => {
    const d = scheduled(cmd.activity(1));
    expectTaskNotFound(() => d.completeActivity(1)); // not started
    expectTaskNotFound(() => d.heartbeat(1));
    d.dispatchActivity(1);
    d.completeActivity(1);
    expectTaskNotFound(() => d.completeActivity(1, null, { attempt: 1 }));
    expectTaskNotFound(() => d.failActivity(1, flaky, { attempt: 1 }));
    expect(d.ofType('ActivityTaskCompleted')).toHaveLength(1);
  });
});

describe('retries', () => {
  it('backs off 1 s, doubling, capped at 100 x the initial interval, with no events in between', () => {
    const d = scheduled(cmd.activity(1));
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 10; i++) {
      d.dispatchActivity(1);
      d.advance(10);
      delays.push(failAndGetBackoff(d));
      d.advanceTo(d.timers.get(keys.actRetry(1, d.state.activities[1]!.attempt))!.dueAt);
      checkInvariants(d);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 100_000, 100_000, 100_000]);
    expect(d.events).toHaveLength(5);
    expect(d.state.activities[1]).toMatchObject({ attempt: 11, state: 'scheduled', lastFailure: flaky });
  });

  it('follows a custom policy (initial interval, coefficient, maximum interval)', () => {
    const d = scheduled(
      cmd.activity(1, { retryPolicy: { initialInterval: '500ms', backoffCoefficient: 3, maximumInterval: '2s' } }),
    );
    const delays: (number | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      d.dispatchActivity(1);
      delays.push(failAndGetBackoff(d));
      d.advanceBy(delays[i]!);
    }
    expect(delays).toEqual([500, 1500, 2000, 2000]);
  });

  it('the next attempt is queued when its backoff ends, with its own schedule-to-start timeout', () => {
    const d = scheduled(cmd.activity(1, { scheduleToStartTimeoutMs: 4000 }));
    d.dispatchActivity(1);
    d.failActivity(1, flaky);
    expect(d.tasks.size).toBe(0);
    expect([...d.timers.keys()]).toEqual([keys.actRetry(1, 2)]);
    d.advanceBy(1000);
    expect([...d.tasks.keys()]).toEqual([keys.activityTask(1, 2)]);
    expect(d.timers.get(keys.actScheduleToStart(1, 2))?.dueAt).toBe(d.now + 4000);
    // the worker of attempt 1 is refused
    expectTaskNotFound(() => d.completeActivity(1, null, { attempt: 1 }));
    d.dispatchActivity(1, 'aw2');
    d.completeActivity(1, 'second time lucky');
    expect(d.eventAs(6, 'ActivityTaskStarted').attributes).toEqual({
      scheduledEventId: 5,
      identity: 'aw2',
      attempt: 2,
      lastFailure: flaky,
    });
    checkInvariants(d);
  });

  it('stops at maximumAttempts: ActivityTaskFailed with MAXIMUM_ATTEMPTS_REACHED after the last attempt', () => {
    const d = scheduled(cmd.activity(1, { retryPolicy: { maximumAttempts: 3 } }));
    const failures = [1, 2, 3].map((n): FailureInfo => ({ ...flaky, message: `flaky ${n}` }));
    for (const f of failures) {
      d.advanceTo(d.dueOrder()[0]?.key.startsWith('act-retry') ? d.dueOrder()[0]!.dueAt : d.now);
      d.dispatchActivity(1, 'aw');
      d.failActivity(1, f);
    }
    expect(d.lastEventTypes()).toEqual(['ActivityTaskStarted', 'ActivityTaskFailed', 'WorkflowTaskScheduled']);
    expect(d.eventAs(6, 'ActivityTaskStarted').attributes).toEqual({
      scheduledEventId: 5,
      identity: 'aw',
      attempt: 3,
      lastFailure: failures[1],
    });
    expect(d.event(7).attributes).toEqual({
      scheduledEventId: 5,
      startedEventId: 6,
      failure: failures[2],
      retryState: 'MAXIMUM_ATTEMPTS_REACHED',
      identity: 'aw',
    });
    checkInvariants(d);
  });

  it('does not retry an error type the policy names as non-retryable', () => {
    const d = scheduled(cmd.activity(1, { retryPolicy: { nonRetryableErrorTypes: ['Fatal'] } }));
    d.dispatchActivity(1);
    const fatal: FailureInfo = { kind: 'application', message: 'no', type: 'Fatal' };
    expect(failAndGetBackoff(d, fatal)).toBeUndefined();
    expect(d.lastOfType('ActivityTaskFailed').attributes).toMatchObject({
      failure: fatal,
      retryState: 'NON_RETRYABLE_FAILURE',
    });
    checkInvariants(d);
  });

  it('does not retry an ApplicationFailure marked nonRetryable', () => {
    const d = scheduled(cmd.activity(1));
    d.dispatchActivity(1);
    expect(failAndGetBackoff(d, { ...flaky, nonRetryable: true })).toBeUndefined();
    expect(d.lastOfType('ActivityTaskFailed').attributes.retryState).toBe('NON_RETRYABLE_FAILURE');
  });

  it('does not retry when the next attempt would start after the schedule-to-close deadline', () => {
    const d = scheduled(cmd.activity(1, { scheduleToCloseTimeoutMs: 5000 }));
    const t0 = d.now;
    d.dispatchActivity(1);
    d.advance(1000);
    expect(failAndGetBackoff(d)).toBe(1000); // next at t0 + 2000: in time
    d.advanceBy(1000);
    d.dispatchActivity(1);
    d.advance(1500);
    expect(failAndGetBackoff(d)).toBeUndefined(); // next would be at t0 + 5500
    expect(d.now).toBe(t0 + 3500);
    expect(d.lastOfType('ActivityTaskFailed').attributes).toMatchObject({ retryState: 'TIMEOUT' });
    expect(d.lastOfType('ActivityTaskStarted').attributes.attempt).toBe(2);
    expect(d.timers.has(keys.actScheduleToClose(1))).toBe(false);
    checkInvariants(d);
  });
});

describe('timeouts', () => {
  it('schedule-to-start: ActivityTaskTimedOut without ActivityTaskStarted, not retried', () => {
    const d = scheduled(cmd.activity(1, { scheduleToStartTimeoutMs: 2000, scheduleToCloseTimeoutMs: 60_000 }));
    d.advanceBy(2000);
    expect(d.lastEventTypes()).toEqual(['ActivityTaskTimedOut', 'WorkflowTaskScheduled']);
    expect(d.event(6).attributes).toEqual({
      scheduledEventId: 5,
      failure: { kind: 'timeout', message: 'activity SCHEDULE_TO_START timeout', timeoutType: 'SCHEDULE_TO_START' },
      retryState: 'TIMEOUT',
    });
    expect(d.tasks.has(keys.activityTask(1, 1))).toBe(false);
    expect(d.timers.has(keys.actScheduleToClose(1))).toBe(false);
    checkInvariants(d);
  });

  it('start-to-close: the attempt is retried; after the last one, ActivityTaskTimedOut with its ActivityTaskStarted', () => {
    const d = scheduled(cmd.activity(1, { startToCloseTimeoutMs: 3000, retryPolicy: { maximumAttempts: 2 } }));
    d.dispatchActivity(1, 'aw');
    d.advanceBy(3000); // attempt 1 times out: retried
    expect(d.events).toHaveLength(5);
    expect(d.state.activities[1]).toMatchObject({
      attempt: 2,
      state: 'backoff',
      lastFailure: { kind: 'timeout', timeoutType: 'START_TO_CLOSE' },
    });
    d.advanceBy(1000);
    d.dispatchActivity(1, 'aw');
    d.advanceBy(3000);
    expect(d.lastEventTypes()).toEqual(['ActivityTaskStarted', 'ActivityTaskTimedOut', 'WorkflowTaskScheduled']);
    expect(d.event(7).attributes).toMatchObject({
      scheduledEventId: 5,
      startedEventId: 6,
      retryState: 'MAXIMUM_ATTEMPTS_REACHED',
      failure: { timeoutType: 'START_TO_CLOSE' },
    });
    checkInvariants(d);
  });

  it('schedule-to-close while running: ActivityTaskTimedOut with ActivityTaskStarted, not retried', () => {
    const d = scheduled(cmd.activity(1, { startToCloseTimeoutMs: 60_000, scheduleToCloseTimeoutMs: 5000 }));
    d.dispatchActivity(1, 'aw');
    d.advanceBy(5000);
    expect(d.lastEventTypes()).toEqual(['ActivityTaskStarted', 'ActivityTaskTimedOut', 'WorkflowTaskScheduled']);
    expect(d.event(7).attributes).toMatchObject({
      startedEventId: 6,
      retryState: 'TIMEOUT',
      failure: { timeoutType: 'SCHEDULE_TO_CLOSE' },
    });
    expect(d.timers.has(keys.actStartToClose(1, 1))).toBe(false);
    checkInvariants(d);
  });

  it('schedule-to-close during a retry backoff: ActivityTaskTimedOut without ActivityTaskStarted, backoff timer removed', () => {
    const d = scheduled(cmd.activity(1, { scheduleToCloseTimeoutMs: 3000 }));
    d.dispatchActivity(1);
    d.advance(1500);
    d.failActivity(1, flaky); // next attempt at +2500
    expect(d.state.activities[1]?.state).toBe('backoff');
    d.fire(keys.actScheduleToClose(1)); // the deadline timer comes first (a late timer service)
    expect(d.lastEventTypes()).toEqual(['ActivityTaskTimedOut', 'WorkflowTaskScheduled']);
    expect(d.event(6).attributes).toMatchObject({
      scheduledEventId: 5,
      retryState: 'TIMEOUT',
      failure: { timeoutType: 'SCHEDULE_TO_CLOSE' },
    });
    expect(d.event(6).attributes).not.toHaveProperty('startedEventId');
    expect(d.timers.has(keys.actRetry(1, 2))).toBe(false);
    checkInvariants(d);
  });

  it('heartbeat: a heartbeat in time re-arms the timeout from the last heartbeat; silence times the attempt out', () => {
    const d = scheduled(
      cmd.activity(1, { startToCloseTimeoutMs: 60_000, heartbeatTimeoutMs: 5000, retryPolicy: { maximumAttempts: 2 } }),
    );
    const t0 = d.now;
    d.dispatchActivity(1, 'aw');
    d.advance(3000);
    expect(d.heartbeat(1, { step: 1 })).toEqual({ cancelRequested: false });
    d.advanceBy(2000); // the timer at t0+5000 fires: re-armed for t0+8000
    expect(d.timers.get(keys.actHeartbeat(1, 1))?.dueAt).toBe(t0 + 8000);
    expect(d.events).toHaveLength(5);
    d.advance(2000);
    d.heartbeat(1, { step: 2 });
    d.advanceBy(1000); // fires at t0+8000: re-armed for t0+12000
    expect(d.timers.get(keys.actHeartbeat(1, 1))?.dueAt).toBe(t0 + 12_000);
    d.advanceBy(4000); // silence: attempt 1 times out, retried with the details
    expect(d.state.activities[1]).toMatchObject({
      attempt: 2,
      state: 'backoff',
      lastFailure: { kind: 'timeout', timeoutType: 'HEARTBEAT', lastHeartbeatDetails: { step: 2 } },
    });
    d.advanceBy(1000);
    d.dispatchActivity(1, 'aw');
    d.advanceBy(5000); // attempt 2 never heartbeats
    expect(d.lastEventTypes()).toEqual(['ActivityTaskStarted', 'ActivityTaskTimedOut', 'WorkflowTaskScheduled']);
    expect(d.event(7).attributes).toMatchObject({
      retryState: 'MAXIMUM_ATTEMPTS_REACHED',
      failure: { timeoutType: 'HEARTBEAT', lastHeartbeatDetails: { step: 2 } },
    });
    checkInvariants(d);
  });

  it('a failure can carry the last heartbeat details, which a later timeout reports', () => {
    const d = scheduled(cmd.activity(1, { startToCloseTimeoutMs: 1000, retryPolicy: { maximumAttempts: 2 } }));
    d.dispatchActivity(1);
    d.failActivity(1, flaky, { lastHeartbeatDetails: 'progress 10%' });
    d.advanceBy(1000);
    d.dispatchActivity(1);
    d.advanceBy(1000);
    expect(d.lastOfType('ActivityTaskTimedOut').attributes.failure).toMatchObject({
      lastHeartbeatDetails: 'progress 10%',
    });
  });
});

describe('cancellation', () => {
  /** Run with activity 1 in the given condition, and a second workflow task started to request its cancellation. */
  function withActivity(condition: 'scheduled' | 'started' | 'backoff'): EngineDriver {
    const d = scheduled(
      cmd.activity(1, { heartbeatTimeoutMs: 60_000, retryPolicy: { initialInterval: '5s' } }),
      cmd.timer(1, 1000),
    );
    if (condition !== 'scheduled') d.dispatchActivity(1, 'aw');
    if (condition === 'backoff') d.failActivity(1, flaky);
    d.advanceBy(d.timers.get(keys.userTimer(1))!.dueAt - d.now); // TimerFired wakes the workflow
    if (condition === 'backoff') expect(d.state.activities[1]?.state).toBe('backoff');
    d.dispatchWorkflowTask();
    return d;
  }

  it.each(['scheduled', 'backoff'] as const)(
    'of a %s activity: cancelled at once, after the command events',
    (condition) => {
      const d = withActivity(condition);
      d.completeWorkflowTask([cmd.cancelActivity(1), cmd.timer(2, 1000)]);
      const wtc = d.lastOfType('WorkflowTaskCompleted').eventId;
      expect(d.eventTypes(wtc)).toEqual([
        'WorkflowTaskCompleted',
        'ActivityTaskCancelRequested',
        'TimerStarted',
        'ActivityTaskCanceled',
        'WorkflowTaskScheduled',
      ]);
      expect(d.event(wtc + 3).attributes).toEqual({ scheduledEventId: 5, latestCancelRequestedEventId: wtc + 1 });
      expect(d.state.activities).toEqual({});
      expect([...d.tasks.keys()]).toEqual([keys.workflowTask(3)]);
      expect([...d.timers.keys()]).toEqual([keys.userTimer(2)]);
      checkInvariants(d);
    },
  );

  it('of a started activity: only requested; the worker learns it by heartbeat and reports ActivityTaskCanceled', () => {
    const d = withActivity('started');
    d.completeWorkflowTask([cmd.cancelActivity(1)]);
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskCompleted', 'ActivityTaskCancelRequested']);
    const requestedId = d.lastOfType('ActivityTaskCancelRequested').eventId;
    expect(d.state.activities[1]).toMatchObject({
      state: 'started',
      cancelRequested: true,
      cancelRequestedEventId: requestedId,
    });
    expect(d.state.workflowTask).toBeUndefined();
    expect(d.heartbeat(1, 'almost')).toEqual({ cancelRequested: true });
    d.activityCanceled(1, 'stopped');
    expect(d.lastEventTypes()).toEqual(['ActivityTaskStarted', 'ActivityTaskCanceled', 'WorkflowTaskScheduled']);
    expect(d.lastOfType('ActivityTaskCanceled').attributes).toEqual({
      scheduledEventId: 5,
      startedEventId: requestedId + 1,
      latestCancelRequestedEventId: requestedId,
      details: 'stopped',
      identity: 'aw',
    });
    checkInvariants(d);
  });

  it('of a started activity that then fails: not retried, CANCEL_REQUESTED', () => {
    const d = withActivity('started');
    d.completeWorkflowTask([cmd.cancelActivity(1)]);
    d.failActivity(1, flaky);
    expect(d.lastOfType('ActivityTaskFailed').attributes.retryState).toBe('CANCEL_REQUESTED');
    checkInvariants(d);
  });

  it('of a started activity that then times out: not retried, CANCEL_REQUESTED', () => {
    const d = withActivity('started');
    d.completeWorkflowTask([cmd.cancelActivity(1)]);
    d.advanceBy(10_000);
    // (its heartbeat timeout, capped at start-to-close, is due at the same time: either may end it)
    expect(d.lastOfType('ActivityTaskTimedOut').attributes).toMatchObject({
      retryState: 'CANCEL_REQUESTED',
      failure: { timeoutType: expect.stringMatching(/^(START_TO_CLOSE|HEARTBEAT)$/) as unknown },
    });
    checkInvariants(d);
  });

  it('of a started activity that completes anyway: the completion stands', () => {
    const d = withActivity('started');
    d.completeWorkflowTask([cmd.cancelActivity(1)]);
    d.completeActivity(1, 'finished first');
    expect(d.lastEventTypes()).toEqual(['ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowTaskScheduled']);
    checkInvariants(d);
  });

  it('a closed run has no activities left: late completions are refused', () => {
    const d = withActivity('started');
    d.completeWorkflowTask([cmd.complete()]);
    expectTaskNotFound(() => d.completeActivity(1, 'late', { attempt: 1 }));
    expectTaskNotFound(() => d.heartbeat(1, undefined, { attempt: 1 }));
  });
});

describe("a started attempt's timeouts when the run closes", () => {
  it('are named in the closing transition, so a timer service that alone holds them drops them then', () => {
    const d = scheduled(cmd.activity(1, { heartbeatTimeoutMs: 3000 }), cmd.activity(2));
    d.dispatchActivity(1);
    d.terminate();
    expect(d.last!.timersRemoved).toEqual(
      expect.arrayContaining([keys.actStartToClose(1, 1), keys.actHeartbeat(1, 1)]),
    );
    expect(d.timers.size).toBe(0);
    checkInvariants(d);
  });
});
