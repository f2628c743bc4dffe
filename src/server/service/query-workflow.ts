/**
 * Queries: answered by a worker from the workflow's state (the worker that has it cached when it is polling,
 * else any worker of its task queue, which replays the history first). Nothing is written; a query on a closed
 * workflow answers from its final state.
 *
 * A query sees every event recorded before it arrived (Temporal's strongly consistent query). Events reach the
 * workflow's state only through workflow tasks, so a query is handed to a worker only when the run is quiet:
 * closed, or no workflow task scheduled or running, or a workflow task that started after the query arrived has
 * completed (events that come in while a task runs are buffered behind it and go into the next one). Until
 * then the query waits here, rereading the run whenever it changes (a commit here, a notice from another
 * server). The task names the last completed workflow task, which the worker's state must include
 * (`minStartedEventId`). docs/architecture.md ("Queries") has the reasoning.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../common/api-error.js';
import type { FailureInfo } from '../../common/failure.js';
import type { QueryWorkflowRequest, QueryWorkflowResponse } from '../../protocol/api.js';
import type { QueryTask } from '../../protocol/tasks.js';
import type { ExecutionState } from '../../engine/state.js';
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

/** Whether Temporal's query reject condition turns the query away from a run in `status`. */
function rejects(condition: QueryWorkflowRequest['rejectCondition'], status: string): boolean {
  if (condition === 'NOT_OPEN') return status !== 'Running';
  if (condition === 'NOT_COMPLETED_CLEANLY') return status !== 'Running' && status !== 'Completed';
  return false;
}

/** A waiting query rereads its run at least this often, even when no change was heard of. */
const RECHECK_MS = 1000;

/**
 * The WorkflowTaskStarted event id that a completed workflow task must pass before a query arriving now may be
 * answered. A task is running: it holds what came before it started, and if something the workflow must see
 * came in since (buffered behind it: needsWorkflowTask), that waits for the task after it. Otherwise: the first
 * task to complete from now.
 */
export function queryBarrier(s: ExecutionState): number {
  const wt = s.workflowTask;
  if (wt?.state !== 'started' || wt.startedEventId === undefined) return s.lastCompletedStartedEventId;
  return s.needsWorkflowTask ? wt.startedEventId : wt.startedEventId - 1;
}

/** Whether a query that found `barrier` may be answered from `s`: every event it must see is in a completed task. */
export function queryMayRun(s: ExecutionState, barrier: number): boolean {
  return s.status !== 'Running' || s.workflowTask === undefined || s.lastCompletedStartedEventId > barrier;
}

/**
 * The run's newest state. One server alone commits every change through its cache; in a cluster another server
 * may have committed one that this server has not heard of yet, so the store is read.
 */
async function newestState(ctx: ServerContext, runId: string): Promise<ExecutionState> {
  if (!ctx.cluster) return (await ctx.cache.get(runId)).state;
  const stored = await ctx.store.getExecution(runId);
  const cached = ctx.cache.peek(runId);
  if (cached && (!stored || cached.version > stored.version)) return cached.state;
  if (!stored) throw new ApiError('WORKFLOW_NOT_FOUND', `run ${runId} not found`);
  return stored.state;
}

/** Waits until the run may answer a query that arrives now; returns its state then. */
async function waitUntilQueryable(
  ctx: ServerContext,
  runId: string,
  deadline: number,
  signal?: AbortSignal,
): Promise<ExecutionState> {
  const watch = ctx.runWatchers.watch(runId); // before the read: a change landing in between wakes us
  try {
    let state = await newestState(ctx, runId);
    const barrier = queryBarrier(state);
    while (!queryMayRun(state, barrier)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0)
        throw new ApiError(
          'QUERY_TIMEOUT',
          `the workflow task of ${state.workflowId} did not complete within ${ctx.config.queryTimeoutMs} ms: a query waits for it, to see every event recorded before the query`,
        );
      if (signal?.aborted) throw new ApiError('QUERY_FAILED', 'the caller went away');
      await watch.next(Math.min(remaining, RECHECK_MS), signal);
      state = await newestState(ctx, runId);
    }
    return state;
  } finally {
    watch.close();
  }
}

export async function queryWorkflow(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  req: QueryWorkflowRequest,
  signal?: AbortSignal,
): Promise<QueryWorkflowResponse> {
  checkPayload(req.args, 'args', ctx.config.payloadLimitBytes);
  const deadline = Date.now() + ctx.config.queryTimeoutMs;
  const { state: found } = await loadRun(ctx, namespace, workflowId, req.runId);
  if (rejects(req.rejectCondition, found.status)) return { rejected: { status: found.status } };
  // as Temporal ("no poller seen for task queue recently"): with no worker to answer, fail at once
  if (!(await hasRecentWorker(ctx, namespace, found.taskQueue)))
    throw new ApiError(
      'NO_WORKERS',
      `no worker polls task queue ${JSON.stringify(found.taskQueue)}: a query is answered by a running worker of the workflow's task queue`,
      { taskQueue: found.taskQueue },
    );
  const state = await waitUntilQueryable(ctx, found.runId, deadline, signal);
  // the run may have closed while the query waited for its workflow task
  if (rejects(req.rejectCondition, state.status)) return { rejected: { status: state.status } };
  const task: QueryTask = {
    queryId: randomUUID(),
    namespace,
    workflowId,
    runId: state.runId,
    workflowType: state.workflowType,
    taskQueue: state.taskQueue,
    queryType: req.queryType,
    args: req.args ?? [],
    minStartedEventId: state.lastCompletedStartedEventId,
    ...(req.header ? { header: req.header } : {}),
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
      Math.max(0, deadline - Date.now()),
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
  return a.result === undefined ? {} : { result: a.result }; // no `result`: undefined
}
