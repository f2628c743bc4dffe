/**
 * Errors the API answers with: a stable code the caller can branch on, an HTTP status, a message for people.
 * Codes are grouped by what the caller should do: fix the request (4xx) or retry later (503).
 */
export type ApiErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_JSON'
  | 'INVALID_DURATION'
  | 'INVALID_QUERY'
  | 'PAYLOAD_TOO_LARGE'
  | 'LIMIT_EXCEEDED'
  | 'HEADERS_TOO_LARGE'
  | 'EXPECTATION_FAILED'
  | 'REQUEST_TIMEOUT'
  | 'UNKNOWN_WORKFLOW_TYPE'
  | 'NOT_FOUND'
  | 'WORKFLOW_NOT_FOUND'
  | 'TASK_NOT_FOUND'
  | 'WORKFLOW_ALREADY_STARTED'
  | 'WORKFLOW_NOT_RUNNING'
  | 'CONFLICT'
  | 'QUERY_NOT_REGISTERED'
  | 'QUERY_FAILED'
  | 'QUERY_TIMEOUT'
  | 'NO_WORKERS'
  | 'UPDATE_NOT_FOUND'
  | 'SCHEDULE_NOT_FOUND'
  | 'SCHEDULE_ALREADY_EXISTS'
  | 'INVALID_SEARCH_ATTRIBUTE'
  | 'SEARCH_ATTRIBUTE_ALREADY_EXISTS'
  | 'NAMESPACE_NOT_FOUND'
  | 'NAMESPACE_ALREADY_EXISTS'
  | 'NAMESPACE_NOT_EMPTY'
  | 'API_KEY_NOT_FOUND'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'UNAVAILABLE'
  | 'STORE_UNAVAILABLE'
  | 'SHUTTING_DOWN'
  | 'INTERNAL';

const STATUS: Record<ApiErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  INVALID_JSON: 400,
  INVALID_DURATION: 400,
  INVALID_QUERY: 400,
  PAYLOAD_TOO_LARGE: 413,
  LIMIT_EXCEEDED: 400,
  HEADERS_TOO_LARGE: 431,
  EXPECTATION_FAILED: 417,
  REQUEST_TIMEOUT: 408,
  UNKNOWN_WORKFLOW_TYPE: 400,
  NOT_FOUND: 404,
  WORKFLOW_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  WORKFLOW_ALREADY_STARTED: 409,
  WORKFLOW_NOT_RUNNING: 409,
  CONFLICT: 409,
  QUERY_NOT_REGISTERED: 400,
  QUERY_FAILED: 400,
  QUERY_TIMEOUT: 503,
  NO_WORKERS: 400,
  UPDATE_NOT_FOUND: 404,
  SCHEDULE_NOT_FOUND: 404,
  SCHEDULE_ALREADY_EXISTS: 409,
  INVALID_SEARCH_ATTRIBUTE: 400,
  SEARCH_ATTRIBUTE_ALREADY_EXISTS: 409,
  NAMESPACE_NOT_FOUND: 404,
  NAMESPACE_ALREADY_EXISTS: 409,
  NAMESPACE_NOT_EMPTY: 409,
  API_KEY_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
};

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = STATUS[code];
  }
  toJSON(): { error: { code: string; message: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
