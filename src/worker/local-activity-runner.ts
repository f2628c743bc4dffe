/**
 * Runs the local activities of one workflow task, in this worker, with the worker's registered activities.
 *
 * The workflow asks for local activities in an activation. They all start at once; whenever one reaches an
 * outcome, its LocalActivity marker joins the task's commands and the workflow is activated with that outcome
 * (one outcome per activation, the lowest seq first when several are ready, so replay can redo exactly the
 * same activations from the markers). The task is answered once no local activity is pending (or the
 * workflow closed).
 *
 * Time budget: the task must be answered before its workflow task timeout, so local work stops at 80 % of it.
 *  - A failed attempt whose retry would start before that is retried here, after its backoff.
 *  - Otherwise (long backoff, or no time left) the marker says "retry after N ms": the workflow sleeps on a
 *    durable timer and asks again with the next attempt number (src/workflow/local-activities.ts).
 *  - An attempt still running when the budget ends is abandoned (its cancellation signal fires) and counts as
 *    a timed-out attempt, retried in the same way. A local activity must therefore finish well within the
 *    workflow task timeout; longer work belongs in an ordinary activity.
 */
import type { Client } from '../client/client.js';
import { decodeArgs } from '../common/payload-args.js';
import {
  CancelledFailure,
  TimeoutFailure,
  encodeActivityFailure,
  encodeFailure,
  type FailureInfo,
  type RetryState,
} from '../common/failure.js';
import type { Logger } from '../common/logger.js';
import { activityFunction, activityLogger, logActivityFailure } from './activity-executor.js';
import { decideRetry, resolveRetryPolicy, type ResolvedRetryPolicy } from '../common/retry-policy.js';
import type { CommandOf } from '../protocol/commands.js';
import { TERMINAL_COMMANDS } from '../protocol/terminal-commands.js';
import {
  LOCAL_ACTIVITY_MARKER,
  type LocalActivityBackoff,
  type LocalActivityMarkerDetails,
} from '../protocol/markers.js';
import { Context, runWithContext, withTemporalNames, type ActivityInfo } from '../activity/context.js';
import { executeActivityIntercepted, type WorkerInterceptors } from './interceptors.js';
import type { ActivationResult } from '../workflow/internal/activation.js';
import type { LocalActivityRequest } from '../workflow/internal/local-activation.js';
import type { ActivityImplementations } from './activity-executor.js';
import type { RunIdentity, WorkflowMachine } from './replay/workflow-machine.js';
import { waitForFreeSlot, type Slots } from './slots.js';

/** Share of the workflow task timeout that local activities may use. */
export const LOCAL_ACTIVITY_BUDGET_SHARE = 0.8;

type Outcome =
  | { kind: 'completed'; attempt: number; result: unknown }
  | { kind: 'failed'; attempt: number; failure: FailureInfo }
  | { kind: 'backoff'; attempt: number; backoff: LocalActivityBackoff; failure?: FailureInfo };

interface Running {
  req: LocalActivityRequest;
  /** Fires when the workflow stops waiting (cancelled) or the task ends. */
  cancel: AbortController;
  outcome?: Outcome;
  done: Promise<void>;
}

export interface LocalActivityRunnerOptions {
  activities: ActivityImplementations | undefined;
  log: Logger;
  interceptors?: WorkerInterceptors;
  /** Attempts running at once (`maxConcurrentLocalActivityExecutions`); unbounded without. */
  slots?: Slots;
  /** The worker's client, for the activities' `Context.client`. */
  client?: () => Client;
}

/** Timeouts the runner ends an attempt with (not errors the activity threw). */
const runnerTimeouts = new WeakSet<object>();

function runnerTimeout(message: string, type: 'START_TO_CLOSE' | 'SCHEDULE_TO_CLOSE'): TimeoutFailure {
  const t = new TimeoutFailure(message, undefined, type);
  runnerTimeouts.add(t);
  return t;
}

export class LocalActivityRunner {
  private readonly slots: Slots | undefined;

  constructor(private readonly opts: LocalActivityRunnerOptions) {
    this.slots = opts.slots;
  }

