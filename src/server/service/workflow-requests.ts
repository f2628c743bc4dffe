/** Cancel and terminate: requests from outside a run, applied through the updater. */
import { requestCancelWorkflow, terminateWorkflow } from '../../engine/requests.js';
import type { CancelWorkflowRequest, TerminateWorkflowRequest } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import { checkPayload } from '../payload-limit.js';
import { checkChain, updateRequestedRun } from './resolve-run.js';

export async function cancelWorkflow(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  req: CancelWorkflowRequest,
): Promise<{ runId: string }> {
  const { runId } = await updateRequestedRun(ctx, namespace, workflowId, req.runId, (t) => {
    checkChain(t, workflowId, req.firstExecutionRunId);
    requestCancelWorkflow(t, {
      ...(req.reason !== undefined ? { reason: req.reason } : {}),
      ...(req.identity !== undefined ? { identity: req.identity } : {}),
    });
  });
  return { runId };
}

export async function terminateWorkflowRun(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  req: TerminateWorkflowRequest,
): Promise<{ runId: string }> {
  checkPayload(req.details, 'details', ctx.payloadLimit(namespace));
  const { runId } = await updateRequestedRun(ctx, namespace, workflowId, req.runId, (t) => {
    checkChain(t, workflowId, req.firstExecutionRunId);
    terminateWorkflow(t, {
      ...(req.reason !== undefined ? { reason: req.reason } : {}),
      ...(req.identity !== undefined ? { identity: req.identity } : {}),
      ...(req.details !== undefined ? { details: req.details } : {}),
    });
  });
  return { runId };
}
