/**
 * The mutable state of one workflow run, as the engine sees it. It holds what is pending (workflow task,
 * activities, timers, buffered events), never the history itself, so its size does not grow with history.
 * Times are epoch milliseconds.
 */
import type { FailureInfo, RetryState } from '../common/failure.js';
import type { Headers } from '../common/interceptors.js';
import type { Priority } from '../common/priority.js';
import type { ResolvedRetryPolicy } from '../common/retry-policy.js';
import type { ActivityCancellationTypeName, ParentClosePolicyName } from '../protocol/commands.js';
import type { EventAttributes, EventType } from '../protocol/events.js';
import type { ExecutionStatus } from '../protocol/status.js';

export interface WorkflowTaskState {
  /** Unique per run and per workflow task attempt; names the task row, its timers and its token. */
  id: number;
  attempt: number;
  state: 'scheduled' | 'started';
  /** Normal task queue, or sticky to one worker identity (which falls back to normal after a timeout). */
  stickyIdentity?: string;
  scheduledTime: number;
  /** Event ids; for a transient task (attempt > 1) these are the ids its events will get when it completes. */
  scheduledEventId: number;
  startedEventId?: number;
  startedTime?: number;
  /**
   * The transition that started it (Transition.startId): a start written by a commit whose answer was lost is told
   * apart from the same start written again when its request is sent again (server/lost-starts.ts).
   */
  startId?: string;
  identity?: string;
  /** A retried task whose Scheduled/Started events are written only when it completes. */
  transient: boolean;
  lastFailure?: FailureInfo;
  /**
   * The run's first task, waiting out its start backoff (startDelay, a cron or retry or continue-as-new backoff)
   * on a timer: an update or a signal-with-start ends the wait (Transition.endStartBackoff).
   */
  startBackoff?: true;
}

export interface ActivityState {
  seq: number;
  activityId: string;
  activityType: string;
  taskQueue: string;
  /** Its input is in its ActivityTaskScheduled event, not here: the state stays small whatever the payloads. */
  scheduledEventId: number;
  scheduledTime: number;
  scheduleToCloseTimeoutMs?: number;
  scheduleToStartTimeoutMs?: number;
  startToCloseTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  retryPolicy: ResolvedRetryPolicy;
  /** Its own priority, when the command gave one (its tasks take the workflow's otherwise). */
  priority?: Priority;
  cancellationType?: ActivityCancellationTypeName;
  attempt: number;
  state: 'scheduled' | 'started' | 'backoff';
  currentAttemptScheduledTime: number;
  startedTime?: number;
  /**
   * The transition that started it (Transition.startId): a start written by a commit whose answer was lost is told
   * apart from the same start written again when its request is sent again (server/lost-starts.ts).
   */
  startId?: string;
  identity?: string;
  lastHeartbeatTime?: number;
  heartbeatDetails?: unknown;
  lastFailure?: FailureInfo;
  cancelRequested: boolean;
  cancelRequestedEventId?: number;
}

export interface TimerState {
  seq: number;
  timerId: string;
  startedEventId: number;
  fireTime: number;
}

export interface BufferedEvent {
  eventType: EventType;
  time: number;
  attributes: EventAttributes[EventType];
}

/** One run of a workflow, by ids. */
export interface WorkflowExecutionRef {
  workflowId: string;
  runId: string;
}

/** The parent of a child run: where its close is reported. */
export interface ParentInfo {
  namespace: string;
  workflowId: string;
  runId: string;
  /** The parent's StartChildWorkflowExecutionInitiated event. */
  initiatedEventId: number;
}

/** The schedule whose action started the run: it hears when the run (the last of its chain) closes. */
export interface ScheduleRef {
  namespace: string;
  scheduleId: string;
}

/** A child workflow the run started (or asked to start) and that has not closed yet. */
export interface ChildState {
  seq: number;
  workflowId: string;
  workflowType: string;
  initiatedEventId: number;
  parentClosePolicy: ParentClosePolicyName;
  /** Known once the child started. */
  runId?: string;
}

