/**
 * A Transition is one engine step on one run: it owns a private copy of the run's state, and collects the
 * effects that must commit together with it (new events, task rows, timer rows). The server commits the
 * whole transition in one store transaction, and only then acts on it (wakes pollers, answers callers).
 *
 * Event ordering rule (as Temporal's "buffered events"): while a workflow task is started, events that do
 * not belong to it (an activity completing, a timer firing, a cancel request) are buffered in the state and
 * written after the task's WorkflowTaskCompleted and the events of its commands.
 */
import { randomBytes } from 'node:crypto';
import type { FailureInfo } from '../common/failure.js';
import {
  CLOSE_EVENT_TYPES,
  COMMAND_EVENT_TYPES,
  type EventAttributes,
  type EventType,
  type HistoryEvent,
} from '../protocol/events.js';
import { keys, type ActivityState, type BufferedEvent, type ExecutionState, type OutboxEffect } from './state.js';
import type { StartRunInput } from './start.js';

/** How long a run's history may grow. */
export interface HistoryLimits {
  /** workflowInfo().continueAsNewSuggested turns true from this many events (or bytes) on. */
  suggestContinueAsNewEvents: number;
  suggestContinueAsNewBytes: number;
  /** Past these the run fails (HistoryLimitExceeded). */
  maxEvents: number;
  maxBytes: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = {
  suggestContinueAsNewEvents: 10_000,
  suggestContinueAsNewBytes: 10 * 1024 * 1024,
  maxEvents: 50_000,
  maxBytes: 50 * 1024 * 1024,
};

export interface TaskRow {
  runId: string;
  key: string;
  namespace: string;
  taskQueue: string;
  kind: 'workflow' | 'activity';
  /** Workflow tasks only: the worker this task is sticky to. */
  stickyIdentity?: string;
  createdAt: number;
  /**
   * Temporal's priority key (1 is handed out first): matching takes a queue's tasks of a smaller key before the
   * others. Absent: the default, 3 (taskPriority).
   */
  priority?: number;
}

/** Temporal's default priority key (the middle of its five levels); a key of 0 means the default too. */
export const DEFAULT_PRIORITY_KEY = 3;

/** The key a task is ordered by: its priority's key, or the default. */
export const taskPriority = (p: { priorityKey?: number } | undefined): number =>
  p?.priorityKey ? p.priorityKey : DEFAULT_PRIORITY_KEY;

export interface TimerRow {
  runId: string;
  key: string;
  namespace: string;
  dueAt: number;
}

/** Events that wake the workflow: they are what a new workflow task is for. */
export const WAKING_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  'ActivityTaskCompleted',
  'ActivityTaskFailed',
  'ActivityTaskTimedOut',
  'ActivityTaskCanceled',
  'TimerFired',
  'WorkflowExecutionCancelRequested',
  'WorkflowExecutionSignaled',
  'StartChildWorkflowExecutionFailed',
  'ChildWorkflowExecutionStarted',
  'ChildWorkflowExecutionCompleted',
  'ChildWorkflowExecutionFailed',
  'ChildWorkflowExecutionCanceled',
  'ChildWorkflowExecutionTimedOut',
  'ChildWorkflowExecutionTerminated',
  'ExternalWorkflowExecutionSignaled',
  'SignalExternalWorkflowExecutionFailed',
  'ExternalWorkflowExecutionCancelRequested',
  'RequestCancelExternalWorkflowExecutionFailed',
]);

/** Events that belong to the workflow task in flight (its own, its commands', the run's close): never buffered. */
const UNBUFFERED: ReadonlySet<EventType> = new Set<EventType>([
  'WorkflowTaskScheduled',
  'WorkflowTaskStarted',
  'WorkflowTaskCompleted',
  'WorkflowTaskFailed',
  'WorkflowTaskTimedOut',
  ...COMMAND_EVENT_TYPES,
  ...CLOSE_EVENT_TYPES,
]);

