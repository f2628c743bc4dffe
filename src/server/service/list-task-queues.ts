/** The task queues of a namespace as operators see them: each with its live workers and backlog. */
import type { ListTaskQueuesResponse } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import { describeTaskQueue } from './task-queues.js';

/** Queues that workers polled since the server started, and queues that registered workflow types name. */
export async function listTaskQueues(ctx: ServerContext, namespace: string): Promise<ListTaskQueuesResponse> {
  const names = new Set(ctx.pollers.taskQueues(namespace));
  for (const def of await ctx.store.listWorkflowDefinitions(namespace)) names.add(def.taskQueue);
  if (ctx.cluster)
    for (const q of await ctx.cluster.taskQueues(namespace, ctx.clock.now() - ctx.config.pollerExpiryMs)) names.add(q);
  const taskQueues = await Promise.all([...names].sort().map((name) => describeTaskQueue(ctx, namespace, name)));
  return { taskQueues };
}
