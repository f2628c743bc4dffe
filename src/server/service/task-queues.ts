/** Task queues as operators see them: the workers polling them, their backlog; and asking workers to stop. */
import type { DescribeTaskQueueResponse } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import type { PollerInfo } from '../pollers.js';

/**
 * The live workers of a queue: those polling this server, and in a cluster those the other servers saw
 * (recorded every few seconds in the shared table; this server's own view wins for its workers).
 */
async function livePollers(ctx: ServerContext, namespace: string, taskQueue: string): Promise<PollerInfo[]> {
  const now = ctx.clock.now();
  const local = ctx.pollers.list(namespace, taskQueue, now, ctx.config.pollerExpiryMs);
  if (!ctx.cluster) return local;
  const byIdentity = new Map(local.map((p) => [p.identity, p]));
  for (const p of await ctx.cluster.pollers(namespace, taskQueue, now - ctx.config.pollerExpiryMs)) {
    if (byIdentity.has(p.identity)) continue;
    byIdentity.set(p.identity, {
      identity: p.identity,
      ...(p.buildId !== undefined ? { buildId: p.buildId } : {}),
      lastAccessTime: p.lastAccessTime,
      firstSeenTime: p.firstSeenTime,
      activePolls: 0,
    });
  }
  return [...byIdentity.values()].sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
}

export async function describeTaskQueue(
  ctx: ServerContext,
  namespace: string,
  taskQueue: string,
): Promise<DescribeTaskQueueResponse> {
  const pollers = await livePollers(ctx, namespace, taskQueue);
  return {
    taskQueue,
    pollers: pollers.map((p) => ({
      identity: p.identity,
      ...(p.buildId !== undefined ? { buildId: p.buildId } : {}),
      lastAccessTime: new Date(p.lastAccessTime).toISOString(),
      polling: p.activePolls > 0,
    })),
    backlog: ctx.matching.backlog(namespace, taskQueue),
  };
}

/**
 * A worker stopping itself: its waiting polls are answered now (with `shutdownRequested`), and later polls of that
 * worker object too, so the server starts no more tasks for it. It acts only on the polls that carry the given
 * instance key (random per worker object): a worker key can stop no other worker with it, nor undo a stop.
 */
export async function shutdownWorker(
  ctx: ServerContext,
  namespace: string,
  taskQueue: string,
  identity: string,
  instanceKey: string,
): Promise<Record<string, never>> {
  const now = ctx.clock.now();
  ctx.applyWorkerStop(namespace, taskQueue, identity, now, instanceKey);
  await ctx.cluster?.publish([['ws', namespace, taskQueue, identity, now, instanceKey]]);
  return {};
}

/** `weft worker stop`: the named worker (or every worker now polling the queue) drains and exits. */
export async function stopWorkers(
  ctx: ServerContext,
  namespace: string,
  taskQueue: string,
  identity?: string,
): Promise<{ requested: number }> {
  const now = ctx.clock.now();
  const live = await livePollers(ctx, namespace, taskQueue);
  const targets = identity === undefined ? live : live.filter((p) => p.identity === identity);
  ctx.applyWorkerStop(namespace, taskQueue, identity, now);
  // workers polling the other servers hear it from them
  await ctx.cluster?.publish([['ws', namespace, taskQueue, identity ?? null, now]]);
  return { requested: targets.length };
}
