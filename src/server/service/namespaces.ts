/**
 * Namespaces: create, describe, update, list, delete (docs/security.md). A namespace scopes every workflow,
 * schedule, task queue and worker; `default` exists from the start and cannot be deleted. Deleting one is refused
 * while it has running workflows or schedules; once deleted it answers NAMESPACE_NOT_FOUND everywhere, the
 * retention sweeper removes its closed runs, and then its record, which frees the name.
 */
import { ApiError } from '../../common/api-error.js';
import { optionalMs } from '../../common/duration.js';
import type {
  CreateNamespaceRequest,
  ListNamespacesResponse,
  NamespaceDescription,
  UpdateNamespaceRequest,
} from '../../protocol/tenancy-api.js';
import { parseQuery } from '../../visibility/query-parser.js';
import type { ServerContext } from '../context.js';
import { mayUseNamespace } from '../tenancy/access.js';
import type { Caller } from '../tenancy/callers.js';
import { DEFAULT_NAMESPACE, type NamespaceRecord, type RegisteredNamespace } from '../tenancy/namespace-registry.js';

const RUNNING = parseQuery("ExecutionStatus = 'Running'");

export function describeNamespaceRecord(ctx: ServerContext, ns: RegisteredNamespace): NamespaceDescription {
  return {
    name: ns.name,
    description: ns.description,
    state: ns.state,
    retentionMs: ns.retentionMs ?? ctx.config.retentionMs,
    retentionIsServerDefault: ns.retentionMs === null,
    limits: ns.limits,
    createdAt: new Date(ns.createdAt).toISOString(),
    updatedAt: new Date(ns.updatedAt).toISOString(),
  };
}

function found(ctx: ServerContext, name: string): RegisteredNamespace {
  const ns = ctx.namespaces.get(name);
  if (!ns) throw new ApiError('NAMESPACE_NOT_FOUND', `namespace ${JSON.stringify(name)} does not exist`);
  return ns;
}

export async function createNamespace(ctx: ServerContext, req: CreateNamespaceRequest): Promise<NamespaceDescription> {
  const now = ctx.clock.now();
  const rec: NamespaceRecord = {
    name: req.name,
    description: req.description ?? '',
    state: 'Registered',
    retentionMs: optionalMs(req.retention, 'retention') ?? null,
    limits: req.limits ?? {},
    createdAt: now,
  };
  const existing = ctx.namespaces.get(req.name);
  if (existing)
    throw new ApiError(
      'NAMESPACE_ALREADY_EXISTS',
      existing.state === 'Deleted'
        ? `namespace ${JSON.stringify(req.name)} is being deleted; its name is free once its runs are gone`
        : `namespace ${JSON.stringify(req.name)} already exists`,
    );
  await ctx.namespaces.write(req.name, 0, rec, now);
  ctx.log.info({ namespace: req.name }, 'namespace created');
  return describeNamespaceRecord(ctx, found(ctx, req.name));
}

/** Creates `name` unless it exists (a server's start-up list; a race with another server is no error). */
export async function ensureNamespace(ctx: ServerContext, name: string): Promise<void> {
  if (ctx.namespaces.get(name)) return;
  await createNamespace(ctx, { name }).catch((e: unknown) => {
    if ((e as { code?: string }).code !== 'NAMESPACE_ALREADY_EXISTS') throw e;
  });
}

export function describeNamespace(ctx: ServerContext, name: string): NamespaceDescription {
  return describeNamespaceRecord(ctx, found(ctx, name));
}

/** Every namespace the caller may use (all, without auth), by name. */
export function listNamespaces(ctx: ServerContext, caller: Caller | undefined): ListNamespacesResponse {
  const all = ctx.namespaces.list().filter((ns) => !caller || mayUseNamespace(caller, ns.name));
  all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { namespaces: all.map((ns) => describeNamespaceRecord(ctx, ns)) };
}

export async function updateNamespace(
  ctx: ServerContext,
  name: string,
  req: UpdateNamespaceRequest,
): Promise<NamespaceDescription> {
  const ns = found(ctx, name);
  if (ns.state !== 'Registered') throw new ApiError('NAMESPACE_NOT_FOUND', `namespace ${name} is being deleted`);
  const { version, updatedAt: _u, ...body } = ns;
  const next: NamespaceRecord = {
    ...body,
    ...(req.description !== undefined ? { description: req.description } : {}),
    ...(req.retention !== undefined ? { retentionMs: optionalMs(req.retention, 'retention') ?? null } : {}),
    ...(req.limits !== undefined ? { limits: req.limits } : {}),
  };
  await ctx.namespaces.write(name, version, next, ctx.clock.now());
  ctx.log.info({ namespace: name }, 'namespace updated');
  return describeNamespaceRecord(ctx, found(ctx, name));
}

export async function deleteNamespace(ctx: ServerContext, name: string): Promise<NamespaceDescription> {
  const ns = found(ctx, name);
  if (name === DEFAULT_NAMESPACE) throw new ApiError('INVALID_ARGUMENT', 'the default namespace cannot be deleted');
  if (ns.state === 'Deleted') return describeNamespaceRecord(ctx, ns);
  const running = await ctx.store.countExecutions(name, RUNNING);
  const schedules = await ctx.store.listSchedules(name, undefined, 1);
  if (running > 0 || schedules.length > 0)
    throw new ApiError(
      'NAMESPACE_NOT_EMPTY',
      `namespace ${name} has ${running} running workflow(s)${schedules.length > 0 ? ' and schedules' : ''}: ` +
        'terminate them and delete its schedules first',
    );
  const { version, updatedAt: _u, ...body } = ns;
  await ctx.namespaces.write(name, version, { ...body, state: 'Deleted' }, ctx.clock.now());
  ctx.log.info({ namespace: name }, 'namespace deleted; its closed runs go with the next retention sweep');
  void ctx.retention.sweep();
  return describeNamespaceRecord(ctx, found(ctx, name));
}
