/**
 * History events, with Temporal's event type names. `eventId` counts from 1 and is dense. Durations are in
 * milliseconds (fields end in `Ms`), payloads are JSON values, failures are `FailureInfo`.
 */
import type { FailureInfo, RetryState, TimeoutType } from '../common/failure.js';
import type { ResolvedRetryPolicy } from '../common/retry-policy.js';

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
  };
  WorkflowTaskScheduled: { taskQueue: string; startToCloseTimeoutMs: number; attempt: number };
  WorkflowTaskStarted: { scheduledEventId: number; identity: string; requestId?: string };
  WorkflowTaskCompleted: { scheduledEventId: number; startedEventId: number; identity: string; buildId?: string };
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
  };
  ActivityTaskStarted: { scheduledEventId: number; identity: string; attempt: number; lastFailure?: FailureInfo };
  ActivityTaskCompleted: { scheduledEventId: number; startedEventId: number; result: unknown; identity: string };
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
  TimerStarted: { timerId: string; seq: number; startToFireTimeoutMs: number; workflowTaskCompletedEventId: number };
  TimerFired: { timerId: string; startedEventId: number };
  TimerCanceled: { timerId: string; startedEventId: number; workflowTaskCompletedEventId: number };
  WorkflowExecutionCancelRequested: { reason?: string; identity?: string };
  WorkflowExecutionSignaled: { signalName: string; input: unknown[]; identity?: string; requestId?: string };
  WorkflowExecutionCompleted: { result: unknown; workflowTaskCompletedEventId: number };
  WorkflowExecutionFailed: {
    failure: FailureInfo;
    retryState: RetryState;
    workflowTaskCompletedEventId?: number;
    newExecutionRunId?: string;
  };
  WorkflowExecutionCanceled: { details?: unknown; workflowTaskCompletedEventId: number };
  WorkflowExecutionTerminated: { reason?: string; identity?: string; details?: unknown };
  WorkflowExecutionTimedOut: { retryState: RetryState; newExecutionRunId?: string };
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
  'WorkflowExecutionCompleted',
  'WorkflowExecutionFailed',
  'WorkflowExecutionCanceled',
]);

export const CLOSE_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'WorkflowExecutionCompleted',
  'WorkflowExecutionFailed',
  'WorkflowExecutionCanceled',
  'WorkflowExecutionTerminated',
  'WorkflowExecutionTimedOut',
]);
