/**
 * Which running workflow types have a worker: a worker polling a task queue says which workflow types it serves
 * (its poll's `workflowTypes`); a run whose type no recent poller of its task queue serves waits for one (a
 * start of an unregistered type is accepted, as in Temporal). Shown by describe, the stuck-workflow report and
 * the unserved-types list (the UI's overview). A worker that did not say (an older one) counts as serving all.
 */
import type { ServerContext } from '../context.js';

/** The types served on one task queue: a set, or every type (a worker did not list its types). */
type Served = Set<string> | 'all';

/** A poller counts while it polls, or if it polled within a long poll and a bit. */
const recentWindow = (ctx: ServerContext): number => ctx.config.pollTimeoutMs + 10_000;

async function servedOn(ctx: ServerContext, namespace: string, taskQueue: string): Promise<Served> {
  const now = ctx.clock.now();
  const within = recentWindow(ctx);
  const served = new Set<string>();
  const local = ctx.pollers
    .list(namespace, taskQueue, now, ctx.config.pollerExpiryMs)
    .filter((p) => p.activePolls > 0 || now - p.lastAccessTime <= within);
  const remote = ctx.cluster ? await ctx.cluster.pollers(namespace, taskQueue, now - within) : [];
  for (const p of [...local, ...remote]) {
    if (!p.workflowTypes) return 'all';
    for (const t of p.workflowTypes) served.add(t);
  }
  return served;
}

/** Answers "does a worker serve this type on this queue", reading each task queue's pollers once. */
export class TypeWorkers {
  private readonly byQueue = new Map<string, Promise<Served>>();

  constructor(
    private readonly ctx: ServerContext,
    private readonly namespace: string,
  ) {}

  async served(taskQueue: string, workflowType: string): Promise<boolean> {
    let s = this.byQueue.get(taskQueue);
    if (!s) {
      s = servedOn(this.ctx, this.namespace, taskQueue);
      this.byQueue.set(taskQueue, s);
    }
    const served = await s;
    return served === 'all' || served.has(workflowType);
  }
}

export interface UnservedWorkflowType {
  workflowType: string;
  taskQueue: string;
  /** Running runs of this type on this queue. */
  running: number;
}

/** The running workflow types (per task queue) that no live worker serves, most runs first. */
export async function unservedWorkflowTypes(
  ctx: ServerContext,
  namespace: string,
): Promise<{ types: UnservedWorkflowType[] }> {
  const running = await ctx.store.runningWorkflowTypes(namespace, 1000);
  const workers = new TypeWorkers(ctx, namespace);
  const types: UnservedWorkflowType[] = [];
  for (const r of running) if (!(await workers.served(r.taskQueue, r.workflowType))) types.push(r);
  return { types };
}
