/**
 * Workflow task state machine: scheduled -> started -> completed | failed | timed out. At most one workflow
 * task of a run is outstanding; events that arrive while it runs are buffered behind it (see Transition).
 * A retried task (attempt > 1) is transient: its Scheduled and Started events are written only when it
 * completes, so a workflow that fails its tasks for hours does not grow its history.
 */
import { MAX_DATE_MS } from '../common/duration.js';
import { ApiError } from '../common/api-error.js';
import type { FailureInfo } from '../common/failure.js';
import { TERMINAL_COMMANDS, type Command } from '../protocol/commands.js';
import type { HistoryEvent } from '../protocol/events.js';
import { requestCancelActivity, scheduleActivity, enqueueActivityAttempt, startActivityAttempt } from './activity.js';
import { initiateCancelExternal, initiateChild, initiateSignalExternal } from './children.js';
import { closeRun } from './close.js';
import { recordMarker } from './markers.js';
import { modifyWorkflowProperties } from './memo.js';
import { continueAsNew, cronSuccessor, retryWorkflow } from './continue-as-new.js';
import { keys, type WorkflowTaskState } from './state.js';
import type { Transition } from './transition.js';
import { acceptUpdate, completeUpdate, rejectUpdate } from './updates.js';
import { findInvalidCommand } from './validate-commands.js';
import { mergeSearchAttributes, type SearchAttributeChecker } from '../visibility/search-attributes.js';

export const WORKFLOW_TASK_RETRY_MAX_DELAY_MS = 30_000;

export function getWorkflowTask(t: Transition, id: number, state: WorkflowTaskState['state']): WorkflowTaskState {
  const wt = t.state.workflowTask;
  if (t.state.status !== 'Running' || !wt || wt.id !== id || wt.state !== state)
    throw new ApiError('TASK_NOT_FOUND', `workflow task ${id} is not ${state}`);
  return wt;
}

export interface StartedWorkflowTask {
  startedEventId: number;
  /** For a transient task: its Scheduled and Started events, which history does not hold yet. */
  transientEvents: HistoryEvent[];
}

/** What a WorkflowTaskStarted tells the workflow about its history's size (workflowInfo()). */
export interface HistoryHints {
  historySizeBytes: number;
  suggestContinueAsNew?: true;
}

/**
 * Hands the scheduled workflow task to a worker. `hints` are the ones a continued task was run with (they were
 * checked against the real ones by engine/continuation.ts).
 */
export function startWorkflowTask(
  t: Transition,
  id: number,
  identity: string,
  hints?: HistoryHints,
): StartedWorkflowTask {
  const s = t.state;
  const wt = getWorkflowTask(t, id, 'scheduled');
  t.removeTask(keys.workflowTask(id));
  if (wt.stickyIdentity !== undefined) t.removeTimer(keys.wtStickyScheduleToStart(id));
  s.needsWorkflowTask = false;
  const waitedMs = t.now - wt.scheduledTime;
  t.note({ kind: 'workflowTaskStarted', taskQueue: s.taskQueue, attempt: wt.attempt, waitedMs, id });
  wt.startedTime = t.now;
  wt.startId = t.startId;
  wt.identity = identity;
  let transientEvents: HistoryEvent[] = [];
  if (wt.transient) {
    wt.scheduledEventId = s.nextEventId;
    wt.startedEventId = s.nextEventId + 1;
    transientEvents = transientWorkflowTaskEvents(t, wt);
  } else {
    wt.startedEventId = t.writeNow('WorkflowTaskStarted', {
      scheduledEventId: wt.scheduledEventId,
      identity,
      ...(hints ?? historyHints(t, wt.scheduledEventId + 1)),
    });
  }
  wt.state = 'started';
  t.addTimer(keys.wtStartToClose(id), t.now + s.workflowTaskTimeoutMs);
  return { startedEventId: wt.startedEventId, transientEvents };
}

function transientWorkflowTaskEvents(t: Transition, wt: WorkflowTaskState): HistoryEvent[] {
  return [
    {
      eventId: wt.scheduledEventId,
      eventType: 'WorkflowTaskScheduled',
      eventTime: new Date(wt.scheduledTime).toISOString(),
      attributes: {
        taskQueue: t.state.taskQueue,
        startToCloseTimeoutMs: t.state.workflowTaskTimeoutMs,
        attempt: wt.attempt,
      },
    },
    {
      eventId: wt.startedEventId!,
      eventType: 'WorkflowTaskStarted',
      eventTime: new Date(wt.startedTime ?? t.now).toISOString(),
      attributes: {
        scheduledEventId: wt.scheduledEventId,
        identity: wt.identity ?? '',
        ...historyHints(t, wt.startedEventId!),
      },
    },
  ];
}