export const DEFAULT_STICKY_SCHEDULE_TO_START_MS = 5000;

/**
 * What a transition did that history may not show (attempts between retries live in state only): read by the
 * metrics after the commit. `waitedMs` is the task's schedule-to-start time.
 */
export type TransitionNote =
  | { kind: 'activityStarted'; activityType: string; taskQueue: string; waitedMs: number; seq: number; attempt: number }
  | { kind: 'activityFailed'; activityType: string; taskQueue: string; timeoutType?: string }
  | { kind: 'workflowTaskStarted'; taskQueue: string; attempt: number; waitedMs: number; id: number }
  | { kind: 'workflowTaskFailed'; cause: string }
  | { kind: 'workflowTaskTimedOut' };

const START_ID_PREFIX = `${randomBytes(4).toString('hex')}.`;
let startIds = 0;

export class Transition {
  readonly events: HistoryEvent[] = [];
  readonly tasksAdded: TaskRow[] = [];
  readonly tasksRemoved: string[] = [];
  readonly timersAdded: TimerRow[] = [];
  readonly timersRemoved: string[] = [];
  /** The run reached a terminal state in this transition. */
  closed = false;
  /** Activities created or changed in this transition (their rows are rewritten). */
  readonly activitiesChanged = new Set<number>();
  /** Activities that ended in this transition (their rows are deleted). */
  readonly activitiesRemoved = new Set<number>();
  /**
   * How the buffered events changed: entries from `appendedFrom` on are new (the rest untouched), or `rewritten`
   * (flushed, or one dropped). Buffered events are stored one row each, like activities.
   */
  readonly buffered: { appendedFrom?: number; rewritten: boolean } = { rewritten: false };
  /** `state.searchAttributes` changed (the store rewrites the run's search attribute rows). */
  searchAttributesChanged = false;
  /** Updates whose state changed (their waiters are told after the commit). */
  readonly updatesChanged = new Set<string>();
  /** The next run, started in the same commit (continue-as-new, or a retry of the workflow). */
  continuation: StartRunInput | undefined;
  limits: HistoryLimits = DEFAULT_HISTORY_LIMITS;
  /** Attempts started, failed or timed out here (for metrics); undefined when none. */
  notes: TransitionNote[] | undefined;

  /**
   * `state` is this transition's own copy, except for the activity objects, which it may share with the state
   * it was copied from: the engine reads them with peekActivity() and gets a private copy to change with
   * activity(). So a transition costs what it touches, not what the run holds.
   */
  constructor(
    readonly state: ExecutionState,
    /**
     * The time of this transition's events. Only a continued workflow task (engine/continuation.ts) moves it, to
     * the worker's clock, before anything is written.
     */
    public now: number,
  ) {}

  private ownStartId: string | undefined;

  /** Unique to this transition (in this process and, with its random prefix, among servers); made on first use. */
  get startId(): string {
    return (this.ownStartId ??= `${START_ID_PREFIX}${(++startIds).toString(36)}`);
  }

  note(n: TransitionNote): void {
    (this.notes ??= []).push(n);
  }

  /** An activity to read (never change it: use activity()). */
  peekActivity(seq: number): Readonly<ActivityState> | undefined {
    return this.state.activities[seq];
  }

  /** An activity to change: copied on first use in this transition, and written with it. */
  activity(seq: number): ActivityState | undefined {
    const a = this.state.activities[seq];
    if (!a) return undefined;
    if (this.activitiesChanged.has(seq)) return a;
    const own = { ...a };
    this.state.activities[seq] = own;
    this.activitiesChanged.add(seq);
    return own;
  }

  putActivity(a: ActivityState): void {
    this.state.activities[a.seq] = a;
    this.activitiesChanged.add(a.seq);
    this.activitiesRemoved.delete(a.seq);
  }

  removeActivity(seq: number): void {
    delete this.state.activities[seq];
    this.activitiesChanged.delete(seq);
    this.activitiesRemoved.add(seq);
  }

