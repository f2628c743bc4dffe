/**
 * Request and response shapes of the HTTP API (`/api/v1`). The schemas validate requests on the server and
 * feed the OpenAPI document; the types are what the client sends and receives.
 */
import type { WorkflowTask } from './tasks.js';
import { Type, type Static } from '@sinclair/typebox';
import type { FailureInfo, RetryState } from '../common/failure.js';
import type { HistoryEvent } from './events.js';
import type { ExecutionStatus } from './status.js';
import {
  DurationInput,
  HeaderSchema,
  ID_PATTERN,
  Identifier,
  Payloads,
  PrioritySchema,
  RetryPolicySchema,
  UserMetadataSchema,
} from './schema-common.js';
import type { Priority } from '../common/priority.js';

export const WorkflowIdReusePolicies = [
  'ALLOW_DUPLICATE',
  'ALLOW_DUPLICATE_FAILED_ONLY',
  'REJECT_DUPLICATE',
  'TERMINATE_IF_RUNNING',
] as const;
export type WorkflowIdReusePolicyName = (typeof WorkflowIdReusePolicies)[number];
export const WorkflowIdConflictPolicies = ['FAIL', 'USE_EXISTING', 'TERMINATE_EXISTING'] as const;
export type WorkflowIdConflictPolicyName = (typeof WorkflowIdConflictPolicies)[number];

export const NamespaceParams = Type.Object({
  namespace: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$' }),
});
export const WorkflowParams = Type.Object({
  namespace: NamespaceParams.properties.namespace,
  workflowId: Identifier,
});
export const TaskQueueParams = Type.Object({
  namespace: NamespaceParams.properties.namespace,
  taskQueue: Identifier,
});

export const StartWorkflowRequestSchema = Type.Object(
  {
    workflowId: Identifier,
    workflowType: Identifier,
    taskQueue: Type.Optional(Identifier),
    args: Type.Optional(Payloads),
    workflowExecutionTimeout: Type.Optional(DurationInput),
    workflowRunTimeout: Type.Optional(DurationInput),
    workflowTaskTimeout: Type.Optional(DurationInput),
    /**
     * Temporal's startDelay: the first workflow task is scheduled only after it (WorkflowExecutionStarted's
     * firstWorkflowTaskBackoffMs); not with cronSchedule (400 INVALID_ARGUMENT). Signal-with-start records the
     * signal at once; the workflow sees it in its first task, after the delay.
     */
    startDelay: Type.Optional(DurationInput),
    retry: Type.Optional(RetryPolicySchema),
    workflowIdReusePolicy: Type.Optional(Type.Union(WorkflowIdReusePolicies.map((p) => Type.Literal(p)))),
    workflowIdConflictPolicy: Type.Optional(Type.Union(WorkflowIdConflictPolicies.map((p) => Type.Literal(p)))),
    memo: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    searchAttributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Temporal's staticSummary and staticDetails (payloads), kept with the run and answered by describe. */
    userMetadata: Type.Optional(UserMetadataSchema),
    /** Temporal's priority: kept with the run (and the runs it continues as), answered by describe. */
    priority: Type.Optional(PrioritySchema),
    /** Makes a retried start idempotent: the same request id returns the run it started. */
    requestId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    /**
     * Eager workflow start (Temporal's requestEagerStart): a worker in the caller's process with a free slot
     * takes the first workflow task from the answer (eagerWorkflowTask) instead of a poll. Only for a new run.
     */
    eagerWorkflowTask: Type.Optional(Type.Object({ identity: Identifier }, { additionalProperties: false })),
    identity: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    /** Also wait up to this long (ms) for the run to close, and answer its outcome (`execute` in one request). */
    waitMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 120_000 })),
    /** Headers for the workflow's inbound interceptors (signal-with-start: for the signal too). */
    header: Type.Optional(HeaderSchema),
    /**
     * Temporal's cron workflows: each run starts at the schedule's next time (the first one too), and when a run
     * closes (but for a cancel or a terminate) the next is scheduled. Five cron fields (UTC), `@hourly`-style
     * names, `@every 1h30m`, or a `CRON_TZ=Zone ` prefix; a bad one is 400 INVALID_ARGUMENT.
     */
    cronSchedule: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description:
          "Run as a cron workflow (Temporal's cronSchedule): '0 * * * *' (UTC), '@daily', '@every 1h30m', " +
          "'CRON_TZ=Europe/Berlin 0 9 * * *'. Invalid: 400 INVALID_ARGUMENT (details.field = 'cronSchedule').",
      }),
    ),
  },
  { additionalProperties: false },
);
export type StartWorkflowRequest = Static<typeof StartWorkflowRequestSchema>;
export interface StartWorkflowResponse {
  runId: string;
  /** False when the request returned an existing run (same request id, or USE_EXISTING). */
  started: boolean;
  /** With waitMs: the outcome, when the run closed within the wait. */
  result?: WorkflowResultResponse;
  /** Eager start: the run's first workflow task, started for the identity the request named. */
  eagerWorkflowTask?: WorkflowTask;
}

