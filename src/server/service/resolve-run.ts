/** Finds the run an API call means: the given run id, or the workflow id's current run. */
import { ApiError } from '../../common/api-error.js';
import type { CachedRun } from '../run-cache.js';
import { NO_WRITE } from '../run-updater.js';
import type { ExecutionState } from '../../engine/state.js';
import type { Transition } from '../../engine/transition.js';
import type { ServerContext } from '../context.js';

export async function resolveRunId(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  runId?: string,
): Promise<string> {
  if (runId) {
    const run = await loadRun(ctx, namespace, workflowId, runId);
    return run.state.runId;
  }
  const current = await ctx.store.getCurrentRun(namespace, workflowId);
  if (!current)
    throw new ApiError(
      'WORKFLOW_NOT_FOUND',
      `workflow ${JSON.stringify(workflowId)} not found in namespace ${namespace}`,
    );
  return current.runId;
}

/**
 * Applies a request from outside to the run it means and returns that run's id. Without a run id, that is the
 * workflow id's current run when the request is written: if the run found first closed in between (it
 * continued as new, was retried, or a cron run followed), the request goes to the run after it, as Temporal
 * applies such requests to whatever run is current.
 */
export async function updateRequestedRun<R>(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  runId: string | undefined,
  apply: (t: Transition) => R,
  /** A retry of a request this run has seen already (its request or update id) stays here, to be deduplicated. */
  seenHere?: (s: ExecutionState) => boolean,
): Promise<{ runId: string; result: R }> {
  let id = await resolveRunId(ctx, namespace, workflowId, runId);
  for (let hops = 0; ; hops++) {
    let next: string | undefined;
    const result = await ctx.updater.update(id, (t) => {
      next = undefined; // (the updater may run this again, on a reread state)
      const s = t.state;
      // the run found closed and handed over (in a commit that may still be in flight): the next run is meant
      if (!runId && hops < 5 && s.status !== 'Running' && s.outcome?.newExecutionRunId && !seenHere?.(s)) {
        next = s.outcome.newExecutionRunId;
        return NO_WRITE;
      }
      return apply(t);
    });
    if (next === undefined) return { runId: id, result: result as R };
    id = next;
  }
}

/**
 * A request that names the chain it means (Temporal's `firstExecutionRunId`, sent by a handle from `start`):
 * a run of another chain under the same workflow id is not it.
 */
export function checkChain(t: Transition, workflowId: string, firstExecutionRunId: string | undefined): void {
  if (firstExecutionRunId !== undefined && t.state.firstExecutionRunId !== firstExecutionRunId)
    throw new ApiError(
      'WORKFLOW_NOT_FOUND',
      `workflow ${JSON.stringify(workflowId)} has no run in the chain that began with run ${firstExecutionRunId}`,
    );
}

/**
 * The run an API call means, as committed (a state whose write is still in flight is waited for: a caller is
 * never told of a close, say, that is not yet durable).
 */
export async function loadRun(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  runId?: string,
): Promise<CachedRun> {
  const id = runId ?? (await resolveRunId(ctx, namespace, workflowId));
  const run = await ctx.cache.getCommitted(id).catch((e: unknown) => {
    if (e instanceof ApiError && e.code === 'WORKFLOW_NOT_FOUND')
      throw new ApiError('WORKFLOW_NOT_FOUND', `workflow ${JSON.stringify(workflowId)} run ${id} not found`);
    throw e;
  });
  if (run.state.namespace !== namespace || run.state.workflowId !== workflowId)
    throw new ApiError('WORKFLOW_NOT_FOUND', `workflow ${JSON.stringify(workflowId)} run ${id} not found`);
  return run;
}