export function historyHints(t: Transition, historyLength: number): HistoryHints {
  const bytes = t.state.historySizeBytes ?? 0;
  const suggest = historyLength >= t.limits.suggestContinueAsNewEvents || bytes >= t.limits.suggestContinueAsNewBytes;
  return { historySizeBytes: bytes, ...(suggest ? { suggestContinueAsNew: true as const } : {}) };
}

/** Writes the Scheduled and Started events of a transient task that is now being completed. */
function materialiseTransient(t: Transition, wt: WorkflowTaskState): void {
  if (!wt.transient) return;
  for (const ev of transientWorkflowTaskEvents(t, wt))
    t.writeNow(ev.eventType, ev.attributes, Date.parse(ev.eventTime));
}

export interface CompleteWorkflowTaskInput {
  id: number;
  commands: Command[];
  identity: string;
  buildId?: string;
  /** SDK flags the task consulted first, recorded in its WorkflowTaskCompleted. */
  sdkFlags?: number[];
  sticky: boolean;
  /** With `sticky`: the worker's sticky schedule-to-start timeout (ms). */
  stickyScheduleToStartMs?: number;
  /** Task queue the completing worker polls, and how many activities it takes back at once. */
  eager?: { taskQueue: string; activitySlots: number };
  /** Updates the workflow's validators rejected. */
  updateRejections?: Array<{ updateId: string; failure: FailureInfo }>;
  /** Checks upserted search attributes against the namespace's registry (none given: any are accepted). */
  checkSearchAttributes?: SearchAttributeChecker;
}

export interface CompleteWorkflowTaskResult {
  /** Activities started on the completing worker (eager dispatch). */
  eagerActivitySeqs: number[];
  /** The commands were invalid: the task was failed instead. */
  rejected?: string;
}

