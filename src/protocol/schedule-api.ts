/** The schedule operations of the HTTP API: request schemas and response shapes. */
import { Type, type Static } from '@sinclair/typebox';
import {
  DurationInput,
  Identifier,
  Payloads,
  PrioritySchema,
  RetryPolicySchema,
  UserMetadataSchema,
} from './schema-common.js';
import type { ExecutionStatus } from './status.js';

export const ScheduleParams = Type.Object({
  namespace: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$' }),
  scheduleId: Identifier,
});

/** The spec is checked by the server's spec parser, which names the bad field (spec.cronExpressions[0], ...). */
const SpecSchema = Type.Record(Type.String(), Type.Unknown(), {
  description: 'cronExpressions, intervals [{ every, offset }], calendars, startAt, endAt, jitter, timezone',
});

export const ScheduleActionSchema = Type.Object(
  {
    type: Type.Optional(Type.Literal('startWorkflow')),
    workflowType: Identifier,
    taskQueue: Identifier,
    args: Type.Optional(Payloads),
    /** Prefix of the started workflows' ids (default: the schedule id); each is `<prefix>-<nominal time>`. */
    workflowId: Type.Optional(Identifier),
    workflowExecutionTimeout: Type.Optional(DurationInput),
    workflowRunTimeout: Type.Optional(DurationInput),
    workflowTaskTimeout: Type.Optional(DurationInput),
    retry: Type.Optional(RetryPolicySchema),
    memo: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    searchAttributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Each started workflow's staticSummary and staticDetails (Temporal's user metadata). */
    userMetadata: Type.Optional(UserMetadataSchema),
    /** Each started workflow's priority. */
    priority: Type.Optional(PrioritySchema),
  },
  { additionalProperties: false },
);

export const SchedulePoliciesSchema = Type.Object(
  {
    /** SKIP (default), BUFFER_ONE, BUFFER_ALL, CANCEL_OTHER, TERMINATE_OTHER, ALLOW_ALL. */
    overlap: Type.Optional(Type.String()),
    /** Default one year. */
    catchupWindow: Type.Optional(DurationInput),
    pauseOnFailure: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ScheduleStateSchema = Type.Object(
  {
    paused: Type.Optional(Type.Boolean()),
    note: Type.Optional(Type.String({ maxLength: 10_000 })),
    /** Take only this many more actions (from the spec). */
    remainingActions: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const BackfillRangeSchema = Type.Object(
  {
    start: Type.Union([Type.String(), Type.Number()]),
    end: Type.Union([Type.String(), Type.Number()]),
    overlap: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** At create, the state may also ask for a first action at once and backfills (Temporal's initial patch). */
export const CreateScheduleStateSchema = Type.Object(
  {
    ...ScheduleStateSchema.properties,
    triggerImmediately: Type.Optional(Type.Boolean()),
    backfill: Type.Optional(Type.Array(BackfillRangeSchema, { maxItems: 100 })),
  },
  { additionalProperties: false },
);

export const CreateScheduleRequestSchema = Type.Object(
  {
    scheduleId: Identifier,
    spec: SpecSchema,
    action: ScheduleActionSchema,
    policies: Type.Optional(SchedulePoliciesSchema),
    state: Type.Optional(CreateScheduleStateSchema),
    /** The schedule's own memo (not the started workflows': that is the action's); set at create only. */
    memo: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type CreateScheduleRequest = Static<typeof CreateScheduleRequestSchema>;

export const UpdateScheduleRequestSchema = Type.Object(
  {
    spec: SpecSchema,
    action: ScheduleActionSchema,
    policies: Type.Optional(SchedulePoliciesSchema),
    state: Type.Optional(ScheduleStateSchema),
    /** The `conflictToken` of the describe the update is based on: a schedule changed since answers 409 CONFLICT. */
    conflictToken: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type UpdateScheduleRequest = Static<typeof UpdateScheduleRequestSchema>;

export const NoteRequestSchema = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 10_000 })) },
  { additionalProperties: false },
);
export const TriggerRequestSchema = Type.Object(
  { overlap: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export const BackfillRequestSchema = Type.Object(
  {
    backfills: Type.Array(BackfillRangeSchema, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
);
export type BackfillRequest = Static<typeof BackfillRequestSchema>;

export const ListSchedulesQuery = Type.Object({
  /** A visibility query over ScheduleId, WorkflowType, TaskQueue and TemporalSchedulePaused (src/schedules/schedule-query.ts). */
  query: Type.Optional(Type.String({ maxLength: 10_000 })),
  pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  nextPageToken: Type.Optional(Type.String({ maxLength: 2000 })),
});

export interface ScheduleActionResult {
  scheduledAt: string;
  takenAt: string;
  workflowId: string;
  runId: string;
  status: ExecutionStatus;
}

export interface ScheduleDescription {
  scheduleId: string;
  spec: Record<string, unknown>;
  specDescription: string;
  action: Record<string, unknown>;
  policies: { overlap: string; catchupWindowMs: number; pauseOnFailure: boolean };
  state: { paused: boolean; note?: string; limitedActions: boolean; remainingActions: number };
  memo?: Record<string, unknown>;
  info: {
    /** The next ten action times. */
    nextActionTimes: string[];
    recentActions: ScheduleActionResult[];
    runningWorkflows: Array<{ workflowId: string; runId: string }>;
    numActions: number;
    numActionsMissedCatchupWindow: number;
    numActionsSkippedOverlap: number;
    numActionsRefused: number;
    bufferDropped: number;
    bufferSize: number;
    createdAt: string;
    lastUpdatedAt: string;
  };
  conflictToken: string;
}

export interface ScheduleSummary {
  scheduleId: string;
  paused: boolean;
  note?: string;
  memo?: Record<string, unknown>;
  workflowType: string;
  specDescription: string;
  nextActionTime?: string;
  recentActions: ScheduleActionResult[];
}

export interface ListSchedulesResponse {
  schedules: ScheduleSummary[];
  nextPageToken?: string;
}