  /** Drops every activity (the run closed). */
  clearActivities(): void {
    for (const seq of Object.keys(this.state.activities)) this.removeActivity(Number(seq));
  }

  /** Appends an event, or buffers it behind a started workflow task. */
  /** Returns the new event's id, or undefined when it was buffered (its id is given when it is written). */
  event<T extends EventType>(eventType: T, attributes: EventAttributes[T], time = this.now): number | undefined {
    const s = this.state;
    if (s.workflowTask?.state === 'started' && !UNBUFFERED.has(eventType)) {
      this.buffered.appendedFrom ??= s.bufferedEvents.length;
      s.bufferedEvents.push({ eventType, time, attributes });
      if (WAKING_EVENTS.has(eventType)) s.needsWorkflowTask = true;
      return undefined;
    }
    return this.write(eventType, attributes, time);
  }

  private write<T extends EventType>(eventType: T, attributes: EventAttributes[T], time: number): number {
    const s = this.state;
    const eventId = s.nextEventId++;
    const ev = { eventId, eventType, eventTime: new Date(time).toISOString(), attributes } as HistoryEvent;
    this.events.push(ev);
    s.lastProgressTime = this.now;
    if (WAKING_EVENTS.has(eventType)) s.needsWorkflowTask = true;
    return eventId;
  }

  /** Appends an event now, even while a workflow task is started; returns its id. */
  writeNow<T extends EventType>(eventType: T, attributes: EventAttributes[T], time = this.now): number {
    return this.write(eventType, attributes, time);
  }

  /**
   * Drops buffered event `i` (a TimerFired that the timer's cancellation overtook). If no other buffered event
   * wakes the workflow, no workflow task is needed for it any more.
   */
  dropBuffered(i: number): BufferedEvent | undefined {
    const [dropped] = this.state.bufferedEvents.splice(i, 1);
    this.buffered.rewritten = true;
    this.state.needsWorkflowTask = this.state.bufferedEvents.some((b) => WAKING_EVENTS.has(b.eventType));
    return dropped;
  }

  clearBuffered(): void {
    if (this.state.bufferedEvents.length === 0 && this.buffered.appendedFrom === undefined) return;
    this.state.bufferedEvents = [];
    this.buffered.rewritten = true;
  }

  /**
   * Writes the buffered events. An activity outcome buffered right behind its ActivityTaskStarted learns the
   * started event's id only now.
   */
  flushBuffered(): void {
    const buffered = this.state.bufferedEvents;
    this.clearBuffered();
    let lastStarted: { scheduledEventId: number; eventId: number } | undefined;
    for (const b of buffered) {
      // a copy: the buffered entry may be shared with the state this transition was copied from
      const attrs = { ...b.attributes } as { scheduledEventId?: number; startedEventId?: number };
      if (lastStarted && attrs.scheduledEventId === lastStarted.scheduledEventId && 'startedEventId' in attrs)
        attrs.startedEventId = lastStarted.eventId;
      const eventId = this.write(b.eventType, attrs as never, b.time);
      lastStarted =
        b.eventType === 'ActivityTaskStarted' ? { scheduledEventId: attrs.scheduledEventId ?? 0, eventId } : undefined;
    }
  }

  /** Records an effect on another run, carried out by the server after this transition commits. */
  addOutbox(name: string, effect: OutboxEffect): void {
    const key = keys.outbox(name);
    this.state.outbox = { ...this.state.outbox, [key]: effect };
    this.addTimer(key, this.now);
  }

  /** The effect is done: it leaves the state and its row goes. */
  removeOutbox(key: string): void {
    if (this.state.outbox?.[key] === undefined) return;
    const { [key]: _done, ...rest } = this.state.outbox;
    if (Object.keys(rest).length > 0) this.state.outbox = rest;
    else delete this.state.outbox;
    this.removeTimer(key);
  }

