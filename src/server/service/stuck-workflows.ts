/**
 * Stuck workflows: running runs that wrote no event for longer than a threshold (default: the server's
 * stuckAfterMs), least recent progress first. The store answers from an index; no run's state is scanned.
 */
import { ApiError } from '../../common/api-error.js';
import { InvalidDurationError, toMs } from '../../common/duration.js';
import type { StuckWorkflowsResponse } from '../../protocol/monitoring-api.js';
import type { ServerContext } from '../context.js';
import { TypeWorkers } from './type-workers.js';

export const DEFAULT_STUCK_LIMIT = 100;

export async function listStuckWorkflows(
  ctx: ServerContext,
  namespace: string,
  q: { olderThan?: string; limit?: number },
): Promise<StuckWorkflowsResponse> {
  let olderThanMs = ctx.config.stuckAfterMs;
  try {
    if (q.olderThan !== undefined) olderThanMs = toMs(q.olderThan, 'olderThan');
  } catch (e) {
    if (e instanceof InvalidDurationError) throw new ApiError('INVALID_DURATION', e.message, { field: e.field });
    throw e;
  }
  const rows = await ctx.store.listStuckExecutions(
    namespace,
    ctx.clock.now() - olderThanMs,
    q.limit ?? DEFAULT_STUCK_LIMIT,
  );
  const iso = (ms: number): string => new Date(ms).toISOString();
  const workers = new TypeWorkers(ctx, namespace);
  const served = await Promise.all(rows.map((r) => workers.served(r.taskQueue, r.workflowType)));
  return {
    executions: rows.map((r, i) => ({
      workflowId: r.workflowId,
      runId: r.runId,
      workflowType: r.workflowType,
      taskQueue: r.taskQueue,
      status: r.status,
      startTime: iso(r.startTime),
      lastProgressTime: iso(r.lastProgressTime),
      typeServed: served[i]!,
    })),
  };
}
