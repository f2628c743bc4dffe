/** A run's outcome, waiting (long-poll) until it closes or the wait ends. */
import { ApiError } from '../../common/api-error.js';
import type { WaitResultsRequest, WaitResultsResponse, WorkflowResultResponse } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import type { ExecutionState } from '../../engine/state.js';
import { outcomeOf } from './describe-workflow.js';
import { loadRun } from './resolve-run.js';

export async function workflowResult(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  opts: { runId?: string; waitMs?: number },
  signal?: AbortSignal,
): Promise<WorkflowResultResponse> {
  const since = ctx.closeWaiters.mark();
  const run = await loadRun(ctx, namespace, workflowId, opts.runId);
  const runId = run.state.runId;
  if (run.state.status !== 'Running') return outcomeOf(run.state);
  const waitMs = Math.min(opts.waitMs ?? ctx.config.resultWaitMs, ctx.config.resultWaitMs);
  if (waitMs > 0) await ctx.closeWaiters.wait(runId, waitMs, signal, since);
  // read again: the cache holds what the close committed (or the store does, if another server closed it)
  const after = await ctx.cache.getCommitted(runId);
  if (after.state.status === 'Running' && waitMs > 0) return outcomeOf((await storedState(ctx, runId)) ?? after.state);
  return outcomeOf(after.state);
}

/**
 * The run's state as the store has it, after a wait that heard no close: one whose notice went unheard is found
 * then. A stored close also replaces the cached copy; a running one leaves the cache alone (it may hold a write
 * still being committed, newer than the store).
 */
async function storedState(ctx: ServerContext, runId: string): Promise<ExecutionState | undefined> {
  const stored = await ctx.store.getExecution(runId);
  if (stored && stored.state.status !== 'Running') ctx.cache.invalidate(runId);
  return stored?.state;
}

/**
 * Waits for the first of many runs to close and answers every one that has closed by then (a client waits for
 * all its results over one request instead of one connection per workflow).
 */
export async function waitWorkflowResults(
  ctx: ServerContext,
  namespace: string,
  req: WaitResultsRequest,
  signal?: AbortSignal,
): Promise<WaitResultsResponse> {
  // a run closing while the others are read is heard then (another server's close, or this one's)
  const since = ctx.closeWaiters.mark();
  const results: WaitResultsResponse['results'] = [];
  const running: Array<{ workflowId: string; runId: string; asked?: string }> = [];
  for (const r of req.runs) {
    try {
      const run = await loadRun(ctx, namespace, r.workflowId, r.runId);
      if (run.state.status !== 'Running')
        results.push({
          workflowId: r.workflowId,
          ...(r.runId ? { runId: r.runId } : {}),
          outcome: outcomeOf(run.state),
        });
      else running.push({ workflowId: r.workflowId, runId: run.state.runId, ...(r.runId ? { asked: r.runId } : {}) });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      results.push({
        workflowId: r.workflowId,
        ...(r.runId ? { runId: r.runId } : {}),
        error: { code: e.code, message: e.message },
      });
    }
  }
  const waitMs = Math.min(req.waitMs ?? ctx.config.resultWaitMs, ctx.config.resultWaitMs);
  if (results.length > 0 || running.length === 0 || waitMs === 0) return { results };
  const closed = await ctx.closeWaiters.waitAny(
    running.map((r) => r.runId),
    waitMs,
    signal,
    since,
  );
  if (!closed && signal?.aborted) return { results }; // the caller has gone
  // let the other runs closing in the same turn join this answer (a wait for one run has nothing to wait for)
  if (closed && running.length > 1) await new Promise((r) => setImmediate(r));
  for (const r of running) {
    // a run another server closed was dropped from the cache when its notice came: read it again
    // as committed: a run whose close is still being written (in the same batch as the one heard) waits for it
    const state = closed
      ? (await ctx.cache.getCommitted(r.runId).catch(() => undefined))?.state
      : await storedState(ctx, r.runId).catch(() => undefined);
    if (state && state.status !== 'Running')
      results.push({ workflowId: r.workflowId, ...(r.asked ? { runId: r.asked } : {}), outcome: outcomeOf(state) });
  }
  return { results };
}
