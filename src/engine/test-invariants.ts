/**
 * Invariants of one run, checked by the engine tests after every input (see engine.property.test.ts). Each
 * check throws an InvariantViolation that names the rule and the event or row that broke it.
 *
 *  - history (checkHistory): event ids dense from 1; one WorkflowExecutionStarted first; at most one close
 *    event, and it is the last; at most one workflow task outstanding, and none scheduled without something new
 *    for the workflow; WorkflowTaskCompleted/Failed/TimedOut right after their WorkflowTaskStarted; a transient
 *    task (attempt > 1) is written only as Scheduled, Started, Completed; the events right after a
 *    WorkflowTaskCompleted are exactly its commands' events, in command order, and command events appear
 *    nowhere else; every reference (scheduledEventId, startedEventId, ...) names an earlier event of the right
 *    type; every activity and timer ends at most once, after it began; ActivityTaskStarted directly precedes
 *    its outcome; outcomes agree with the retry policy; nothing times out or fires before its time.
 *  - state against history (checkState): what the state holds pending is what history leaves open (minus what
 *    is buffered); an open run with no workflow task has no waking event its last completed task did not see.
 *  - rows (checkRows): the live task and timer rows are exactly those the state calls for, due when it says.
 *  - steps (checkStep): nothing is written while a task is started but what ends it or closes the run; a
 *    closed run writes nothing; a heartbeat timeout comes only after the activity was silent for its timeout.
 */
import type { FailureInfo } from '../common/failure.js';
import type { Command } from '../protocol/commands.js';
import {
  CLOSE_EVENT_TYPES,
  COMMAND_EVENT_TYPES,
  type EventType,
  type HistoryEvent,
  type HistoryEventOf,
} from '../protocol/events.js';
import { keys, type ExecutionState } from './state.js';
import { WAKING_EVENTS } from './transition.js';
import type { EngineDriver } from './test-driver.js';

export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

function fail(message: string): never {
  throw new InvariantViolation(message);
}

/** What wakes a workflow: the start, and what wakes it later (the engine's own list). */
export const WAKING_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'WorkflowExecutionStarted',
  ...WAKING_EVENTS,
]);

export const ACTIVITY_OUTCOME_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'ActivityTaskCompleted',
  'ActivityTaskFailed',
  'ActivityTaskTimedOut',
  'ActivityTaskCanceled',
]);

const TERMINAL_COMMAND_EVENT: Record<string, EventType> = {
  CompleteWorkflowExecution: 'WorkflowExecutionCompleted',
  FailWorkflowExecution: 'WorkflowExecutionFailed',
  CancelWorkflowExecution: 'WorkflowExecutionCanceled',
  ContinueAsNewWorkflowExecution: 'WorkflowExecutionContinuedAsNew',
};

const show = (ev: HistoryEvent): string => `event ${ev.eventId} ${ev.eventType} ${JSON.stringify(ev.attributes)}`;

/** The commands a completion's events must match: all of them up to (and including) the first terminal one. */
function effectiveCommands(commands: Command[]): Command[] {
  const i = commands.findIndex((c) => c.type in TERMINAL_COMMAND_EVENT);
  return i < 0 ? commands : commands.slice(0, i + 1);
}

