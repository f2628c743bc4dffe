/**
 * A stand-in for the server, for engine tests: it keeps one run's state, its live task and timer rows, its
 * history and a clock, and applies engine inputs the way the server does (src/server/run-updater.ts):
 * each input runs on a private copy of the state, and only an input that does not throw is committed. Timer
 * rows are removed before they fire, as ServerContext.fire does, and a closed run loses all its rows, as the
 * store does. Pure: no I/O, no real clock.
 */
import type { FailureInfo } from '../common/failure.js';
import type { Command, CommandOf } from '../protocol/commands.js';
import type { EventType, HistoryEvent, HistoryEventOf } from '../protocol/events.js';
import {
  activityCanceled,
  completeActivity,
  failActivityAttempt,
  getActivity,
  heartbeatActivity,
  startActivityAttempt,
} from './activity.js';
import { requestCancelWorkflow, terminateWorkflow } from './requests.js';
import { startRun, type StartRunInput } from './start.js';
import { keys, type ExecutionState } from './state.js';
import { fireTimer } from './timers.js';
import { Transition, type TaskRow, type TimerRow } from './transition.js';
import {
  completeWorkflowTask,
  failWorkflowTask,
  startWorkflowTask,
  type CompleteWorkflowTaskInput,
  type CompleteWorkflowTaskResult,
  type StartedWorkflowTask,
} from './workflow-task.js';

/** 2025-01-01T00:00:00Z: the drivers' clock starts here. */
export const T0 = Date.UTC(2025, 0, 1);

export function startInput(overrides: Partial<StartRunInput> = {}): StartRunInput {
  return {
    namespace: 'default',
    workflowId: 'wf-1',
    runId: 'run-1',
    workflowType: 'Flow',
    taskQueue: 'q',
    input: [],
    randomnessSeed: 'seed',
    ...overrides,
  };
}

/** Commands, as a worker sends them. Activities default to task queue "q" and a 10 s start-to-close timeout. */
export const cmd = {
  activity: (seq: number, extra: Partial<Omit<CommandOf<'ScheduleActivityTask'>, 'type' | 'seq'>> = {}): Command => ({
    type: 'ScheduleActivityTask',
    seq,
    activityId: String(seq),
    activityType: 'greet',
    taskQueue: 'q',
    input: [seq],
    startToCloseTimeoutMs: 10_000,
    ...extra,
  }),
  timer: (seq: number, ms: number): Command => ({ type: 'StartTimer', seq, startToFireTimeoutMs: ms }),
  cancelTimer: (seq: number): Command => ({ type: 'CancelTimer', seq }),
  cancelActivity: (seq: number): Command => ({ type: 'RequestCancelActivityTask', seq }),
  complete: (result: unknown = 'done'): Command => ({ type: 'CompleteWorkflowExecution', result }),
  fail: (message = 'failed'): Command => ({
    type: 'FailWorkflowExecution',
    failure: { kind: 'application', message, type: 'Error' },
  }),
  cancel: (): Command => ({ type: 'CancelWorkflowExecution' }),
};

export interface DispatchedWorkflowTask extends StartedWorkflowTask {
  id: number;
  attempt: number;
  identity: string;
}

export interface CompleteOptions {
  /** With sticky: the worker's sticky schedule-to-start timeout (ms). */
  stickyScheduleToStartMs?: number;
  identity?: string;
  sticky?: boolean;
  buildId?: string;
  eager?: { taskQueue: string; activitySlots: number };
  /** Runs in the same transition, after the completion (e.g. takeEagerWorkflowTask). */
  then?: (t: Transition) => void;
}

export interface ActivityCallOptions {
  /** The attempt the task token names; default: the current one. */
  attempt?: number;
  /** Runs in the same transition, after the completion (e.g. takeEagerWorkflowTask). */
  then?: (t: Transition) => void;
}

/**
 * What the server does after a completion by a worker that holds the run in its sticky cache
 * (src/server/service/complete-tasks.ts): the newly scheduled workflow task is started at once, in the
 * same transition. Returns the started task, or undefined when there is none to take.
 */
