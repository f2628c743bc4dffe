/**
 * Commands: what a workflow task completion asks the server to do. Each command that the history records
 * carries a sequence number per kind (activity 1, 2, ...; timer 1, 2, ...); replay matches produced commands
 * to recorded events by kind, sequence and type.
 */
import { Type, type Static } from '@sinclair/typebox';
import { FailureSchema, Payload, Payloads, RetryPolicySchema } from './schema-common.js';

const Seq = Type.Integer({ minimum: 1 });
const Ms = Type.Integer({ minimum: 0 });

export const ActivityCancellationTypes = ['TRY_CANCEL', 'WAIT_CANCELLATION_COMPLETED', 'ABANDON'] as const;
export type ActivityCancellationTypeName = (typeof ActivityCancellationTypes)[number];

export const ScheduleActivityTaskCommand = Type.Object({
  type: Type.Literal('ScheduleActivityTask'),
  seq: Seq,
  activityId: Type.String({ minLength: 1, maxLength: 1000 }),
  activityType: Type.String({ minLength: 1, maxLength: 1000 }),
  taskQueue: Type.String({ minLength: 1, maxLength: 1000 }),
  input: Payloads,
  scheduleToCloseTimeoutMs: Type.Optional(Ms),
  scheduleToStartTimeoutMs: Type.Optional(Ms),
  startToCloseTimeoutMs: Type.Optional(Ms),
  heartbeatTimeoutMs: Type.Optional(Ms),
  retryPolicy: Type.Optional(RetryPolicySchema),
  /** Ask the server to hand this activity straight back to the completing worker. */
  eager: Type.Optional(Type.Boolean()),
});

export const RequestCancelActivityTaskCommand = Type.Object({
  type: Type.Literal('RequestCancelActivityTask'),
  seq: Seq,
});
export const StartTimerCommand = Type.Object({ type: Type.Literal('StartTimer'), seq: Seq, startToFireTimeoutMs: Ms });
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

export const CommandSchema = Type.Union([
  ScheduleActivityTaskCommand,
  RequestCancelActivityTaskCommand,
  StartTimerCommand,
  CancelTimerCommand,
  CompleteWorkflowExecutionCommand,
  FailWorkflowExecutionCommand,
  CancelWorkflowExecutionCommand,
]);

export type Command = Static<typeof CommandSchema>;
export type CommandType = Command['type'];
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

export const TERMINAL_COMMANDS: ReadonlySet<CommandType> = new Set<CommandType>([
  'CompleteWorkflowExecution',
  'FailWorkflowExecution',
  'CancelWorkflowExecution',
]);