/**
 * Several starts in one request: a client sends the starts of one event-loop turn together (its transport does,
 * unseen by callers). Each is a startWorkflow of its own, answered on its own; no result wait, no eager start.
 */
export const StartWorkflowsRequestSchema = Type.Object(
  {
    starts: Type.Array(Type.Omit(StartWorkflowRequestSchema, ['waitMs', 'eagerWorkflowTask']), {
      minItems: 1,
      maxItems: 500,
    }),
  },
  { additionalProperties: false },
);
export type StartWorkflowsRequest = Static<typeof StartWorkflowsRequestSchema>;
/** One answer per start, in order: the start's answer, or its error (as an error response's body says it). */
export interface StartWorkflowsResponse {
  results: Array<
    | { ok: true; start: StartWorkflowResponse }
    | { ok: false; status: number; error: { code: string; message: string; details?: Record<string, unknown> } }
  >;
}

export const RunQuery = Type.Object({ runId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })) });

export const ResultQuery = Type.Object({
  runId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
  /** How long to wait for the run to close (ms, default and maximum: the server's result wait). */
  waitMs: Type.Optional(Type.Integer({ minimum: 0 })),
});
export interface WorkflowResultResponse {
  runId: string;
  status: ExecutionStatus;
  result?: unknown;
  failure?: FailureInfo;
  retryState?: RetryState;
  /** Set when the run continued as new or was retried: the run to follow. */
  newExecutionRunId?: string;
  reason?: string;
}

