/**
 * Activity state machine: scheduled -> started -> (completed | failed | timed out | cancelled), with retries
 * through a backoff state. Only the final attempt is written to history (ActivityTaskStarted with its attempt
 * and last failure, then the outcome), as Temporal does; attempts in between live in the run's state, and the
 * gap between ActivityTaskScheduled and ActivityTaskStarted is the backoff.
 */
import { ApiError } from '../common/api-error.js';
import type { FailureInfo, RetryState, TimeoutType } from '../common/failure.js';
import { decideRetry } from '../common/retry-policy.js';
import type { CommandOf } from '../protocol/commands.js';
import { keys, type ActivityState } from './state.js';
import type { TimerRow, Transition } from './transition.js';
import { resolveActivityRetryPolicy } from './validate-commands.js';

export function scheduleActivity(
  t: Transition,
  cmd: CommandOf<'ScheduleActivityTask'>,
  workflowTaskCompletedEventId: number,
): ActivityState {
  const retryPolicy = resolveActivityRetryPolicy(cmd);
  // 0 means "not set", as in Temporal
  cmd = {
    ...cmd,
    scheduleToCloseTimeoutMs: cmd.scheduleToCloseTimeoutMs || undefined,
    scheduleToStartTimeoutMs: cmd.scheduleToStartTimeoutMs || undefined,
    startToCloseTimeoutMs: cmd.startToCloseTimeoutMs || undefined,
    heartbeatTimeoutMs: cmd.heartbeatTimeoutMs || undefined,
  };
  // as Temporal's server: an attempt never outlasts the whole activity, a heartbeat timeout never an attempt
  if (
    cmd.scheduleToCloseTimeoutMs !== undefined &&
    cmd.startToCloseTimeoutMs !== undefined &&
    cmd.startToCloseTimeoutMs > cmd.scheduleToCloseTimeoutMs
  )
    cmd = { ...cmd, startToCloseTimeoutMs: cmd.scheduleToCloseTimeoutMs };
  const startToClose = cmd.startToCloseTimeoutMs ?? cmd.scheduleToCloseTimeoutMs;
  if (cmd.heartbeatTimeoutMs !== undefined && startToClose !== undefined && cmd.heartbeatTimeoutMs > startToClose)
    cmd = { ...cmd, heartbeatTimeoutMs: startToClose };
  const scheduledEventId = t.writeNow('ActivityTaskScheduled', {
    activityId: cmd.activityId,
    seq: cmd.seq,
    activityType: cmd.activityType,
    taskQueue: cmd.taskQueue,
    input: cmd.input,
    ...(cmd.scheduleToCloseTimeoutMs !== undefined ? { scheduleToCloseTimeoutMs: cmd.scheduleToCloseTimeoutMs } : {}),
    ...(cmd.scheduleToStartTimeoutMs !== undefined ? { scheduleToStartTimeoutMs: cmd.scheduleToStartTimeoutMs } : {}),
    ...(startToClose !== undefined ? { startToCloseTimeoutMs: startToClose } : {}),
    ...(cmd.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: cmd.heartbeatTimeoutMs } : {}),
    retryPolicy,
    workflowTaskCompletedEventId,
    ...(cmd.header && Object.keys(cmd.header).length > 0 ? { header: cmd.header } : {}),
    ...(cmd.priority ? { priority: cmd.priority } : {}),
    ...(cmd.userMetadata ? { userMetadata: cmd.userMetadata } : {}),
  });
  const a: ActivityState = {
    seq: cmd.seq,
    activityId: cmd.activityId,
    activityType: cmd.activityType,
    taskQueue: cmd.taskQueue,
    scheduledEventId,
    scheduledTime: t.now,
    retryPolicy,
    attempt: 1,
    state: 'scheduled',
    currentAttemptScheduledTime: t.now,
    cancelRequested: false,
  };
  if (cmd.scheduleToCloseTimeoutMs !== undefined) a.scheduleToCloseTimeoutMs = cmd.scheduleToCloseTimeoutMs;
  if (cmd.scheduleToStartTimeoutMs !== undefined) a.scheduleToStartTimeoutMs = cmd.scheduleToStartTimeoutMs;
  if (startToClose !== undefined) a.startToCloseTimeoutMs = startToClose;
  if (cmd.heartbeatTimeoutMs !== undefined) a.heartbeatTimeoutMs = cmd.heartbeatTimeoutMs;
  if (cmd.priority) a.priority = cmd.priority;
  t.putActivity(a);
  if (a.scheduleToCloseTimeoutMs !== undefined)
    t.addTimer(keys.actScheduleToClose(a.seq), t.now + a.scheduleToCloseTimeoutMs);
  return a;
}