/** What a child start asks of the server (kept in the outbox until the child run exists): its Initiated event's request. */
export type ChildStartRequest = Omit<
  EventAttributes['StartChildWorkflowExecutionInitiated'],
  'seq' | 'namespace' | 'parentClosePolicy' | 'workflowTaskCompletedEventId'
> & {
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
  userMetadata?: ExecutionState['userMetadata'];
  priority?: Priority;
};

/**
 * Work on other runs that a transition decided (a transfer task, in Temporal's words). It is kept in the state
 * and as a timer row due at once (key `x:...`), both written in the transition's commit; the server carries it
 * out after the commit, idempotently, and then removes it. A closed run keeps its outbox until it is done.
 */
export type OutboxEffect =
  | { kind: 'startChild'; seq: number; initiatedEventId: number; request: ChildStartRequest }
  | {
      kind: 'signalExternal';
      seq: number;
      initiatedEventId: number;
      workflowId: string;
      runId?: string;
      signalName: string;
      input: unknown[];
      childWorkflowOnly?: boolean;
      header?: Headers;
    }
  | {
      kind: 'cancelExternal';
      seq: number;
      initiatedEventId: number;
      workflowId: string;
      runId?: string;
      childWorkflowOnly?: boolean;
    }
  | { kind: 'notifyParent'; parent: ParentInfo; outcome: CloseOutcome }
  | { kind: 'notifySchedule'; scheduleRef: ScheduleRef; status: ExecutionStatus }
  | { kind: 'closeChild'; workflowId: string; runId: string; policy: 'TERMINATE' | 'REQUEST_CANCEL' };

export interface UpdateState {
  name: string;
  status: 'requested' | 'accepted' | 'completed' | 'rejected';
  /** Until it is accepted (then they are in its Accepted event) or rejected. */
  args?: unknown[];
  /** Arrival order: requested updates reach the workflow in this order. */
  order: number;
  identity?: string;
  /** Until it is accepted (then they are in its Accepted event). */
  header?: Headers;
  /** Requested without a run id: if its run closes without taking it, it goes on to the next run. */
  followsRuns?: true;
  acceptedEventId?: number;
  outcome?: { result?: unknown; failure?: FailureInfo };
}

export interface CloseOutcome {
  status: Exclude<ExecutionStatus, 'Running'>;
  result?: unknown;
  failure?: FailureInfo;
  retryState?: RetryState;
  newExecutionRunId?: string;
  reason?: string;
}

