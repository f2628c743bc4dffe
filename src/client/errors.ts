/** Errors of the client API. Server errors carry the API's stable code. */
import { WeftFailure } from '../common/failure.js';

/** The server answered with an error (`code` is the API's stable error code). */
export class ServiceError extends WeftFailure {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** The server could not be reached (refused, reset, timed out). Retryable. */
export class ConnectionError extends WeftFailure {
  constructor(message: string, cause?: Error) {
    super(message, cause);
    this.name = 'ConnectionError';
  }
}

export class WorkflowNotFoundError extends ServiceError {
  constructor(
    message: string,
    readonly workflowId: string,
    readonly runId: string | undefined,
  ) {
    super(message, 'WORKFLOW_NOT_FOUND', 404);
    this.name = 'WorkflowNotFoundError';
  }
}

export class WorkflowExecutionAlreadyStartedError extends ServiceError {
  constructor(
    message: string,
    readonly workflowId: string,
    readonly workflowType: string,
  ) {
    super(message, 'WORKFLOW_ALREADY_STARTED', 409);
    this.name = 'WorkflowExecutionAlreadyStartedError';
  }
}

export class QueryNotRegisteredError extends ServiceError {
  constructor(message: string) {
    super(message, 'QUERY_NOT_REGISTERED', 400);
    this.name = 'QueryNotRegisteredError';
  }
}

export class WorkflowUpdateFailedError extends WeftFailure {
  constructor(message: string, cause?: Error) {
    super(message, cause);
    this.name = 'WorkflowUpdateFailedError';
  }
}

export class ScheduleAlreadyRunning extends ServiceError {
  constructor(
    message: string,
    readonly scheduleId: string,
  ) {
    super(message, 'SCHEDULE_ALREADY_EXISTS', 409);
    this.name = 'ScheduleAlreadyRunning';
  }
}
