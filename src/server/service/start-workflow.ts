/**
 * Start a workflow: apply the workflow id's reuse and conflict policies, then create the run and point the
 * workflow id at it in one mutation. A retried request with the same request id returns the run it started.
 */
import { checkStartSearchAttributes } from './search-attributes.js';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../common/api-error.js';
import { newRunId } from '../../common/ids.js';
import { InvalidDurationError, optionalMs } from '../../common/duration.js';
import { InvalidRetryPolicyError, resolveRetryPolicy, type ResolvedRetryPolicy } from '../../common/retry-policy.js';
import { invalidCronSchedule } from '../../engine/cron.js';
import { startRun } from '../../engine/start.js';
import type { ParentInfo, ScheduleRef, WorkflowExecutionRef } from '../../engine/state.js';
import { signalWorkflow as signalRun, terminateWorkflow } from '../../engine/requests.js';
import { requestUpdate } from '../../engine/updates.js';
import type { Transition } from '../../engine/transition.js';
import { startWorkflowTask, type StartedWorkflowTask } from '../../engine/workflow-task.js';
import { workflowTaskOf } from './dispatch.js';
import type { StartWorkflowRequest, StartWorkflowResponse } from '../../protocol/api.js';
import { StoreConflictError, type CurrentRun, type CurrentRunWrite } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import { checkPayload } from '../payload-limit.js';
import type { CommitItem } from '../run-updater.js';
import { workflowResult } from './workflow-result.js';

const FAILED_STATUSES = new Set(['Failed', 'Cancelled', 'Terminated', 'TimedOut']);

export interface ResolvedStart {
  taskQueue: string;
  workflowExecutionTimeoutMs: number | undefined;
  workflowRunTimeoutMs: number | undefined;
  workflowTaskTimeoutMs: number | undefined;
  retryPolicy: ResolvedRetryPolicy | undefined;
  /** Temporal's startDelay: the first workflow task waits this long (WorkflowExecutionStarted's backoff). */
  startDelayMs?: number | undefined;
}

function requiresRegistration(ctx: ServerContext, namespace: string): boolean {
  const list = ctx.config.requireRegisteredTypes;
  return list.includes(namespace) || list.includes('*');
}

/** Applies the registered definition's defaults and checks durations and the retry policy. */
export async function resolveStart(
  ctx: ServerContext,
  namespace: string,
  req: StartWorkflowRequest,
  unregisteredOk = false,
): Promise<ResolvedStart> {
  const def = await ctx.getDefinition(namespace, req.workflowType);
  if (!def) {
    // as Temporal: a start names its task queue and waits there for a worker serving the type, unless this
    // namespace asks for registered types only (children and schedule actions name their queue: always allowed)
    const guard = requiresRegistration(ctx, namespace) && !unregisteredOk;
    if (guard || !req.taskQueue)
      throw new ApiError(
        'UNKNOWN_WORKFLOW_TYPE',
        guard
          ? `workflow type ${JSON.stringify(req.workflowType)} is not registered in namespace ${namespace}, which starts registered types only: start a worker that serves it, or register it (weft workflow register)`
          : `workflow type ${JSON.stringify(req.workflowType)} is not registered in namespace ${namespace}: give a taskQueue (a worker serving the type picks it up there), or register the type (weft workflow register)`,
        { workflowType: req.workflowType },
      );
  }
  const d = (def?.defaults ?? {}) as Partial<StartWorkflowRequest>;
  try {
    const retry = req.retry ?? d.retry;
    return {
      taskQueue: (req.taskQueue ?? def?.taskQueue)!,
      workflowExecutionTimeoutMs:
        optionalMs(req.workflowExecutionTimeout ?? d.workflowExecutionTimeout, 'workflowExecutionTimeout') || undefined,
      workflowRunTimeoutMs:
        optionalMs(req.workflowRunTimeout ?? d.workflowRunTimeout, 'workflowRunTimeout') || undefined,
      workflowTaskTimeoutMs:
        optionalMs(req.workflowTaskTimeout ?? d.workflowTaskTimeout, 'workflowTaskTimeout') || undefined,
      retryPolicy: retry ? resolveRetryPolicy(retry, 'retry') : undefined,
      startDelayMs: optionalMs(req.startDelay, 'startDelay') || undefined,
    };
  } catch (e) {
    if (e instanceof InvalidDurationError) throw new ApiError('INVALID_DURATION', e.message, { field: e.field });
    if (e instanceof InvalidRetryPolicyError) throw new ApiError('INVALID_ARGUMENT', e.message);
    throw e;
  }
}

type UpdateRequestInput = Parameters<typeof requestUpdate>[1];

/** What comes with a start in the same transaction (signal-with-start, update-with-start). */
export interface StartExtras {
  signal?: { signalName: string; args: unknown[]; identity?: string; requestId?: string };
  /** Update-with-start: the update goes to the running run (USE_EXISTING), or into the new run's first task. */
  update?: UpdateRequestInput;
  /** A child workflow's start: its parent, and no registration needed (the parent names the task queue). */
  parent?: ParentInfo;
  /** A child's root run. */
  root?: WorkflowExecutionRef;
  /** A schedule's action: the schedule hears when the workflow closes. */
  scheduleRef?: ScheduleRef;
}

