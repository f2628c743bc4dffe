/** Starting a run: its first events, its first workflow task and its run and execution timeouts. */
import type { FailureInfo } from '../common/failure.js';
import type { Headers } from '../common/interceptors.js';
import type { Priority } from '../common/priority.js';
import type { ResolvedRetryPolicy } from '../common/retry-policy.js';
import type { EventAttributes } from '../protocol/events.js';
import { firstCronBackoffMs } from './cron.js';
import { keys, type ExecutionState, type ParentInfo, type ScheduleRef, type WorkflowExecutionRef } from './state.js';
import { Transition } from './transition.js';

export const DEFAULT_WORKFLOW_TASK_TIMEOUT_MS = 10_000;

export interface StartRunInput {
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  input: unknown[];
  workflowExecutionTimeoutMs?: number;
  workflowRunTimeoutMs?: number;
  workflowTaskTimeoutMs?: number;
  retryPolicy?: ResolvedRetryPolicy;
  attempt?: number;
  firstExecutionRunId?: string;
  continuedExecutionRunId?: string;
  /** Absolute deadline of the whole chain of runs, carried over from the first run. */
  executionDeadline?: number;
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
  userMetadata?: ExecutionState['userMetadata'];
  priority?: Priority;
  identity?: string;
  requestId?: string;
  randomnessSeed: string;
  firstWorkflowTaskBackoffMs?: number;
  parent?: ParentInfo;
  /** A child's root run (its parent's root, or the parent when that one has none). */
  root?: WorkflowExecutionRef;
  scheduleRef?: ScheduleRef;
  /** The input each retry of the workflow starts with (kept only when it has a retry policy). */
  retryInput?: unknown[];
  /** Headers for the workflow's inbound interceptors, recorded in WorkflowExecutionStarted. */
  header?: Headers;
  /** A cron workflow's schedule (engine/cron.ts); without a backoff given, the run waits for its first time. */
  cronSchedule?: string;
  /** A cron run's predecessor's result or failure (workflowInfo().lastResult / lastFailure). */
  lastCompletionResult?: unknown;
  continuedFailure?: FailureInfo;
}

