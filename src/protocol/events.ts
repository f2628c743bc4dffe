/**
 * History events, with Temporal's event type names. `eventId` counts from 1 and is dense. Durations are in
 * milliseconds (fields end in `Ms`), payloads are JSON values, failures are `FailureInfo`.
 */
import type { FailureInfo, RetryState, TimeoutType } from '../common/failure.js';
import type { ResolvedRetryPolicy } from '../common/retry-policy.js';
import type { Headers } from '../common/interceptors.js';
import type { Priority } from '../common/priority.js';
import type { ParentClosePolicyName } from './commands.js';

export interface EventAttributes {
  WorkflowExecutionStarted: {
    workflowType: string;
    workflowId: string;
    taskQueue: string;
    input: unknown[];
    workflowExecutionTimeoutMs?: number;
    workflowRunTimeoutMs?: number;
    workflowTaskTimeoutMs: number;
    attempt: number;
    firstExecutionRunId: string;
    continuedExecutionRunId?: string;
    retryPolicy?: ResolvedRetryPolicy;
    identity?: string;
    memo?: Record<string, unknown>;
    searchAttributes?: Record<string, unknown>;
    /** Seeds Math.random and uuid4 inside the workflow. */
    randomnessSeed: string;
    requestId?: string;
    firstWorkflowTaskBackoffMs?: number;
    executionDeadline?: number;
    parentWorkflowNamespace?: string;
    parentWorkflowExecution?: { workflowId: string; runId: string };
    parentInitiatedEventId?: number;
    /** A child's root: the run at the top of its chain of parents (left out for a run without a parent). */
    rootWorkflowExecution?: { workflowId: string; runId: string };
    /** The schedule whose action started this run. */
    scheduledBy?: string;
    /** A cron workflow's schedule (Temporal's `cronSchedule`): each run starts at its next time. */
    cronSchedule?: string;
    /** The previous cron run's result (absent when it returned undefined, failed or timed out). */
    lastCompletionResult?: unknown;
    /** The previous cron run's failure, when it failed. */
    continuedFailure?: FailureInfo;
    /** Headers of the start (client interceptors, a parent's or the previous run's outbound interceptors). */
    header?: Headers;
    /** Temporal's user metadata: the start's staticSummary and staticDetails (payloads). */
    userMetadata?: { summary?: unknown; details?: unknown };
    /** Temporal's priority of the start: its tasks' priority key (and its activities', unless they have one). */
    priority?: Priority;
  };
  WorkflowTaskScheduled: { taskQueue: string; startToCloseTimeoutMs: number; attempt: number };
  WorkflowTaskStarted: {
    scheduledEventId: number;
    identity: string;
    requestId?: string;
    historySizeBytes?: number;
    /** History is long enough that the workflow should continue as new (workflowInfo().continueAsNewSuggested). */
    suggestContinueAsNew?: boolean;
  };
  WorkflowTaskCompleted: {
    scheduledEventId: number;
    startedEventId: number;
    identity: string;
    buildId?: string;
    /** SDK flags the task consulted first (the worker's; src/workflow/internal/sdk-flags.ts). */
    sdkFlags?: number[];
  };
  WorkflowTaskFailed: {
    scheduledEventId: number;
    startedEventId: number;
    cause: string;
    failure?: FailureInfo;
    identity: string;
  };
  WorkflowTaskTimedOut: { scheduledEventId: number; startedEventId: number; timeoutType: TimeoutType };
  ActivityTaskScheduled: {
    activityId: string;
    seq: number;
    activityType: string;
    taskQueue: string;
    input: unknown[];
    scheduleToCloseTimeoutMs?: number;
    scheduleToStartTimeoutMs?: number;
    startToCloseTimeoutMs?: number;
    heartbeatTimeoutMs?: number;
    retryPolicy: ResolvedRetryPolicy;
    workflowTaskCompletedEventId: number;
    header?: Headers;
    /** The activity's own priority (without one, its tasks take the workflow's). */
    priority?: Priority;
    /** Temporal's user metadata of the activity: its `summary` (a payload), for people. */
    userMetadata?: { summary?: unknown };
  };
  ActivityTaskStarted: { scheduledEventId: number; identity: string; attempt: number; lastFailure?: FailureInfo };
  /** No `result`: the activity returned undefined (as for every `result` below). */
  ActivityTaskCompleted: { scheduledEventId: number; startedEventId: number; result?: unknown; identity: string };
  ActivityTaskFailed: {
    scheduledEventId: number;
    startedEventId: number;
    failure: FailureInfo;
    retryState: RetryState;
    identity: string;
  };
  ActivityTaskTimedOut: {
    scheduledEventId: number;
    startedEventId?: number;
    failure: FailureInfo;
    retryState: RetryState;
  };
  ActivityTaskCancelRequested: { scheduledEventId: number; workflowTaskCompletedEventId: number };
  ActivityTaskCanceled: {
    scheduledEventId: number;
    startedEventId?: number;
    latestCancelRequestedEventId?: number;
    details?: unknown;
    identity?: string;
  };
  TimerStarted: {
    timerId: string;
    seq: number;
    startToFireTimeoutMs: number;
    workflowTaskCompletedEventId: number;
    /** Temporal's user metadata of the timer: its `summary` (a payload), for people. */
    userMetadata?: { summary?: unknown };
  };
  TimerFired: { timerId: string; startedEventId: number };
  TimerCanceled: { timerId: string; startedEventId: number; workflowTaskCompletedEventId: number };
  /** A patch marker or a local activity's outcome (see src/protocol/markers.ts). */
  MarkerRecorded: {
    markerName: string;
    details: Record<string, unknown>;
    failure?: FailureInfo;
    workflowTaskCompletedEventId: number;
  };
  WorkflowExecutionCancelRequested: { reason?: string; identity?: string };
  /** The attributes the command set (null: removed); the run's full set is in its state. */
  UpsertWorkflowSearchAttributes: { searchAttributes: Record<string, unknown>; workflowTaskCompletedEventId: number };
  /** upsertMemo: the memo keys the command set (null: removed); the run's full memo is in its state. */
  WorkflowPropertiesModified: { upsertedMemo: Record<string, unknown>; workflowTaskCompletedEventId: number };
  WorkflowExecutionSignaled: {
    signalName: string;
    input: unknown[];
    identity?: string;
    requestId?: string;
    header?: Headers;
  };
  /** `newExecutionRunId`: a cron workflow's next run (engine/cron.ts). */
  WorkflowExecutionCompleted: { result?: unknown; workflowTaskCompletedEventId: number; newExecutionRunId?: string };
  WorkflowExecutionFailed: {
    failure: FailureInfo;
    retryState: RetryState;
    workflowTaskCompletedEventId?: number;
    newExecutionRunId?: string;
  };
  WorkflowExecutionCanceled: { details?: unknown; workflowTaskCompletedEventId: number };
  WorkflowExecutionTerminated: { reason?: string; identity?: string; details?: unknown };
  WorkflowExecutionTimedOut: { retryState: RetryState; newExecutionRunId?: string };
  WorkflowExecutionContinuedAsNew: {
    newExecutionRunId: string;
    workflowType: string;
    taskQueue: string;
    input: unknown[];
    workflowRunTimeoutMs?: number;
    workflowTaskTimeoutMs: number;
    workflowTaskCompletedEventId: number;
    header?: Headers;
  };
  StartChildWorkflowExecutionInitiated: {
    seq: number;
    namespace: string;
    workflowId: string;
    workflowType: string;
    taskQueue: string;
    input: unknown[];
    workflowExecutionTimeoutMs?: number;
    workflowRunTimeoutMs?: number;
    workflowTaskTimeoutMs?: number;
    retryPolicy?: ResolvedRetryPolicy;
    parentClosePolicy: ParentClosePolicyName;
    workflowIdReusePolicy?: string;
    workflowTaskCompletedEventId: number;
    header?: Headers;
    cronSchedule?: string;
  };
  StartChildWorkflowExecutionFailed: {
    initiatedEventId: number;
    workflowId: string;
    workflowType: string;
    cause: string;
    message: string;
  };
  ChildWorkflowExecutionStarted: { initiatedEventId: number; workflowId: string; runId: string; workflowType: string };
  ChildWorkflowExecutionCompleted: ChildRef & { result?: unknown };
  ChildWorkflowExecutionFailed: ChildRef & { failure: FailureInfo; retryState: RetryState };
  ChildWorkflowExecutionCanceled: ChildRef & { details?: unknown };
  ChildWorkflowExecutionTimedOut: ChildRef & { retryState: RetryState };
  ChildWorkflowExecutionTerminated: ChildRef & { reason?: string };
  SignalExternalWorkflowExecutionInitiated: {
    seq: number;
    workflowId: string;
    runId?: string;
    signalName: string;
    input: unknown[];
    childWorkflowOnly?: boolean;
    workflowTaskCompletedEventId: number;
    header?: Headers;
  };
  ExternalWorkflowExecutionSignaled: { initiatedEventId: number; workflowId: string; runId: string };
  SignalExternalWorkflowExecutionFailed: {
    initiatedEventId: number;
    workflowId: string;
    cause: string;
    message: string;
  };
  RequestCancelExternalWorkflowExecutionInitiated: {
    seq: number;
    workflowId: string;
    runId?: string;
    childWorkflowOnly?: boolean;
    workflowTaskCompletedEventId: number;
  };
  ExternalWorkflowExecutionCancelRequested: { initiatedEventId: number; workflowId: string; runId: string };
  WorkflowExecutionUpdateAccepted: {
    updateId: string;
    name: string;
    input: unknown[];
    identity?: string;
    workflowTaskCompletedEventId: number;
    header?: Headers;
  };
  WorkflowExecutionUpdateCompleted: {
    updateId: string;
    acceptedEventId: number;
    result?: unknown;
    failure?: FailureInfo;
    workflowTaskCompletedEventId: number;
  };
  RequestCancelExternalWorkflowExecutionFailed: {
    initiatedEventId: number;
    workflowId: string;
    cause: string;
    message: string;
  };
}

