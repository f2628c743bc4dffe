/** User timers (start, cancel, fire), stale timer rows, cancel requests, termination and the run's timeouts. */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../common/api-error.js';
import { keys } from './state.js';
import { cmd, EngineDriver, T0 } from './test-driver.js';
import { checkInvariants } from './test-invariants.js';
import { fireTimer } from './timers.js';

function started(overrides: Parameters<EngineDriver['start']>[0] = {}): EngineDriver {
  const d = new EngineDriver();
  d.start(overrides);
  return d;
}

function expectCode(fn: () => unknown, code: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe(code);
}

describe('user timers', () => {
  it('StartTimer writes TimerStarted and arms a row; firing writes TimerFired and schedules a workflow task', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 30_000)]);
    expect(d.event(5).attributes).toEqual({
      timerId: '1',
      seq: 1,
      startToFireTimeoutMs: 30_000,
      workflowTaskCompletedEventId: 4,
    });
    expect(d.timers.get(keys.userTimer(1))?.dueAt).toBe(d.now + 30_000);
    expect(d.state.timers[1]).toEqual({ seq: 1, timerId: '1', startedEventId: 5, fireTime: d.now + 30_000 });
    d.advanceBy(29_999);
    expect(d.events).toHaveLength(5);
    d.advanceBy(1);
    expect(d.lastEventTypes()).toEqual(['TimerFired', 'WorkflowTaskScheduled']);
    expect(d.event(6).attributes).toEqual({ timerId: '1', startedEventId: 5 });
    expect(d.state.timers).toEqual({});
    checkInvariants(d);
  });

  it('a zero-length timer is due at once', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 0)]);
    expect(d.timers.get(keys.userTimer(1))?.dueAt).toBe(d.now);
    d.advanceBy(0);
    expect(d.ofType('TimerFired')).toHaveLength(1);
  });

  it('CancelTimer writes TimerCanceled and removes the row; no workflow task for it', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 30_000), cmd.timer(2, 1000)]);
    d.advanceBy(1000);
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.cancelTimer(1)]);
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskCompleted', 'TimerCanceled']);
    expect(d.lastOfType('TimerCanceled').attributes).toEqual({
      timerId: '1',
      startedEventId: 5,
      workflowTaskCompletedEventId: 10,
    });
    expect(d.timers.size).toBe(0);
    expect(d.state.workflowTask).toBeUndefined();
    checkInvariants(d);
  });

  it('a timer started and cancelled by the same task leaves no row', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 1000), cmd.cancelTimer(1), cmd.timer(2, 500)]);
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskCompleted', 'TimerStarted', 'TimerCanceled', 'TimerStarted']);
    expect([...d.timers.keys()]).toEqual([keys.userTimer(2)]);
    expect(d.anomalies).toEqual([]);
    checkInvariants(d);
  });

  it('a timer that fires while a task runs is written after that task', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 1000), cmd.timer(2, 2000)]);
    d.advanceBy(1000);
    d.dispatchWorkflowTask();
    d.advanceBy(1000);
    expect(d.state.bufferedEvents.map((b) => b.eventType)).toEqual(['TimerFired']);
    d.completeWorkflowTask([]);
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskCompleted', 'TimerFired', 'WorkflowTaskScheduled']);
    checkInvariants(d);
  });

  it('a stale or unknown timer row is a no-op', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.activity(1), cmd.timer(1, 1000)]);
    const before = structuredClone(d.state);
    for (const key of [
      keys.userTimer(9),
      keys.actStartToClose(1, 1), // activity 1 is scheduled, not started
      keys.actHeartbeat(1, 1),
      keys.actScheduleToStart(1, 2), // another attempt
      keys.actRetry(1, 2),
      keys.actScheduleToClose(7),
      keys.wtStartToClose(5),
      'nonsense',
      'timer:abc',
    ]) {
      const t = d.apply((tr) => (fireTimer(tr, key), tr));
      expect(
        t.events.length + t.tasksAdded.length + t.timersAdded.length + t.tasksRemoved.length + t.timersRemoved.length,
        key,
      ).toBe(0);
    }
    expect(d.state).toEqual(before);
  });
});

