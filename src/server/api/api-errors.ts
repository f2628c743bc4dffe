/**
 * Every error a request can end in, as the API's error (code, status, message): our own, a lost race, and
 * Fastify's (bad JSON, body too large, a bad URL). Undefined: a bug, answered 500 and logged.
 */
import type { FastifyError } from 'fastify';
import { ApiError } from '../../common/api-error.js';
import { InvalidDurationError } from '../../common/duration.js';
import { StoreConflictError, StoreUnavailableError } from '../../store/store.js';

/** Fastify's own errors (bad JSON, body too large, unknown route) in the API's error shape. */
export function toApiError(e: unknown): ApiError | undefined {
  if (e instanceof ApiError) return e;
  // a change that lost a race more often than its operation retries: the caller may try again
  if (e instanceof StoreConflictError)
    return new ApiError('CONFLICT', `the change raced another change and was not applied; try again (${e.message})`);
  // the database is down or full: nothing was committed, the caller may try again later
  if (e instanceof StoreUnavailableError)
    return new ApiError('STORE_UNAVAILABLE', `the store is unavailable; try again later (${e.message})`);
  // a duration a service read without its own handling: still the caller's mistake
  if (e instanceof InvalidDurationError) return new ApiError('INVALID_DURATION', e.message, { field: e.field });
  const fe = e as FastifyError;
  if (typeof fe?.code !== 'string') {
    if (fe?.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500)
      return new ApiError('INVALID_ARGUMENT', fe.message);
    return undefined;
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PAYLOAD_TOO_LARGE', 'request body is over the size limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('INVALID_ARGUMENT', 'send JSON with content-type: application/json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('INVALID_JSON', 'the request body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('INVALID_JSON', fe.message);
    default:
      if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500)
        return new ApiError('INVALID_ARGUMENT', fe.message);
      return undefined;
  }
}
