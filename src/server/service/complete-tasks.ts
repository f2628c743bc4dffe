/**
 * Task completions, in batches: a worker sends every answer it has ready in one request. Each completion is
 * one transition of its run (they commit together through group commit), except the activity outcomes of one
 * run in one batch, which are one transition together (activityOutcomeGroups). What a completion produces for the
 * same worker comes back in the answer at once instead of through a poll:
 *  - eager activities: a workflow task's new activities on the worker's own task queue;
 *  - eager workflow tasks: the next workflow task of a run this worker holds in its sticky cache.
 */
import { searchAttributeCheckerFor } from './search-attributes.js';
import { ApiError } from '../../common/api-error.js';
import { activityCanceled, completeActivity, failActivityAttempt, getActivity } from '../../engine/activity.js';
import { terminateWorkflow } from '../../engine/requests.js';
import { prepareContinuation, startContinuedTask } from '../../engine/continuation.js';
import type { Transition } from '../../engine/transition.js';
import type { SearchAttributeChecker } from '../../visibility/search-attributes.js';
import {
  completeWorkflowTask,
  failWorkflowTask,
  getWorkflowTask,
  startWorkflowTask,
  type StartedWorkflowTask,
} from '../../engine/workflow-task.js';
import type { Command } from '../../protocol/commands.js';
import type {
  ActivityTask,
  CompleteTasksRequest,
  CompleteTasksResponse,
  CompletionResult,
  TaskCompletion,
  WorkflowTask,
  WorkflowTaskCompletion,
} from '../../protocol/tasks.js';
import { UNWRITTEN_COMPLETION_CODES } from '../../protocol/tasks.js';
import type { ActivityState, ExecutionState } from '../../engine/state.js';
import { NO_WRITE } from '../run-updater.js';
import { sanitizeFailure, type FailureInfo } from '../../common/failure.js';
import type { ServerContext } from '../context.js';
import { checkJsonDepth } from '../json-depth.js';
import { checkPayload as checkPayloadSize } from '../payload-limit.js';
import { decodeTaskToken } from '../task-token.js';
import { StoreConflictError, StoreUnavailableError } from '../../store/store.js';
import { activityTaskOf, workflowTaskOf } from './dispatch.js';
import { lostStartOf, timeOutNow, undelivered } from '../lost-starts.js';

/**
 * A payload of the completion batch, checked on its own: the batch's edge allows an envelope's worth of extra
 * depth, so a run's too deep value fails that run here instead of the whole batch.
 */
function checkPayload(value: unknown, field: string, limitBytes: number): void {
  if (value === undefined) return;
  checkJsonDepth(value, field);
  checkPayloadSize(value, field, limitBytes);
}

interface Slots {
  activity: number;
  workflow: number;
}

interface EagerWorkflowTask {
  state: ExecutionState;
  started: StartedWorkflowTask;
  taskId: number;
  attempt: number;
}