/** Makes the current attempt available to pollers. */
export function enqueueActivityAttempt(t: Transition, a: ActivityState): void {
  a.state = 'scheduled';
  a.currentAttemptScheduledTime = t.now;
  // as Temporal: an activity without a priority of its own takes its workflow's
  t.addTask(keys.activityTask(a.seq, a.attempt), 'activity', a.taskQueue, undefined, a.priority ?? t.state.priority);
  if (a.scheduleToStartTimeoutMs !== undefined)
    t.addTimer(keys.actScheduleToStart(a.seq, a.attempt), t.now + a.scheduleToStartTimeoutMs);
}

/** The activity to change (a private copy); throws TASK_NOT_FOUND when it is not pending at that attempt. */
export function getActivity(t: Transition, seq: number, attempt?: number): ActivityState {
  const a = t.activity(seq);
  if (!a || (attempt !== undefined && a.attempt !== attempt))
    throw new ApiError('TASK_NOT_FOUND', `activity ${seq} (attempt ${attempt ?? '-'}) is not pending`);
  return a;
}

/** Hands the current attempt to a worker. */
export function startActivityAttempt(t: Transition, a: ActivityState, identity: string): void {
  if (a.state !== 'scheduled') throw new ApiError('TASK_NOT_FOUND', `activity ${a.seq} is not waiting for a worker`);
  const waitedMs = t.now - a.currentAttemptScheduledTime;
  t.note({
    kind: 'activityStarted',
    activityType: a.activityType,
    taskQueue: a.taskQueue,
    waitedMs,
    seq: a.seq,
    attempt: a.attempt,
  });
  t.removeTask(keys.activityTask(a.seq, a.attempt));
  if (a.scheduleToStartTimeoutMs !== undefined) t.removeTimer(keys.actScheduleToStart(a.seq, a.attempt));
  a.state = 'started';
  a.startedTime = t.now;
  a.startId = t.startId;
  a.identity = identity;
  delete a.lastHeartbeatTime;
  for (const { key, dueAt } of attemptTimeouts(t.state.runId, t.state.namespace, a)) t.addTimer(key, dueAt);
}

/**
 * The timeout timers of a started attempt (start-to-close, heartbeat), due when its state says. Everything they
 * need is in the attempt's state, so a store only one server uses does not write them: the server rebuilds them
 * from its started activities when its timers start (Store.startedActivities).
 */
export function attemptTimeouts(runId: string, namespace: string, a: ActivityState): TimerRow[] {
  if (a.state !== 'started' || a.startedTime === undefined) return [];
  const rows: TimerRow[] = [];
  if (a.startToCloseTimeoutMs !== undefined)
    rows.push({
      runId,
      namespace,
      key: keys.actStartToClose(a.seq, a.attempt),
      dueAt: a.startedTime + a.startToCloseTimeoutMs,
    });
  if (a.heartbeatTimeoutMs !== undefined) {
    // a heartbeat timer that fired in time was set again from the last heartbeat (activityTimeout)
    const last = a.lastHeartbeatTime ?? a.startedTime;
    rows.push({ runId, namespace, key: keys.actHeartbeat(a.seq, a.attempt), dueAt: last + a.heartbeatTimeoutMs });
  }
  return rows;
}