export function completeWorkflowTask(t: Transition, input: CompleteWorkflowTaskInput): CompleteWorkflowTaskResult {
  const s = t.state;
  const wt = getWorkflowTask(t, input.id, 'started');
  const invalid = findInvalidCommand(s, input.commands, input.checkSearchAttributes);
  if (invalid !== undefined) {
    failWorkflowTask(t, {
      id: input.id,
      cause: 'BAD_COMMAND',
      failure: { kind: 'application', message: `invalid command: ${invalid}`, type: 'BadCommand' },
      identity: input.identity,
    });
    return { eagerActivitySeqs: [], rejected: invalid };
  }
  // Events arrived while this task ran (a signal, an activity's or a child's outcome, a timer), and the task closes
  // the run: the workflow has not seen them, and closing would drop them. The task is failed and redone at once,
  // with them in it (Temporal's "unhandled command", for any buffered event).
  if (input.commands.some((c) => TERMINAL_COMMANDS.has(c.type)) && s.bufferedEvents.length > 0) {
    const message =
      'new events (a signal, an activity or child outcome, a timer) arrived while the workflow task that closes the ' +
      'run was running: the task is redone so the workflow sees them';
    failWorkflowTask(t, {
      id: input.id,
      cause: 'UNHANDLED_COMMAND',
      failure: { kind: 'application', message, type: 'UnhandledCommand' },
      identity: input.identity,
      retryNow: true,
    });
    return { eagerActivitySeqs: [], rejected: message };
  }
  for (const r of input.updateRejections ?? []) rejectUpdate(t, r.updateId, r.failure);
  materialiseTransient(t, wt);
  const completedEventId = t.writeNow('WorkflowTaskCompleted', {
    scheduledEventId: wt.scheduledEventId,
    startedEventId: wt.startedEventId!,
    identity: input.identity,
    ...(input.buildId ? { buildId: input.buildId } : {}),
    ...(input.sdkFlags?.length ? { sdkFlags: input.sdkFlags } : {}),
  });
  t.removeTimer(keys.wtStartToClose(wt.id));
  s.lastCompletedStartedEventId = wt.startedEventId!;
  if (input.buildId) s.lastBuildId = input.buildId;
  if (input.sticky) s.stickyIdentity = input.identity;
  else delete s.stickyIdentity;
  if (input.sticky && input.stickyScheduleToStartMs !== undefined)
    s.stickyScheduleToStartMs = input.stickyScheduleToStartMs;
  else delete s.stickyScheduleToStartMs;

  // The task stays 'started' while its commands apply, so that events they cause (an activity cancelled
  // before it ran) are buffered behind the command events, as replay expects.
  const eagerActivitySeqs: number[] = [];
  let eagerSlots = input.eager?.activitySlots ?? 0;
  for (const cmd of input.commands) {
    switch (cmd.type) {
      case 'ScheduleActivityTask': {
        const a = scheduleActivity(t, cmd, completedEventId);
        if (cmd.eager && eagerSlots > 0 && input.eager?.taskQueue === cmd.taskQueue) {
          eagerSlots--;
          a.state = 'scheduled';
          a.currentAttemptScheduledTime = t.now;
          startActivityAttempt(t, a, input.identity);
          eagerActivitySeqs.push(a.seq);
        } else {
          enqueueActivityAttempt(t, a);
        }
        break;
      }
      case 'RequestCancelActivityTask': {
        const a = t.activity(cmd.seq);
        if (a) requestCancelActivity(t, a, completedEventId);
        else {
          // it finished while this task ran (its outcome is buffered): record the request all the same
          const scheduledEventId = s.finishedDuringTask?.[cmd.seq] ?? 0;
          t.writeNow('ActivityTaskCancelRequested', {
            scheduledEventId,
            workflowTaskCompletedEventId: completedEventId,
          });
        }
        break;
      }
      case 'StartTimer': {
        const startedEventId = t.writeNow('TimerStarted', {
          timerId: String(cmd.seq),
          seq: cmd.seq,
          startToFireTimeoutMs: cmd.startToFireTimeoutMs,
          workflowTaskCompletedEventId: completedEventId,
          ...(cmd.userMetadata ? { userMetadata: cmd.userMetadata } : {}),
        });
        // `sleep(Number.MAX_SAFE_INTEGER)` ("forever") is due at the last time a date can show
        const fireTime = Math.min(t.now + cmd.startToFireTimeoutMs, MAX_DATE_MS);
        s.timers[cmd.seq] = { seq: cmd.seq, timerId: String(cmd.seq), startedEventId, fireTime };
        t.addTimer(keys.userTimer(cmd.seq), fireTime);
        break;
      }
      case 'CancelTimer': {
        const timer = s.timers[cmd.seq];
        let startedEventId = timer?.startedEventId ?? 0;
        if (timer) {
          delete s.timers[cmd.seq];
          t.removeTimer(keys.userTimer(cmd.seq));
        } else {
          // it fired while this task ran: the workflow cancelled it first, so the buffered TimerFired goes
          const i = s.bufferedEvents.findIndex(
            (b) => b.eventType === 'TimerFired' && (b.attributes as { timerId: string }).timerId === String(cmd.seq),
          );
          if (i >= 0) startedEventId = (t.dropBuffered(i)!.attributes as { startedEventId: number }).startedEventId;
        }
        t.writeNow('TimerCanceled', {
          timerId: String(cmd.seq),
          startedEventId,
          workflowTaskCompletedEventId: completedEventId,
        });
        break;
      }
      case 'CompleteWorkflowExecution': {
        const result = cmd.result === undefined ? {} : { result: cmd.result };
        const cronRunId = cronSuccessor(t, result);
        const next = cronRunId ? { newExecutionRunId: cronRunId } : {};
        t.writeNow('WorkflowExecutionCompleted', {
          ...result,
          workflowTaskCompletedEventId: completedEventId,
          ...next,
        });
        closeRun(t, { status: 'Completed', ...result, ...next });
        break;
      }
      case 'FailWorkflowExecution': {
        const retryState = retryWorkflow(t, {
          status: 'Failed',
          failure: cmd.failure,
          workflowTaskCompletedEventId: completedEventId,
        });
        if (retryState === 'retried') break;
        const cronRunId = cronSuccessor(t, { failure: cmd.failure });
        const next = cronRunId ? { newExecutionRunId: cronRunId } : {};
        t.writeNow('WorkflowExecutionFailed', {
          failure: cmd.failure,
          retryState,
          workflowTaskCompletedEventId: completedEventId,
          ...next,
        });
        closeRun(t, { status: 'Failed', failure: cmd.failure, retryState, ...next });
        break;
      }
      case 'CancelWorkflowExecution':
        t.writeNow('WorkflowExecutionCanceled', {
          ...(cmd.details !== undefined ? { details: cmd.details } : {}),
          workflowTaskCompletedEventId: completedEventId,
        });
        closeRun(t, { status: 'Cancelled' });
        break;
      case 'ContinueAsNewWorkflowExecution':
        continueAsNew(t, cmd, completedEventId);
        break;
      case 'StartChildWorkflowExecution':
        initiateChild(t, cmd, completedEventId);
        break;
      case 'SignalExternalWorkflowExecution':
        initiateSignalExternal(t, cmd, completedEventId);
        break;
      case 'RequestCancelExternalWorkflowExecution':
        initiateCancelExternal(t, cmd, completedEventId);
        break;
      case 'AcceptWorkflowUpdate':
        acceptUpdate(t, cmd, completedEventId);
        break;
      case 'CompleteWorkflowUpdate':
        completeUpdate(t, cmd, completedEventId);
        break;
      case 'RecordMarker':
        recordMarker(t, cmd, completedEventId);
        break;
      case 'UpsertWorkflowSearchAttributes': {
        t.writeNow('UpsertWorkflowSearchAttributes', {
          searchAttributes: cmd.searchAttributes,
          workflowTaskCompletedEventId: completedEventId,
        });
        const merged = mergeSearchAttributes(s.searchAttributes, cmd.searchAttributes);
        if (merged) s.searchAttributes = merged;
        else delete s.searchAttributes;
        t.searchAttributesChanged = true;
        break;
      }
      case 'ModifyWorkflowProperties':
        modifyWorkflowProperties(t, cmd, completedEventId);
        break;
    }
    if (TERMINAL_COMMANDS.has(cmd.type)) break;
  }
  delete s.finishedDuringTask;
  s.lastCommandEventId = s.nextEventId - 1;
  if (s.status === 'Running') {
    delete s.workflowTask;
    t.flushBuffered();
    t.scheduleWorkflowTaskIfNeeded();
  }
  // a command after the eager start may have ended the run (and with it the activity): hand out only live ones
  return { eagerActivitySeqs: eagerActivitySeqs.filter((seq) => s.activities[seq] !== undefined) };
}

