/**
 * What every request passes before its handler, over HTTP and in process alike: with API keys on, the key is
 * checked first (401, before the request is even validated), then the role and the namespace (403: before
 * whether the namespace exists, so a key learns nothing of namespaces it may not use), then the namespace must
 * exist (404 NAMESPACE_NOT_FOUND). The in-process transport (testing) has no keys: only the namespace check.
 */
import type { ServerContext } from '../context.js';
import { authorize, ROLES_WITH } from '../tenancy/access.js';
import type { Caller } from '../tenancy/callers.js';
import type { Operation } from './operations.js';

/** Operations on the namespace record itself: they answer for a namespace being deleted too. */
const ON_NAMESPACE_RECORD = new Set(['describeNamespace', 'updateNamespace', 'deleteNamespace']);

/** Requests that record who asked in the history: with API keys, that is the key's name, whatever the body says. */
const RECORDS_CALLER = new Set([
  'startWorkflow',
  'signalWorkflow',
  'signalWithStart',
  'updateWorkflow',
  'updateWithStart',
  'cancelWorkflow',
  'terminateWorkflow',
]);

/**
 * The namespace check: synchronous when this server knows the namespace (no extra turn for most requests), a
 * promise when it must read the store again (made on another server a moment ago?).
 */
export function admitOpen(ctx: ServerContext, op: Operation, params: Record<string, unknown>): void | Promise<unknown> {
  const namespace = params['namespace'] as string | undefined;
  if (namespace === undefined || ON_NAMESPACE_RECORD.has(op.id) || ctx.namespaces.usable(namespace)) return;
  return ctx.namespaces.requireFresh(namespace);
}

/** With API keys: the authenticated caller authorised for the operation, and the namespace checked. */
export function admit(
  ctx: ServerContext,
  op: Operation,
  params: Record<string, unknown>,
  caller: Caller,
): void | Promise<unknown> {
  const namespace = op.global ? undefined : (params['namespace'] as string | undefined);
  authorize(caller, op.access, namespace, `call ${op.id}`);
  return admitOpen(ctx, op, params);
}

/**
 * The body as the caller may send it: the identity recorded in history is the key's name, and a caller whose
 * role may not run workflow tasks does not get one back eagerly from a start.
 */
export function stampCaller(op: Operation, caller: Caller, body: unknown): unknown {
  if (op.id === 'startWorkflows' && typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const starts = (body as { starts?: unknown }).starts;
    if (!Array.isArray(starts)) return body;
    return {
      ...(body as Record<string, unknown>),
      starts: starts.map((s: unknown) =>
        typeof s === 'object' && s !== null && !Array.isArray(s) ? { ...s, identity: caller.name } : s,
      ),
    };
  }
  if (!RECORDS_CALLER.has(op.id) || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>), identity: caller.name };
  if (!ROLES_WITH.work.includes(caller.role)) delete out['eagerWorkflowTask'];
  return out;
}