  /**
   * Runs local activities until none is pending or the workflow closed, activating the workflow with each
   * outcome. `first` is the result of the task's first activation; `startedAt` when the task reached the
   * worker. Returns the workflow's task failure, if an activation failed. Throws when a local activity cannot
   * run here (not registered, invalid retry policy): the workflow task fails and is retried.
   */
  async settle(
    machine: WorkflowMachine,
    first: ActivationResult,
    run: RunIdentity,
    startedAt: number,
  ): Promise<FailureInfo | undefined> {
    const budgetEnd = startedAt + machine.markers.workflowTaskTimeoutMs * LOCAL_ACTIVITY_BUDGET_SHARE;
    const budget = new AbortController();
    const timer = setTimeout(() => budget.abort(), Math.max(0, budgetEnd - Date.now()));
    const running = new Map<number, Running>();
    try {
      let r = first;
      for (;;) {
        if (r.failure) return r.failure;
        for (const c of r.localActivityCancels ?? []) {
          const x = running.get(c.seq);
          if (!x) continue;
          if (!c.abandon) x.cancel.abort(new CancelledFailure('Local activity cancelled'));
          if (c.resolved) running.delete(c.seq);
        }
        if (machine.commands.some((c) => TERMINAL_COMMANDS.has(c.type))) return undefined;
        for (const req of machine.markers.pendingLocal.values())
          if (!running.has(req.seq)) running.set(req.seq, this.start(req, run, budget.signal, budgetEnd));
        if (running.size === 0) return undefined;
        await Promise.race([...running.values()].map((x) => x.done));
        const next = [...running.values()].filter((x) => x.outcome).sort((a, b) => a.req.seq - b.req.seq)[0]!;
        running.delete(next.req.seq);
        r = machine.resolveLocalActivity(markerOf(next.req, next.outcome!));
      }
    } finally {
      clearTimeout(timer);
      for (const x of running.values())
        x.cancel.abort(new CancelledFailure('the workflow no longer waits for this local activity'));
    }
  }

  private start(req: LocalActivityRequest, run: RunIdentity, budget: AbortSignal, budgetEnd: number): Running {
    const fn = activityFunction(this.opts.activities ?? {}, req.activityType);
    if (!fn) {
      const known = Object.keys(this.opts.activities ?? {}).join(', ') || 'none';
      throw new Error(
        `local activity type ${JSON.stringify(req.activityType)} is not registered on this worker (it has: ${known}); local activities run in the worker that runs the workflow`,
      );
    }
    const policy = resolveRetryPolicy(req.retryPolicy, `local activity ${req.activityType} retry`);
    const cancel = new AbortController();
    const x: Running = { req, cancel, done: Promise.resolve() };
    x.done = this.runAttempts(fn, req, run, policy, cancel.signal, budget, budgetEnd).then(
      (o) => void (x.outcome = o),
      (e: unknown) => void (x.outcome = { kind: 'failed', attempt: req.attempt, failure: encodeFailure(e) }),
    );
    return x;
  }

  /** Attempts until success, a final failure, or a retry that must wait for a later workflow task. */
  private async runAttempts(
    fn: (...args: unknown[]) => unknown,
    req: LocalActivityRequest,
    run: RunIdentity,
    policy: ResolvedRetryPolicy,
    cancel: AbortSignal,
    budget: AbortSignal,
    budgetEnd: number,
  ): Promise<Outcome> {
    const s2cDeadline =
      req.scheduleToCloseTimeoutMs !== undefined ? req.originalScheduleTime + req.scheduleToCloseTimeoutMs : undefined;
    let attempt = req.attempt;
    let lastFailure: FailureInfo | undefined;
    for (;;) {
      if (cancel.aborted) return cancelledOutcome(req, attempt);
      if (budget.aborted) {
        // no time left in this task to even start: try again in the next one
        const backoff = { attempt, delayMs: 1, originalScheduleTime: req.originalScheduleTime };
        return { kind: 'backoff', attempt: attempt - 1, backoff, ...(lastFailure ? { failure: lastFailure } : {}) };
      }
      if (s2cDeadline !== undefined && Date.now() >= s2cDeadline)
        return final(req, attempt, 'TIMEOUT', scheduleToCloseFailure(lastFailure));
      // a free local activity slot first; the attempt's timeouts start once it has one
      const slot = await takeSlot(this.slots, cancel, budget);
      if (slot === 'cancel') return cancelledOutcome(req, attempt);
      if (slot === 'budget') continue; // the budget branch above answers
      try {
        const result = await this.attemptOnce(fn, req, run, attempt, cancel, budget, s2cDeadline);
        return { kind: 'completed', attempt, result };
      } catch (e) {
        // the runner's own timeouts stay timeouts; what the activity threw is reported as Temporal's SDK does
        lastFailure = runnerTimeouts.has(e as object) ? encodeFailure(e) : encodeActivityFailure(e);
        const ids = { activityId: req.activityId, activityType: req.activityType, attempt };
        if (!cancel.aborted)
          logActivityFailure(this.opts.log, { ...ids, workflowId: run.workflowId, runId: run.runId }, e, true);
      } finally {
        if (slot === 'taken') this.slots?.release(1);
      }
      if (cancel.aborted) return cancelledOutcome(req, attempt);
      if (lastFailure.kind === 'timeout' && lastFailure.timeoutType === 'SCHEDULE_TO_CLOSE')
        return final(req, attempt, 'TIMEOUT', lastFailure);
      const now = Date.now();
      const decision = decideRetry(policy, attempt, lastFailure, now, s2cDeadline);
      if (!decision.retry) return final(req, attempt, decision.retryState, lastFailure);
      const resumeAt = now + decision.delayMs;
      const backoffOutcome = (): Outcome => ({
        kind: 'backoff',
        attempt,
        backoff: {
          attempt: attempt + 1,
          delayMs: Math.max(1, resumeAt - Date.now()),
          originalScheduleTime: req.originalScheduleTime,
        },
        failure: lastFailure!,
      });
      if (budget.aborted || resumeAt >= budgetEnd) return backoffOutcome();
      const woke = await waitUntil(resumeAt, cancel, budget);
      if (woke === 'cancel') return cancelledOutcome(req, attempt);
      if (woke === 'budget') return backoffOutcome();
      attempt++;
    }
  }