function retryDelayMs(failedAttempt: number): number {
  return Math.min(1000 * 2 ** (failedAttempt - 1), WORKFLOW_TASK_RETRY_MAX_DELAY_MS);
}

export interface FailWorkflowTaskInput {
  id: number;
  cause: string;
  failure: FailureInfo;
  identity: string;
  /** Not the workflow's fault (new events it must see): redo the task at once, as a first attempt. */
  retryNow?: boolean;
}

/** The worker could not complete the task (nondeterminism, a bug): the task is retried after a backoff. */
export function failWorkflowTask(t: Transition, input: FailWorkflowTaskInput): void {
  const s = t.state;
  const wt = getWorkflowTask(t, input.id, 'started');
  t.note({ kind: 'workflowTaskFailed', cause: input.cause });
  // a redone task is recorded even when it was a transient retry, so history says why attempt 1 comes next
  if (input.retryNow) materialiseTransient(t, wt);
  if (!wt.transient || input.retryNow) {
    t.writeNow('WorkflowTaskFailed', {
      scheduledEventId: wt.scheduledEventId,
      startedEventId: wt.startedEventId!,
      cause: input.cause,
      failure: input.failure,
      identity: input.identity,
    });
  }
  t.removeTimer(keys.wtStartToClose(wt.id));
  delete s.workflowTask;
  delete s.stickyIdentity;
  delete s.finishedDuringTask;
  t.flushBuffered();
  if (input.retryNow) t.scheduleWorkflowTask(1);
  else t.scheduleWorkflowTask(wt.attempt + 1, { delayMs: retryDelayMs(wt.attempt), lastFailure: input.failure });
}

/** Start-to-close timeout of a started workflow task: it goes back to the normal queue at once. */
export function workflowTaskTimedOut(t: Transition, id: number): void {
  const s = t.state;
  const wt = s.workflowTask;
  if (!wt || wt.id !== id || wt.state !== 'started') return;
  t.note({ kind: 'workflowTaskTimedOut' });
  if (!wt.transient) {
    t.writeNow('WorkflowTaskTimedOut', {
      scheduledEventId: wt.scheduledEventId,
      startedEventId: wt.startedEventId!,
      timeoutType: 'START_TO_CLOSE',
    });
  }
  delete s.workflowTask;
  delete s.stickyIdentity;
  delete s.finishedDuringTask;
  t.flushBuffered();
  t.scheduleWorkflowTask(wt.attempt + 1, {
    lastFailure: { kind: 'timeout', message: 'workflow task timed out', timeoutType: 'START_TO_CLOSE' },
  });
}

/** The sticky worker did not pick the task up in time: any worker of the task queue may take it. */
export function stickyScheduleToStartTimedOut(t: Transition, id: number): void {
  const wt = t.state.workflowTask;
  if (!wt || wt.id !== id || wt.state !== 'scheduled' || wt.stickyIdentity === undefined) return;
  delete wt.stickyIdentity;
  delete t.state.stickyIdentity;
  t.removeTask(keys.workflowTask(id));
  t.addTask(keys.workflowTask(id), 'workflow', t.state.taskQueue);
}

/** A workflow task retry backoff ended. */
export function workflowTaskRetryDue(t: Transition, id: number): void {
  const wt = t.state.workflowTask;
  if (!wt || wt.id !== id || wt.state !== 'scheduled') return;
  delete wt.startBackoff;
  t.enqueueWorkflowTask();
}