export function takeEagerWorkflowTask(t: Transition, identity: string): StartedWorkflowTask | undefined {
  const wt = t.state.workflowTask;
  if (!wt || wt.state !== 'scheduled' || t.state.stickyIdentity !== identity) return undefined;
  if (!t.tasksAdded.some((r) => r.kind === 'workflow')) return undefined;
  return startWorkflowTask(t, wt.id, identity);
}

export class EngineDriver {
  now: number;
  private current: ExecutionState | undefined;
  readonly events: HistoryEvent[] = [];
  readonly tasks = new Map<string, TaskRow>();
  readonly timers = new Map<string, TimerRow>();
  /** Commands of every accepted workflow task completion, by the task's startedEventId. */
  readonly completions = new Map<number, Command[]>();
  /** Row bookkeeping surprises: a row added while already live, or twice in one transition. */
  readonly anomalies: string[] = [];
  /** The last workflow task handed out by dispatchWorkflowTask (what the worker received). */
  lastDispatch: DispatchedWorkflowTask | undefined;
  /** The last committed transition. */
  last: Transition | undefined;
  /** Transitions committed so far (including the start). */
  steps = 0;

  constructor(now = T0) {
    this.now = now;
  }

  get state(): ExecutionState {
    if (!this.current) throw new Error('the run is not started');
    return this.current;
  }

  get started(): boolean {
    return this.current !== undefined;
  }

  get closed(): boolean {
    return this.current !== undefined && this.current.status !== 'Running';
  }

  start(overrides: Partial<StartRunInput> = {}): Transition {
    if (this.current) throw new Error('the run is already started');
    const t = startRun(startInput(overrides), this.now);
    this.commit(t);
    return t;
  }

  /**
   * Applies one engine input to a copy of the state, as the server makes it: the core copied, the activity
   * objects shared (and frozen here, so a transition that changes one it did not copy throws). Commits it
   * unless it throws, and checks that the transition reported every activity it changed or removed.
   */
  apply<R>(fn: (t: Transition) => R): R {
    const { activities, bufferedEvents, ...core } = this.state;
    for (const a of Object.values(activities)) deepFreeze(a);
    for (const b of bufferedEvents) deepFreeze(b);
    const copy = { ...structuredClone(core), activities: { ...activities }, bufferedEvents: [...bufferedEvents] };
    const t = new Transition(copy, this.now);
    const r = fn(t);
    for (const [seq, a] of Object.entries(t.state.activities))
      if (a !== activities[seq] && !t.activitiesChanged.has(Number(seq)))
        this.anomalies.push(`activity ${seq} changed but not reported`);
    for (const seq of Object.keys(activities))
      if (!(seq in t.state.activities) && !t.activitiesRemoved.has(Number(seq)))
        this.anomalies.push(`activity ${seq} removed but not reported`);
    if (!t.buffered.rewritten) {
      const kept = t.buffered.appendedFrom ?? bufferedEvents.length;
      const now = t.state.bufferedEvents;
      if (kept !== bufferedEvents.length || now.length < kept || bufferedEvents.some((b, i) => now[i] !== b))
        this.anomalies.push('buffered events changed but not reported as rewritten');
      if (t.buffered.appendedFrom === undefined && now.length !== bufferedEvents.length)
        this.anomalies.push('buffered events appended but not reported');
    }
    this.commit(t);
    return r;
  }

  private commit(t: Transition): void {
    this.current = t.state;
    this.last = t;
    this.steps++;
    this.events.push(...t.events);
    for (const key of t.tasksRemoved) this.tasks.delete(key);
    const added = new Set<string>();
    for (const row of t.tasksAdded) {
      if (this.tasks.has(row.key) || added.has(row.key)) this.anomalies.push(`task row ${row.key} added while live`);
      added.add(row.key);
      this.tasks.set(row.key, row);
    }
    for (const key of t.timersRemoved) this.timers.delete(key);
    added.clear();
    for (const row of t.timersAdded) {
      if (this.timers.has(row.key) || added.has(row.key)) this.anomalies.push(`timer row ${row.key} added while live`);
      added.add(row.key);
      this.timers.set(row.key, row);
    }
    if (t.closed) {
      this.tasks.clear();
      // outbox rows outlive the run, as in the store
      for (const key of [...this.timers.keys()]) if (!key.startsWith('x:')) this.timers.delete(key);
    }
  }

  // ---- clock and timers ----

