/**
 * Finishing an activity from outside its worker (asynchronous completion): by its task token, or by workflow id
 * (+ run id) and activity id, which means the activity's current attempt. The attempt must be running (a worker
 * started it); its timeouts keep running until then, as for any attempt.
 */
import { ApiError } from '../../common/api-error.js';
import { sanitizeFailure } from '../../common/failure.js';
import {
  activityCanceled,
  completeActivity,
  failActivityAttempt,
  getActivity,
  heartbeatActivity,
} from '../../engine/activity.js';
import type { ActivityState } from '../../engine/state.js';
import type { Transition } from '../../engine/transition.js';
import type {
  AsyncActivityTarget,
  CompleteActivityRequest,
  FailActivityRequest,
  HeartbeatActivityByIdRequest,
  ReportActivityCancellationRequest,
} from '../../protocol/async-completion.js';
import type { HeartbeatResponse } from '../../protocol/tasks.js';
import type { ServerContext } from '../context.js';
import { checkPayload } from '../payload-limit.js';
import { decodeTaskToken } from '../task-token.js';
import { resolveRunId } from './resolve-run.js';

/** A resolved target: the run, and how to find the attempt in a transition of it. */
interface Located {
  runId: string;
  pick(t: Transition): ActivityState;
}

async function locate(ctx: ServerContext, namespace: string, target: AsyncActivityTarget): Promise<Located> {
  const byId = target.workflowId !== undefined || target.activityId !== undefined || target.runId !== undefined;
  if (target.taskToken !== undefined) {
    if (byId)
      throw new ApiError('INVALID_ARGUMENT', 'name the activity by taskToken or by workflowId + activityId, not both');
    const token = decodeTaskToken(target.taskToken);
    if (token.kind !== 'activity' || token.namespace !== namespace)
      throw new ApiError('INVALID_ARGUMENT', 'not an activity task token of this namespace');
    return { runId: token.runId, pick: (t) => getActivity(t, token.seq, token.attempt) };
  }
  if (target.workflowId === undefined || target.activityId === undefined)
    throw new ApiError('INVALID_ARGUMENT', 'name the activity by taskToken, or by workflowId and activityId');
  const { workflowId, activityId } = target;
  const runId = await resolveRunId(ctx, namespace, workflowId, target.runId);
  return {
    runId,
    pick: (t) => {
      const a = Object.values(t.state.activities).find((x) => x.activityId === activityId);
      if (!a)
        throw new ApiError(
          'TASK_NOT_FOUND',
          `workflow ${JSON.stringify(workflowId)} run ${runId} has no pending activity ${JSON.stringify(activityId)}`,
        );
      return getActivity(t, a.seq);
    },
  };
}

function logFinish(ctx: ServerContext, what: string, located: Located, target: AsyncActivityTarget): void {
  ctx.log.info({ runId: located.runId, identity: target.identity }, `activity ${what} asynchronously`);
}

export async function completeActivityAsync(
  ctx: ServerContext,
  namespace: string,
  req: CompleteActivityRequest,
): Promise<Record<string, never>> {
  checkPayload(req.result, 'result', ctx.payloadLimit(namespace));
  const located = await locate(ctx, namespace, req);
  await ctx.updater.update(located.runId, (t) => completeActivity(t, located.pick(t), req.result));
  logFinish(ctx, 'completed', located, req);
  return {};
}

export async function failActivityAsync(
  ctx: ServerContext,
  namespace: string,
  req: FailActivityRequest,
): Promise<Record<string, never>> {
  checkPayload(req.failure, 'failure', ctx.payloadLimit(namespace));
  const located = await locate(ctx, namespace, req);
  const failure = sanitizeFailure(req.failure);
  await ctx.updater.update(located.runId, (t) => failActivityAttempt(t, located.pick(t), failure));
  logFinish(ctx, 'failed', located, req);
  return {};
}

export async function reportActivityCancellation(
  ctx: ServerContext,
  namespace: string,
  req: ReportActivityCancellationRequest,
): Promise<Record<string, never>> {
  checkPayload(req.details, 'details', ctx.payloadLimit(namespace));
  const located = await locate(ctx, namespace, req);
  await ctx.updater.update(located.runId, (t) => {
    const a = located.pick(t);
    // as Temporal: only an activity asked to cancel can report that it did
    if (!a.cancelRequested)
      throw new ApiError(
        'INVALID_ARGUMENT',
        `activity ${a.activityId} was not asked to cancel: complete or fail it instead`,
      );
    activityCanceled(t, a, req.details);
  });
  logFinish(ctx, 'cancelled', located, req);
  return {};
}

export async function heartbeatActivityAsync(
  ctx: ServerContext,
  namespace: string,
  req: HeartbeatActivityByIdRequest,
): Promise<HeartbeatResponse> {
  checkPayload(req.details, 'details', ctx.payloadLimit(namespace));
  const located = await locate(ctx, namespace, req);
  return ctx.updater.update(located.runId, (t) => heartbeatActivity(t, located.pick(t), req.details));
}
