/**
 * A client's `identity` (Temporal's `ClientOptions.identity`): written into the requests whose history event
 * records who asked (start, signal, signal-with-start, update, update-with-start, cancel, terminate), unless the
 * request names one itself. Without it the connection's identity header (if any) is used, as before.
 */
import type { OperationId } from '../protocol/routes.js';
import type { CallOptions, CallRequest, Transport } from './transport.js';

const WITH_IDENTITY: ReadonlySet<OperationId> = new Set<OperationId>([
  'startWorkflow',
  'signalWorkflow',
  'signalWithStart',
  'updateWorkflow',
  'cancelWorkflow',
  'terminateWorkflow',
]);

type Body = Record<string, unknown>;
const isBody = (v: unknown): v is Body => typeof v === 'object' && v !== null && !Array.isArray(v);
const stamp = (body: Body, identity: string): Body => (body.identity === undefined ? { ...body, identity } : body);

class IdentityTransport implements Transport {
  constructor(
    private readonly inner: Transport,
    private readonly identity: string,
  ) {}

  call<T>(op: OperationId, req: CallRequest, opts?: CallOptions): Promise<T> {
    const body = req.body;
    if (!isBody(body)) return this.inner.call<T>(op, req, opts);
    if (WITH_IDENTITY.has(op)) return this.inner.call<T>(op, { ...req, body: stamp(body, this.identity) }, opts);
    if (op === 'updateWithStart' && isBody(body.start) && isBody(body.update)) {
      const stamped = { ...body, start: stamp(body.start, this.identity), update: stamp(body.update, this.identity) };
      return this.inner.call<T>(op, { ...req, body: stamped }, opts);
    }
    return this.inner.call<T>(op, req, opts);
  }

  health(): Promise<{ status: string; store?: string }> {
    return this.inner.health();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** One wrapper per transport and identity, so clients that share both share result waiters too. */
const shared = new WeakMap<Transport, Map<string, Transport>>();

/** `transport` itself without an identity, else one that stamps it on the requests above. */
export function identityTransport(transport: Transport, identity: string | undefined): Transport {
  if (identity === undefined) return transport;
  let byIdentity = shared.get(transport);
  if (!byIdentity) shared.set(transport, (byIdentity = new Map()));
  let t = byIdentity.get(identity);
  if (!t) byIdentity.set(identity, (t = new IdentityTransport(transport, identity)));
  return t;
}
