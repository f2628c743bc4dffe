/**
 * A Transport that calls the server's operations in the same process: same validation, same handlers, same
 * errors as over HTTP, without sockets. Values cross as JSON copies, as they would over the wire. Used by the
 * testing environment (`env.nativeConnection`) and the in-process benchmark mode.
 */
import { ApiError } from '../../common/api-error.js';
import type { CallOptions, CallRequest, Transport } from '../../client/transport.js';
import { withReconnect } from '../../client/transport.js';
import { ServiceError } from '../../client/errors.js';
import type { OperationId } from '../../protocol/routes.js';
import type { ServerContext } from '../context.js';
import { operationById } from './operations.js';
import { NEVER_ABORTED } from './serve-operation.js';
import { validate } from './validate.js';
import { toApiError } from './api-errors.js';
import { admitOpen } from './admission.js';
import { checkJsonDepth } from '../json-depth.js';

function copy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function definedEntries(q: CallRequest['query']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(q ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

export class InProcessTransport implements Transport {
  constructor(private readonly ctx: ServerContext) {}

  call<T>(op: OperationId, req: CallRequest, opts: CallOptions = {}): Promise<T> {
    return withReconnect(op, () => this.once<T>(op, req, opts.signal), opts);
  }

  private async once<T>(op: OperationId, req: CallRequest, signal?: AbortSignal): Promise<T> {
    const operation = operationById.get(op);
    if (!operation) throw new ServiceError(`no operation ${op}`, 'NOT_FOUND', 404);
    try {
      if (this.ctx.shutdown.signal.aborted) throw new ApiError('SHUTTING_DOWN', 'the server is stopping');
      const params = validate(operation.params, { ...req.params }, 'params', true) as Record<string, unknown>;
      const query = validate(operation.query, definedEntries(req.query), 'query', true) as Record<string, unknown>;
      // before copy() stringifies it
      checkJsonDepth(req.body, 'body', this.ctx.config.maxJsonDepth + (operation.envelopeDepth ?? 0));
      const body = validate(operation.body, copy(req.body), 'body');
      await admitOpen(this.ctx, operation, params); // in process: no API keys
      const result = await operation.handler(this.ctx, { params, query, body, signal: signal ?? NEVER_ABORTED });
      return copy(result) as T;
    } catch (e) {
      const api = toApiError(e);
      if (api) throw new ServiceError(api.message, api.code, api.status, api.details);
      throw e;
    }
  }

  async health(): Promise<{ status: string; store?: string }> {
    await this.ctx.store.ping();
    return { status: 'ok', store: this.ctx.store.dialect };
  }

  async close(): Promise<void> {}
}