  /** One attempt, in an activity Context (isLocal), bounded by its timeouts, the task budget and cancellation. */
  private async attemptOnce(
    fn: (...args: unknown[]) => unknown,
    req: LocalActivityRequest,
    run: RunIdentity,
    attempt: number,
    cancel: AbortSignal,
    budget: AbortSignal,
    s2cDeadline: number | undefined,
  ): Promise<unknown> {
    const abort = new AbortController();
    const onCancel = (): void => abort.abort(cancel.reason);
    const onBudget = (): void =>
      abort.abort(
        runnerTimeout(
          'local activity attempt did not finish within the workflow task (80% of the workflow task timeout)',
          'START_TO_CLOSE',
        ),
      );
    cancel.addEventListener('abort', onCancel, { once: true });
    budget.addEventListener('abort', onBudget, { once: true });
    const now = Date.now();
    const limits: Array<{ at: number; type: 'START_TO_CLOSE' | 'SCHEDULE_TO_CLOSE' }> = [];
    if (req.startToCloseTimeoutMs !== undefined)
      limits.push({ at: now + req.startToCloseTimeoutMs, type: 'START_TO_CLOSE' });
    if (s2cDeadline !== undefined) limits.push({ at: s2cDeadline, type: 'SCHEDULE_TO_CLOSE' });
    const limit = limits.sort((a, b) => a.at - b.at)[0];
    const timer = limit
      ? setTimeout(
          () => abort.abort(runnerTimeout(`local activity ${limit.type} timeout passed`, limit.type)),
          Math.max(0, limit.at - now),
        )
      : undefined;
    const info = infoOf(req, run, attempt, now);
    const log = activityLogger(this.opts.log, { ...info, namespace: run.namespace }, true);
    const ctx = new Context(info, abort, () => {}, log, this.opts.client);
    try {
      let p: Promise<unknown>;
      try {
        p = Promise.resolve(
          runWithContext(ctx, () =>
            executeActivityIntercepted(this.opts.interceptors, ctx, decodeArgs(req.args), req.headers ?? {}, fn),
          ),
        );
      } catch (e) {
        p = Promise.reject(e);
      }
      p.catch(() => {}); // abandoned on a timeout or cancellation: its own failure must not go unhandled
      const aborted = new Promise<never>((_, reject) => {
        if (abort.signal.aborted) reject(abort.signal.reason);
        else abort.signal.addEventListener('abort', () => reject(abort.signal.reason), { once: true });
      });
      aborted.catch(() => {});
      try {
        return await Promise.race([p, aborted]);
      } catch (e) {
        // the reason of an abort (timeout, cancellation) is what happened, whatever the activity threw then
        throw abort.signal.aborted ? abort.signal.reason : e;
      }
    } finally {
      clearTimeout(timer);
      cancel.removeEventListener('abort', onCancel);
      budget.removeEventListener('abort', onBudget);
    }
  }
}

