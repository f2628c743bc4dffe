/** Tasks the server hands to workers, and what workers send back. */
import { Type, type Static } from '@sinclair/typebox';
import type { Headers } from '../common/interceptors.js';
import type { HistoryEvent } from './events.js';
import { CommandSchema } from './commands.js';
import { FailureSchema, ID_PATTERN, Identifier, Payload } from './schema-common.js';

export interface WorkflowTask {
  taskToken: string;
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  attempt: number;
  /** Event id of the WorkflowTaskStarted that this task is. */
  startedEventId: number;
  /** WorkflowTaskStarted of the last completed workflow task (0 if none): a cached workflow has seen up to here. */
  previousStartedEventId: number;
  /** Events of the history, ending with this task's WorkflowTaskStarted. They start at event 1 or, for a worker
   * that holds the workflow in its sticky cache, right after previousStartedEventId. */
  events: HistoryEvent[];
  /** Updates waiting for the workflow: it validates each, then accepts it (a command) or rejects it. */
  updates?: UpdateRequest[];
  /** Bytes of the stored history through this task's events (where a continued task's size hint counts from). */
  historySizeBytes?: number;
  /**
   * The server records the SDK flags a completion names (src/workflow/internal/sdk-flags.ts). A worker uses a
   * new behaviour under a flag only then: one a server dropped would not replay.
   */
  recordsSdkFlags?: boolean;
}

export interface UpdateRequest {
  updateId: string;
  name: string;
  args: unknown[];
  header?: Headers;
}

export interface ActivityTask {
  taskToken: string;
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  activityId: string;
  activityType: string;
  taskQueue: string;
  input: unknown[];
  attempt: number;
  scheduledTime: string;
  currentAttemptScheduledTime: string;
  startedTime: string;
  scheduleToCloseTimeoutMs?: number;
  startToCloseTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  heartbeatDetails?: unknown;
  /** The same on every attempt of one activity. */
  idempotencyKey: string;
  /** Headers the workflow's outbound interceptors set (from the ActivityTaskScheduled event). */
  header?: Headers;
  /** The activity's ActivityTaskScheduled event: a worker that continues the workflow at once needs it. */
  scheduledEventId?: number;
}

/** A query for a worker to answer from a workflow's state (not persisted: it lives while its caller waits). */
export interface QueryTask {
  queryId: string;
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  queryType: string;
  args: unknown[];
  /**
   * WorkflowTaskStarted of the last workflow task completed when the query was handed out: answer from a state
   * that has applied it (or a later task), else from a replay of the history (which then holds it). The server
   * hands a query out only once every event recorded before it arrived is in a completed workflow task.
   */
  minStartedEventId?: number;
  header?: Headers;
}

/**
 * SDK flags a workflow task consulted first (recorded in its WorkflowTaskCompleted; see
 * src/workflow/internal/sdk-flags.ts). Small positive integers; a newer worker may send flags this server does
 * not know, which it records all the same.
 */
const SdkFlagsSchema = Type.Array(Type.Integer({ minimum: 1, maximum: 1_000_000 }), { maxItems: 64 });

/** A sticky schedule-to-start timeout: 1 ms to a day. */
const StickyTimeoutMs = Type.Integer({ minimum: 1, maximum: 86_400_000 });

export const WorkflowTaskCompletionSchema = Type.Object({
  kind: Type.Literal('workflowTaskCompleted'),
  taskToken: Identifier,
  commands: Type.Array(CommandSchema, { maxItems: 100000 }),
  buildId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
  /** The worker keeps this workflow cached: send it only new events next time. */
  sticky: Type.Optional(Type.Boolean()),
  /**
   * With `sticky`: how long the next task may wait for this worker before any worker of the queue may take it
   * (the worker's `stickyQueueScheduleToStartTimeout`; default 5 s).
   */
  stickyScheduleToStartTimeoutMs: Type.Optional(StickyTimeoutMs),
  sdkFlags: Type.Optional(SdkFlagsSchema),
  /** Updates of this task that the workflow's validators rejected: nothing about them goes into history. */
  updateRejections: Type.Optional(
    Type.Array(
      Type.Object({
        updateId: Type.String({ minLength: 1, maxLength: 255, pattern: ID_PATTERN }),
        failure: FailureSchema,
      }),
      {
        maxItems: 10000,
      },
    ),
  ),
});

export const WorkflowTaskFailureCauses = [
  'NON_DETERMINISTIC',
  'WORKFLOW_ERROR',
  'UNHANDLED_COMMAND',
  'BAD_COMMAND',
] as const;
export type WorkflowTaskFailureCause = (typeof WorkflowTaskFailureCauses)[number];
export const WorkflowTaskFailureSchema = Type.Object({
  kind: Type.Literal('workflowTaskFailed'),
  taskToken: Identifier,
  cause: Type.Union(WorkflowTaskFailureCauses.map((c) => Type.Literal(c))),
  failure: FailureSchema,
});

/**
 * A workflow task the worker ran right after the activity completed, on its cached workflow, with the events it
 * predicted the completion writes (docs/architecture.md, "continued workflow tasks"). The server completes it in
 * the activity's transition when history is exactly as predicted, else drops it and schedules the task as usual.
 */
