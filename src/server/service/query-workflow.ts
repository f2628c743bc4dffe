/**
 * Queries: answered by a worker from the workflow's state (the worker that has it cached when it is polling,
 * else any worker of its task queue, which replays the history first). Nothing is written; a query on a closed
 * workflow answers from its final state.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../common/api-error.js';
import type { FailureInfo } from '../../common/failure.js';
import type { QueryWorkflowRequest, QueryWorkflowResponse } from '../../protocol/api.js';
import type { QueryTask } from '../../protocol/tasks.js';
import type { ServerContext } from '../context.js';
import { checkPayload } from '../payload-limit.js';
import { loadRun } from './resolve-run.js';

export interface QueryAnswer {
  result?: unknown;
  failure?: FailureInfo;
  notRegistered?: boolean;
}

/** Queries waiting for their answer, by query id. */
export class PendingQueries {
  private readonly waiting = new Map<string, (a: QueryAnswer) => void>();

  wait(queryId: string): Promise<QueryAnswer> {
    return new Promise((resolve) => this.waiting.set(queryId, resolve));
  }

  /** A worker's answer; false when nobody waits for it any more. */
  answer(queryId: string, a: QueryAnswer): boolean {
    const resolve = this.waiting.get(queryId);
    if (!resolve) return false;
    this.waiting.delete(queryId);
    resolve(a);
    return true;
  }

  forget(queryId: string): void {
    this.waiting.delete(queryId);
  }
}

/** Whether a worker polls the task queue now or did recently, on this server or (in a cluster) on another. */
async function hasRecentWorker(ctx: ServerContext, namespace: string, taskQueue: string): Promise<boolean> {
  const now = ctx.clock.now();
  const within = ctx.config.pollTimeoutMs + 10_000;
  if (ctx.pollers.hasRecentPoller(namespace, taskQueue, now, within)) return true;
  return ctx.cluster !== undefined && (await ctx.cluster.pollers(namespace, taskQueue, now - within)).length > 0;
}

export async function queryWorkflow(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  req: QueryWorkflowRequest,
  signal?: AbortSignal,
): Promise<QueryWorkflowResponse> {
  checkPayload(req.args, 'args', ctx.config.payloadLimitBytes);
  const { state } = await loadRun(ctx, namespace, workflowId, req.runId);
  // as Temporal ("no poller seen for task queue recently"): with no worker to answer, fail at once
  if (!(await hasRecentWorker(ctx, namespace, state.taskQueue)))
    throw new ApiError(
      'NO_WORKERS',
      `no worker polls task queue ${JSON.stringify(state.taskQueue)}: a query is answered by a running worker of the workflow's task queue`,
      { taskQueue: state.taskQueue },
    );
  const task: QueryTask = {
    queryId: randomUUID(),
    namespace,
    workflowId,
    runId: state.runId,
    workflowType: state.workflowType,
    taskQueue: state.taskQueue,
    queryType: req.queryType,
    args: req.args ?? [],
  };
  const answered = ctx.queries.wait(task.queryId);
  const cachedBy = state.status === 'Running' ? state.stickyIdentity : undefined;
  // no worker of this server took it at once: in a cluster, a worker polling another server may
  if (!ctx.matching.addQuery(task, cachedBy)) ctx.cluster?.publishQuery(task, cachedBy);
  let timer: NodeJS.Timeout | undefined;
  const onAbort = (): void =>
    void ctx.queries.answer(task.queryId, { failure: { kind: 'cancelled', message: 'the caller went away' } });
  signal?.addEventListener('abort', onAbort, { once: true });
  const timedOut = new Promise<QueryAnswer>((resolve) => {
    timer = setTimeout(
      () => resolve({ failure: { kind: 'timeout', message: 'no worker answered', timeoutType: 'START_TO_CLOSE' } }),
      ctx.config.queryTimeoutMs,
    );
  });
  const a = await Promise.race([answered, timedOut]).finally(() => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    ctx.queries.forget(task.queryId);
    ctx.matching.dropQuery(task);
  });
  if (a.notRegistered)
    throw new ApiError('QUERY_NOT_REGISTERED', a.failure?.message ?? `query ${req.queryType} is not registered`);
  if (a.failure?.kind === 'timeout')
    throw new ApiError(
      'QUERY_TIMEOUT',
      `no worker of task queue ${state.taskQueue} answered the query within ${ctx.config.queryTimeoutMs} ms`,
    );
  if (a.failure)
    throw new ApiError('QUERY_FAILED', `query ${req.queryType} failed: ${a.failure.message}`, { failure: a.failure });
  return { result: a.result ?? null };
}