  advance(ms: number): void {
    this.now += ms;
  }

  /** Outbox effects waiting to be carried out, by key. */
  outbox(): Record<string, NonNullable<ExecutionState['outbox']>[string]> {
    return { ...this.current?.outbox };
  }

  /** Carries out an outbox effect as the server does: removes it, with what `report` writes about its outcome. */
  finishOutbox(key: string, report?: (t: Transition) => void): void {
    if (!this.timers.has(key) || !this.current?.outbox?.[key]) throw new Error(`no outbox effect ${key}`);
    this.apply((t) => {
      t.removeOutbox(key);
      report?.(t);
    });
  }

  /** Fires one live timer row, moving the clock to its due time if that is later. */
  fire(key: string): void {
    const row = this.timers.get(key);
    if (!row) throw new Error(`no live timer row ${key}`);
    if (key.startsWith('x:')) throw new Error(`${key} is an outbox row: use finishOutbox()`);
    this.now = Math.max(this.now, row.dueAt);
    this.timers.delete(key);
    if (this.closed) return; // the server writes nothing for a closed run
    this.apply((t) => {
      t.removeTimer(key);
      fireTimer(t, key);
    });
  }

  /** Live timer rows (outbox rows aside), earliest first (ties by key, for determinism). */
  dueOrder(): TimerRow[] {
    return [...this.timers.values()]
      .filter((r) => !r.key.startsWith('x:'))
      .sort((a, b) => a.dueAt - b.dueAt || a.key.localeCompare(b.key));
  }

  /** Moves the clock to `time`, firing every timer due by then in due order; returns the keys fired. */
  advanceTo(time: number): string[] {
    const fired: string[] = [];
    for (;;) {
      const next = this.dueOrder()[0];
      if (!next || next.dueAt > time) break;
      this.fire(next.key);
      fired.push(next.key);
    }
    this.now = Math.max(this.now, time);
    return fired;
  }

  /** Moves the clock forward by `ms`, firing what falls due. */
  advanceBy(ms: number): string[] {
    return this.advanceTo(this.now + ms);
  }

  // ---- workflow tasks ----

  /** The live workflow task row, if any. */
  workflowTaskRow(): TaskRow | undefined {
    return [...this.tasks.values()].find((r) => r.kind === 'workflow');
  }

  /** Polls the workflow task row as `identity` (default: the worker the row is sticky to, else "worker-1"). */
  dispatchWorkflowTask(identity?: string): DispatchedWorkflowTask {
    const row = this.workflowTaskRow();
    if (!row) throw new Error('no workflow task row is live');
    const id = Number(row.key.slice(row.key.indexOf(':') + 1));
    const who = identity ?? row.stickyIdentity ?? 'worker-1';
    const started = this.apply((t) => startWorkflowTask(t, id, who));
    this.lastDispatch = { ...started, id, attempt: this.state.workflowTask!.attempt, identity: who };
    return this.lastDispatch;
  }

  /** Completes the started workflow task (or task `id`) with `commands`. */
  completeWorkflowTask(commands: Command[], opts: CompleteOptions = {}, id?: number): CompleteWorkflowTaskResult {
    const wt = this.state.workflowTask;
    const taskId = id ?? wt?.id ?? -1;
    const startedEventId = wt?.startedEventId;
    const input: CompleteWorkflowTaskInput = {
      id: taskId,
      commands,
      identity: opts.identity ?? wt?.identity ?? 'worker-1',
      sticky: opts.sticky ?? false,
      ...(opts.stickyScheduleToStartMs !== undefined ? { stickyScheduleToStartMs: opts.stickyScheduleToStartMs } : {}),
      ...(opts.buildId !== undefined ? { buildId: opts.buildId } : {}),
      ...(opts.eager !== undefined ? { eager: opts.eager } : {}),
    };
    const r = this.apply((t) => {
      const out = completeWorkflowTask(t, input);
      opts.then?.(t);
      return out;
    });
    if (r.rejected === undefined && startedEventId !== undefined) this.completions.set(startedEventId, commands);
    return r;
  }