  /** A task row; its priority is the given one, else the run's (a row of the default priority carries none). */
  addTask(
    key: string,
    kind: TaskRow['kind'],
    taskQueue: string,
    stickyIdentity?: string,
    priority: { priorityKey?: number } | undefined = this.state.priority,
  ): void {
    const row: TaskRow = {
      runId: this.state.runId,
      key,
      namespace: this.state.namespace,
      taskQueue,
      kind,
      createdAt: this.now,
    };
    if (stickyIdentity !== undefined) row.stickyIdentity = stickyIdentity;
    const p = taskPriority(priority);
    if (p !== DEFAULT_PRIORITY_KEY) row.priority = p;
    this.tasksAdded.push(row);
  }

  removeTask(key: string): void {
    const i = this.tasksAdded.findIndex((t) => t.key === key);
    if (i >= 0) this.tasksAdded.splice(i, 1);
    else this.tasksRemoved.push(key);
  }

  addTimer(key: string, dueAt: number): void {
    this.timersAdded.push({ runId: this.state.runId, key, namespace: this.state.namespace, dueAt });
  }

  removeTimer(key: string): void {
    const i = this.timersAdded.findIndex((t) => t.key === key);
    if (i >= 0) this.timersAdded.splice(i, 1);
    else this.timersRemoved.push(key);
  }

  /**
   * Schedules a workflow task if the run needs one and none is pending. A first attempt is written to history
   * at once; retries (attempt > 1) stay transient until they complete.
   */
  scheduleWorkflowTaskIfNeeded(): void {
    const s = this.state;
    if (s.status !== 'Running' || s.workflowTask || !s.needsWorkflowTask) return;
    this.scheduleWorkflowTask(1);
  }

  scheduleWorkflowTask(attempt: number, opts: { delayMs?: number; lastFailure?: FailureInfo } = {}): void {
    const s = this.state;
    const id = s.nextTaskId++;
    const transient = attempt > 1;
    const sticky = attempt === 1 ? s.stickyIdentity : undefined;
    let scheduledEventId = s.nextEventId;
    if (!transient) {
      scheduledEventId = this.write(
        'WorkflowTaskScheduled',
        {
          taskQueue: s.taskQueue,
          startToCloseTimeoutMs: s.workflowTaskTimeoutMs,
          attempt,
        },
        this.now,
      );
    }
    s.workflowTask = { id, attempt, state: 'scheduled', scheduledTime: this.now, scheduledEventId, transient };
    if (sticky !== undefined) s.workflowTask.stickyIdentity = sticky;
    if (opts.lastFailure) s.workflowTask.lastFailure = opts.lastFailure;
    if (opts.delayMs && opts.delayMs > 0) {
      if (attempt === 1) s.workflowTask.startBackoff = true;
      this.addTimer(keys.wtRetry(id), this.now + opts.delayMs);
      return;
    }
    this.enqueueWorkflowTask();
  }

  /**
   * Hands out the first workflow task now, when it is still waiting out its start backoff: an update, or a
   * signal-with-start reaching the run, ends the delay (Temporal's; a plain signal does not).
   */
  endStartBackoff(): void {
    const wt = this.state.workflowTask;
    if (!wt?.startBackoff || wt.state !== 'scheduled') return;
    delete wt.startBackoff;
    this.removeTimer(keys.wtRetry(wt.id));
    this.enqueueWorkflowTask();
  }

  /** Adds the task row of the scheduled workflow task (sticky, with a fallback timer, or normal). */
  enqueueWorkflowTask(): void {
    const wt = this.state.workflowTask;
    if (!wt) return;
    this.addTask(keys.workflowTask(wt.id), 'workflow', this.state.taskQueue, wt.stickyIdentity);
    if (wt.stickyIdentity !== undefined)
      this.addTimer(
        keys.wtStickyScheduleToStart(wt.id),
        this.now + (this.state.stickyScheduleToStartMs ?? DEFAULT_STICKY_SCHEDULE_TO_START_MS),
      );
  }
}