export async function completeTasks(
  ctx: ServerContext,
  namespace: string,
  req: CompleteTasksRequest,
): Promise<CompleteTasksResponse> {
  ctx.pollers.seen(namespace, req.identity, ctx.clock.now());
  const slots: Slots = { activity: req.eagerActivitySlots ?? 0, workflow: req.eagerWorkflowSlots ?? 0 };
  const activityTasks: ActivityTask[] = [];
  const eagerWorkflow: EagerWorkflowTask[] = [];
  const groups = activityOutcomeGroups(namespace, req.completions);
  const results: CompletionResult[] = new Array<CompletionResult>(req.completions.length);
  // a worker that sends again what the store could not take gets each completion answered for itself: a batch
  // failed whole would make it send again those that were applied, and lose the tasks they handed out eagerly
  let unwritten: unknown;
  const failed = (e: unknown): CompletionResult => {
    const code =
      e instanceof StoreUnavailableError
        ? 'STORE_UNAVAILABLE'
        : e instanceof StoreConflictError
          ? 'CONFLICT'
          : undefined;
    if (!req.retriesUnavailable || !code) return failedCompletion(e);
    unwritten ??= e;
    return { ok: false, error: { code, message: (e as Error).message } };
  };
  const settled = await Promise.allSettled(
    req.completions.map(async (c, i): Promise<void> => {
      const group = groups.get(i);
      if (group === null) return; // answered with its group
      if (group) {
        const outcomes = await completeActivityOutcomes(ctx, namespace, req, group, slots, eagerWorkflow, failed);
        group.forEach((g, k) => (results[g.index] = outcomes[k]!));
        return;
      }
      try {
        const continuation = await completeOne(ctx, namespace, req, c, slots, activityTasks, eagerWorkflow);
        results[i] = continuation ? { ok: true, continuation } : { ok: true };
      } catch (e) {
        results[i] = failed(e);
      }
    }),
  );
  const thrown = settled.find((r) => r.status === 'rejected');
  if (thrown) {
    // the request fails whole (a bug, or a store fault for a worker that does not send completions again): the
    // tasks the applied completions started for this worker reach nobody, and are timed out at once
    undelivered(ctx, { activityTasks });
    timeOutNow(
      ctx,
      eagerWorkflow.flatMap((w) => lostStartOf(w.state, { kind: 'workflow', id: w.taskId }) ?? []),
    );
    throw thrown.reason;
  }
  // nothing of the batch applied: the request fails as the store did
  if (unwritten !== undefined && results.every((r) => !r.ok && UNWRITTEN_COMPLETION_CODES.has(r.error!.code)))
    throw unwritten;
  // an eager workflow task whose events cannot be read is left out (and timed out at once, by workflowTaskOf):
  // the rest of the answer, the completions' results and the activities started for this worker, still goes
  const built = await Promise.allSettled(
    eagerWorkflow.map((w) => workflowTaskOf(ctx, w.state, w.started, w.taskId, w.attempt, true)),
  );
  const workflowTasks: WorkflowTask[] = [];
  for (const [i, b] of built.entries()) {
    if (b.status === 'fulfilled') workflowTasks.push(b.value);
    else ctx.log.warn({ err: b.reason, runId: eagerWorkflow[i]!.state.runId }, 'could not hand out a workflow task');
  }
  return { results, workflowTasks, activityTasks };
}

/** A completion refused on its own (a stale token, a payload over the limit): its answer. Anything else is thrown. */
function failedCompletion(e: unknown): CompletionResult {
  if (e instanceof ApiError && e.status < 500) return { ok: false, error: { code: e.code, message: e.message } };
  throw e;
}

type ActivityOutcome = Extract<
  TaskCompletion,
  { kind: 'activityTaskCompleted' | 'activityTaskFailed' | 'activityTaskCanceled' }
>;
interface GroupedOutcome {
  index: number;
  c: ActivityOutcome;
  runId: string;
  seq: number;
  attempt: number;
}

/**
 * Activity outcomes of one run in one batch (a fan-out's activities ending together), applied as one transition
 * of that run: one state write and one workflow task for all of them, where one transition each wrote the
 * state N times and handed the first outcome's workflow task out before the others were in. A plain outcome (no
 * continuation) is grouped with the run's others even when the batch also holds that run's workflow task
 * completion or a continued activity, which are applied on their own: as before, when each outcome was its own
 * transition, the outcomes reach the run first (those two wait for their commands to be prepared), and while
 * the run's workflow task is running they are buffered for it. The map gives the group at its first
 * completion's index, null at the others'.
 */
function activityOutcomeGroups(
  namespace: string,
  completions: readonly TaskCompletion[],
): Map<number, GroupedOutcome[] | null> {
  const byRun = new Map<string, GroupedOutcome[]>();
  completions.forEach((c, index) => {
    let runId: string;
    let outcome: GroupedOutcome | undefined;
    try {
      if (c.kind === 'queryCompleted') return;
      const token = decodeTaskToken(c.taskToken);
      runId = token.runId;
      const plain =
        token.kind === 'activity' &&
        token.namespace === namespace &&
        c.kind !== 'workflowTaskCompleted' &&
        c.kind !== 'workflowTaskFailed' &&
        !(c.kind === 'activityTaskCompleted' && c.continuation);
      if (plain) outcome = { index, c, runId, seq: token.seq, attempt: token.attempt };
    } catch {
      return; // a malformed token: answered on its own
    }
    if (!outcome) return;
    const group = byRun.get(runId);
    if (group === undefined) byRun.set(runId, [outcome]);
    else group.push(outcome);
  });
  const out = new Map<number, GroupedOutcome[] | null>();
  for (const group of byRun.values()) {
    if (group.length < 2) continue;
    out.set(group[0]!.index, group);
    for (const g of group.slice(1)) out.set(g.index, null);
  }
  return out;
}

