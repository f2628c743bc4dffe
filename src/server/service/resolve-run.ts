/** Finds the run an API call means: the given run id, or the workflow id's current run. */
import { ApiError } from '../../common/api-error.js';
import type { CachedRun } from '../run-cache.js';
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
