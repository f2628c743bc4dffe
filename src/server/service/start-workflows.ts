/**
 * Several starts in one request (a client's transport sends the starts of one event-loop turn together): each
 * is a start of its own, with its own validation, request id and answer, and they commit together through
 * group commit. One start's error (already started, a bad search attribute) is its answer, not the request's.
 */
import { ApiError } from '../../common/api-error.js';
import type { StartWorkflowsRequest, StartWorkflowsResponse } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import { startWorkflow } from './start-workflow.js';

export async function startWorkflows(
  ctx: ServerContext,
  namespace: string,
  req: StartWorkflowsRequest,
): Promise<StartWorkflowsResponse> {
  const results = await Promise.all(
    req.starts.map(async (s): Promise<StartWorkflowsResponse['results'][number]> => {
      try {
        return { ok: true, start: await startWorkflow(ctx, namespace, s) };
      } catch (e) {
        if (e instanceof ApiError && e.status < 500) return { ok: false, status: e.status, ...e.toJSON() };
        throw e;
      }
    }),
  );
  return { results };
}