function clearAttemptTimers(t: Transition, a: ActivityState): void {
  if (a.state === 'started') {
    if (a.startToCloseTimeoutMs !== undefined) t.removeTimer(keys.actStartToClose(a.seq, a.attempt));
    if (a.heartbeatTimeoutMs !== undefined) t.removeTimer(keys.actHeartbeat(a.seq, a.attempt));
  } else if (a.state === 'scheduled') {
    t.removeTask(keys.activityTask(a.seq, a.attempt));
    if (a.scheduleToStartTimeoutMs !== undefined) t.removeTimer(keys.actScheduleToStart(a.seq, a.attempt));
  } else {
    t.removeTimer(keys.actRetry(a.seq, a.attempt));
  }
}

/** Removes the activity from the run and writes its ActivityTaskStarted (if it ever started); returns that id. */
function finish(t: Transition, a: ActivityState): number | undefined {
  clearAttemptTimers(t, a);
  if (a.scheduleToCloseTimeoutMs !== undefined) t.removeTimer(keys.actScheduleToClose(a.seq));
  t.removeActivity(a.seq);
  if (t.state.workflowTask?.state === 'started') (t.state.finishedDuringTask ??= {})[a.seq] = a.scheduledEventId;
  if (a.startedTime === undefined || a.state !== 'started') return undefined;
  // when buffered, the id is filled in as the buffer is written (Transition.flushBuffered)
  return (
    t.event(
      'ActivityTaskStarted',
      {
        scheduledEventId: a.scheduledEventId,
        identity: a.identity ?? '',
        attempt: a.attempt,
        ...(a.lastFailure ? { lastFailure: a.lastFailure } : {}),
      },
      a.startedTime,
    ) ?? 0
  );
}

export function completeActivity(t: Transition, a: ActivityState, result: unknown): void {
  if (a.state !== 'started') throw new ApiError('TASK_NOT_FOUND', `activity ${a.seq} is not running`);
  const identity = a.identity ?? '';
  const startedEventId = finish(t, a) ?? 0;
  t.event('ActivityTaskCompleted', {
    scheduledEventId: a.scheduledEventId,
    startedEventId,
    ...(result === undefined ? {} : { result }),
    identity,
  });
  t.scheduleWorkflowTaskIfNeeded();
}

/** A failed attempt: retried after a backoff when the policy allows, else the activity fails. */
export function failActivityAttempt(
  t: Transition,
  a: ActivityState,
  failure: FailureInfo,
  lastHeartbeatDetails?: unknown,
): void {
  if (a.state !== 'started') throw new ApiError('TASK_NOT_FOUND', `activity ${a.seq} is not running`);
  if (lastHeartbeatDetails !== undefined) a.heartbeatDetails = lastHeartbeatDetails;
  t.note({ kind: 'activityFailed', activityType: a.activityType, taskQueue: a.taskQueue });
  if (retryAttempt(t, a, failure)) return;
  const identity = a.identity ?? '';
  const retryState = lastRetryState(t, a, failure);
  const startedEventId = finish(t, a) ?? 0;
  t.event('ActivityTaskFailed', {
    scheduledEventId: a.scheduledEventId,
    startedEventId,
    failure,
    retryState,
    identity,
  });
  t.scheduleWorkflowTaskIfNeeded();
}

function deadlineOf(a: ActivityState): number | undefined {
  return a.scheduleToCloseTimeoutMs !== undefined ? a.scheduledTime + a.scheduleToCloseTimeoutMs : undefined;
}

function retryAttempt(t: Transition, a: ActivityState, failure: FailureInfo): boolean {
  if (a.cancelRequested) return false;
  const d = decideRetry(a.retryPolicy, a.attempt, failure, t.now, deadlineOf(a));
  if (!d.retry) return false;
  clearAttemptTimers(t, a);
  a.lastFailure = failure;
  a.attempt += 1;
  a.state = 'backoff';
  delete a.startedTime;
  delete a.startId;
  delete a.identity;
  t.addTimer(keys.actRetry(a.seq, a.attempt), t.now + d.delayMs);
  return true;
}

function lastRetryState(t: Transition, a: ActivityState, failure: FailureInfo): RetryState {
  if (a.cancelRequested) return 'CANCEL_REQUESTED';
  const d = decideRetry(a.retryPolicy, a.attempt, failure, t.now, deadlineOf(a));
  return d.retry ? 'IN_PROGRESS' : d.retryState;
}

