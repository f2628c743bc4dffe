/** Signals: delivered into a run's history, in order and once per request id; signal-with-start. */
import { checkStartSearchAttributes } from './search-attributes.js';
import { signalWorkflow as signalRun } from '../../engine/requests.js';
import type { SignalWithStartRequest, SignalWorkflowRequest, StartWorkflowResponse } from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import { checkPayload } from '../payload-limit.js';
import { updateRequestedRun } from './resolve-run.js';
import { startWorkflowWith } from './start-workflow.js';

export async function signalWorkflow(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  req: SignalWorkflowRequest,
): Promise<{ runId: string }> {
  checkPayload(req.args, 'args', ctx.config.payloadLimitBytes);
  const { runId } = await updateRequestedRun(
    ctx,
    namespace,
    workflowId,
    req.runId,
    (t) =>
      signalRun(t, {
        signalName: req.signalName,
        args: req.args ?? [],
        ...(req.identity !== undefined ? { identity: req.identity } : {}),
        ...(req.requestId !== undefined ? { requestId: req.requestId } : {}),
        ...(req.header ? { header: req.header } : {}),
      }),
    (s) => req.requestId !== undefined && (s.signalRequestIds?.includes(req.requestId) ?? false),
  );
  return { runId };
}

/** Signals the workflow's running run, or starts a run and signals it in the same transaction. */
export async function signalWithStart(
  ctx: ServerContext,
  namespace: string,
  req: SignalWithStartRequest,
): Promise<StartWorkflowResponse> {
  checkPayload(req.signalArgs, 'signalArgs', ctx.config.payloadLimitBytes);
  const { signalName, signalArgs, ...start } = req;
  const signal = {
    signalName,
    args: signalArgs ?? [],
    ...(req.identity ? { identity: req.identity } : {}),
    ...(req.requestId ? { requestId: `${req.requestId}:signal` } : {}),
    ...(req.header ? { header: req.header } : {}),
  };
  await checkStartSearchAttributes(ctx, namespace, start.searchAttributes);
  return startWorkflowWith(ctx, namespace, { ...start, workflowIdConflictPolicy: 'USE_EXISTING' }, { signal });
}
