/** Workflow type definitions: name, task queue, default timeouts and retry, description. */
import { ApiError } from '../../common/api-error.js';
import { InvalidDurationError, optionalMs } from '../../common/duration.js';
import { InvalidRetryPolicyError, resolveRetryPolicy } from '../../common/retry-policy.js';
import type { RegisterWorkflowRequest, RegisteredWorkflow } from '../../protocol/api.js';
import type { WorkflowDefinition } from '../../store/store.js';
import type { ServerContext } from '../context.js';

function toRegistered(d: WorkflowDefinition): RegisteredWorkflow {
  return {
    workflowType: d.workflowType,
    taskQueue: d.taskQueue,
    ...(d.description !== undefined ? { description: d.description } : {}),
    ...(d.defaults ? { defaults: d.defaults } : {}),
    updatedAt: new Date(d.updatedAt).toISOString(),
  };
}

export async function registerWorkflow(
  ctx: ServerContext,
  namespace: string,
  req: RegisterWorkflowRequest,
): Promise<RegisteredWorkflow> {
  const d = req.defaults;
  try {
    optionalMs(d?.workflowExecutionTimeout, 'defaults.workflowExecutionTimeout');
    optionalMs(d?.workflowRunTimeout, 'defaults.workflowRunTimeout');
    optionalMs(d?.workflowTaskTimeout, 'defaults.workflowTaskTimeout');
    if (d?.retry) resolveRetryPolicy(d.retry, 'defaults.retry');
  } catch (e) {
    if (e instanceof InvalidDurationError) throw new ApiError('INVALID_DURATION', e.message, { field: e.field });
    if (e instanceof InvalidRetryPolicyError) throw new ApiError('INVALID_ARGUMENT', e.message);
    throw e;
  }
  const def: WorkflowDefinition = {
    namespace,
    workflowType: req.workflowType,
    taskQueue: req.taskQueue,
    updatedAt: ctx.clock.now(),
  };
  // a worker re-registering a type keeps the description and defaults someone registered by hand
  const existing = await ctx.getDefinition(namespace, req.workflowType);
  const description = req.description ?? existing?.description;
  const defaults = req.defaults ?? existing?.defaults;
  if (description !== undefined) def.description = description;
  if (defaults) def.defaults = defaults;
  await ctx.putDefinition(def);
  return toRegistered(def);
}

export async function listRegisteredWorkflows(
  ctx: ServerContext,
  namespace: string,
): Promise<{ workflows: RegisteredWorkflow[] }> {
  return { workflows: (await ctx.store.listWorkflowDefinitions(namespace)).map(toRegistered) };
}
