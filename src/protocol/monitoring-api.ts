/** Request and response shapes of the monitoring API (stuck workflows). */
import { Type } from '@sinclair/typebox';
import type { ExecutionStatus } from './status.js';

export const StuckWorkflowsQuery = Type.Object({
  /** No progress for longer than this (a duration: ms or '10m'); default: the server's stuckAfterMs. */
  olderThan: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

export interface StuckWorkflow {
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  status: ExecutionStatus;
  /** ISO 8601 */
  startTime: string;
  /** ISO 8601: when the run last wrote an event. */
  lastProgressTime: string;
}

export interface StuckWorkflowsResponse {
  executions: StuckWorkflow[];
}
