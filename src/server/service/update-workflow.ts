/**
 * Updates: the request is recorded in the run's state and the caller waits (long-poll) until the workflow has
 * accepted or completed it, or the wait ends; a later poll picks up where it left. A request with an update id
 * the run has seen returns that update's progress and starts nothing.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../common/api-error.js';
import { requestUpdate, updateOf } from '../../engine/updates.js';
import type { UpdateState } from '../../engine/state.js';
import type {
  UpdateStage,
  UpdateWithStartRequest,
  UpdateWithStartResponse,
  UpdateWorkflowRequest,
  UpdateWorkflowResponse,
} from '../../protocol/api.js';
import { checkStartSearchAttributes } from './search-attributes.js';
import { startWorkflowWith } from './start-workflow.js';
import type { ServerContext } from '../context.js';
import { checkPayload } from '../payload-limit.js';
import { loadRun, updateRequestedRun } from './resolve-run.js';

export async function updateWorkflow(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  req: UpdateWorkflowRequest,
  signal?: AbortSignal,
): Promise<UpdateWorkflowResponse> {
  checkPayload(req.args, 'args', ctx.payloadLimit(namespace));
  const updateId = req.updateId ?? randomUUID();
  const { runId } = await updateRequestedRun(
    ctx,
    namespace,
    workflowId,
    req.runId,
    (t) =>
      requestUpdate(t, {
        updateId,
        name: req.updateName,
        args: req.args ?? [],
        ...(req.identity !== undefined ? { identity: req.identity } : {}),
        ...(req.header ? { header: req.header } : {}),
        ...(req.runId === undefined ? { followsRuns: true } : {}),
      }),
    (s) => s.updates !== undefined && Object.hasOwn(s.updates, updateId),
  );
  return waitForUpdate(ctx, runId, updateId, req.waitForStage ?? 'COMPLETED', waitMsOf(ctx, req.waitMs), signal);
}

/**
 * Update-with-start: the update goes to the running run (USE_EXISTING) or into a run started with it, in one
 * transaction; then the caller waits for the update's stage as for any update.
 */
export async function updateWithStart(
  ctx: ServerContext,
  namespace: string,
  req: UpdateWithStartRequest,
  signal?: AbortSignal,
): Promise<UpdateWithStartResponse> {
  if (!req.start.workflowIdConflictPolicy)
    throw new ApiError(
      'INVALID_ARGUMENT',
      'update-with-start: start.workflowIdConflictPolicy is required (USE_EXISTING to update a running run, or FAIL)',
      { field: 'start.workflowIdConflictPolicy' },
    );
  if (req.start.workflowIdConflictPolicy === 'TERMINATE_EXISTING')
    throw new ApiError(
      'INVALID_ARGUMENT',
      'update-with-start: workflowIdConflictPolicy TERMINATE_EXISTING is not supported',
      {
        field: 'start.workflowIdConflictPolicy',
      },
    );
  // as Temporal's: the update needs the workflow to run now
  for (const field of ['startDelay', 'cronSchedule'] as const)
    if (req.start[field] !== undefined)
      throw new ApiError('INVALID_ARGUMENT', `update-with-start: start.${field} is not supported (as in Temporal)`, {
        field: `start.${field}`,
      });
  checkPayload(req.update.args, 'update.args', ctx.payloadLimit(namespace));
  await checkStartSearchAttributes(ctx, namespace, req.start.searchAttributes);
  const updateId = req.update.updateId ?? randomUUID();
  const started = await startWorkflowWith(ctx, namespace, req.start, {
    update: {
      updateId,
      name: req.update.updateName,
      args: req.update.args ?? [],
      ...(req.update.identity !== undefined ? { identity: req.update.identity } : {}),
      ...(req.update.header ? { header: req.update.header } : {}),
      followsRuns: true,
    },
  });
  const update = await waitForUpdate(
    ctx,
    started.runId,
    updateId,
    req.update.waitForStage ?? 'COMPLETED',
    waitMsOf(ctx, req.waitMs),
    signal,
  );
  return { runId: started.runId, started: started.started, update };
}

export async function pollUpdate(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  updateId: string,
  q: { runId?: string; waitForStage?: 'ACCEPTED' | 'COMPLETED'; waitMs?: number },
  signal?: AbortSignal,
): Promise<UpdateWorkflowResponse> {
  const run = await loadRun(ctx, namespace, workflowId, q.runId || undefined);
  return waitForUpdate(ctx, run.state.runId, updateId, q.waitForStage ?? 'COMPLETED', waitMsOf(ctx, q.waitMs), signal);
}

function waitMsOf(ctx: ServerContext, waitMs: number | undefined): number {
  return Math.min(waitMs ?? ctx.config.resultWaitMs, ctx.config.resultWaitMs);
}

const RANK: Record<UpdateStage, number> = { ADMITTED: 0, ACCEPTED: 1, COMPLETED: 2 };

function stageOf(u: UpdateState): UpdateStage {
  return u.status === 'requested' ? 'ADMITTED' : u.status === 'accepted' ? 'ACCEPTED' : 'COMPLETED';
}

async function waitForUpdate(
  ctx: ServerContext,
  runId: string,
  updateId: string,
  stage: 'ACCEPTED' | 'COMPLETED',
  waitMs: number,
  signal?: AbortSignal,
): Promise<UpdateWorkflowResponse> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const { state } = await ctx.cache.getCommitted(runId);
    const u = updateOf(state, updateId);
    if (!u)
      throw new ApiError('UPDATE_NOT_FOUND', `update ${JSON.stringify(updateId)} of run ${runId} is not known`, {
        updateId,
      });
    const now = stageOf(u);
    const answer: UpdateWorkflowResponse = {
      updateId,
      runId,
      stage: now,
      ...(u.outcome ? { outcome: u.outcome } : {}),
    };
    if (RANK[now] >= RANK[stage]) return answer;
    if (state.status !== 'Running' && u.followsRuns && u.status === 'requested' && state.outcome?.newExecutionRunId) {
      // as Temporal: an update the closing run never took (it continued as new, was retried, or a cron run
      // followed) goes to the run after it, under the same id
      ({ runId } = await updateRequestedRun(ctx, state.namespace, state.workflowId, undefined, (t) =>
        requestUpdate(t, {
          updateId,
          name: u.name,
          args: u.args ?? [],
          ...(u.identity !== undefined ? { identity: u.identity } : {}),
          ...(u.header ? { header: u.header } : {}),
          followsRuns: true,
        }),
      ));
      continue;
    }
    if (state.status !== 'Running')
      throw new ApiError(
        'WORKFLOW_NOT_RUNNING',
        `workflow ${state.workflowId} (run ${runId}) closed as ${state.status} before update ${JSON.stringify(updateId)} completed`,
        { updateId, status: state.status },
      );
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return answer;
    await ctx.updateWaiters.wait(runId, updateId, left, signal);
  }
}
