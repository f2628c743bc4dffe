/**
 * Asynchronous activity completion (Temporal's AsyncCompletionClient): an activity that threw
 * CompleteAsyncError is finished later, from anywhere, by its task token or by its workflow and activity ids.
 */
import { Type, type Static } from '@sinclair/typebox';
import { FailureSchema, Identifier, Payload } from './schema-common.js';

/** Which activity: its task token, or `workflowId` + `activityId` (+ `runId`, else the workflow's current run). */
const Target = {
  taskToken: Type.Optional(Identifier),
  workflowId: Type.Optional(Identifier),
  runId: Type.Optional(Identifier),
  activityId: Type.Optional(Identifier),
  /** Who finishes it (recorded in the server's log; the history keeps the worker that started the attempt). */
  identity: Type.Optional(Identifier),
};

export const CompleteActivityRequestSchema = Type.Object({ ...Target, result: Type.Optional(Payload) });
export const FailActivityRequestSchema = Type.Object({ ...Target, failure: FailureSchema });
export const ReportActivityCancellationRequestSchema = Type.Object({ ...Target, details: Type.Optional(Payload) });
export const HeartbeatActivityByIdRequestSchema = Type.Object({ ...Target, details: Type.Optional(Payload) });

export type AsyncActivityTarget = Pick<
  Static<typeof CompleteActivityRequestSchema>,
  'taskToken' | 'workflowId' | 'runId' | 'activityId' | 'identity'
>;
export type CompleteActivityRequest = Static<typeof CompleteActivityRequestSchema>;
export type FailActivityRequest = Static<typeof FailActivityRequestSchema>;
export type ReportActivityCancellationRequest = Static<typeof ReportActivityCancellationRequestSchema>;
export type HeartbeatActivityByIdRequest = Static<typeof HeartbeatActivityByIdRequestSchema>;