/** Does `ev` record `cmd`? `activitySeqOf` maps ActivityTaskScheduled ids to their seq. */
function recordsCommand(ev: HistoryEvent, cmd: Command, activitySeqOf: Map<number, number>): boolean {
  switch (cmd.type) {
    case 'ScheduleActivityTask':
      return (
        ev.eventType === 'ActivityTaskScheduled' &&
        ev.attributes.seq === cmd.seq &&
        ev.attributes.activityId === cmd.activityId &&
        ev.attributes.activityType === cmd.activityType
      );
    case 'RequestCancelActivityTask':
      return (
        ev.eventType === 'ActivityTaskCancelRequested' && activitySeqOf.get(ev.attributes.scheduledEventId) === cmd.seq
      );
    case 'StartTimer':
      return (
        ev.eventType === 'TimerStarted' && ev.attributes.seq === cmd.seq && ev.attributes.timerId === String(cmd.seq)
      );
    case 'CancelTimer':
      return ev.eventType === 'TimerCanceled' && ev.attributes.timerId === String(cmd.seq);
    case 'RecordMarker':
      return (
        ev.eventType === 'MarkerRecorded' &&
        ev.attributes.markerName === cmd.markerName &&
        JSON.stringify(ev.attributes.details) === JSON.stringify(cmd.details) &&
        (ev.attributes.failure === undefined) === (cmd.failure === undefined)
      );
    case 'StartChildWorkflowExecution':
      return (
        ev.eventType === 'StartChildWorkflowExecutionInitiated' &&
        ev.attributes.seq === cmd.seq &&
        ev.attributes.workflowId === cmd.workflowId
      );
    case 'SignalExternalWorkflowExecution':
      return ev.eventType === 'SignalExternalWorkflowExecutionInitiated' && ev.attributes.seq === cmd.seq;
    case 'RequestCancelExternalWorkflowExecution':
      return ev.eventType === 'RequestCancelExternalWorkflowExecutionInitiated' && ev.attributes.seq === cmd.seq;
    case 'UpsertWorkflowSearchAttributes':
      return (
        ev.eventType === 'UpsertWorkflowSearchAttributes' &&
        JSON.stringify(ev.attributes.searchAttributes) === JSON.stringify(cmd.searchAttributes)
      );
    case 'ModifyWorkflowProperties':
      return (
        ev.eventType === 'WorkflowPropertiesModified' &&
        JSON.stringify(ev.attributes.upsertedMemo) === JSON.stringify(cmd.upsertedMemo)
      );
    default:
      return ev.eventType === TERMINAL_COMMAND_EVENT[cmd.type];
  }
}

/** An activity's final event agrees with its retry policy and timeouts. */
function checkActivityOutcome(
  ev: HistoryEvent,
  scheduled: HistoryEventOf<'ActivityTaskScheduled'>,
  started: HistoryEventOf<'ActivityTaskStarted'> | undefined,
): void {
  const time = (e: HistoryEvent): number => Date.parse(e.eventTime);
  const p = scheduled.attributes.retryPolicy;
  const a = ev.attributes as { retryState?: string; failure?: FailureInfo };
  if (a.retryState === 'MAXIMUM_ATTEMPTS_REACHED' && (!started || started.attributes.attempt !== p.maximumAttempts))
    fail(
      `${show(ev)}: maximum attempts reached, but the last attempt was ${started?.attributes.attempt ?? 'never started'} of ${p.maximumAttempts}`,
    );
  if (
    a.retryState === 'NON_RETRYABLE_FAILURE' &&
    !(a.failure?.nonRetryable || (a.failure?.type !== undefined && p.nonRetryableErrorTypes.includes(a.failure.type)))
  )
    fail(`${show(ev)}: non-retryable, but neither the failure nor the policy says so`);
  if (ev.eventType === 'ActivityTaskFailed' && a.retryState === 'TIMEOUT') {
    const s2c = scheduled.attributes.scheduleToCloseTimeoutMs;
    if (s2c === undefined) fail(`${show(ev)}: retries stopped by a deadline, but the activity has none`);
  }
  if (ev.eventType !== 'ActivityTaskTimedOut') return;
  const sa = scheduled.attributes;
  const tt = a.failure?.timeoutType;
  const limit =
    tt === 'SCHEDULE_TO_CLOSE'
      ? time(scheduled) + (sa.scheduleToCloseTimeoutMs ?? NaN)
      : tt === 'SCHEDULE_TO_START'
        ? time(scheduled) + (sa.scheduleToStartTimeoutMs ?? NaN)
        : tt === 'START_TO_CLOSE'
          ? (started ? time(started) : NaN) + (sa.startToCloseTimeoutMs ?? NaN)
          : tt === 'HEARTBEAT'
            ? (started ? time(started) : NaN) + (sa.heartbeatTimeoutMs ?? NaN)
            : NaN;
  if (!(time(ev) >= limit)) fail(`${show(ev)}: timed out (${tt}) before its limit ${limit}`);
  if ((tt === 'START_TO_CLOSE' || tt === 'HEARTBEAT') && !started)
    fail(`${show(ev)}: a ${tt} timeout of an activity that never started`);
  if ((tt === 'SCHEDULE_TO_START' || tt === 'SCHEDULE_TO_CLOSE') && a.retryState !== 'TIMEOUT')
    fail(`${show(ev)}: retryState should be TIMEOUT`);
}

/** What a scan of the history leaves open. */
export interface HistorySummary {
  /** Open activities: scheduled event id -> seq. */
  openActivities: Map<number, number>;
  /** Open timers: timerId -> TimerStarted event id. */
  openTimers: Map<string, number>;
  /** StartedEventId of the last WorkflowTaskCompleted (0 if none). */
  lastCompletedStartedEventId: number;
  /** The outstanding non-transient workflow task in history, if any. */
  openWorkflowTask?: { scheduledEventId: number; startedEventId?: number; attempt: number };
  cancelRequested: boolean;
  closeEvent?: HistoryEvent;
}

