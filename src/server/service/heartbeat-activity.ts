/** An activity's heartbeat: records its progress details and tells it whether it was asked to cancel. */
import { ApiError } from '../../common/api-error.js';
import { getActivity, heartbeatActivity } from '../../engine/activity.js';
import type { HeartbeatResponse } from '../../protocol/tasks.js';
import type { ServerContext } from '../context.js';
import { checkPayload } from '../payload-limit.js';
import { decodeTaskToken } from '../task-token.js';

export async function heartbeat(
  ctx: ServerContext,
  namespace: string,
  req: { taskToken: string; details?: unknown },
  identity?: string,
): Promise<HeartbeatResponse> {
  const token = decodeTaskToken(req.taskToken);
  if (token.kind !== 'activity' || token.namespace !== namespace)
    throw new ApiError('INVALID_ARGUMENT', 'not an activity task token of this namespace');
  checkPayload(req.details, 'details', ctx.payloadLimit(namespace));
  if (identity) ctx.pollers.seen(namespace, identity, ctx.clock.now());
  return ctx.updater.update(token.runId, (t) =>
    heartbeatActivity(t, getActivity(t, token.seq, token.attempt), req.details),
  );
}