export async function startWorkflow(
  ctx: ServerContext,
  namespace: string,
  req: StartWorkflowRequest,
  signal?: AbortSignal,
): Promise<StartWorkflowResponse> {
  await checkStartSearchAttributes(ctx, namespace, req.searchAttributes);
  const started = await startWorkflowWith(ctx, namespace, req, {}, true);
  if (!req.waitMs) return started;
  const outcome = await workflowResult(
    ctx,
    namespace,
    req.workflowId,
    { runId: started.runId, waitMs: req.waitMs },
    signal,
  );
  return outcome.status === 'Running' ? started : { ...started, result: outcome };
}

export async function startWorkflowWith(
  ctx: ServerContext,
  namespace: string,
  req: StartWorkflowRequest,
  extras: StartExtras,
  optimistic = false,
): Promise<StartWorkflowResponse> {
  checkPayload(req.args, 'args', ctx.payloadLimit(namespace));
  checkPayload(req.memo, 'memo', ctx.payloadLimit(namespace));
  checkPayload(req.userMetadata, 'userMetadata', ctx.payloadLimit(namespace));
  const badCron = req.cronSchedule === undefined ? undefined : invalidCronSchedule(req.cronSchedule);
  if (badCron) throw new ApiError('INVALID_ARGUMENT', badCron, { field: 'cronSchedule' });
  if (req.cronSchedule !== undefined && req.startDelay !== undefined)
    throw new ApiError('INVALID_ARGUMENT', 'startDelay cannot be used with cronSchedule (as in Temporal)', {
      field: 'startDelay',
    });
  const resolved = await resolveStart(ctx, namespace, req, extras.parent !== undefined);
  for (let attempt = 1; ; attempt++) {
    try {
      // optimistic: the first attempt assumes the workflow id is new and skips reading its current run; the
      // store refuses the write if it is not (a conflict, nothing written), and the next attempt reads it
      return await tryStart(ctx, namespace, req, resolved, extras, optimistic && attempt === 1);
    } catch (e) {
      if (!(e instanceof StoreConflictError)) throw e;
      // another start of the same workflow id won a race: decide again against the run it created. Many
      // starts racing with TERMINATE_EXISTING each win in turn; past a bound, the loser is told who won.
      if (attempt >= MAX_START_ATTEMPTS) {
        const current = await ctx.store.getCurrentRun(namespace, req.workflowId);
        if (!current) throw e;
        throw alreadyStarted(req.workflowId, current);
      }
      if (attempt > 2) await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

const MAX_START_ATTEMPTS = 20;

async function tryStart(
  ctx: ServerContext,
  namespace: string,
  req: StartWorkflowRequest,
  r: ResolvedStart,
  extras: StartExtras,
  assumeNew: boolean,
): Promise<StartWorkflowResponse> {
  const plan = await planStart(ctx, namespace, req, r, extras, assumeNew);
  if (plan.kind === 'existing') return plan.response;
  const eager = req.eagerWorkflowTask
    ? startEagerly(plan.items.at(-1)!.transition, req.eagerWorkflowTask.identity)
    : undefined;
  await ctx.updater.commit(plan.items, plan.currentRuns);
  if (!eager) return { runId: plan.runId, started: true };
  const t = plan.items.at(-1)!.transition;
  const task = await workflowTaskOf(ctx, t.state, eager.started, eager.taskId, eager.attempt, false);
  return { runId: plan.runId, started: true, eagerWorkflowTask: task };
}

/**
 * Eager start: the new run's first workflow task is started for `identity` in the start's own transition, and
 * handed back in the answer. Not when the first task waits (a start delay, a cron schedule).
 */
function startEagerly(
  t: Transition,
  identity: string,
): { started: StartedWorkflowTask; taskId: number; attempt: number } | undefined {
  const wt = t.state.workflowTask;
  if (wt?.state !== 'scheduled' || !t.tasksAdded.some((row) => row.kind === 'workflow')) return undefined;
  const started = startWorkflowTask(t, wt.id, identity);
  return { started, taskId: wt.id, attempt: wt.attempt };
}

/** A start decided but not committed: the caller commits it, possibly with more (a schedule's progress). */
export type StartPlan =
  | { kind: 'existing'; response: StartWorkflowResponse }
  | { kind: 'new'; runId: string; items: CommitItem[]; currentRuns: CurrentRunWrite[] };

/**
 * Decides a start against the workflow id's current run (reuse and conflict policies) and builds the new run's
 * first transition, without committing. Throws WORKFLOW_ALREADY_STARTED when the policies refuse. With
 * `assumeNew` the current run is not read: the plan expects none, and its commit conflicts if there is one.
 */
export async function planStart(
  ctx: ServerContext,
  namespace: string,
  req: StartWorkflowRequest,
  r: ResolvedStart,
  extras: StartExtras,
  assumeNew = false,
): Promise<StartPlan> {
  const current = assumeNew ? undefined : await ctx.store.getCurrentRun(namespace, req.workflowId);
  const items: CommitItem[] = [];
  if (current) {
    const existing = await ctx.cache.get(current.runId);
    if (req.requestId && existing.state.startRequestId === req.requestId)
      return { kind: 'existing', response: { runId: current.runId, started: false } };
    // the same request again after the run it started went on to a later run (continued as new, retried, cron):
    // that chain is this request's start (a parent's child start repeated, say), not a conflict
    const first = existing.state.firstExecutionRunId;
    if (req.requestId && first !== current.runId) {
      const firstRun = await ctx.cache.get(first).catch((e: unknown) => {
        if (e instanceof ApiError && e.code === 'WORKFLOW_NOT_FOUND') return undefined;
        throw e;
      });
      if (firstRun?.state.startRequestId === req.requestId)
        return { kind: 'existing', response: { runId: first, started: false } };
    }
    if (existing.state.status === 'Running') {
      const conflict =
        req.workflowIdConflictPolicy ??
        (req.workflowIdReusePolicy === 'TERMINATE_IF_RUNNING' ? 'TERMINATE_EXISTING' : 'FAIL');
      if (conflict === 'USE_EXISTING') {
        const sig = extras.signal;
        const upd = extras.update;
        if (sig || upd) {
          try {
            await ctx.updater.update(current.runId, (t) => {
              if (sig) signalRun(t, sig);
              if (upd) requestUpdate(t, upd);
              // a signal-with-start (an update-with-start too) ends a delayed start, unlike a plain signal (Temporal's)
              t.endStartBackoff();
            });
          } catch (e) {
            // it closed meanwhile: decide again (a new run starts)
            if (e instanceof ApiError && e.code === 'WORKFLOW_NOT_RUNNING') throw new StoreConflictError(e.message);
            throw e;
          }
        }
        return { kind: 'existing', response: { runId: current.runId, started: false } };
      }
      if (conflict === 'FAIL') throw alreadyStarted(req.workflowId, current);
      const item = await ctx.updater.begin(current.runId);
      terminateWorkflow(item.transition, {
        reason: 'terminated by a new start (TERMINATE_EXISTING)',
        identity: req.identity ?? 'weft',
      });
      items.push(item);
    } else {
      const reuse = req.workflowIdReusePolicy ?? 'ALLOW_DUPLICATE';
      if (reuse === 'REJECT_DUPLICATE') throw alreadyStarted(req.workflowId, current);
      if (reuse === 'ALLOW_DUPLICATE_FAILED_ONLY' && !FAILED_STATUSES.has(existing.state.status))
        throw alreadyStarted(req.workflowId, current);
    }
  }
  const runId = newRunId();
  const t = startRun(
    {
      namespace,
      workflowId: req.workflowId,
      runId,
      workflowType: req.workflowType,
      taskQueue: r.taskQueue,
      input: req.args ?? [],
      ...(r.workflowExecutionTimeoutMs ? { workflowExecutionTimeoutMs: r.workflowExecutionTimeoutMs } : {}),
      ...(r.workflowRunTimeoutMs ? { workflowRunTimeoutMs: r.workflowRunTimeoutMs } : {}),
      ...(r.workflowTaskTimeoutMs ? { workflowTaskTimeoutMs: r.workflowTaskTimeoutMs } : {}),
      ...(r.retryPolicy ? { retryPolicy: r.retryPolicy } : {}),
      ...(req.memo ? { memo: req.memo } : {}),
      ...(req.searchAttributes ? { searchAttributes: req.searchAttributes } : {}),
      ...(req.userMetadata ? { userMetadata: req.userMetadata } : {}),
      ...(req.priority ? { priority: req.priority } : {}),
      ...(req.identity ? { identity: req.identity } : {}),
      ...(req.requestId ? { requestId: req.requestId } : {}),
      ...(req.header ? { header: req.header } : {}),
      ...(req.cronSchedule ? { cronSchedule: req.cronSchedule } : {}),
      ...(r.startDelayMs ? { firstWorkflowTaskBackoffMs: r.startDelayMs } : {}),
      randomnessSeed: randomUUID(),
      ...(extras.parent ? { parent: extras.parent } : {}),
      ...(extras.root ? { root: extras.root } : {}),
      ...(extras.scheduleRef ? { scheduleRef: extras.scheduleRef } : {}),
    },
    ctx.clock.now(),
  );
  if (extras.signal) signalRun(t, extras.signal);
  if (extras.update) requestUpdate(t, extras.update);
  items.push({ transition: t, baseVersion: 0 });
  return {
    kind: 'new',
    runId,
    items,
    currentRuns: [
      { namespace, workflowId: req.workflowId, runId, status: 'Running', expectedRunId: current?.runId ?? null },
    ],
  };
}

function alreadyStarted(workflowId: string, current: CurrentRun): ApiError {
  return new ApiError(
    'WORKFLOW_ALREADY_STARTED',
    `workflow ${JSON.stringify(workflowId)} already has a run (${current.runId}, ${current.status})`,
    { workflowId, runId: current.runId, status: current.status },
  );
}
