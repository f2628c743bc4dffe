/**
 * Drives one workflow run from its history: turns events into activation jobs, activates the sandboxed
 * workflow at each workflow task, and checks that the commands the code produces match the events history
 * recorded for them. Used the same way for a fresh replay, for a cached (sticky) workflow that only gets new
 * events, and by the replayer (`Worker.runReplayHistory`).
 *
 * History layout this relies on (the server guarantees it): a completed workflow task is
 *   WorkflowTaskStarted, WorkflowTaskCompleted, <one event per command, in command order>, ...
 * and events that arrived while a task ran come after its command events.
 */
import { DeterminismViolationError, type CommandDescription, type FailureInfo } from '../../common/failure.js';
import { failureErrorTypesOf } from '../worker-options.js';
import type { Command, CommandOf } from '../../protocol/commands.js';
import { localActivityOf } from '../../protocol/markers.js';
import type { UpdateRequest } from '../../protocol/tasks.js';
import type { ContinuationClaim } from '../../engine/continuation.js';
import {
  COMMAND_EVENT_TYPES,
  type EventAttributes,
  type HistoryEvent,
  type HistoryEventOf,
} from '../../protocol/events.js';
import type {
  Activation,
  ActivationJob,
  ActivationResult,
  InstanceInit,
  QueryResult,
} from '../../workflow/internal/activation.js';
import type { HeldEffects, WorkflowSandbox } from '../sandbox/vm-sandbox.js';
import { MarkerReplay, describeLocalRequest, resolutionJob } from './markers.js';
import { describeCommand, describeEvent, formatDesc } from './describe.js';
import { activityFailure, childFailure, childStartFailureType, failureError } from './event-failures.js';

/**
 * The server did not take this machine's last answer (the task failed or timed out on the server, for instance
 * because a signal came in while it ran): the machine's state is ahead of history and must be rebuilt.
 */
export class StaleWorkflowError extends Error {
  constructor(workflowId: string) {
    super(`cached state of ${workflowId} is ahead of its history: replaying`);
    this.name = 'StaleWorkflowError';
  }
}

export interface RunIdentity {
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
}

interface ScheduledActivity {
  seq: number;
  activityType: string;
  activityId: string;
}

export class WorkflowMachine {
  /** Id of the last event applied. */
  lastEventId = 0;
  /** Commands of the last activation whose events have not been seen yet. */
  private expected: Command[] = [];
  private jobs: ActivationJob[] = [];
  private readonly activities = new Map<number, ScheduledActivity>();
  /** Activities scheduled and not yet resolved in the history applied, by scheduled event id. */
  private readonly openActivities = new Set<number>();
  /** Children and requests to other workflows, by their initiated event id. */
  private readonly children = new Map<number, { seq: number; workflowType: string; workflowId: string }>();
  private readonly externals = new Map<number, { kind: 'signal' | 'cancel'; seq: number }>();
  private created = false;
  private lastWasCurrentTask = false;
  /**
   * What a continued task tells the workflow (continueAfterActivity): the size of the history this machine has
   * applied, as the server last counted it (historySizeAtLeast, from each task) plus the predicted events of the
   * tasks continued since, and the last WorkflowTaskStarted's suggestion. No larger than the truth: the server
   * refuses a larger claim.
   */
  private appliedBytes = 0;
  /** Where a continued task's logs and sink calls wait for the server's answer. */
  private holding: HeldEffects | undefined;
  private suggestContinueAsNew = false;
  /** SDK flags the task being answered consulted first (all its activations, local activities' included). */
  private taskFlags: number[] = [];
  /** The server records SDK flags (its last task said so): only then may a live task use one. */
  private recordsSdkFlags = false;
  /** Patch look-ahead and local activities (src/worker/replay/markers.ts). */
  readonly markers = new MarkerReplay();

  constructor(
    private readonly sandbox: WorkflowSandbox,
    readonly run: RunIdentity,
  ) {}