/** A run's activity outcomes of one batch, in one transition; each answered on its own (a stale one fails alone). */
async function completeActivityOutcomes(
  ctx: ServerContext,
  namespace: string,
  req: CompleteTasksRequest,
  group: GroupedOutcome[],
  slots: Slots,
  eagerWorkflow: EagerWorkflowTask[],
  failed: (e: unknown) => CompletionResult,
): Promise<CompletionResult[]> {
  const limit = ctx.payloadLimit(namespace);
  const results: CompletionResult[] = group.map(() => ({ ok: true }));
  const valid: number[] = [];
  group.forEach((g, k) => {
    try {
      checkOutcomePayload(g.c, limit);
      valid.push(k);
    } catch (e) {
      results[k] = failed(e);
    }
  });
  if (valid.length === 0) return results;
  let wt: EagerWorkflowTask | undefined | typeof NO_WRITE;
  try {
    wt = await ctx.updater.update(group[0]!.runId, (t) => {
      let applied = 0;
      for (const k of valid) {
        const g = group[k]!;
        let a: ActivityState;
        try {
          a = getActivity(t, g.seq, g.attempt); // checks only: a stale attempt changes nothing
        } catch (e) {
          results[k] = failed(e);
          continue;
        }
        results[k] = { ok: true };
        applyActivityOutcome(t, a, g.c);
        applied++;
      }
      return applied === 0 ? NO_WRITE : takeEagerWorkflowTask(t, slots, req.identity);
    });
  } catch (e) {
    // nothing of the group was written: each of its completions is answered so (the batch's others stand)
    const r = failed(e);
    for (const k of valid) results[k] = r;
    return results;
  }
  if (wt !== NO_WRITE && wt) eagerWorkflow.push(wt);
  return results;
}

function checkOutcomePayload(c: ActivityOutcome, limit: number): void {
  if (c.kind === 'activityTaskCompleted') checkPayload(c.result, 'result', limit);
  if (c.kind === 'activityTaskFailed') {
    checkPayload(c.failure, 'failure', limit);
    checkPayload(c.lastHeartbeatDetails, 'lastHeartbeatDetails', limit);
  }
  if (c.kind === 'activityTaskCanceled') checkPayload(c.details, 'details', limit);
}

function applyActivityOutcome(t: Transition, a: ActivityState, c: ActivityOutcome): void {
  if (c.kind === 'activityTaskCompleted') completeActivity(t, a, c.result);
  else if (c.kind === 'activityTaskFailed')
    failActivityAttempt(t, a, sanitizeFailure(c.failure), c.lastHeartbeatDetails);
  else if (a.cancelRequested) activityCanceled(t, a, c.details);
  // cancelled by its worker, not on request (the worker shut down): a failed attempt, retried (Temporal's)
  else failActivityAttempt(t, a, CANCELLED_BY_WORKER, c.details);
}

/** Hands the run's newly scheduled workflow task straight back to this worker when it has the run cached. */
function takeEagerWorkflowTask(t: Transition, slots: Slots, identity: string): EagerWorkflowTask | undefined {
  const wt = t.state.workflowTask;
  if (slots.workflow <= 0 || !wt || wt.state !== 'scheduled' || t.state.stickyIdentity !== identity) return undefined;
  if (!t.tasksAdded.some((r) => r.kind === 'workflow')) return undefined; // delayed (retry backoff) or not new
  slots.workflow--;
  const started = startWorkflowTask(t, wt.id, identity);
  return { state: t.state, started, taskId: wt.id, attempt: wt.attempt };
}