/**
 * Checks the history on its own. `completions` gives the commands of each completed workflow task by its
 * startedEventId; without it, only the shape of command events is checked, not their match to commands.
 */
export function checkHistory(
  events: readonly HistoryEvent[],
  completions?: ReadonlyMap<number, Command[]>,
): HistorySummary {
  const at = (id: number): HistoryEvent | undefined => events[id - 1];
  events.forEach((ev, i) => {
    if (ev.eventId !== i + 1) fail(`event ids are not dense: position ${i + 1} holds ${show(ev)}`);
  });
  if (events.length > 0 && events[0]!.eventType !== 'WorkflowExecutionStarted')
    fail(`history starts with ${show(events[0]!)}`);

  const activitySeqOf = new Map<number, number>(); // scheduled event id -> seq
  const activitySeqsUsed = new Set<number>();
  const activityStarted = new Map<number, number>(); // scheduled id -> started event id
  const activityEnded = new Set<number>();
  const activityCancelRequested = new Map<number, number>(); // scheduled id -> cancel requested event id
  const openTimers = new Map<string, number>();
  const timerStartedIds = new Map<number, string>(); // TimerStarted id -> timerId
  const commandEventIds = new Set<number>();
  let openWT: HistorySummary['openWorkflowTask'];
  let lastWTClosure: 'none' | 'completed' | 'failed' = 'none';
  let redoneNow = false;
  let lastCompletedStartedEventId = 0;
  let cancelRequested = false;
  let closeEvent: HistoryEvent | undefined;
  let lastWakingEventId = 0;
  const time = (ev: HistoryEvent | undefined): number => (ev ? Date.parse(ev.eventTime) : NaN);

  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    if (closeEvent) fail(`${show(ev)} written after the close event ${closeEvent.eventId}`);
    if (ev.eventType === 'WorkflowExecutionStarted' && i > 0) fail(`second WorkflowExecutionStarted: ${show(ev)}`);
    if (COMMAND_EVENT_TYPES.has(ev.eventType) && !commandEventIds.has(ev.eventId))
      fail(`command event outside the events right after a WorkflowTaskCompleted: ${show(ev)}`);
    if (CLOSE_EVENT_TYPES.has(ev.eventType)) closeEvent = ev;
    if (WAKING_EVENT_TYPES.has(ev.eventType)) lastWakingEventId = ev.eventId;

    switch (ev.eventType) {
      case 'WorkflowTaskScheduled': {
        if (openWT) fail(`two workflow tasks outstanding: ${show(ev)} while ${openWT.scheduledEventId} is open`);
        const attempt = ev.attributes.attempt;
        // a failed task is retried as attempt 2, 3, ...; one failed for an unhandled signal is redone as a first attempt
        if (lastWTClosure === 'failed' && !redoneNow ? attempt <= 1 : attempt !== 1)
          fail(`workflow task attempt ${attempt} after a ${lastWTClosure} task: ${show(ev)}`);
        // a new task is for something the workflow has not seen yet (a retry is for what the failed one had)
        if (attempt === 1 && lastWakingEventId <= lastCompletedStartedEventId)
          fail(`${show(ev)} scheduled with nothing new for the workflow since event ${lastCompletedStartedEventId}`);
        if (attempt > 1) {
          // transient: written only when it completes, all three at once (or when it is redone for a signal)
          const s = events[i + 1];
          const c = events[i + 2];
          const redone = c?.eventType === 'WorkflowTaskFailed' && c.attributes.cause === 'UNHANDLED_COMMAND';
          if (s?.eventType !== 'WorkflowTaskStarted' || (c?.eventType !== 'WorkflowTaskCompleted' && !redone))
            fail(`transient workflow task ${ev.eventId} (attempt ${attempt}) written without being completed`);
        }
        openWT = { scheduledEventId: ev.eventId, attempt };
        break;
      }
      case 'WorkflowTaskStarted':
        if (
          !openWT ||
          openWT.startedEventId !== undefined ||
          ev.attributes.scheduledEventId !== openWT.scheduledEventId
        )
          fail(`${show(ev)} does not start the outstanding workflow task ${JSON.stringify(openWT)}`);
        openWT.startedEventId = ev.eventId;
        break;
      case 'WorkflowTaskCompleted':
      case 'WorkflowTaskFailed':
      case 'WorkflowTaskTimedOut': {
        const a = ev.attributes;
        if (
          !openWT ||
          openWT.startedEventId === undefined ||
          a.scheduledEventId !== openWT.scheduledEventId ||
          a.startedEventId !== openWT.startedEventId
        )
          fail(`${show(ev)} does not end the started workflow task ${JSON.stringify(openWT)}`);
        if (ev.eventId !== openWT.startedEventId + 1)
          fail(`${show(ev)} does not follow its WorkflowTaskStarted ${openWT.startedEventId} directly`);
        openWT = undefined;
        lastWTClosure = ev.eventType === 'WorkflowTaskCompleted' ? 'completed' : 'failed';
        redoneNow = ev.eventType === 'WorkflowTaskFailed' && ev.attributes.cause === 'UNHANDLED_COMMAND';
        if (ev.eventType !== 'WorkflowTaskCompleted') break;
        lastCompletedStartedEventId = a.startedEventId;
        // the events of its commands follow, in command order, and nothing else that a command makes
        let j = i + 1;
        if (completions) {
          const commands = completions.get(a.startedEventId);
          if (!commands) fail(`no commands recorded for the workflow task completed at ${show(ev)}`);
          for (const cmd of effectiveCommands(commands)) {
            const next = events[j];
            if (!next) fail(`command ${JSON.stringify(cmd)} of the task completed at ${ev.eventId} has no event`);
            if (!COMMAND_EVENT_TYPES.has(next.eventType) || !recordsCommand(next, cmd, activitySeqOf))
              fail(
                `command ${JSON.stringify(cmd)} of the task completed at ${ev.eventId} is not recorded by ${show(next)}`,
              );
            commandEventIds.add(next.eventId);
            if (next.eventType === 'ActivityTaskScheduled') activitySeqOf.set(next.eventId, next.attributes.seq);
            j++;
          }
          const after = events[j];
          if (after && COMMAND_EVENT_TYPES.has(after.eventType))
            fail(`${show(after)} follows the commands of the task completed at ${ev.eventId} but no command made it`);
        } else {
          while (events[j] && COMMAND_EVENT_TYPES.has(events[j]!.eventType)) commandEventIds.add(events[j++]!.eventId);
        }
        for (let k = i + 1; k < j; k++) {
          const ce = events[k]!;
          const wtc = (ce.attributes as { workflowTaskCompletedEventId?: number }).workflowTaskCompletedEventId;
          if (wtc !== ev.eventId) fail(`${show(ce)} names workflow task completion ${wtc}, not ${ev.eventId}`);
        }
        break;
      }
      case 'ActivityTaskScheduled': {
        const seq = ev.attributes.seq;
        if (activitySeqsUsed.has(seq)) fail(`activity seq ${seq} scheduled twice: ${show(ev)}`);
        activitySeqsUsed.add(seq);
        activitySeqOf.set(ev.eventId, seq);
        break;
      }
      case 'ActivityTaskStarted': {
        const sid = ev.attributes.scheduledEventId;
        if (at(sid)?.eventType !== 'ActivityTaskScheduled') fail(`${show(ev)} names no ActivityTaskScheduled`);
        if (activityStarted.has(sid) || activityEnded.has(sid))
          fail(`activity ${sid} started twice or after it ended: ${show(ev)}`);
        if (ev.attributes.attempt < 1 || (ev.attributes.attempt > 1 && !ev.attributes.lastFailure))
          fail(`${show(ev)}: a retried attempt must carry its last failure`);
        const max = (at(sid) as HistoryEventOf<'ActivityTaskScheduled'>).attributes.retryPolicy.maximumAttempts;
        if (max > 0 && ev.attributes.attempt > max) fail(`${show(ev)}: attempt beyond maximumAttempts ${max}`);
        const next = events[i + 1];
        if (
          next &&
          (!ACTIVITY_OUTCOME_TYPES.has(next.eventType) ||
            (next.attributes as { scheduledEventId: number }).scheduledEventId !== sid)
        )
          fail(`ActivityTaskStarted ${ev.eventId} is not followed directly by its outcome but by ${show(next)}`);
        activityStarted.set(sid, ev.eventId);
        break;
      }
      case 'ActivityTaskCompleted':
      case 'ActivityTaskFailed':
      case 'ActivityTaskTimedOut':
      case 'ActivityTaskCanceled': {
        const a = ev.attributes as {
          scheduledEventId: number;
          startedEventId?: number;
          retryState?: string;
          latestCancelRequestedEventId?: number;
        };
        const sid = a.scheduledEventId;
        if (at(sid)?.eventType !== 'ActivityTaskScheduled') fail(`${show(ev)} names no ActivityTaskScheduled`);
        if (activityEnded.has(sid)) fail(`activity ${sid} ended twice: ${show(ev)}`);
        activityEnded.add(sid);
        const started = activityStarted.get(sid);
        if (a.startedEventId !== started)
          fail(`${show(ev)}: startedEventId should be ${started ?? '(absent: the activity never started)'}`);
        if (
          (ev.eventType === 'ActivityTaskCompleted' || ev.eventType === 'ActivityTaskFailed') &&
          started === undefined
        )
          fail(`${show(ev)} for an activity that never started`);
        if (a.retryState === 'IN_PROGRESS') fail(`${show(ev)}: a final outcome cannot be IN_PROGRESS`);
        checkActivityOutcome(
          ev,
          at(sid) as HistoryEventOf<'ActivityTaskScheduled'>,
          started === undefined ? undefined : (at(started) as HistoryEventOf<'ActivityTaskStarted'>),
        );
        if (
          a.latestCancelRequestedEventId !== undefined &&
          a.latestCancelRequestedEventId !== activityCancelRequested.get(sid)
        )
          fail(`${show(ev)}: latestCancelRequestedEventId should be ${activityCancelRequested.get(sid)}`);
        break;
      }
      case 'ActivityTaskCancelRequested': {
        const sid = ev.attributes.scheduledEventId;
        if (at(sid)?.eventType !== 'ActivityTaskScheduled') fail(`${show(ev)} names no ActivityTaskScheduled`);
        if (activityEnded.has(sid)) fail(`${show(ev)} for an activity that had already ended`);
        if (activityCancelRequested.has(sid)) fail(`cancellation of activity ${sid} requested twice: ${show(ev)}`);
        activityCancelRequested.set(sid, ev.eventId);
        break;
      }
      case 'TimerStarted': {
        const id = ev.attributes.timerId;
        if (id !== String(ev.attributes.seq)) fail(`${show(ev)}: timerId is not its seq`);
        if (openTimers.has(id)) fail(`timer ${id} started while running: ${show(ev)}`);
        openTimers.set(id, ev.eventId);
        timerStartedIds.set(ev.eventId, id);
        break;
      }
      case 'TimerFired':
      case 'TimerCanceled': {
        const { timerId, startedEventId } = ev.attributes;
        if (timerStartedIds.get(startedEventId) !== timerId)
          fail(`${show(ev)} names no TimerStarted of timer ${timerId}`);
        const startedEv = at(startedEventId) as HistoryEventOf<'TimerStarted'>;
        if (ev.eventType === 'TimerFired' && time(ev) < time(startedEv) + startedEv.attributes.startToFireTimeoutMs)
          fail(`${show(ev)} fired before its time (${show(startedEv)})`);
        if (openTimers.get(timerId) !== startedEventId) fail(`${show(ev)}: timer ${timerId} is not running`);
        openTimers.delete(timerId);
        break;
      }
      case 'WorkflowExecutionTimedOut': {
        const started = events[0] as HistoryEventOf<'WorkflowExecutionStarted'>;
        const deadlines = [
          started.attributes.executionDeadline,
          started.attributes.workflowRunTimeoutMs !== undefined
            ? time(started) + started.attributes.workflowRunTimeoutMs
            : undefined,
        ];
        const due = Math.min(...deadlines.filter((x): x is number => x !== undefined));
        if (!(time(ev) >= due)) fail(`${show(ev)} before the run's deadline ${due}`);
        break;
      }
      case 'WorkflowExecutionCancelRequested':
        if (cancelRequested) fail(`cancellation requested twice: ${show(ev)}`);
        cancelRequested = true;
        break;
      default:
        break;
    }
  }
  const openActivities = new Map<number, number>();
  for (const [sid, seq] of activitySeqOf) if (!activityEnded.has(sid)) openActivities.set(sid, seq);
  const summary: HistorySummary = { openActivities, openTimers, lastCompletedStartedEventId, cancelRequested };
  if (openWT) summary.openWorkflowTask = openWT;
  if (closeEvent) summary.closeEvent = closeEvent;
  return summary;
}