/** The worker reports that the activity gave up after a cancellation request. */
export function activityCanceled(t: Transition, a: ActivityState, details: unknown): void {
  if (a.state !== 'started') throw new ApiError('TASK_NOT_FOUND', `activity ${a.seq} is not running`);
  const identity = a.identity ?? '';
  const startedEventId = finish(t, a) ?? 0;
  t.event('ActivityTaskCanceled', {
    scheduledEventId: a.scheduledEventId,
    startedEventId,
    ...(a.cancelRequestedEventId !== undefined ? { latestCancelRequestedEventId: a.cancelRequestedEventId } : {}),
    ...(details !== undefined ? { details } : {}),
    identity,
  });
  t.scheduleWorkflowTaskIfNeeded();
}

export function heartbeatActivity(t: Transition, a: ActivityState, details: unknown): { cancelRequested: boolean } {
  if (a.state !== 'started') throw new ApiError('TASK_NOT_FOUND', `activity ${a.seq} is not running`);
  a.lastHeartbeatTime = t.now;
  if (details !== undefined) a.heartbeatDetails = details;
  return { cancelRequested: a.cancelRequested };
}

/** The workflow asked to cancel the activity (RequestCancelActivityTask). */
export function requestCancelActivity(t: Transition, a: ActivityState, workflowTaskCompletedEventId: number): void {
  if (a.cancelRequested) return;
  a.cancelRequested = true;
  a.cancelRequestedEventId = t.writeNow('ActivityTaskCancelRequested', {
    scheduledEventId: a.scheduledEventId,
    workflowTaskCompletedEventId,
  });
  if (a.state !== 'started') {
    // nobody runs it: cancelled at once
    finish(t, a);
    t.event('ActivityTaskCanceled', {
      scheduledEventId: a.scheduledEventId,
      latestCancelRequestedEventId: a.cancelRequestedEventId,
    });
  }
}

/** A retry backoff ended: the next attempt becomes available to pollers. */
export function activityRetryDue(t: Transition, a: ActivityState): void {
  if (a.state !== 'backoff') return;
  enqueueActivityAttempt(t, a);
}

export function activityTimeout(t: Transition, a: ActivityState, timeoutType: TimeoutType): void {
  if (timeoutType === 'HEARTBEAT' && a.heartbeatTimeoutMs !== undefined) {
    const last = a.lastHeartbeatTime ?? a.startedTime ?? t.now;
    const due = last + a.heartbeatTimeoutMs;
    if (due > t.now) {
      t.addTimer(keys.actHeartbeat(a.seq, a.attempt), due); // a heartbeat came in time: wait for the next
      return;
    }
  }
  const failure: FailureInfo = {
    kind: 'timeout',
    message: `activity ${timeoutType} timeout`,
    timeoutType,
    ...(a.heartbeatDetails !== undefined ? { lastHeartbeatDetails: a.heartbeatDetails } : {}),
  };
  t.note({ kind: 'activityFailed', activityType: a.activityType, taskQueue: a.taskQueue, timeoutType });
  // start-to-close and heartbeat timeouts of one attempt are retried; the others end the activity
  const retryable = timeoutType === 'START_TO_CLOSE' || timeoutType === 'HEARTBEAT';
  if (retryable && retryAttempt(t, a, failure)) return;
  const retryState: RetryState = retryable ? lastRetryState(t, a, failure) : 'TIMEOUT';
  // as Temporal: the failure of the attempt before (what the retries were about) is the timeout's cause
  if (a.lastFailure && !failure.cause) failure.cause = a.lastFailure;
  // an attempt that timed out was started; write ActivityTaskStarted only then
  const startedEventId = finish(t, a);
  t.event('ActivityTaskTimedOut', {
    scheduledEventId: a.scheduledEventId,
    ...(startedEventId !== undefined ? { startedEventId } : {}),
    failure,
    retryState,
  });
  t.scheduleWorkflowTaskIfNeeded();
}