export const WorkflowContinuationSchema = Type.Object({
  /** The WorkflowTaskStarted the worker's cached state ends with (its last completed task). */
  basedOnEventId: Type.Integer({ minimum: 1 }),
  /** The last event the worker expects before the activity's: its last completion's last command event. */
  lastEventId: Type.Integer({ minimum: 1 }),
  /** The workflow's clock in this task (ms since the epoch): the time of the events the completion writes. */
  startedTime: Type.Integer({ minimum: 0 }),
  /** The WorkflowTaskStarted hints the workflow was given (workflowInfo()). */
  historySizeBytes: Type.Integer({ minimum: 0 }),
  suggestContinueAsNew: Type.Optional(Type.Boolean()),
  commands: Type.Array(CommandSchema, { maxItems: 100000 }),
  buildId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
  sticky: Type.Optional(Type.Boolean()),
  stickyScheduleToStartTimeoutMs: Type.Optional(StickyTimeoutMs),
  sdkFlags: Type.Optional(SdkFlagsSchema),
});
export type WorkflowContinuation = Static<typeof WorkflowContinuationSchema>;

export const ActivityTaskCompletionSchema = Type.Object({
  kind: Type.Literal('activityTaskCompleted'),
  taskToken: Identifier,
  result: Type.Optional(Payload),
  continuation: Type.Optional(WorkflowContinuationSchema),
});
export const ActivityTaskFailureSchema = Type.Object({
  kind: Type.Literal('activityTaskFailed'),
  taskToken: Identifier,
  failure: FailureSchema,
  lastHeartbeatDetails: Type.Optional(Payload),
});
export const ActivityTaskCanceledSchema = Type.Object({
  kind: Type.Literal('activityTaskCanceled'),
  taskToken: Identifier,
  details: Type.Optional(Payload),
});

export const QueryCompletionSchema = Type.Object({
  kind: Type.Literal('queryCompleted'),
  /** The query id. */
  taskToken: Identifier,
  result: Type.Optional(Payload),
  failure: Type.Optional(FailureSchema),
  notRegistered: Type.Optional(Type.Boolean()),
});

export const TaskCompletionSchema = Type.Union([
  WorkflowTaskCompletionSchema,
  WorkflowTaskFailureSchema,
  ActivityTaskCompletionSchema,
  ActivityTaskFailureSchema,
  ActivityTaskCanceledSchema,
  QueryCompletionSchema,
]);
export type TaskCompletion = Static<typeof TaskCompletionSchema>;
export type WorkflowTaskCompletion = Static<typeof WorkflowTaskCompletionSchema>;
export type WorkflowTaskFailure = Static<typeof WorkflowTaskFailureSchema>;

export const CompleteTasksRequestSchema = Type.Object({
  identity: Identifier,
  /** Task queue the worker polls, for eager dispatch of what the completions produce. */
  taskQueue: Type.Optional(Identifier),
  completions: Type.Array(TaskCompletionSchema, { minItems: 1, maxItems: 1000 }),
  /** Free slots for activities the server may hand back at once (eager activity dispatch). */
  eagerActivitySlots: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
  /** Free slots for workflow tasks of workflows this worker has cached (eager workflow task dispatch). */
  eagerWorkflowSlots: Type.Optional(Type.Integer({ minimum: 0, maximum: 10000 })),
  /**
   * The worker sends again, on its own, a completion answered `STORE_UNAVAILABLE` or `CONFLICT`: the server then
   * answers each completion of the batch for itself (the others applied, with their eager tasks) instead of failing
   * the whole request with 503 when one of them could not be written. When none could, the request fails as before.
   */
  retriesUnavailable: Type.Optional(Type.Boolean()),
});
export type CompleteTasksRequest = Static<typeof CompleteTasksRequestSchema>;

/** Error codes of a completion the server could not write, which a worker that says `retriesUnavailable` sends again. */
export const UNWRITTEN_COMPLETION_CODES: ReadonlySet<string> = new Set(['STORE_UNAVAILABLE', 'CONFLICT']);

export interface CompletionResult {
  ok: boolean;
  error?: { code: string; message: string };
  /**
   * An activity completion's continuation: `completed` (its workflow task completed with it), `dropped` (history
   * was not as predicted: the workflow task was scheduled as usual) or `rejected` (its commands were invalid).
   */
  continuation?: 'completed' | 'dropped' | 'rejected';
}
export interface CompleteTasksResponse {
  results: CompletionResult[];
  workflowTasks: WorkflowTask[];
  activityTasks: ActivityTask[];
}

export const PollRequestSchema = Type.Object({
  identity: Identifier,
  /**
   * Random, one per worker object (Temporal's worker instance key): tells a worker started again with the same
   * identity from the one that stopped, so a stop asked for the old one does not stop the new one.
   */
  instanceKey: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN })),
  buildId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
  /** The workflow types this worker serves (so the server can tell which running types have no worker). */
  workflowTypes: Type.Optional(Type.Array(Identifier, { maxItems: 10000 })),
  maxWorkflowTasks: Type.Integer({ minimum: 0, maximum: 1000 }),
  maxActivityTasks: Type.Integer({ minimum: 0, maximum: 1000 }),
  /**
   * The task queue's activity dispatch limit (Temporal's maxTaskQueueActivitiesPerSecond): the server hands out
   * at most this many activity tasks a second on the queue, to all its pollers; the latest poll carrying it sets it.
   */
  taskQueueActivitiesPerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
  /** Long-poll wait in ms (default 60s, at most 120s). */
  timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 120000 })),
});
export type PollRequest = Static<typeof PollRequestSchema>;
export interface PollResponse {
  workflowTasks: WorkflowTask[];
  activityTasks: ActivityTask[];
  /** Queries to answer (they take workflow task slots). */
  queryTasks?: QueryTask[];
  /** The server asks this worker to drain and stop (`weft worker stop`). */
  shutdownRequested?: boolean;
  /** The server takes continued workflow tasks on activity completions (WorkflowContinuation). */
  continuations?: boolean;
}

export const HeartbeatRequestSchema = Type.Object({
  taskToken: Identifier,
  details: Type.Optional(Payload),
});
export interface HeartbeatResponse {
  cancelRequested: boolean;
}