/** Checks the run's state against its history. */
export function checkState(s: ExecutionState, events: readonly HistoryEvent[], h: HistorySummary): void {
  if (s.nextEventId !== events.length + 1) fail(`nextEventId ${s.nextEventId} but ${events.length} events written`);
  const open = s.status === 'Running';
  if (open !== (h.closeEvent === undefined))
    fail(`status ${s.status} but close event ${h.closeEvent?.eventType ?? 'none'}`);
  if (!open) {
    if (s.workflowTask || Object.keys(s.activities).length || Object.keys(s.timers).length || s.bufferedEvents.length)
      fail(
        `closed run still holds pending work: ${JSON.stringify({ wt: s.workflowTask, a: s.activities, t: s.timers, b: s.bufferedEvents })}`,
      );
    return;
  }
  const wt = s.workflowTask;
  if (s.bufferedEvents.length > 0 && wt?.state !== 'started')
    fail(`events buffered with no started workflow task: ${JSON.stringify(s.bufferedEvents)}`);

  // the workflow task, as history sees it
  if (wt && !wt.transient) {
    const hw = h.openWorkflowTask;
    if (
      !hw ||
      hw.scheduledEventId !== wt.scheduledEventId ||
      hw.attempt !== wt.attempt ||
      hw.startedEventId !== wt.startedEventId
    )
      fail(`workflow task ${JSON.stringify(wt)} does not match history's outstanding task ${JSON.stringify(hw)}`);
    if ((wt.state === 'started') !== (wt.startedEventId !== undefined))
      fail(`workflow task ${JSON.stringify(wt)}: state and startedEventId disagree`);
  } else {
    if (h.openWorkflowTask)
      fail(
        `history has workflow task ${JSON.stringify(h.openWorkflowTask)} outstanding, the state ${JSON.stringify(wt)}`,
      );
    if (wt && wt.attempt <= 1) fail(`transient workflow task with attempt ${wt.attempt}`);
    if (wt?.state === 'started' && (wt.scheduledEventId !== s.nextEventId || wt.startedEventId !== s.nextEventId + 1))
      fail(`started transient task ${JSON.stringify(wt)} would not take the next event ids (${s.nextEventId})`);
  }

  // a waking event the workflow has not seen means a workflow task is pending
  if (!wt) {
    const unseen = events.find((e) => WAKING_EVENT_TYPES.has(e.eventType) && e.eventId > h.lastCompletedStartedEventId);
    if (unseen) fail(`no workflow task, but the workflow has not seen ${show(unseen)}`);
  }

  // activities: pending in the state = open in history, minus those whose outcome is buffered
  const bufferedOutcomes = new Set<number>();
  const bufferedFired = new Set<string>();
  for (const b of s.bufferedEvents) {
    const a = b.attributes as { scheduledEventId?: number; timerId?: string };
    if (ACTIVITY_OUTCOME_TYPES.has(b.eventType)) bufferedOutcomes.add(a.scheduledEventId!);
    if (b.eventType === 'TimerFired') bufferedFired.add(a.timerId!);
  }
  for (const [seq, a] of Object.entries(s.activities)) {
    if (h.openActivities.get(a.scheduledEventId) !== Number(seq) || a.seq !== Number(seq))
      fail(`activity ${seq} (scheduled at ${a.scheduledEventId}) is pending but not open in history`);
    if (bufferedOutcomes.has(a.scheduledEventId)) fail(`activity ${seq} is pending but its outcome is buffered`);
  }
  for (const [sid, seq] of h.openActivities) {
    const pending = s.activities[seq]?.scheduledEventId === sid;
    if (pending === bufferedOutcomes.has(sid))
      fail(
        `activity ${seq} (scheduled at ${sid}) is open in history: it must be pending or have its outcome buffered, exactly one`,
      );
  }
  for (const sid of bufferedOutcomes)
    if (!h.openActivities.has(sid)) fail(`buffered outcome for activity ${sid}, which is not open`);

  // timers: running in the state = open in history, minus those whose TimerFired is buffered
  for (const [seq, tm] of Object.entries(s.timers)) {
    if (h.openTimers.get(tm.timerId) !== tm.startedEventId || tm.timerId !== seq)
      fail(`timer ${seq} is running but not open in history`);
    if (bufferedFired.has(tm.timerId)) fail(`timer ${seq} is running but its TimerFired is buffered`);
  }
  for (const [timerId] of h.openTimers)
    if ((s.timers[timerId] !== undefined) === bufferedFired.has(timerId))
      fail(`timer ${timerId} is open in history: it must be running or have its TimerFired buffered, exactly one`);

  const cancelBuffered = s.bufferedEvents.some((b) => b.eventType === 'WorkflowExecutionCancelRequested');
  if (s.cancelRequested !== (h.cancelRequested || cancelBuffered))
    fail(`cancelRequested ${s.cancelRequested} disagrees with history`);
}

