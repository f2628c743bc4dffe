/** Task queues as operators see them: the workers polling them, their backlog; and asking workers to stop. */
import type { DescribeTaskQueueResponse } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';

export function describeTaskQueue(ctx: ServerContext, namespace: string, taskQueue: string): DescribeTaskQueueResponse {
  const now = ctx.clock.now();
  return {
    taskQueue,
    pollers: ctx.pollers.list(namespace, taskQueue, now, ctx.config.pollerExpiryMs).map((p) => ({
      identity: p.identity,
      ...(p.buildId !== undefined ? { buildId: p.buildId } : {}),
      lastAccessTime: new Date(p.lastAccessTime).toISOString(),
      polling: p.activePolls > 0,
    })),
    backlog: ctx.matching.backlog(namespace, taskQueue),
  };
}

/** `weft worker stop`: the named worker (or every worker now polling the queue) drains and exits. */
export function stopWorkers(
  ctx: ServerContext,
  namespace: string,
  taskQueue: string,
  identity?: string,
): { requested: number } {
  const now = ctx.clock.now();
  const live = ctx.pollers.list(namespace, taskQueue, now, ctx.config.pollerExpiryMs);
  const targets = identity === undefined ? live : live.filter((p) => p.identity === identity);
  ctx.pollers.requestStop(namespace, taskQueue, identity, now);
  // polls waiting now answer at once, with the stop request
  ctx.matching.releaseWaiters(
    (w) =>
      w.namespace === namespace && w.taskQueue === taskQueue && (identity === undefined || w.identity === identity),
  );
  return { requested: targets.length };
}
