/** Errors of the client API. Server errors carry the API's stable code. */
import { WeftFailure, brand } from '../common/failure.js';

/** The server answered with an error (`code` is the API's stable error code). */
export class ServiceError extends WeftFailure {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * The server could not be reached (refused, reset, timed out): retryable. Not `retryable` when trying again
 * cannot help: the server's TLS certificate does not verify, or the server does not speak TLS.
 */
export class ConnectionError extends WeftFailure {
  constructor(
    message: string,
    cause?: Error,
    readonly retryable = true,
  ) {
    super(message, cause);
  }
}

/**
 * Worth trying again: the server could not be reached, or it answered 503 (its store is unavailable for now,
 * as Temporal's UNAVAILABLE). Only for calls that are safe to repeat.
 */
export function isTransient(e: unknown): boolean {
  return (e instanceof ConnectionError && e.retryable) || (e instanceof ServiceError && e.status === 503);
}

/**
 * The workflow (or its run) does not exist, or, as in Temporal, has closed for a call that needs it running
 * (signal, update, cancel, terminate): then `code` stays the server's `WORKFLOW_NOT_RUNNING` (409).
 */
export class WorkflowNotFoundError extends ServiceError {
  constructor(
    message: string,
    readonly workflowId: string,
    readonly runId: string | undefined,
    code: 'WORKFLOW_NOT_FOUND' | 'WORKFLOW_NOT_RUNNING' = 'WORKFLOW_NOT_FOUND',
  ) {
    super(message, code, code === 'WORKFLOW_NOT_FOUND' ? 404 : 409);
  }
}

export class WorkflowExecutionAlreadyStartedError extends ServiceError {
  constructor(
    message: string,
    readonly workflowId: string,
    readonly workflowType: string,
  ) {
    super(message, 'WORKFLOW_ALREADY_STARTED', 409);
  }
}

export class QueryNotRegisteredError extends ServiceError {
  constructor(message: string) {
    super(message, 'QUERY_NOT_REGISTERED', 400);
  }
}

/**
 * The query was not asked: the client's `queryRejectCondition` held for the run (Temporal's). `status` is the
 * run's status as Temporal's `WorkflowExecutionStatus` number.
 */
export class QueryRejectedError extends WeftFailure {
  constructor(readonly status: number) {
    super('Query rejected');
  }
}

/** Temporal's query reject conditions (`Client({ workflow: { queryRejectCondition } })`), with its older names. */
export const QueryRejectCondition = {
  NONE: 'NONE',
  NOT_OPEN: 'NOT_OPEN',
  NOT_COMPLETED_CLEANLY: 'NOT_COMPLETED_CLEANLY',
  QUERY_REJECT_CONDITION_NONE: 'NONE',
  QUERY_REJECT_CONDITION_NOT_OPEN: 'NOT_OPEN',
  QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY: 'NOT_COMPLETED_CLEANLY',
  QUERY_REJECT_CONDITION_UNSPECIFIED: undefined,
} as const;
export type QueryRejectCondition = (typeof QueryRejectCondition)[keyof typeof QueryRejectCondition];

export class WorkflowUpdateFailedError extends WeftFailure {
  constructor(message: string, cause?: Error) {
    super(message, cause);
  }
}

/** result() with `followRuns: false` of a run that continued as new (Temporal's): names the next run. */
export class WorkflowContinuedAsNewError extends Error {
  constructor(
    message: string,
    readonly newExecutionRunId: string,
  ) {
    super(message);
  }
}

export class ScheduleAlreadyRunning extends ServiceError {
  constructor(
    message: string,
    readonly scheduleId: string,
  ) {
    super(message, 'SCHEDULE_ALREADY_EXISTS', 409);
  }
}
/** The schedule is not known to the server (no such id, or deleted), as Temporal's; thrown by a ScheduleHandle. */
export class ScheduleNotFoundError extends ServiceError {
  constructor(
    message: string,
    readonly scheduleId: string,
  ) {
    super(message, 'SCHEDULE_NOT_FOUND', 404);
  }
}
brand(ServiceError, 'ServiceError');
brand(ScheduleNotFoundError, 'ScheduleNotFoundError');
brand(QueryRejectedError, 'QueryRejectedError');
brand(ConnectionError, 'ConnectionError');
brand(WorkflowNotFoundError, 'WorkflowNotFoundError');
brand(WorkflowExecutionAlreadyStartedError, 'WorkflowExecutionAlreadyStartedError');
brand(QueryNotRegisteredError, 'QueryNotRegisteredError');
brand(WorkflowUpdateFailedError, 'WorkflowUpdateFailedError');
brand(ScheduleAlreadyRunning, 'ScheduleAlreadyRunning');
brand(WorkflowContinuedAsNewError, 'WorkflowContinuedAsNewError');

/** Whether a call failed because its `withDeadline` deadline passed (Temporal's `isGrpcDeadlineError`). */
export function isGrpcDeadlineError(e: unknown): boolean {
  return e instanceof ServiceError && e.code === 'DEADLINE_EXCEEDED';
}

/** Whether a call failed because its `withAbortSignal` signal aborted (Temporal's `isGrpcCancelledError`). */
export function isGrpcCancelledError(e: unknown): boolean {
  return e instanceof ServiceError && e.code === 'CANCELLED';
}

/** The ServiceError an error answer's status and body describe. */
export function toServiceError(status: number, data: unknown): ServiceError {
  const e = (data as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)
    ?.error;
  return new ServiceError(e?.message ?? `HTTP ${status}`, e?.code ?? 'UNKNOWN', status, e?.details);
}