/** The live task and timer rows are exactly those the state calls for. */
export function checkRows(d: EngineDriver): void {
  const s = d.state;
  // outbox rows: one per effect not yet carried out, open run or closed
  const outboxRows = [...d.timers.keys()].filter((k) => k.startsWith('x:')).sort();
  if (
    outboxRows.join(', ') !==
    Object.keys(s.outbox ?? {})
      .sort()
      .join(', ')
  )
    fail(`outbox rows [${outboxRows.join(', ')}], the state's outbox [${Object.keys(s.outbox ?? {}).join(', ')}]`);
  if (s.status !== 'Running') {
    if (d.tasks.size || d.timers.size > outboxRows.length)
      fail(`closed run has rows: ${[...d.tasks.keys(), ...d.timers.keys()].join(', ')}`);
    return;
  }
  const tasks = new Map<string, { kind: string; taskQueue: string; sticky?: string }>();
  const timers = new Map<string, number | undefined>(); // key -> due time, when the state knows it
  for (const key of outboxRows) timers.set(key, undefined);
  if (s.runDeadline !== undefined) timers.set(keys.runTimeout(), s.runDeadline);
  if (s.executionDeadline !== undefined) timers.set(keys.executionTimeout(), s.executionDeadline);
  const wt = s.workflowTask;
  if (wt?.state === 'started')
    timers.set(keys.wtStartToClose(wt.id), (wt.startedTime ?? NaN) + s.workflowTaskTimeoutMs);
  if (wt?.state === 'scheduled') {
    const backingOff = d.timers.has(keys.wtRetry(wt.id));
    // a retry waits 1 s, doubling per failed attempt, at most 30 s (the first task may be held back at start)
    if (backingOff)
      timers.set(
        keys.wtRetry(wt.id),
        wt.attempt > 1 ? wt.scheduledTime + Math.min(1000 * 2 ** (wt.attempt - 2), 30_000) : undefined,
      );
    else {
      tasks.set(keys.workflowTask(wt.id), {
        kind: 'workflow',
        taskQueue: s.taskQueue,
        ...(wt.stickyIdentity !== undefined ? { sticky: wt.stickyIdentity } : {}),
      });
      if (wt.stickyIdentity !== undefined) timers.set(keys.wtStickyScheduleToStart(wt.id), undefined);
    }
  }
  for (const tm of Object.values(s.timers)) timers.set(keys.userTimer(tm.seq), tm.fireTime);
  for (const a of Object.values(s.activities)) {
    if (a.scheduleToCloseTimeoutMs !== undefined)
      timers.set(keys.actScheduleToClose(a.seq), a.scheduledTime + a.scheduleToCloseTimeoutMs);
    if (a.state === 'scheduled') {
      tasks.set(keys.activityTask(a.seq, a.attempt), { kind: 'activity', taskQueue: a.taskQueue });
      if (a.scheduleToStartTimeoutMs !== undefined)
        timers.set(
          keys.actScheduleToStart(a.seq, a.attempt),
          a.currentAttemptScheduledTime + a.scheduleToStartTimeoutMs,
        );
    } else if (a.state === 'started') {
      if (a.startToCloseTimeoutMs !== undefined)
        timers.set(keys.actStartToClose(a.seq, a.attempt), a.startedTime! + a.startToCloseTimeoutMs);
      if (a.heartbeatTimeoutMs !== undefined) timers.set(keys.actHeartbeat(a.seq, a.attempt), undefined); // re-armed lazily
    } else {
      timers.set(keys.actRetry(a.seq, a.attempt), undefined);
      const row = d.timers.get(keys.actRetry(a.seq, a.attempt));
      if (row && a.scheduleToCloseTimeoutMs !== undefined && row.dueAt >= a.scheduledTime + a.scheduleToCloseTimeoutMs)
        fail(`activity ${a.seq} retries at ${row.dueAt}, after its schedule-to-close deadline`);
      if (a.retryPolicy.maximumAttempts > 0 && a.attempt > a.retryPolicy.maximumAttempts)
        fail(`activity ${a.seq} retries beyond maximumAttempts`);
    }
  }
  const sortedKeys = (m: Map<string, unknown>): string => [...m.keys()].sort().join(', ');
  if (sortedKeys(tasks) !== sortedKeys(d.tasks))
    fail(`task rows [${sortedKeys(d.tasks)}], the state calls for [${sortedKeys(tasks)}]`);
  for (const [key, want] of tasks) {
    const row = d.tasks.get(key)!;
    if (row.kind !== want.kind || row.taskQueue !== want.taskQueue || row.stickyIdentity !== want.sticky)
      fail(`task row ${JSON.stringify(row)} should be ${JSON.stringify(want)}`);
  }
  if (sortedKeys(timers) !== sortedKeys(d.timers))
    fail(`timer rows [${sortedKeys(d.timers)}], the state calls for [${sortedKeys(timers)}]`);
  for (const [key, due] of timers) {
    const row = d.timers.get(key)!;
    if (due !== undefined && row.dueAt !== due) fail(`timer row ${key} is due at ${row.dueAt}, the state says ${due}`);
  }
}