/** Which child run an event is about: the initiating event in the parent's history, and the child's run. */
export interface ChildRef {
  initiatedEventId: number;
  startedEventId?: number;
  workflowId: string;
  runId: string;
  workflowType: string;
}

export type EventType = keyof EventAttributes;

export type HistoryEventOf<T extends EventType> = {
  eventId: number;
  eventType: T;
  /** ISO 8601 */
  eventTime: string;
  attributes: EventAttributes[T];
};

export type HistoryEvent = { [T in EventType]: HistoryEventOf<T> }[EventType];

export interface History {
  events: HistoryEvent[];
}

/** Events that a command of the workflow produces (they follow WorkflowTaskCompleted, in command order). */
export const COMMAND_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'ActivityTaskScheduled',
  'ActivityTaskCancelRequested',
  'TimerStarted',
  'TimerCanceled',
  'MarkerRecorded',
  'WorkflowExecutionCompleted',
  'WorkflowExecutionFailed',
  'WorkflowExecutionCanceled',
  'WorkflowExecutionContinuedAsNew',
  'StartChildWorkflowExecutionInitiated',
  'SignalExternalWorkflowExecutionInitiated',
  'RequestCancelExternalWorkflowExecutionInitiated',
  'WorkflowExecutionUpdateAccepted',
  'WorkflowExecutionUpdateCompleted',
  'UpsertWorkflowSearchAttributes',
  'WorkflowPropertiesModified',
]);

export const CLOSE_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'WorkflowExecutionCompleted',
  'WorkflowExecutionFailed',
  'WorkflowExecutionCanceled',
  'WorkflowExecutionTerminated',
  'WorkflowExecutionTimedOut',
  'WorkflowExecutionContinuedAsNew',
]);
