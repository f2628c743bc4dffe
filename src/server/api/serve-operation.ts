/**
 * One operation served from its raw parts, the same way whichever way it came (an HTTP route or a frame of the
 * streaming channel): the API key first (with keys on), then the path parameters, the role and namespace, the
 * query and the body, then the handler; errors become the API's (code, status, body).
 */
import { setMaxListeners } from 'node:events';
import { ApiError } from '../../common/api-error.js';
import type { ServerContext } from '../context.js';
import type { Operation } from './operations.js';
import { validate, validateBody } from './validate.js';
import { admit, admitOpen, stampCaller } from './admission.js';
import { toApiError } from './api-errors.js';

/** The signal of a call that nothing ends early (every operation but a long poll), shared by every such call. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;
setMaxListeners(0, NEVER_ABORTED);

export interface RawOperationRequest {
  /** The Authorization header's value (checked when the server requires API keys). */
  authorization: string | undefined;
  /** x-weft-identity: who asked, when the server has no API keys (with keys, the key's name). */
  identity: string | undefined;
  params: unknown;
  query: unknown;
  body: unknown;
  signal: AbortSignal;
}

export async function serveOperation(ctx: ServerContext, op: Operation, req: RawOperationRequest): Promise<unknown> {
  // with API keys, the key first: a caller without one learns nothing, not even what is malformed
  const caller = ctx.callers ? await ctx.callers.authenticate(req.authorization) : undefined;
  const params = validate(op.params, req.params, 'params', true) as Record<string, unknown>;
  const admitted = caller ? admit(ctx, op, params, caller) : admitOpen(ctx, op, params);
  if (admitted) await admitted;
  const query = validate(op.query, req.query ?? {}, 'query', true) as Record<string, unknown>;
  const body = validateBody(op.body, req.body, ctx.config.maxJsonDepth + (op.envelopeDepth ?? 0));
  const signal = req.signal;
  if (!caller) {
    const identity = req.identity;
    return op.handler(ctx, { params, query, body, signal, ...(identity !== undefined ? { identity } : {}) });
  }
  if (op.access === 'write' || op.access === 'admin')
    ctx.log.info({ apiKey: caller.name, role: caller.role, op: op.id, ...params }, 'request');
  return op.handler(ctx, {
    params,
    query,
    body: stampCaller(op, caller, body),
    signal,
    identity: caller.name,
    caller,
  });
}

/** An operation's failure as the API answers it: the API's error, or 500 INTERNAL for a bug (logged). */
export function failureAnswer(
  ctx: ServerContext,
  err: unknown,
  where: Record<string, unknown>,
  storeOutage: (message: string) => void,
): ApiError {
  const api = toApiError(err);
  if (api?.code === 'STORE_UNAVAILABLE') storeOutage(api.message);
  if (api) return api;
  ctx.log.error({ err, ...where }, 'request failed');
  return new ApiError('INTERNAL', 'internal error (see the server log)');
}

/** Logs requests refused because the store is unavailable: the first at once, then at most one line per 5 s. */
export function outageLog(log: ServerContext['log']): (message: string) => void {
  let last = 0;
  let suppressed = 0;
  return (message) => {
    const now = Date.now();
    if (now - last < 5000) {
      suppressed++;
      return;
    }
    log.warn({ refusedSinceLast: suppressed }, `requests answered 503 STORE_UNAVAILABLE: ${message}`);
    last = now;
    suppressed = 0;
  };
}