/** Applies one completion; what it hands back to the worker at once goes into activityTasks / eagerWorkflow. */
async function completeOne(
  ctx: ServerContext,
  namespace: string,
  req: CompleteTasksRequest,
  c: TaskCompletion,
  slots: Slots,
  activityTasks: ActivityTask[],
  eagerWorkflow: EagerWorkflowTask[],
): Promise<CompletionResult['continuation']> {
  if (c.kind === 'queryCompleted') {
    checkPayload(c.result, 'result', ctx.payloadLimit(namespace));
    const answer = {
      ...(c.result !== undefined ? { result: c.result } : {}),
      ...(c.failure ? { failure: sanitizeFailure(c.failure) } : {}),
      ...(c.notRegistered ? { notRegistered: true } : {}),
    };
    // nobody here waits for it: in a cluster, the query may have come in through another server
    if (!ctx.queries.answer(c.taskToken, answer)) ctx.cluster?.publishAnswer(c.taskToken, answer);
    return undefined;
  }
  const token = decodeTaskToken(c.taskToken);
  if (token.namespace !== namespace) throw new ApiError('TASK_NOT_FOUND', 'task token belongs to another namespace');
  const limit = ctx.payloadLimit(namespace);
  const identity = req.identity;

  const takeEager = (t: Transition): EagerWorkflowTask | undefined => takeEagerWorkflowTask(t, slots, identity);
  // eager tasks are handed out only once their transition has committed
  const handOut = (out: { acts: ActivityTask[]; wt: EagerWorkflowTask | undefined } | undefined): void => {
    if (!out) return;
    activityTasks.push(...out.acts);
    if (out.wt) eagerWorkflow.push(out.wt);
  };

  switch (c.kind) {
    case 'workflowTaskCompleted': {
      if (token.kind !== 'workflow') throw new ApiError('INVALID_ARGUMENT', 'not a workflow task token');
      const completion = await prepareCompletion(ctx, namespace, c, limit);
      const out = await ctx.updater.update(token.runId, (t) => {
        const acts = applyCompletion(t, token.taskId, completion, identity, req.taskQueue, slots);
        return { acts: acts ?? [], wt: takeEager(t) };
      });
      handOut(out);
      return undefined;
    }
    case 'workflowTaskFailed': {
      if (token.kind !== 'workflow') throw new ApiError('INVALID_ARGUMENT', 'not a workflow task token');
      const failure = sanitizeFailure(c.failure);
      await ctx.updater.update(token.runId, (t) =>
        failWorkflowTask(t, { id: token.taskId, cause: c.cause, failure, identity }),
      );
      return undefined;
    }
    case 'activityTaskCompleted':
    case 'activityTaskFailed':
    case 'activityTaskCanceled': {
      if (token.kind !== 'activity') throw new ApiError('INVALID_ARGUMENT', 'not an activity task token');
      checkOutcomePayload(c, limit);
      const continuation =
        c.kind === 'activityTaskCompleted' && c.continuation
          ? { claim: c.continuation, completion: await prepareCompletion(ctx, namespace, c.continuation, limit) }
          : undefined;
      const out = await ctx.updater.update(token.runId, (t) => {
        const a = getActivity(t, token.seq, token.attempt);
        const continuing = continuation !== undefined && prepareContinuation(t, continuation.claim, identity);
        applyActivityOutcome(t, a, c);
        if (!continuation) return { acts: [], wt: takeEager(t), outcome: undefined };
        const taskId = continuing ? startContinuedTask(t, continuation.claim, identity) : undefined;
        if (taskId === undefined) return { acts: [], wt: takeEager(t), outcome: 'dropped' as const };
        const acts = applyCompletion(t, taskId, continuation.completion, identity, req.taskQueue, slots);
        return acts
          ? { acts, wt: takeEager(t), outcome: 'completed' as const }
          : { acts: [], wt: takeEager(t), outcome: 'rejected' as const };
      });
      handOut(out);
      return out.outcome;
    }
  }
}

/** A workflow task's completion, checked before its run is loaded (what needs no run state, or awaits). */
interface PreparedCompletion {
  commands: Command[];
  /** The first payload over the namespace's limit, described. */
  oversized: string | undefined;
  checkSearchAttributes: SearchAttributeChecker | undefined;
  sticky: boolean;
  stickyScheduleToStartMs: number | undefined;
  buildId: string | undefined;
  sdkFlags: number[] | undefined;
  updateRejections: Array<{ updateId: string; failure: FailureInfo }> | undefined;
}

async function prepareCompletion(
  ctx: ServerContext,
  namespace: string,
  c: Pick<
    WorkflowTaskCompletion,
    'commands' | 'sticky' | 'stickyScheduleToStartTimeoutMs' | 'buildId' | 'sdkFlags' | 'updateRejections'
  >,
  limit: number,
): Promise<PreparedCompletion> {
  const commands = c.commands.map((cmd) =>
    cmd.type === 'FailWorkflowExecution'
      ? { ...cmd, failure: sanitizeFailure(cmd.failure) }
      : cmd.type === 'RecordMarker' && cmd.failure
        ? { ...cmd, failure: sanitizeFailure(cmd.failure) }
        : cmd,
  );
  return {
    commands,
    oversized: findOversizedPayload(commands, limit),
    // upserts are checked against the registry, read only when a command sets search attributes
    checkSearchAttributes: commands.some((cmd) => cmd.type === 'UpsertWorkflowSearchAttributes')
      ? await searchAttributeCheckerFor(ctx, namespace)
      : undefined,
    sticky: c.sticky ?? false,
    stickyScheduleToStartMs: c.stickyScheduleToStartTimeoutMs,
    buildId: c.buildId,
    sdkFlags: c.sdkFlags?.length ? [...new Set(c.sdkFlags)] : undefined,
    updateRejections: c.updateRejections?.map((r) => ({ ...r, failure: sanitizeFailure(r.failure) })),
  };
}