describe('cancel requests', () => {
  it('write WorkflowExecutionCancelRequested and wake the workflow; a second request is a no-op', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 60_000)]);
    d.requestCancel('because');
    expect(d.lastEventTypes()).toEqual(['WorkflowExecutionCancelRequested', 'WorkflowTaskScheduled']);
    expect(d.event(6).attributes).toEqual({ reason: 'because' });
    expect(d.state.cancelRequested).toBe(true);
    const events = d.events.length;
    d.requestCancel('again');
    expect(d.events).toHaveLength(events);
    checkInvariants(d);
  });

  it('while a task runs, the request waits behind it (and stays idempotent)', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.requestCancel();
    d.requestCancel();
    expect(d.state.bufferedEvents).toHaveLength(1);
    d.completeWorkflowTask([cmd.timer(1, 60_000)]);
    expect(d.lastEventTypes()).toEqual([
      'WorkflowTaskCompleted',
      'TimerStarted',
      'WorkflowExecutionCancelRequested',
      'WorkflowTaskScheduled',
    ]);
    checkInvariants(d);
  });

  it('the workflow may answer with CancelWorkflowExecution', () => {
    const d = started();
    d.requestCancel();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.cancel()]);
    expect(d.state.status).toBe('Cancelled');
    expect(d.eventTypes()).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowExecutionCancelRequested',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionCanceled',
    ]);
    expectCode(() => d.requestCancel(), 'WORKFLOW_NOT_RUNNING');
    checkInvariants(d);
  });
});

describe('terminate', () => {
  it('writes WorkflowExecutionTerminated and closes the run, dropping every row', () => {
    const d = started({ workflowRunTimeoutMs: 60_000 });
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.activity(1), cmd.timer(1, 1000)]);
    d.terminate('ops');
    expect(d.lastEventTypes()).toEqual(['WorkflowExecutionTerminated']);
    expect(d.event(7).attributes).toEqual({ reason: 'ops' });
    expect(d.last?.closed).toBe(true);
    expect(d.state).toMatchObject({ status: 'Terminated', outcome: { status: 'Terminated', reason: 'ops' } });
    expect(d.tasks.size + d.timers.size).toBe(0);
    expectCode(() => d.terminate(), 'WORKFLOW_NOT_RUNNING');
    expectCode(() => d.requestCancel(), 'WORKFLOW_NOT_RUNNING');
    checkInvariants(d);
  });

  it('while a task runs: written at once, and the task can no longer complete', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.requestCancel(); // buffered, then dropped
    d.terminate();
    expect(d.eventTypes()).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowExecutionTerminated',
    ]);
    expectCode(() => d.completeWorkflowTask([cmd.complete()], {}, 1), 'TASK_NOT_FOUND');
    checkInvariants(d);
  });
});

describe('run and execution timeouts', () => {
  it.each(['run', 'execution'] as const)(
    'the %s timeout writes WorkflowExecutionTimedOut and closes the run',
    (which) => {
      const d = started(which === 'run' ? { workflowRunTimeoutMs: 60_000 } : { workflowExecutionTimeoutMs: 60_000 });
      d.dispatchWorkflowTask();
      d.completeWorkflowTask([cmd.activity(1), cmd.timer(1, 120_000)]);
      d.advanceBy(60_000);
      expect(d.lastEventTypes()).toEqual(['WorkflowExecutionTimedOut']);
      expect(d.lastOfType('WorkflowExecutionTimedOut').attributes).toEqual({ retryState: 'TIMEOUT' });
      expect(d.lastOfType('WorkflowExecutionTimedOut').eventTime).toBe(new Date(T0 + 60_000).toISOString());
      expect(d.state).toMatchObject({ status: 'TimedOut', outcome: { status: 'TimedOut', retryState: 'TIMEOUT' } });
      expect(d.tasks.size + d.timers.size).toBe(0);
      checkInvariants(d);
    },
  );

  it('fires while a task runs: the run closes at once', () => {
    const d = started({ workflowRunTimeoutMs: 5000 });
    d.dispatchWorkflowTask();
    d.advanceBy(5000);
    expect(d.eventTypes()).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowExecutionTimedOut',
    ]);
    checkInvariants(d);
  });

  it('a timer of a closed run changes nothing', () => {
    const d = started({ workflowRunTimeoutMs: 5000 });
    d.terminate();
    const before = structuredClone(d.state);
    const t = d.apply((tr) => (fireTimer(tr, keys.runTimeout()), fireTimer(tr, keys.wtStartToClose(1)), tr));
    expect(t.events).toEqual([]);
    expect(d.state).toEqual(before);
  });
});
