/**
 * Long-poll for work: waits until the task queue (or this worker's sticky queue) has tasks, starts up to the
 * requested number of each kind, and answers with them. Stale queue entries are skipped; an empty answer
 * after the wait means "poll again".
 */
import type { TaskRow } from '../../engine/transition.js';
import type { PollRequest, PollResponse } from '../../protocol/tasks.js';
import type { ServerContext } from '../context.js';
import { dispatchRunActivityTaskRows, dispatchWorkflowTaskRow } from './dispatch.js';

export async function pollTasks(
  ctx: ServerContext,
  namespace: string,
  taskQueue: string,
  req: PollRequest,
  signal?: AbortSignal,
): Promise<PollResponse> {
  // every answer says what this server takes besides the basics (a worker sends continuations only then)
  return { ...(await waitForTasks(ctx, namespace, taskQueue, req, signal)), continuations: true };
}

async function waitForTasks(
  ctx: ServerContext,
  namespace: string,
  taskQueue: string,
  req: PollRequest,
  signal?: AbortSignal,
): Promise<PollResponse> {
  const now = ctx.clock.now();
  const poller = ctx.pollers.touch(
    namespace,
    taskQueue,
    req.identity,
    now,
    req.buildId,
    req.workflowTypes,
    req.instanceKey,
  );
  ctx.cluster?.touchPoller({
    namespace,
    taskQueue,
    identity: req.identity,
    ...(req.buildId !== undefined ? { buildId: req.buildId } : {}),
    ...(req.workflowTypes !== undefined ? { workflowTypes: req.workflowTypes } : {}),
    firstSeenTime: poller.firstSeenTime,
    lastAccessTime: now,
  });
  if (ctx.pollers.shouldStop(namespace, taskQueue, req.identity, req.instanceKey))
    return { workflowTasks: [], activityTasks: [], shutdownRequested: true };
  if (req.taskQueueActivitiesPerSecond !== undefined)
    ctx.matching.setActivityLimit(namespace, taskQueue, req.taskQueueActivitiesPerSecond);
  const timeoutMs = Math.min(req.timeoutMs ?? ctx.config.pollTimeoutMs, ctx.config.pollTimeoutMs);
  const deadline = Date.now() + timeoutMs;
  const want = {
    namespace,
    taskQueue,
    identity: req.identity,
    ...(req.instanceKey !== undefined ? { instanceKey: req.instanceKey } : {}),
    maxWorkflowTasks: req.maxWorkflowTasks,
    maxActivityTasks: req.maxActivityTasks,
  };
  poller.activePolls++;
  try {
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || ctx.shutdown.signal.aborted) return { workflowTasks: [], activityTasks: [] };
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), remaining);
      const onAbort = (): void => ac.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      ctx.shutdown.signal.addEventListener('abort', onAbort, { once: true });
      const matched = await ctx.matching.wait(want, ac.signal).finally(() => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        ctx.shutdown.signal.removeEventListener('abort', onAbort);
      });
      if (matched.ready) return matched.ready;
      if (ctx.pollers.shouldStop(namespace, taskQueue, req.identity, req.instanceKey)) {
        // give back what was taken: the rows are still in the store and in no other queue
        ctx.matching.add([...matched.workflowTasks, ...matched.activityTasks]);
        return { workflowTasks: [], activityTasks: [], shutdownRequested: true };
      }
      // a task whose start could not be written (the store unavailable) goes back to the queues: its row is
      // still in the store, and no other poll or restart would hand it out again
      const failed: TaskRow[] = [];
      let error: unknown;
      const giveBackOnFailure = <T>(rows: TaskRow[], p: Promise<T>): Promise<T | undefined> =>
        p.catch((e: unknown) => {
          failed.push(...rows);
          error ??= e;
          return undefined;
        });
      const [workflowTasks, activityTasks] = await Promise.all([
        Promise.all(
          matched.workflowTasks.map((row) => giveBackOnFailure([row], dispatchWorkflowTaskRow(ctx, row, req.identity))),
        ),
        Promise.all(
          byRun(matched.activityTasks).map((rows) =>
            giveBackOnFailure(
              rows,
              dispatchRunActivityTaskRows(ctx, rows[0]!.runId, rows, req.identity, (row, e) => {
                failed.push(row);
                error ??= e;
              }),
            ),
          ),
        ),
      ]);
      const out: PollResponse = {
        workflowTasks: workflowTasks.filter((x) => x !== undefined),
        activityTasks: activityTasks.flatMap((x) => x ?? []).filter((x) => x !== undefined),
      };
      if (failed.length > 0) {
        ctx.matching.add(failed);
        // nothing to hand out: the poll fails as the store did (503 STORE_UNAVAILABLE); the worker backs off
        if (out.workflowTasks.length + out.activityTasks.length === 0) throw error;
      }
      if (out.workflowTasks.length + out.activityTasks.length > 0 || signal?.aborted) return out;
    }
  } finally {
    poller.activePolls--;
    poller.lastAccessTime = ctx.clock.now();
  }
}

/** Task rows grouped by run, in their order (a run's activity rows of one poll start in one transition). */
function byRun(rows: readonly TaskRow[]): TaskRow[][] {
  const groups = new Map<string, TaskRow[]>();
  for (const row of rows) {
    const group = groups.get(row.runId);
    if (group) group.push(row);
    else groups.set(row.runId, [row]);
  }
  return [...groups.values()];
}
