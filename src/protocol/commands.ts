/**
 * Commands: what a workflow task completion asks the server to do. Each command that the history records
 * carries a sequence number per kind (activity 1, 2, ...; timer 1, 2, ...); replay matches produced commands
 * to recorded events by kind, sequence and type.
 */
import { Type, type Static } from '@sinclair/typebox';
import {
  FailureSchema,
  HeaderSchema,
  ID_PATTERN,
  Identifier,
  Payload,
  Payloads,
  PrioritySchema,
  RetryPolicySchema,
  UserMetadataSchema,
} from './schema-common.js';

const Seq = Type.Integer({ minimum: 1 });
const Ms = Type.Integer({ minimum: 0 });

export const ActivityCancellationTypes = ['TRY_CANCEL', 'WAIT_CANCELLATION_COMPLETED', 'ABANDON'] as const;
export type ActivityCancellationTypeName = (typeof ActivityCancellationTypes)[number];

export const ScheduleActivityTaskCommand = Type.Object({
  type: Type.Literal('ScheduleActivityTask'),
  seq: Seq,
  activityId: Identifier,
  activityType: Identifier,
  taskQueue: Identifier,
  input: Payloads,
  scheduleToCloseTimeoutMs: Type.Optional(Ms),
  scheduleToStartTimeoutMs: Type.Optional(Ms),
  startToCloseTimeoutMs: Type.Optional(Ms),
  heartbeatTimeoutMs: Type.Optional(Ms),
  retryPolicy: Type.Optional(RetryPolicySchema),
  /** Ask the server to hand this activity straight back to the completing worker. */
  eager: Type.Optional(Type.Boolean()),
  header: Type.Optional(HeaderSchema),
  /** The activity's priority; without one it takes its workflow's (as in Temporal). */
  priority: Type.Optional(PrioritySchema),
  /** Temporal's activity `summary`, for people: a payload, kept on ActivityTaskScheduled. */
  userMetadata: Type.Optional(UserMetadataSchema),
});

export const RequestCancelActivityTaskCommand = Type.Object({
  type: Type.Literal('RequestCancelActivityTask'),
  seq: Seq,
});
export const StartTimerCommand = Type.Object({
  type: Type.Literal('StartTimer'),
  seq: Seq,
  startToFireTimeoutMs: Ms,
  /** Temporal's timer `summary`, for people: a payload, kept on TimerStarted. */
  userMetadata: Type.Optional(UserMetadataSchema),
});
export const CancelTimerCommand = Type.Object({ type: Type.Literal('CancelTimer'), seq: Seq });
export const CompleteWorkflowExecutionCommand = Type.Object({
  type: Type.Literal('CompleteWorkflowExecution'),
  result: Type.Optional(Payload),
});
export const FailWorkflowExecutionCommand = Type.Object({
  type: Type.Literal('FailWorkflowExecution'),
  failure: FailureSchema,
});
export const CancelWorkflowExecutionCommand = Type.Object({
  type: Type.Literal('CancelWorkflowExecution'),
  details: Type.Optional(Payload),
});

export const ParentClosePolicies = ['TERMINATE', 'ABANDON', 'REQUEST_CANCEL'] as const;
export type ParentClosePolicyName = (typeof ParentClosePolicies)[number];
const WorkflowIdReusePolicySchema = Type.Union([
  Type.Literal('ALLOW_DUPLICATE'),
  Type.Literal('ALLOW_DUPLICATE_FAILED_ONLY'),
  Type.Literal('REJECT_DUPLICATE'),
  Type.Literal('TERMINATE_IF_RUNNING'),
]);
const Name = Identifier;

export const StartChildWorkflowExecutionCommand = Type.Object({
  type: Type.Literal('StartChildWorkflowExecution'),
  seq: Seq,
  workflowId: Name,
  workflowType: Name,
  taskQueue: Name,
  input: Payloads,
  workflowExecutionTimeoutMs: Type.Optional(Ms),
  workflowRunTimeoutMs: Type.Optional(Ms),
  workflowTaskTimeoutMs: Type.Optional(Ms),
  retryPolicy: Type.Optional(RetryPolicySchema),
  parentClosePolicy: Type.Optional(
    Type.Union([Type.Literal('TERMINATE'), Type.Literal('ABANDON'), Type.Literal('REQUEST_CANCEL')]),
  ),
  workflowIdReusePolicy: Type.Optional(WorkflowIdReusePolicySchema),
  memo: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  searchAttributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  header: Type.Optional(HeaderSchema),
  /** Temporal's cron workflows (engine/cron.ts). */
  cronSchedule: Type.Optional(Type.String({ maxLength: 1000 })),
  /** The child's staticSummary and staticDetails (Temporal's user metadata). */
  userMetadata: Type.Optional(UserMetadataSchema),
  /** The child's priority; without one it inherits its parent's (as in Temporal). */
  priority: Type.Optional(PrioritySchema),
});