export const WaitResultsRequestSchema = Type.Object(
  {
    runs: Type.Array(
      Type.Object(
        { workflowId: Identifier, runId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
    /** How long to wait for the first of them to close (ms, default and maximum: the server's result wait). */
    waitMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type WaitResultsRequest = Static<typeof WaitResultsRequestSchema>;
export interface WaitResultsResponse {
  /** One entry per run that closed (or could not be found); runs still running are left out. */
  results: Array<{
    workflowId: string;
    runId?: string;
    outcome?: WorkflowResultResponse;
    error?: { code: string; message: string };
  }>;
}

export const SignalWorkflowRequestSchema = Type.Object(
  {
    runId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    signalName: Identifier,
    args: Type.Optional(Payloads),
    /** A retried signal with the same request id is applied once. */
    requestId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    identity: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    header: Type.Optional(HeaderSchema),
  },
  { additionalProperties: false },
);
export type SignalWorkflowRequest = Static<typeof SignalWorkflowRequestSchema>;

export const SignalWithStartRequestSchema = Type.Composite(
  [
    Type.Omit(StartWorkflowRequestSchema, ['waitMs']),
    Type.Object({ signalName: Identifier, signalArgs: Type.Optional(Payloads) }),
  ],
  { additionalProperties: false },
);
export type SignalWithStartRequest = Static<typeof SignalWithStartRequestSchema>;

export const QueryWorkflowRequestSchema = Type.Object(
  {
    runId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    queryType: Identifier,
    args: Type.Optional(Payloads),
    header: Type.Optional(HeaderSchema),
    /**
     * Temporal's query reject condition: `NOT_OPEN` rejects the query when the run has closed,
     * `NOT_COMPLETED_CLEANLY` when it closed other than Completed; `NONE` (the default) never.
     */
    rejectCondition: Type.Optional(
      Type.Union([Type.Literal('NONE'), Type.Literal('NOT_OPEN'), Type.Literal('NOT_COMPLETED_CLEANLY')]),
    ),
  },
  { additionalProperties: false },
);
export type QueryWorkflowRequest = Static<typeof QueryWorkflowRequestSchema>;
export interface QueryWorkflowResponse {
  /** Absent when the handler returned undefined. */
  result?: unknown;
  /** Set when the reject condition held: the query was not asked, and this is the run's status. */
  rejected?: { status: string };
}

export const UpdateStages = ['ADMITTED', 'ACCEPTED', 'COMPLETED'] as const;
export type UpdateStage = (typeof UpdateStages)[number];
const WaitStage = Type.Union([Type.Literal('ACCEPTED'), Type.Literal('COMPLETED')]);

export const UpdateWorkflowRequestSchema = Type.Object(
  {
    runId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    updateName: Identifier,
    args: Type.Optional(Payloads),
    /** An update id seen before returns that update's outcome and runs nothing. Default: a new uuid. */
    updateId: Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: ID_PATTERN })),
    /** Answer once the update reached this stage (default COMPLETED), or when waitMs passes. */
    waitForStage: Type.Optional(WaitStage),
    waitMs: Type.Optional(Type.Integer({ minimum: 0 })),
    identity: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    header: Type.Optional(HeaderSchema),
  },
  { additionalProperties: false },
);
export type UpdateWorkflowRequest = Static<typeof UpdateWorkflowRequestSchema>;

/**
 * Update-with-start (Temporal's): send an update to the workflow id's running run, or start a run and give it
 * the update in the same transaction. `start.workflowIdConflictPolicy` must be set (USE_EXISTING to update a
 * running run; FAIL to refuse one), as Temporal requires.
 */
export const UpdateWithStartRequestSchema = Type.Object(
  {
    start: Type.Omit(StartWorkflowRequestSchema, ['waitMs']),
    update: Type.Omit(UpdateWorkflowRequestSchema, ['runId', 'waitMs']),
    /** Answer once the update reached update.waitForStage, or when this passes (ms). */
    waitMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type UpdateWithStartRequest = Static<typeof UpdateWithStartRequestSchema>;
export interface UpdateWithStartResponse {
  /** The run that got the update (started by this call, or the running one). */
  runId: string;
  started: boolean;
  update: UpdateWorkflowResponse;
}

export const UpdateParams = Type.Object({
  namespace: NamespaceParams.properties.namespace,
  workflowId: Identifier,
  updateId: Type.String({ minLength: 1, maxLength: 255, pattern: ID_PATTERN }),
});
export const UpdatePollQuery = Type.Object({
  runId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
  waitForStage: Type.Optional(WaitStage),
  waitMs: Type.Optional(Type.Integer({ minimum: 0 })),
});

export interface UpdateWorkflowResponse {
  updateId: string;
  runId: string;
  /** ADMITTED: the workflow has not decided yet. A rejected update is COMPLETED with a failure. */
  stage: UpdateStage;
  outcome?: { result?: unknown; failure?: FailureInfo };
}

export const CancelWorkflowRequestSchema = Type.Object(
  {
    runId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    /** The chain the request means (its first run; Temporal's): a run of another chain answers not found. */
    firstExecutionRunId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    reason: Type.Optional(Type.String({ maxLength: 10_000 })),
    identity: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
  },
  { additionalProperties: false },
);
export type CancelWorkflowRequest = Static<typeof CancelWorkflowRequestSchema>;

export const TerminateWorkflowRequestSchema = Type.Object(
  {
    runId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    /** The chain the request means (its first run; Temporal's): a run of another chain answers not found. */
    firstExecutionRunId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
    reason: Type.Optional(Type.String({ maxLength: 10_000 })),
    details: Type.Optional(Type.Unknown()),
    identity: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
  },
  { additionalProperties: false },
);
export type TerminateWorkflowRequest = Static<typeof TerminateWorkflowRequestSchema>;

export const ListWorkflowsQuery = Type.Object({
  query: Type.Optional(Type.String({ maxLength: 10_000 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  pageToken: Type.Optional(Type.String({ maxLength: 10_000 })),
});
export const CountWorkflowsQuery = Type.Object({ query: Type.Optional(Type.String({ maxLength: 10_000 })) });

export interface WorkflowExecutionInfo {
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  status: ExecutionStatus;
  startTime: string;
  closeTime?: string;
  historyLength: number;
  /** The run's memo (payloads, decoded by a client's codecs) and search attributes, when it has them. */
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
  /** A child's parent run. */
  parent?: { workflowId: string; runId: string };
  /**
   * The run at the top of its chain of parents: itself for a run without a parent (as Temporal's rootExecution).
   * Sent in list items and describes.
   */
  root?: { workflowId: string; runId: string };
  /** Size of the history in bytes, as stored. */
  historySizeBytes?: number;
  /** The start's priority, when it gave one (or the run's chain or parent did). */
  priority?: Priority;
  /** Temporal's execution time, when later than startTime: when the first workflow task may run (ISO 8601). */
  executionTime?: string;
}
export interface ListWorkflowsResponse {
  executions: WorkflowExecutionInfo[];
  nextPageToken?: string;
}

export interface PendingActivityInfo {
  activityId: string;
  activityType: string;
  state: 'SCHEDULED' | 'STARTED' | 'BACKOFF' | 'CANCEL_REQUESTED';
  attempt: number;
  maximumAttempts: number;
  scheduledTime: string;
  lastStartedTime?: string;
  lastHeartbeatTime?: string;
  heartbeatDetails?: unknown;
  lastFailure?: FailureInfo;
  lastWorkerIdentity?: string;
  taskQueue: string;
}

export interface DescribeWorkflowResponse {
  execution: WorkflowExecutionInfo & {
    firstRunId: string;
    attempt: number;
    memo?: Record<string, unknown>;
    searchAttributes?: Record<string, unknown>;
    lastBuildId?: string;
    cancelRequested: boolean;
    parent?: { workflowId: string; runId: string };
    /**
     * Running runs only: whether a live worker of its task queue serves its workflow type. False: the run waits
     * for one (a start of a type no worker has registered is accepted, as in Temporal).
     */
    typeServed?: boolean;
    /** The start's staticSummary and staticDetails (payloads, decoded by a client's codecs), when it gave them. */
    userMetadata?: { summary?: unknown; details?: unknown };
  };
  pendingActivities: PendingActivityInfo[];
  pendingTimers: Array<{ timerId: string; fireTime: string }>;
  pendingChildren: Array<{
    workflowId: string;
    runId?: string;
    workflowType: string;
    initiatedEventId: number;
    parentClosePolicy: 'TERMINATE' | 'ABANDON' | 'REQUEST_CANCEL';
    /** INITIATED: the start is under way; STARTED: the child run exists. */
    state: 'INITIATED' | 'STARTED';
  }>;
  pendingWorkflowTask?: {
    state: 'SCHEDULED' | 'STARTED';
    attempt: number;
    scheduledTime: string;
    startedTime?: string;
    lastFailure?: FailureInfo;
  };
  result?: WorkflowResultResponse;
}

export const HistoryQuery = Type.Object({
  runId: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })),
  fromEventId: Type.Optional(Type.Integer({ minimum: 1 })),
  maxEvents: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
});
export interface HistoryResponse {
  events: HistoryEvent[];
  /** Continue with fromEventId = nextEventId when set. */
  nextEventId?: number;
}

export const RegisterWorkflowRequestSchema = Type.Object(
  {
    workflowType: Identifier,
    taskQueue: Identifier,
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    defaults: Type.Optional(
      Type.Object(
        {
          workflowExecutionTimeout: Type.Optional(DurationInput),
          workflowRunTimeout: Type.Optional(DurationInput),
          workflowTaskTimeout: Type.Optional(DurationInput),
          retry: Type.Optional(RetryPolicySchema),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type RegisterWorkflowRequest = Static<typeof RegisterWorkflowRequestSchema>;
export interface RegisteredWorkflow {
  workflowType: string;
  taskQueue: string;
  description?: string;
  defaults?: RegisterWorkflowRequest['defaults'];
  updatedAt: string;
}

export interface DescribeTaskQueueResponse {
  taskQueue: string;
  pollers: Array<{ identity: string; buildId?: string; lastAccessTime: string; polling: boolean }>;
  backlog: { workflowTasks: number; activityTasks: number };
}

export const StopWorkersRequestSchema = Type.Object(
  { identity: Type.Optional(Type.String({ maxLength: 255, pattern: ID_PATTERN })) },
  { additionalProperties: false },
);

/**
 * A worker stopping itself (Temporal's ShutdownWorker): its waiting polls are answered now, and the server starts
 * no more tasks for that worker object (its identity and instance key; a worker started again gets a new key).
 */
export const ShutdownWorkerRequestSchema = Type.Object(
  {
    identity: Type.String({ minLength: 1, maxLength: 255, pattern: ID_PATTERN }),
    instanceKey: Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN }),
  },
  { additionalProperties: false },
);
export type ShutdownWorkerRequest = Static<typeof ShutdownWorkerRequestSchema>;

export interface ListTaskQueuesResponse {
  taskQueues: DescribeTaskQueueResponse[];
}