  failWorkflowTask(failure: FailureInfo = { kind: 'application', message: 'boom', type: 'Error' }, id?: number): void {
    const taskId = id ?? this.state.workflowTask?.id ?? -1;
    const identity = this.state.workflowTask?.identity ?? 'worker-1';
    this.apply((t) =>
      failWorkflowTask(t, { id: taskId, cause: 'WORKFLOW_WORKER_UNHANDLED_FAILURE', failure, identity }),
    );
  }

  /** Dispatches the WT and completes it in one go; returns what the completion returned. */
  runWorkflowTask(commands: Command[], opts: CompleteOptions = {}): CompleteWorkflowTaskResult {
    this.dispatchWorkflowTask(opts.identity);
    return this.completeWorkflowTask(commands, opts);
  }

  // ---- activities (the attempt defaults to the current one, as a fresh task token would name it) ----

  activityRows(): TaskRow[] {
    return [...this.tasks.values()].filter((r) => r.kind === 'activity');
  }

  dispatchActivity(seq: number, identity = 'worker-1'): void {
    const attempt = this.attemptOf(seq);
    if (!this.tasks.has(keys.activityTask(seq, attempt)))
      throw new Error(`no task row for activity ${seq} attempt ${attempt}`);
    this.apply((t) => startActivityAttempt(t, getActivity(t, seq, attempt), identity));
  }

  completeActivity(seq: number, result: unknown = null, opts: ActivityCallOptions = {}): void {
    this.apply((t) => {
      completeActivity(t, getActivity(t, seq, opts.attempt ?? this.attemptOf(seq)), result);
      opts.then?.(t);
    });
  }

  failActivity(
    seq: number,
    failure: FailureInfo,
    opts: ActivityCallOptions & { lastHeartbeatDetails?: unknown } = {},
  ): void {
    this.apply((t) => {
      failActivityAttempt(
        t,
        getActivity(t, seq, opts.attempt ?? this.attemptOf(seq)),
        failure,
        opts.lastHeartbeatDetails,
      );
      opts.then?.(t);
    });
  }

  activityCanceled(seq: number, details?: unknown, opts: ActivityCallOptions = {}): void {
    this.apply((t) => {
      activityCanceled(t, getActivity(t, seq, opts.attempt ?? this.attemptOf(seq)), details);
      opts.then?.(t);
    });
  }

  heartbeat(seq: number, details?: unknown, opts: { attempt?: number } = {}): { cancelRequested: boolean } {
    return this.apply((t) => heartbeatActivity(t, getActivity(t, seq, opts.attempt ?? this.attemptOf(seq)), details));
  }

  private attemptOf(seq: number): number {
    return this.state.activities[seq]?.attempt ?? -1;
  }

  // ---- requests ----

  requestCancel(reason?: string): void {
    this.apply((t) => requestCancelWorkflow(t, reason !== undefined ? { reason } : {}));
  }

  terminate(reason?: string): void {
    this.apply((t) => terminateWorkflow(t, reason !== undefined ? { reason } : {}));
  }

  // ---- reading the history ----

  eventTypes(fromId = 1): EventType[] {
    return this.events.slice(fromId - 1).map((e) => e.eventType);
  }

  event(id: number): HistoryEvent {
    const ev = this.events[id - 1];
    if (!ev) throw new Error(`no event ${id}`);
    return ev;
  }

  /** Event `id`, which must be of `type`. */
  eventAs<T extends EventType>(id: number, type: T): HistoryEventOf<T> {
    const ev = this.event(id);
    if (ev.eventType !== type) throw new Error(`event ${id} is ${ev.eventType}, not ${type}`);
    return ev as unknown as HistoryEventOf<T>;
  }

  ofType<T extends EventType>(type: T): HistoryEventOf<T>[] {
    return this.events.filter((e) => e.eventType === type) as unknown as HistoryEventOf<T>[];
  }

  lastOfType<T extends EventType>(type: T): HistoryEventOf<T> {
    const all = this.ofType(type);
    const ev = all[all.length - 1];
    if (!ev) throw new Error(`no ${type} event`);
    return ev;
  }

  /** Event types of the last committed transition. */
  lastEventTypes(): EventType[] {
    return (this.last?.events ?? []).map((e) => e.eventType);
  }
}

function deepFreeze(o: unknown): void {
  if (typeof o !== 'object' || o === null || Object.isFrozen(o)) return;
  Object.freeze(o);
  for (const v of Object.values(o)) deepFreeze(v);
}