  /**
   * Applies events that continue right after `lastEventId`. When they end with the workflow task to answer now
   * (a WorkflowTaskStarted with no completion after it), returns that activation's result.
   */
  apply(
    events: readonly HistoryEvent[],
    updates: readonly UpdateRequest[] = [],
    /** The server of this task records SDK flags (WorkflowTask.recordsSdkFlags); undefined: as it last said. */
    recordsSdkFlags?: boolean,
  ): ActivationResult | undefined {
    if (recordsSdkFlags !== undefined) this.recordsSdkFlags = recordsSdkFlags;
    let result: ActivationResult | undefined;
    const next = events.find((e) => e.eventId > this.lastEventId);
    if (
      this.lastWasCurrentTask &&
      (next?.eventType === 'WorkflowTaskFailed' || next?.eventType === 'WorkflowTaskTimedOut')
    )
      throw new StaleWorkflowError(this.run.workflowId); // our answer to the last task was not taken
    this.lastWasCurrentTask = false;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (ev.eventId <= this.lastEventId) continue;
      if (ev.eventId !== this.lastEventId + 1)
        throw new Error(
          `history gap in ${this.run.workflowId}: expected event ${this.lastEventId + 1}, got ${ev.eventId}`,
        );
      this.lastEventId = ev.eventId;
      if (COMMAND_EVENT_TYPES.has(ev.eventType)) {
        this.match(ev);
        continue;
      }
      if (ev.eventType !== 'WorkflowTaskCompleted' && this.expected.length > 0)
        throw this.violation(ev, undefined, this.expected[0]);
      const unresolved = ev.eventType !== 'WorkflowTaskCompleted' ? this.markers.unresolved() : undefined;
      if (unresolved) throw this.violation(ev, undefined, undefined, describeLocalRequest(unresolved));
      if (ev.eventType === 'WorkflowTaskStarted') {
        const next = events[i + 1];
        if (next === undefined) {
          // the task's new updates: validated, then accepted or rejected
          for (const u of updates)
            this.jobs.push({
              type: 'doUpdate',
              updateId: u.updateId,
              name: u.name,
              args: u.args,
              runValidator: true,
              ...(u.header ? { headers: u.header } : {}),
            });
          result = this.activate(ev, false);
          this.expected = [...result.commands];
          this.lastWasCurrentTask = true;
        } else if (next.eventType === 'WorkflowTaskCompleted') {
          this.updatesAcceptedBy(events, i + 2);
          this.markers.lookAhead(events, i + 2);
          const r = this.activate(ev, true, next.attributes.sdkFlags);
          if (r.failure) throw failureError(r.failure);
          this.expected = r.commands;
        }
        // followed by WorkflowTaskFailed/TimedOut: that task's work was discarded; its jobs go to the next one
        continue;
      }
      this.toJobs(ev);
    }
    return result;
  }

  /**
   * Live, right after an activity of this workflow completed on this worker: runs the workflow task that the
   * completion will cause, on the events the server writes for it when nothing else happens in between (see
   * engine/continuation.ts, which checks exactly that). Returns the activation and what the server must check,
   * or undefined, with nothing changed, when the last task's events cannot be predicted (only activities and
   * timers are) or this machine is not answering a task it just ran.
   */
  continueAfterActivity(input: {
    scheduledEventId: number;
    result: unknown;
    startedTime: number;
  }): { result: ActivationResult; claim: ContinuationClaim; held: HeldEffects } | undefined {
    if (!this.created || !this.lastWasCurrentTask || this.markers.pendingLocal.size > 0) return undefined;
    if (!this.expected.every((c) => c.type === 'ScheduleActivityTask' || c.type === 'StartTimer')) return undefined;
    // only the last open activity: with others still running (a fan-out), each would cost a workflow task of its
    // own, where the usual path folds the outcomes that arrive together into one
    const open = this.openActivities.size + this.expected.filter((c) => c.type === 'ScheduleActivityTask').length;
    if (open !== 1) return undefined;
    const basedOnEventId = this.lastEventId;
    const eventTime = new Date(input.startedTime).toISOString();
    const events: HistoryEvent[] = [];
    const add = <T extends keyof EventAttributes>(eventType: T, attributes: EventAttributes[T]): number => {
      const eventId = basedOnEventId + events.length + 1;
      events.push({ eventId, eventType, eventTime, attributes } as HistoryEvent);
      return eventId;
    };
    const completedEventId = add('WorkflowTaskCompleted', {
      scheduledEventId: 0,
      startedEventId: basedOnEventId,
      identity: '',
    });
    let known = this.activities.has(input.scheduledEventId);
    for (const c of this.expected) {
      if (c.type === 'StartTimer') {
        add('TimerStarted', {
          timerId: String(c.seq),
          seq: c.seq,
          startToFireTimeoutMs: c.startToFireTimeoutMs,
          workflowTaskCompletedEventId: completedEventId,
        });
      } else if (c.type === 'ScheduleActivityTask') {
        const id = add('ActivityTaskScheduled', {
          activityId: c.activityId,
          seq: c.seq,
          activityType: c.activityType,
          taskQueue: c.taskQueue,
          input: c.input,
          retryPolicy: {} as never,
          workflowTaskCompletedEventId: completedEventId,
        });
        known ||= id === input.scheduledEventId;
      }
    }
    if (!known) return undefined;
    const lastEventId = basedOnEventId + events.length;
    const hints = { historySizeBytes: this.appliedBytes, suggestContinueAsNew: this.suggestContinueAsNew };
    const { scheduledEventId } = input;
    const startedEventId = add('ActivityTaskStarted', { scheduledEventId, identity: '', attempt: 1 });
    add('ActivityTaskCompleted', {
      scheduledEventId,
      startedEventId,
      ...(input.result === undefined ? {} : { result: input.result }),
      identity: '',
    });
    const taskScheduledId = add('WorkflowTaskScheduled', {
      taskQueue: this.run.taskQueue,
      startToCloseTimeoutMs: 0,
      attempt: 1,
    });
    add('WorkflowTaskStarted', {
      scheduledEventId: taskScheduledId,
      identity: '',
      historySizeBytes: hints.historySizeBytes,
      ...(hints.suggestContinueAsNew ? { suggestContinueAsNew: true } : {}),
    });
    const held: HeldEffects = { logs: [], sinkCalls: [] };
    this.holding = held;
    let result: ActivationResult | undefined;
    try {
      result = this.apply(events);
    } finally {
      this.holding = undefined;
    }
    if (!result) throw new Error(`continued workflow task of ${this.run.workflowId} did not activate`);
    // the predicted events count as what they stand for (a little smaller than the real ones)
    for (const ev of events) this.appliedBytes += JSON.stringify(ev).length;
    return {
      result,
      held,
      claim: {
        basedOnEventId,
        lastEventId,
        startedTime: input.startedTime,
        historySizeBytes: hints.historySizeBytes,
        ...(hints.suggestContinueAsNew ? { suggestContinueAsNew: true } : {}),
      },
    };
  }

  /** The server's count of the history's bytes through the task just applied (WorkflowTask.historySizeBytes). */
  historySizeAtLeast(bytes: number): void {
    if (bytes > this.appliedBytes) this.appliedBytes = bytes;
  }

  /** After replaying a whole history: code that produced more commands than history holds is nondeterministic. */
  finishReplay(): void {
    if (!this.lastWasCurrentTask && this.expected.length > 0)
      throw this.violation(undefined, undefined, this.expected[0]);
    const unresolved = this.lastWasCurrentTask ? undefined : this.markers.unresolved();
    if (unresolved) throw this.violation(undefined, undefined, undefined, describeLocalRequest(unresolved));
  }

  /** The SDK flags the task being answered consulted first (what its completion records), if any. */
  get sdkFlags(): number[] | undefined {
    return this.taskFlags.length > 0 ? [...this.taskFlags] : undefined;
  }

  /** The commands of the task being answered, local activity markers included (what the worker sends). */
  get commands(): readonly Command[] {
    return this.expected;
  }

  /**
   * Live: a local activity of the task being answered ended; `marker` records its outcome. The marker joins the
   * task's commands, and the workflow is activated with the outcome; returns that activation's result.
   */
  resolveLocalActivity(marker: CommandOf<'RecordMarker'>): ActivationResult {
    const local = localActivityOf(marker);
    if (!local || !this.markers.pendingLocal.delete(local.seq))
      throw new Error(`local activity ${local?.seq ?? '?'} of ${this.run.workflowId} is not pending`);
    this.expected.push(marker);
    const r = this.markers.track(
      this.sandbox.activate(this.run.runId, this.markers.activationFor(resolutionJob(local, marker.failure), false)),
    );
    this.expected.push(...r.commands);
    this.taskFlags.push(...(r.sdkFlags ?? []));
    return r;
  }

  /** Answers a query from the state the last activation left (undefined: the run never started here). */
  query(name: string, args: unknown[], headers?: Record<string, unknown>): QueryResult | undefined {
    return this.created ? this.sandbox.query(this.run.runId, name, args, headers) : undefined;
  }

  dispose(): void {
    if (this.created) this.sandbox.dispose(this.run.runId);
  }

  private activate(ev: HistoryEvent, isReplaying: boolean, sdkFlags?: number[]): ActivationResult {
    const activation: Activation = {
      jobs: this.jobs,
      now: Date.parse(ev.eventTime),
      isReplaying,
      historyLength: ev.eventId,
      ...(sdkFlags?.length ? { sdkFlags } : {}),
      ...(!isReplaying && this.recordsSdkFlags ? { sdkFlagsRecordable: true } : {}),
      ...(ev.eventType === 'WorkflowTaskStarted' && typeof ev.attributes.historySizeBytes === 'number'
        ? { historySize: ev.attributes.historySizeBytes }
        : {}),
      ...(ev.eventType === 'WorkflowTaskStarted' && ev.attributes.suggestContinueAsNew
        ? { continueAsNewSuggested: true }
        : {}),
    };
    this.jobs = [];
    if (ev.eventType === 'WorkflowTaskStarted') this.suggestContinueAsNew = ev.attributes.suggestContinueAsNew === true;
    if (!this.created)
      throw new Error(`history of ${this.run.workflowId} does not start with WorkflowExecutionStarted`);
    this.markers.beginTask(activation);
    const r = this.markers.track(this.sandbox.activate(this.run.runId, activation, this.holding));
    if (!isReplaying) this.taskFlags = [...(r.sdkFlags ?? [])];
    return r;
  }

  private toJobs(ev: HistoryEvent): void {
    switch (ev.eventType) {
      case 'WorkflowExecutionStarted':
        this.create(ev.attributes, Date.parse(ev.eventTime));
        this.jobs.push({
          type: 'start',
          workflowType: ev.attributes.workflowType,
          args: ev.attributes.input,
          ...(ev.attributes.header ? { headers: ev.attributes.header } : {}),
        });
        return;
      case 'ActivityTaskCompleted': {
        const a = this.activity(ev.attributes.scheduledEventId);
        this.jobs.push({ type: 'resolveActivity', seq: a.seq, result: ev.attributes.result });
        return;
      }
      case 'ActivityTaskFailed':
      case 'ActivityTaskTimedOut': {
        const a = this.activity(ev.attributes.scheduledEventId);
        const message = ev.eventType === 'ActivityTaskFailed' ? 'Activity task failed' : 'Activity task timed out';
        this.jobs.push({
          type: 'resolveActivity',
          seq: a.seq,
          failure: activityFailure(a, message, ev.attributes.retryState, ev.attributes.failure),
        });
        return;
      }
      case 'ActivityTaskCanceled': {
        const a = this.activity(ev.attributes.scheduledEventId);
        const cause: FailureInfo = {
          kind: 'cancelled',
          message: 'Activity cancelled',
          ...(ev.attributes.details !== undefined ? { details: [ev.attributes.details] } : {}),
        };
        this.jobs.push({
          type: 'resolveActivity',
          seq: a.seq,
          failure: activityFailure(a, 'Activity task cancelled', 'CANCEL_REQUESTED', cause),
        });
        return;
      }
      case 'TimerFired':
        this.jobs.push({ type: 'fireTimer', seq: Number(ev.attributes.timerId) });
        return;
      case 'WorkflowExecutionSignaled':
        this.jobs.push({
          type: 'signal',
          name: ev.attributes.signalName,
          args: ev.attributes.input,
          ...(ev.attributes.header ? { headers: ev.attributes.header } : {}),
        });
        return;
      case 'ChildWorkflowExecutionStarted':
        this.jobs.push({
          type: 'resolveChildStart',
          seq: this.child(ev.attributes.initiatedEventId).seq,
          runId: ev.attributes.runId,
        });
        return;
      case 'StartChildWorkflowExecutionFailed': {
        const a = ev.attributes;
        this.jobs.push({
          type: 'resolveChildStart',
          seq: this.child(a.initiatedEventId).seq,
          failure: {
            kind: 'application',
            message: a.message,
            type: childStartFailureType(a.cause),
            nonRetryable: true,
          },
        });
        return;
      }
      case 'ChildWorkflowExecutionCompleted':
        this.jobs.push({
          type: 'resolveChild',
          seq: this.child(ev.attributes.initiatedEventId).seq,
          result: ev.attributes.result,
        });
        return;
      case 'ChildWorkflowExecutionFailed':
      case 'ChildWorkflowExecutionCanceled':
      case 'ChildWorkflowExecutionTimedOut':
      case 'ChildWorkflowExecutionTerminated':
        this.jobs.push({
          type: 'resolveChild',
          seq: this.child(ev.attributes.initiatedEventId).seq,
          failure: childFailure(this.run.namespace, ev),
        });
        return;
      case 'ExternalWorkflowExecutionSignaled':
      case 'ExternalWorkflowExecutionCancelRequested':
      case 'SignalExternalWorkflowExecutionFailed':
      case 'RequestCancelExternalWorkflowExecutionFailed': {
        const ext = this.externals.get(ev.attributes.initiatedEventId);
        if (!ext)
          throw new Error(
            `history of ${this.run.workflowId} refers to an unknown request (initiated event ${ev.attributes.initiatedEventId})`,
          );
        const a = ev.attributes as { message?: string; cause?: string };
        this.jobs.push({
          type: 'resolveExternal',
          kind: ext.kind,
          seq: ext.seq,
          ...(a.message !== undefined
            ? {
                failure: {
                  kind: 'application',
                  message: a.message,
                  type: 'ExternalWorkflowExecutionNotFound',
                  nonRetryable: true,
                },
              }
            : {}),
        });
        return;
      }
      case 'WorkflowExecutionCancelRequested':
        this.jobs.push({
          type: 'cancelWorkflow',
          ...(ev.attributes.reason !== undefined ? { reason: ev.attributes.reason } : {}),
        });
        return;
      default:
        return; // bookkeeping events: nothing for the workflow to see
    }
  }

  /** A marker: a patch (matched, or skipped if the code no longer asks), or a local activity's outcome. */
  private matchMarker(ev: HistoryEventOf<'MarkerRecorded'>): void {
    const action = this.markers.onMarker(ev, this.expected);
    switch (action.kind) {
      case 'match':
        this.expected.shift();
        return;
      case 'skip':
        return;
      case 'violation':
        throw this.violation(ev, action.produced, undefined, action.description);
      case 'resolve': {
        const r = this.markers.track(
          this.sandbox.activate(this.run.runId, this.markers.activationFor(action.job, true)),
        );
        if (r.failure) throw failureError(r.failure);
        this.expected = [...r.commands];
        return;
      }
    }
  }

  private create(started: EventAttributes['WorkflowExecutionStarted'], time: number): void {
    if (this.created) return;
    this.markers.workflowTaskTimeoutMs = started.workflowTaskTimeoutMs;
    const failureErrorTypes = failureErrorTypesOf(this.sandbox.failureErrorTypes, started.workflowType);
    const init: InstanceInit = {
      ...(failureErrorTypes ? { failureErrorTypes } : {}),
      randomnessSeed: started.randomnessSeed,
      info: {
        workflowId: this.run.workflowId,
        runId: this.run.runId,
        workflowType: started.workflowType,
        taskQueue: started.taskQueue,
        namespace: this.run.namespace,
        attempt: started.attempt,
        historyLength: 1,
        historySize: 0,
        continueAsNewSuggested: false,
        firstExecutionRunId: started.firstExecutionRunId,
        ...(started.continuedExecutionRunId ? { continuedFromExecutionRunId: started.continuedExecutionRunId } : {}),
        ...(started.memo ? { memo: started.memo } : {}),
        ...(started.parentWorkflowExecution
          ? {
              parent: {
                ...started.parentWorkflowExecution,
                namespace: started.parentWorkflowNamespace ?? this.run.namespace,
              },
            }
          : {}),
        ...(started.rootWorkflowExecution ? { root: { ...started.rootWorkflowExecution } } : {}),
        searchAttributes: started.searchAttributes ?? {}, // as Temporal: {} when the start had none
        ...(started.cronSchedule ? { cronSchedule: started.cronSchedule } : {}),
        ...(started.priority ? { priority: { ...started.priority } } : {}),
        ...(started.lastCompletionResult !== undefined ? { lastResult: started.lastCompletionResult } : {}),
        // decoded into an Error inside the sandbox (workflow/runtime.ts)
        ...(started.continuedFailure ? { lastFailure: started.continuedFailure as unknown as Error } : {}),
        startTime: new Date(time),
        runStartTime: new Date(time),
        ...(started.workflowExecutionTimeoutMs ? { executionTimeoutMs: started.workflowExecutionTimeoutMs } : {}),
        ...(started.workflowRunTimeoutMs ? { runTimeoutMs: started.workflowRunTimeoutMs } : {}),
        taskTimeoutMs: started.workflowTaskTimeoutMs,
        unsafe: { isReplaying: true, now: () => time },
      },
    };
    this.sandbox.create(this.run.runId, init, time);
    this.created = true;
  }

  /** The activity an outcome event names (it is no longer open). */
  private activity(scheduledEventId: number): ScheduledActivity {
    this.openActivities.delete(scheduledEventId);
    const a = this.activities.get(scheduledEventId);
    if (!a)
      throw new Error(
        `history of ${this.run.workflowId} refers to unknown activity (scheduled event ${scheduledEventId})`,
      );
    return a;
  }

  /**
   * Replay: the updates a completed task accepted are recorded among its command events; the workflow must
   * get them in that task's activation (without validating again), as it did when it ran.
   */
  private updatesAcceptedBy(events: readonly HistoryEvent[], from: number): void {
    for (let j = from; j < events.length && COMMAND_EVENT_TYPES.has(events[j]!.eventType); j++) {
      const ev = events[j]!;
      if (ev.eventType !== 'WorkflowExecutionUpdateAccepted') continue;
      const a = ev.attributes;
      this.jobs.push({
        type: 'doUpdate',
        updateId: a.updateId,
        name: a.name,
        args: a.input,
        runValidator: false,
        ...(a.header ? { headers: a.header } : {}),
      });
    }
  }

  private child(initiatedEventId: number): { seq: number; workflowType: string; workflowId: string } {
    const c = this.children.get(initiatedEventId);
    if (!c)
      throw new Error(
        `history of ${this.run.workflowId} refers to an unknown child workflow (initiated event ${initiatedEventId})`,
      );
    return c;
  }

  /** Checks the next recorded command event against the next produced command. */
  private match(ev: HistoryEvent): void {
    if (ev.eventType === 'MarkerRecorded') return this.matchMarker(ev);
    const cmd = this.expected.shift();
    if (!cmd || !this.sameCommand(cmd, ev)) throw this.violation(ev, cmd);
    if (ev.eventType === 'ActivityTaskScheduled') {
      const a = ev.attributes;
      this.activities.set(ev.eventId, { seq: a.seq, activityType: a.activityType, activityId: a.activityId });
      this.openActivities.add(ev.eventId);
    } else if (ev.eventType === 'StartChildWorkflowExecutionInitiated') {
      const a = ev.attributes;
      this.children.set(ev.eventId, { seq: a.seq, workflowType: a.workflowType, workflowId: a.workflowId });
    } else if (ev.eventType === 'SignalExternalWorkflowExecutionInitiated') {
      this.externals.set(ev.eventId, { kind: 'signal', seq: ev.attributes.seq });
    } else if (ev.eventType === 'RequestCancelExternalWorkflowExecutionInitiated') {
      this.externals.set(ev.eventId, { kind: 'cancel', seq: ev.attributes.seq });
    }
  }

  private sameCommand(cmd: Command, ev: HistoryEvent): boolean {
    switch (ev.eventType) {
      case 'ActivityTaskScheduled':
        return (
          cmd.type === 'ScheduleActivityTask' &&
          cmd.seq === ev.attributes.seq &&
          cmd.activityType === ev.attributes.activityType &&
          cmd.activityId === ev.attributes.activityId
        );
      case 'ActivityTaskCancelRequested':
        return (
          cmd.type === 'RequestCancelActivityTask' &&
          this.activities.get(ev.attributes.scheduledEventId)?.seq === cmd.seq
        );
      case 'TimerStarted':
        return cmd.type === 'StartTimer' && cmd.seq === ev.attributes.seq;
      case 'TimerCanceled':
        return cmd.type === 'CancelTimer' && String(cmd.seq) === ev.attributes.timerId;
      case 'WorkflowExecutionCompleted':
        return cmd.type === 'CompleteWorkflowExecution';
      case 'WorkflowExecutionFailed':
        return cmd.type === 'FailWorkflowExecution';
      case 'WorkflowExecutionCanceled':
        return cmd.type === 'CancelWorkflowExecution';
      case 'WorkflowExecutionContinuedAsNew':
        return cmd.type === 'ContinueAsNewWorkflowExecution';
      case 'WorkflowExecutionUpdateAccepted':
        return cmd.type === 'AcceptWorkflowUpdate' && cmd.updateId === ev.attributes.updateId;
      case 'WorkflowExecutionUpdateCompleted':
        return cmd.type === 'CompleteWorkflowUpdate' && cmd.updateId === ev.attributes.updateId;
      case 'UpsertWorkflowSearchAttributes':
        // the names must match; values may differ (Temporal does not compare them either)
        return (
          cmd.type === 'UpsertWorkflowSearchAttributes' &&
          sameKeys(cmd.searchAttributes, ev.attributes.searchAttributes)
        );
      case 'WorkflowPropertiesModified':
        // as for search attributes: the memo keys must match, their values may differ
        return cmd.type === 'ModifyWorkflowProperties' && sameKeys(cmd.upsertedMemo, ev.attributes.upsertedMemo);
      case 'StartChildWorkflowExecutionInitiated':
        return (
          cmd.type === 'StartChildWorkflowExecution' &&
          cmd.seq === ev.attributes.seq &&
          cmd.workflowType === ev.attributes.workflowType
        );
      case 'SignalExternalWorkflowExecutionInitiated':
        return (
          cmd.type === 'SignalExternalWorkflowExecution' &&
          cmd.seq === ev.attributes.seq &&
          cmd.signalName === ev.attributes.signalName
        );
      case 'RequestCancelExternalWorkflowExecutionInitiated':
        return cmd.type === 'RequestCancelExternalWorkflowExecution' && cmd.seq === ev.attributes.seq;
      default:
        return false;
    }
  }

  private violation(
    ev: HistoryEvent | undefined,
    produced: Command | undefined,
    extra?: Command,
    description?: CommandDescription,
  ): DeterminismViolationError {
    const expected: CommandDescription | undefined = ev ? describeEvent(ev) : undefined;
    const prod = produced ?? extra;
    const producedDesc: CommandDescription | undefined = description ?? (prod ? describeCommand(prod) : undefined);
    const left = expected ? formatDesc(expected) : '(nothing: history has no more commands here)';
    const right = producedDesc ? formatDesc(producedDesc) : '(nothing: the code did not produce this command)';
    const at = ev ? `event ${ev.eventId}` : `the end of history (event ${this.lastEventId})`;
    const message =
      `Nondeterminism in workflow ${JSON.stringify(this.run.workflowId)} (type ${this.run.workflowType}, run ${this.run.runId}) at ${at}:\n` +
      `  history recorded:  ${left}\n` +
      `  code produced:     ${right}\n` +
      `The workflow code changed in a way that is incompatible with histories in flight. Guard the change with patched(), or keep the old code until those runs finish.`;
    return new DeterminismViolationError(
      message,
      this.run.workflowId,
      this.run.runId,
      this.run.workflowType,
      ev?.eventId ?? this.lastEventId,
      expected,
      producedDesc,
    );
  }
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}