export function startRun(input: StartRunInput, now: number): Transition {
  const workflowTaskTimeoutMs = input.workflowTaskTimeoutMs ?? DEFAULT_WORKFLOW_TASK_TIMEOUT_MS;
  const executionDeadline =
    input.executionDeadline ?? (input.workflowExecutionTimeoutMs ? now + input.workflowExecutionTimeoutMs : undefined);
  // a cron chain's first run waits for the schedule's first time
  if (input.cronSchedule && input.firstWorkflowTaskBackoffMs === undefined)
    input = { ...input, firstWorkflowTaskBackoffMs: firstCronBackoffMs(input.cronSchedule, now) };
  // as Temporal: a run's time starts when its first workflow task may (after a retry's or a cron's backoff)
  const backoffMs = input.firstWorkflowTaskBackoffMs ?? 0;
  let runDeadline = input.workflowRunTimeoutMs ? now + backoffMs + input.workflowRunTimeoutMs : undefined;
  if (executionDeadline !== undefined && (runDeadline === undefined || runDeadline > executionDeadline))
    runDeadline = undefined; // the execution timeout fires first
  const state: ExecutionState = {
    namespace: input.namespace,
    workflowId: input.workflowId,
    runId: input.runId,
    firstExecutionRunId: input.firstExecutionRunId ?? input.runId,
    workflowType: input.workflowType,
    taskQueue: input.taskQueue,
    status: 'Running',
    startTime: now,
    lastProgressTime: now,
    nextEventId: 1,
    workflowTaskTimeoutMs,
    attempt: input.attempt ?? 1,
    nextTaskId: 1,
    lastCompletedStartedEventId: 0,
    needsWorkflowTask: true,
    bufferedEvents: [],
    activities: {},
    timers: {},
    cancelRequested: false,
  };
  if (runDeadline !== undefined) state.runDeadline = runDeadline;
  if (executionDeadline !== undefined) state.executionDeadline = executionDeadline;
  if (input.retryPolicy) {
    state.retryPolicy = input.retryPolicy;
    state.retryInput = input.retryInput ?? input.input;
  }
  if (input.requestId) state.startRequestId = input.requestId;
  if (input.memo) state.memo = input.memo;
  if (input.searchAttributes) state.searchAttributes = input.searchAttributes;
  if (input.userMetadata) state.userMetadata = input.userMetadata;
  if (input.priority) state.priority = input.priority;
  if (backoffMs > 0) state.executionTime = now + backoffMs;
  if (input.workflowRunTimeoutMs) state.runTimeoutMs = input.workflowRunTimeoutMs;
  if (input.workflowExecutionTimeoutMs) state.executionTimeoutMs = input.workflowExecutionTimeoutMs;
  if (input.parent) state.parent = input.parent;
  if (input.root) state.root = input.root;
  if (input.scheduleRef) state.scheduleRef = input.scheduleRef;
  if (input.cronSchedule)
    state.cron = { schedule: input.cronSchedule, input: input.input, scheduledTime: now + backoffMs };

  const t = new Transition(state, now);
  const started: EventAttributes['WorkflowExecutionStarted'] = {
    workflowType: input.workflowType,
    workflowId: input.workflowId,
    taskQueue: input.taskQueue,
    input: input.input,
    workflowTaskTimeoutMs,
    attempt: state.attempt,
    firstExecutionRunId: state.firstExecutionRunId,
    randomnessSeed: input.randomnessSeed,
  };
  if (input.workflowExecutionTimeoutMs) started.workflowExecutionTimeoutMs = input.workflowExecutionTimeoutMs;
  if (input.workflowRunTimeoutMs) started.workflowRunTimeoutMs = input.workflowRunTimeoutMs;
  if (input.continuedExecutionRunId) started.continuedExecutionRunId = input.continuedExecutionRunId;
  if (input.retryPolicy) started.retryPolicy = input.retryPolicy;
  if (input.identity) started.identity = input.identity;
  if (input.memo) started.memo = input.memo;
  if (input.searchAttributes) started.searchAttributes = input.searchAttributes;
  if (input.userMetadata) started.userMetadata = input.userMetadata;
  if (input.priority) started.priority = input.priority;
  if (input.requestId) started.requestId = input.requestId;
  if (input.firstWorkflowTaskBackoffMs) started.firstWorkflowTaskBackoffMs = input.firstWorkflowTaskBackoffMs;
  if (executionDeadline !== undefined) started.executionDeadline = executionDeadline;
  if (input.parent) {
    started.parentWorkflowNamespace = input.parent.namespace;
    started.parentWorkflowExecution = { workflowId: input.parent.workflowId, runId: input.parent.runId };
    started.parentInitiatedEventId = input.parent.initiatedEventId;
  }
  // a child's root (Temporal writes a run's own ids for one without a parent; Weft leaves them out: they are the run's)
  if (input.root) started.rootWorkflowExecution = input.root;
  if (input.scheduleRef) started.scheduledBy = input.scheduleRef.scheduleId;
  if (input.cronSchedule) started.cronSchedule = input.cronSchedule;
  if (input.lastCompletionResult !== undefined) started.lastCompletionResult = input.lastCompletionResult;
  if (input.continuedFailure) started.continuedFailure = input.continuedFailure;
  if (input.header && Object.keys(input.header).length > 0) started.header = input.header;
  t.event('WorkflowExecutionStarted', started);

  if (runDeadline !== undefined) t.addTimer(keys.runTimeout(), runDeadline);
  if (executionDeadline !== undefined) t.addTimer(keys.executionTimeout(), executionDeadline);
  t.scheduleWorkflowTask(1, input.firstWorkflowTaskBackoffMs ? { delayMs: input.firstWorkflowTaskBackoffMs } : {});
  return t;
}