/** Everything: history, state against history, rows, and the driver's row bookkeeping. */
export function checkInvariants(d: EngineDriver): HistorySummary {
  const h = checkHistory(d.events, d.completions);
  checkState(d.state, d.events, h);
  checkRows(d);
  if (d.anomalies.length > 0) fail(`row bookkeeping: ${d.anomalies.join('; ')}`);
  return h;
}

/** What one step may change, compared with the moment before it. */
export interface StepSnapshot {
  events: number;
  closed: boolean;
  wt?: { id: number; state: 'scheduled' | 'started'; transient: boolean };
  /** Running activities with a heartbeat timeout: seq -> attempt and when it was last heard of. */
  heartbeating: Map<number, { scheduledEventId: number; attempt: number; lastHeard: number; timeoutMs: number }>;
}

export function snapshot(d: EngineDriver): StepSnapshot {
  const wt = d.started ? d.state.workflowTask : undefined;
  const heartbeating: StepSnapshot['heartbeating'] = new Map();
  for (const a of d.started ? Object.values(d.state.activities) : [])
    if (a.state === 'started' && a.heartbeatTimeoutMs !== undefined)
      heartbeating.set(a.seq, {
        scheduledEventId: a.scheduledEventId,
        attempt: a.attempt,
        lastHeard: a.lastHeartbeatTime ?? a.startedTime!,
        timeoutMs: a.heartbeatTimeoutMs,
      });
  return {
    events: d.events.length,
    closed: d.closed,
    ...(wt ? { wt: { id: wt.id, state: wt.state, transient: wt.transient } } : {}),
    heartbeating,
  };
}