export interface ExecutionState {
  namespace: string;
  workflowId: string;
  runId: string;
  firstExecutionRunId: string;
  workflowType: string;
  taskQueue: string;
  status: ExecutionStatus;
  startTime: number;
  closeTime?: number;
  /** Last time the run made progress (an event was written); feeds stuck-execution detection. */
  lastProgressTime: number;
  nextEventId: number;
  workflowTaskTimeoutMs: number;
  runDeadline?: number;
  executionDeadline?: number;
  attempt: number;
  retryPolicy?: ResolvedRetryPolicy;
  startRequestId?: string;
  /** The start's staticSummary / staticDetails (payloads), shown by describe (Temporal's user metadata). */
  userMetadata?: EventAttributes['WorkflowExecutionStarted']['userMetadata'];
  /** The start's priority (Temporal's; carried to the next runs of the chain): the priority key of its tasks. */
  priority?: Priority;
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
  /**
   * A cron workflow (engine/cron.ts): its schedule, the input every run of the chain starts with, and the time
   * this run was scheduled for (its start plus the backoff), from which the next time is counted.
   */
  cron?: { schedule: string; input: unknown[]; scheduledTime: number };
  /** Next id for workflow tasks (WorkflowTaskState.id). */
  nextTaskId: number;
  workflowTask?: WorkflowTaskState;
  /** StartedEventId of the last completed workflow task. */
  lastCompletedStartedEventId: number;
  /** The last event written for that task's commands (a continued workflow task checks history ends here). */
  lastCommandEventId?: number;
  /** Worker that completed the last workflow task and keeps the workflow cached. */
  stickyIdentity?: string;
  /** How long a task sticky to that worker waits for it before any worker may take it (none: 5 s). */
  stickyScheduleToStartMs?: number;
  /** Set when an event the workflow must see was written after the last workflow task started. */
  needsWorkflowTask: boolean;
  /** Events that arrived while a workflow task ran; written after it completes. */
  bufferedEvents: BufferedEvent[];
  activities: Record<string, ActivityState>;
  /**
   * Activities that finished while a workflow task ran (their outcome is buffered): seq -> scheduled event id.
   * A cancel request from that task still gets its event, so commands and events stay one to one.
   */
  finishedDuringTask?: Record<string, number>;
  timers: Record<string, TimerState>;
  cancelRequested: boolean;
  /** Request ids of the latest signals, so a retried signal is applied once. */
  signalRequestIds?: string[];
  lastBuildId?: string;
  outcome?: CloseOutcome;
  /** The run's own run timeout, carried to the next run by continue-as-new and retries. */
  runTimeoutMs?: number;
  executionTimeoutMs?: number;
  /** The input a retry of the workflow starts with (only with a retry policy). */
  retryInput?: unknown[];
  parent?: ParentInfo;
  /**
   * A child's root: the run at the top of its chain of parents (as Temporal's rootExecution). A run without a
   * parent is its own root and keeps none here.
   */
  root?: WorkflowExecutionRef;
  scheduleRef?: ScheduleRef;
  /** Open children by seq. */
  children?: Record<string, ChildState>;
  /** Pending signal and cancel requests to other workflows, by `signal:<seq>` / `cancel:<seq>`. */
  externals?: Record<string, { workflowId: string; initiatedEventId: number }>;
  /** Effects on other runs not carried out yet, by timer key (`x:...`). */
  outbox?: Record<string, OutboxEffect>;
  /** Updates by id: waiting, accepted, and the latest finished ones (for deduplication). */
  updates?: Record<string, UpdateState>;
  nextUpdateOrder?: number;
  /** Size of the history in bytes: its events as stored (JSON), counted by the server's write path. */
  historySizeBytes?: number;
  /**
   * Temporal's execution time: when the first workflow task may run (the start time plus a start delay, a cron
   * or retry backoff); none: the start time.
   */
  executionTime?: number;
}

/** Stable keys of the rows a run keeps in the tasks and timers tables. */
export const keys = {
  workflowTask: (id: number) => `wt:${id}`,
  activityTask: (seq: number, attempt: number) => `act:${seq}:${attempt}`,
  userTimer: (seq: number) => `timer:${seq}`,
  wtStartToClose: (id: number) => `wt-stc:${id}`,
  wtStickyScheduleToStart: (id: number) => `wt-sticky:${id}`,
  wtRetry: (id: number) => `wt-retry:${id}`,
  actScheduleToClose: (seq: number) => `act-s2c:${seq}`,
  actScheduleToStart: (seq: number, attempt: number) => `act-s2s:${seq}:${attempt}`,
  actStartToClose: (seq: number, attempt: number) => `act-stc:${seq}:${attempt}`,
  actHeartbeat: (seq: number, attempt: number) => `act-hb:${seq}:${attempt}`,
  actRetry: (seq: number, attempt: number) => `act-retry:${seq}:${attempt}`,
  runTimeout: () => 'run-timeout',
  /** Outbox rows: due at once, and kept when the run closes (see OutboxEffect). */
  outbox: (name: string) => `x:${name}`,
  executionTimeout: () => 'execution-timeout',
} as const;

/** Whether a timer key is a started attempt's timeout (keys.actStartToClose, keys.actHeartbeat; see attemptTimeouts). */
export const isAttemptTimeoutKey = (key: string): boolean => key.startsWith('act-stc:') || key.startsWith('act-hb:');
