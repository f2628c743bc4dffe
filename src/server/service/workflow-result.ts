/** A run's outcome, waiting (long-poll) until it closes or the wait ends. */
import type { WorkflowResultResponse } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import { outcomeOf } from './describe-workflow.js';
import { loadRun } from './resolve-run.js';

export async function workflowResult(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  opts: { runId?: string; waitMs?: number },
  signal?: AbortSignal,
): Promise<WorkflowResultResponse> {
  const run = await loadRun(ctx, namespace, workflowId, opts.runId);
  const runId = run.state.runId;
  if (run.state.status !== 'Running') return outcomeOf(run.state);
  const waitMs = Math.min(opts.waitMs ?? ctx.config.resultWaitMs, ctx.config.resultWaitMs);
  if (waitMs > 0) await ctx.closeWaiters.wait(runId, waitMs, signal);
  // read again: the cache holds what the close committed (or the store does, if another server closed it)
  const after = await ctx.cache.get(runId);
  if (after.state.status === 'Running' && waitMs > 0) {
    ctx.cache.invalidate(runId);
    return outcomeOf((await ctx.cache.get(runId)).state);
  }
  return outcomeOf(after.state);
}
