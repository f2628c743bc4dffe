/** Request and response shapes of the monitoring API (stuck workflows). */
import { Type } from '@sinclair/typebox';
import type { WorkflowExecutionInfo } from './api.js';

export const StuckWorkflowsQuery = Type.Object({
  /** No progress for longer than this (a duration: ms or '10m'); default: the server's stuckAfterMs. */
  olderThan: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

/** A running execution with no progress for a while: its summary, and when it last wrote an event (ISO 8601). */
export type StuckWorkflow = Omit<WorkflowExecutionInfo, 'closeTime' | 'historyLength'> & {
  lastProgressTime: string;
  /** False when no live worker of its task queue serves its workflow type: it waits for one. */
  typeServed: boolean;
};

export interface StuckWorkflowsResponse {
  executions: StuckWorkflow[];
}

/** Running workflow types (per task queue) that no live worker serves: their runs wait for one. */
export interface UnservedWorkflowTypesResponse {
  types: Array<{ workflowType: string; taskQueue: string; running: number }>;
}