function infoOf(req: LocalActivityRequest, run: RunIdentity, attempt: number, now: number): ActivityInfo {
  return withTemporalNames({
    activityId: req.activityId,
    activityType: req.activityType,
    attempt,
    workflowId: run.workflowId,
    runId: run.runId,
    workflowType: run.workflowType,
    workflowNamespace: run.namespace,
    taskQueue: run.taskQueue,
    heartbeatDetails: undefined,
    scheduledTime: new Date(req.originalScheduleTime),
    currentAttemptScheduledTime: new Date(now),
    startedTime: new Date(now),
    ...(req.startToCloseTimeoutMs !== undefined ? { startToCloseTimeoutMs: req.startToCloseTimeoutMs } : {}),
    ...(req.scheduleToCloseTimeoutMs !== undefined ? { scheduleToCloseTimeoutMs: req.scheduleToCloseTimeoutMs } : {}),
    workflowExecution: { workflowId: run.workflowId, runId: run.runId },
    idempotencyKey: `${run.workflowId}/${run.runId}/${req.activityId}`,
    isLocal: true,
    taskToken: new Uint8Array(0),
  });
}

function activityFailure(req: LocalActivityRequest, retryState: RetryState, cause: FailureInfo): FailureInfo {
  return {
    kind: 'activity',
    message: 'Local activity failed',
    activityType: req.activityType,
    activityId: req.activityId,
    retryState,
    cause,
  };
}

function final(req: LocalActivityRequest, attempt: number, retryState: RetryState, cause: FailureInfo): Outcome {
  return { kind: 'failed', attempt, failure: activityFailure(req, retryState, cause) };
}

function cancelledOutcome(req: LocalActivityRequest, attempt: number): Outcome {
  const cause = encodeFailure(new CancelledFailure('Local activity cancelled'));
  return final(req, attempt, 'CANCEL_REQUESTED', cause);
}

function scheduleToCloseFailure(last: FailureInfo | undefined): FailureInfo {
  const f = encodeFailure(
    new TimeoutFailure('local activity schedule-to-close timeout passed', undefined, 'SCHEDULE_TO_CLOSE'),
  );
  return last ? { ...f, cause: last } : f;
}

/** Takes one of `slots` (none to take without slots), waiting for a free one; tells what ended the wait. */
async function takeSlot(
  slots: Slots | undefined,
  cancel: AbortSignal,
  budget: AbortSignal,
): Promise<'taken' | 'none' | 'cancel' | 'budget'> {
  if (!slots) return 'none';
  const either = AbortSignal.any([cancel, budget]);
  for (;;) {
    if (cancel.aborted) return 'cancel';
    if (budget.aborted) return 'budget';
    if (slots.take(1) === 1) return 'taken';
    await waitForFreeSlot([slots], either);
  }
}

/** Sleeps until `at`; tells what ended the wait. */
function waitUntil(at: number, cancel: AbortSignal, budget: AbortSignal): Promise<'time' | 'cancel' | 'budget'> {
  return new Promise((resolve) => {
    const done = (why: 'time' | 'cancel' | 'budget'): void => {
      clearTimeout(t);
      cancel.removeEventListener('abort', onCancel);
      budget.removeEventListener('abort', onBudget);
      resolve(why);
    };
    const onCancel = (): void => done('cancel');
    const onBudget = (): void => done('budget');
    const t = setTimeout(() => done('time'), Math.max(0, at - Date.now()));
    cancel.addEventListener('abort', onCancel, { once: true });
    budget.addEventListener('abort', onBudget, { once: true });
  });
}

/** The RecordMarker command that records a local activity's outcome. */
function markerOf(req: LocalActivityRequest, o: Outcome): CommandOf<'RecordMarker'> {
  const details: LocalActivityMarkerDetails = {
    seq: req.seq,
    activityType: req.activityType,
    activityId: req.activityId,
    attempt: o.attempt,
    ...(o.kind === 'completed' ? { result: o.result } : {}),
    ...(o.kind === 'backoff' ? { backoff: o.backoff } : {}),
  };
  const failure = o.kind === 'completed' ? undefined : o.failure;
  return {
    type: 'RecordMarker',
    markerName: LOCAL_ACTIVITY_MARKER,
    details: { ...details },
    ...(failure ? { failure } : {}),
  };
}