export function checkStep(before: StepSnapshot, d: EngineDriver): void {
  const written = d.events.slice(before.events);
  if (before.closed && written.length > 0) fail(`closed run wrote ${written.map(show).join('; ')}`);
  const wt = d.state.workflowTask;
  // while a task is started, nothing is written but what ends it (or closes the run)
  if (before.wt?.state === 'started' && wt?.id === before.wt.id && wt.state === 'started' && written.length > 0)
    fail(`events written while workflow task ${wt.id} was started: ${written.map(show).join('; ')}`);
  // a heartbeat timeout only after the activity was silent for the whole timeout
  const heartbeatTimeouts = new Set<number>();
  for (const ev of written)
    if (ev.eventType === 'ActivityTaskTimedOut' && ev.attributes.failure.timeoutType === 'HEARTBEAT')
      heartbeatTimeouts.add(ev.attributes.scheduledEventId);
  for (const [seq, hb] of before.heartbeating) {
    const a = d.closed ? undefined : d.state.activities[seq];
    const retriedForHeartbeat = a !== undefined && a.attempt > hb.attempt && a.lastFailure?.timeoutType === 'HEARTBEAT';
    const endedForHeartbeat = heartbeatTimeouts.has(hb.scheduledEventId);
    if ((retriedForHeartbeat || endedForHeartbeat) && d.now < hb.lastHeard + hb.timeoutMs)
      fail(
        `activity ${seq} timed out for silence at ${d.now}, but it was heard of at ${hb.lastHeard} (timeout ${hb.timeoutMs} ms)`,
      );
  }
  // starting a transient task writes nothing
  if (
    before.wt?.state === 'scheduled' &&
    before.wt.transient &&
    wt?.id === before.wt.id &&
    wt.state === 'started' &&
    written.length > 0
  )
    fail(`starting transient workflow task ${wt.id} wrote ${written.map(show).join('; ')}`);
}