/**
 * Completes the started workflow task `taskId` with its commands; returns the activities started eagerly on
 * this worker, or undefined when the task was not completed (a payload over the limit terminates the run; invalid
 * commands fail the task).
 */
function applyCompletion(
  t: Transition,
  taskId: number,
  p: PreparedCompletion,
  identity: string,
  taskQueue: string | undefined,
  slots: Slots,
): ActivityTask[] | undefined {
  if (p.oversized) {
    getWorkflowTask(t, taskId, 'started');
    failWorkflowTask(t, {
      id: taskId,
      cause: 'PAYLOAD_TOO_LARGE',
      failure: { kind: 'application', message: p.oversized, type: 'PayloadTooLarge', nonRetryable: true },
      identity,
    });
    terminateWorkflow(t, { reason: p.oversized, identity: 'weft-server' });
    return undefined;
  }
  const r = completeWorkflowTask(t, {
    id: taskId,
    commands: p.commands,
    identity,
    ...(p.buildId ? { buildId: p.buildId } : {}),
    ...(p.sdkFlags ? { sdkFlags: p.sdkFlags } : {}),
    sticky: p.sticky,
    ...(p.stickyScheduleToStartMs !== undefined ? { stickyScheduleToStartMs: p.stickyScheduleToStartMs } : {}),
    ...(taskQueue ? { eager: { taskQueue, activitySlots: slots.activity } } : {}),
    ...(p.checkSearchAttributes ? { checkSearchAttributes: p.checkSearchAttributes } : {}),
    ...(p.updateRejections ? { updateRejections: p.updateRejections } : {}),
  });
  if (r.rejected !== undefined) return undefined;
  slots.activity -= r.eagerActivitySeqs.length;
  const scheduledOf = new Map(
    p.commands.flatMap((c) =>
      c.type === 'ScheduleActivityTask'
        ? [[c.seq, { input: c.input, ...(c.header ? { header: c.header } : {}) }] as const]
        : [],
    ),
  );
  return r.eagerActivitySeqs.map((seq) =>
    activityTaskOf(t.state, t.state.activities[seq]!, scheduledOf.get(seq) ?? { input: [] }),
  );
}

const CANCELLED_BY_WORKER: FailureInfo = {
  kind: 'application',
  message: 'the activity was cancelled by its worker without a cancellation request (the worker shut down)',
  type: 'CancelledFailure',
  nonRetryable: false,
};

/** Describes the first command payload over the limit, if any. */
function findOversizedPayload(commands: Command[], limit: number): string | undefined {
  for (const cmd of commands) {
    try {
      if (cmd.type === 'ScheduleActivityTask') {
        checkPayload(cmd.input, `input of activity ${cmd.activityType}`, limit);
        checkPayload(cmd.userMetadata, `summary of activity ${cmd.activityType}`, limit);
      } else if (cmd.type === 'StartTimer') checkPayload(cmd.userMetadata, 'timer summary', limit);
      else if (cmd.type === 'CompleteWorkflowExecution') checkPayload(cmd.result, 'workflow result', limit);
      else if (cmd.type === 'FailWorkflowExecution') checkPayload(cmd.failure, 'workflow failure', limit);
      else if (cmd.type === 'CancelWorkflowExecution') checkPayload(cmd.details, 'cancellation details', limit);
      else if (cmd.type === 'CompleteWorkflowUpdate') checkPayload(cmd.result, 'update result', limit);
      else if (cmd.type === 'StartChildWorkflowExecution') {
        checkPayload(cmd.input, 'child workflow input', limit);
        checkPayload(cmd.userMetadata, 'child workflow user metadata', limit);
      } else if (cmd.type === 'SignalExternalWorkflowExecution') checkPayload(cmd.input, 'signal input', limit);
      else if (cmd.type === 'ContinueAsNewWorkflowExecution') checkPayload(cmd.input, 'continue-as-new input', limit);
      else if (cmd.type === 'RecordMarker') checkPayload(cmd.details, `details of marker ${cmd.markerName}`, limit);
      else if (cmd.type === 'ModifyWorkflowProperties') checkPayload(cmd.upsertedMemo, 'upserted memo', limit);
    } catch (e) {
      if (e instanceof ApiError) return e.message;
      throw e;
    }
  }
  return undefined;
}