export const SignalExternalWorkflowExecutionCommand = Type.Object({
  type: Type.Literal('SignalExternalWorkflowExecution'),
  seq: Seq,
  workflowId: Name,
  runId: Type.Optional(Name),
  signalName: Name,
  input: Payloads,
  /** Only a child of this workflow may be signalled (a child handle's signal). */
  childWorkflowOnly: Type.Optional(Type.Boolean()),
  header: Type.Optional(HeaderSchema),
});

export const RequestCancelExternalWorkflowExecutionCommand = Type.Object({
  type: Type.Literal('RequestCancelExternalWorkflowExecution'),
  seq: Seq,
  workflowId: Name,
  runId: Type.Optional(Name),
  childWorkflowOnly: Type.Optional(Type.Boolean()),
});

export const ContinueAsNewWorkflowExecutionCommand = Type.Object({
  type: Type.Literal('ContinueAsNewWorkflowExecution'),
  workflowType: Name,
  taskQueue: Name,
  input: Payloads,
  workflowRunTimeoutMs: Type.Optional(Ms),
  workflowTaskTimeoutMs: Type.Optional(Ms),
  memo: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  searchAttributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  header: Type.Optional(HeaderSchema),
  /** The next run's first workflow task waits this long (Temporal's `backoffStartInterval`). */
  backoffStartIntervalMs: Type.Optional(Ms),
});

/**
 * Records a marker in history (`MarkerRecorded`): a patch (`patched()`, keyed by `details.patchId`) or a local
 * activity's outcome (`details.seq`, the activity's sequence number). See src/protocol/markers.ts.
 */
export const RecordMarkerCommand = Type.Object({
  type: Type.Literal('RecordMarker'),
  markerName: Name,
  details: Type.Record(Type.String(), Type.Unknown()),
  failure: Type.Optional(FailureSchema),
});

/** The workflow took an update its validator let through (the handler runs from here on). */
export const AcceptWorkflowUpdateCommand = Type.Object({
  type: Type.Literal('AcceptWorkflowUpdate'),
  updateId: Type.String({ minLength: 1, maxLength: 255, pattern: ID_PATTERN }),
});
/** The update handler finished: its result, or the failure the caller gets. */
export const CompleteWorkflowUpdateCommand = Type.Object({
  type: Type.Literal('CompleteWorkflowUpdate'),
  updateId: Type.String({ minLength: 1, maxLength: 255, pattern: ID_PATTERN }),
  result: Type.Optional(Payload),
  failure: Type.Optional(FailureSchema),
});

/**
 * Sets (or, with null or an empty list, removes) custom search attributes of the run
 * (`UpsertWorkflowSearchAttributes`); checked against the namespace's registry when the task completes.
 */
export const UpsertWorkflowSearchAttributesCommand = Type.Object({
  type: Type.Literal('UpsertWorkflowSearchAttributes'),
  searchAttributes: Type.Record(Type.String(), Type.Unknown()),
});

/**
 * Merges into the run's memo (`WorkflowPropertiesModified`, Temporal's `upsertMemo`): a key set to null removes
 * it. The values are payloads (a codec encodes them); null stays plain so the server sees the removal.
 */
export const ModifyWorkflowPropertiesCommand = Type.Object({
  type: Type.Literal('ModifyWorkflowProperties'),
  upsertedMemo: Type.Record(Type.String(), Type.Unknown()),
});

export const CommandSchema = Type.Union([
  ScheduleActivityTaskCommand,
  RequestCancelActivityTaskCommand,
  StartTimerCommand,
  CancelTimerCommand,
  CompleteWorkflowExecutionCommand,
  FailWorkflowExecutionCommand,
  CancelWorkflowExecutionCommand,
  StartChildWorkflowExecutionCommand,
  SignalExternalWorkflowExecutionCommand,
  RequestCancelExternalWorkflowExecutionCommand,
  ContinueAsNewWorkflowExecutionCommand,
  RecordMarkerCommand,
  AcceptWorkflowUpdateCommand,
  CompleteWorkflowUpdateCommand,
  UpsertWorkflowSearchAttributesCommand,
  ModifyWorkflowPropertiesCommand,
]);

export type Command = Static<typeof CommandSchema>;
export type CommandType = Command['type'];
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

export { TERMINAL_COMMANDS } from './terminal-commands.js';
