/**
 * Runs schedules: when a schedule's timer fires (or a request changes it), its decisions are carried out one
 * step at a time, each step committed together with the schedule's new state: a workflow start and the
 * schedule's progress are one mutation, so a crash can repeat a decision but never a start. Steps of one
 * schedule run one after another in this process; another server doing the same meets a version conflict and
 * decides again from what was committed.
 */
import { ApiError } from '../../common/api-error.js';
import { requestCancelWorkflow, terminateWorkflow } from '../../engine/requests.js';
import type { ScheduleRef } from '../../engine/state.js';
import type { ExecutionStatus } from '../../protocol/status.js';
import {
  nextStep,
  nextWake,
  recordStart,
  recordStartRefused,
  workflowClosed,
  type ScheduleStep,
} from '../../schedules/scheduler.js';
import type { ScheduleState } from '../../schedules/state.js';
import { StoreConflictError, type ScheduleWrite } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import type { CommitItem } from '../run-updater.js';
import { planStart, resolveStart } from './start-workflow.js';

/** Steps one wake-up may take before it lets others run (it re-arms its timer at once when more is due). */
const MAX_STEPS = 200;
const MAX_CONFLICTS = 20;

const chains = new WeakMap<ServerContext, Map<string, Promise<unknown>>>();

/** Runs `fn` after the schedule's previous work in this process. */
export function serially<T>(
  ctx: ServerContext,
  namespace: string,
  scheduleId: string,
  fn: () => Promise<T>,
): Promise<T> {
  let m = chains.get(ctx);
  if (!m) chains.set(ctx, (m = new Map()));
  const key = `${namespace}\u0000${scheduleId}`;
  const prev = m.get(key) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const tail = next.catch(() => undefined);
  m.set(key, tail);
  void tail.then(() => {
    if (m.get(key) === tail) m.delete(key);
  });
  return next;
}

export function scheduleWrite(s: ScheduleState, expectedVersion: number, now: number): ScheduleWrite {
  const wake = nextWake(s, now);
  return { namespace: s.namespace, scheduleId: s.scheduleId, state: s, expectedVersion, wakeAt: wake ?? null };
}

/** Carries out what is due for the schedule. `fromTimer`: its timer row fired and must be re-armed. */
export function runSchedule(
  ctx: ServerContext,
  namespace: string,
  scheduleId: string,
  fromTimer = false,
): Promise<void> {
  return serially(ctx, namespace, scheduleId, () => runSteps(ctx, namespace, scheduleId, fromTimer));
}

async function runSteps(ctx: ServerContext, namespace: string, scheduleId: string, fromTimer: boolean): Promise<void> {
  let conflicts = 0;
  let mustWrite = fromTimer;
  for (let steps = 0; steps < MAX_STEPS;) {
    const stored = await ctx.store.getSchedule(namespace, scheduleId);
    if (!stored) return;
    const s = structuredClone(stored.state);
    const now = ctx.clock.now();
    const step = nextStep(s, now, ctx.config.scheduleLimits);
    try {
      if (step.kind === 'idle') {
        if (mustWrite || JSON.stringify(s) !== JSON.stringify(stored.state))
          await ctx.updater.commit([], [], [scheduleWrite(s, stored.version, now)]);
        return;
      }
      steps++;
      mustWrite = false;
      if (step.kind === 'cancel') {
        const items = await runTransitions(ctx, step.runs, (t) =>
          requestCancelWorkflow(t, {
            reason: `schedule ${scheduleId}: overlap policy CANCEL_OTHER`,
            identity: 'weft-scheduler',
          }),
        );
        await ctx.updater.commit(items, [], [scheduleWrite(s, stored.version, now)]);
        continue;
      }
      await startAction(ctx, s, stored.version, step, now);
    } catch (e) {
      if (e instanceof StoreConflictError && ++conflicts < MAX_CONFLICTS) continue;
      throw e;
    }
  }
}

/** Transitions of other runs to commit with a step (terminate or cancel the running ones); closed ones are left. */
async function runTransitions(
  ctx: ServerContext,
  runs: ReadonlyArray<{ runId: string }>,
  apply: (t: CommitItem['transition']) => void,
): Promise<CommitItem[]> {
  const items: CommitItem[] = [];
  for (const r of runs) {
    let item: CommitItem;
    try {
      item = await ctx.updater.begin(r.runId);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'WORKFLOW_NOT_FOUND') continue;
      throw e;
    }
    if (item.transition.state.status !== 'Running' || item.transition.state.cancelRequested) continue;
    apply(item.transition);
    items.push(item);
  }
  return items;
}

async function startAction(
  ctx: ServerContext,
  s: ScheduleState,
  version: number,
  step: Extract<ScheduleStep, { kind: 'start' }>,
  now: number,
): Promise<void> {
  const a = s.action;
  const req = {
    workflowId: step.workflowId,
    workflowType: a.workflowType,
    taskQueue: a.taskQueue,
    args: a.args,
    ...(a.workflowExecutionTimeoutMs ? { workflowExecutionTimeout: a.workflowExecutionTimeoutMs } : {}),
    ...(a.workflowRunTimeoutMs ? { workflowRunTimeout: a.workflowRunTimeoutMs } : {}),
    ...(a.workflowTaskTimeoutMs ? { workflowTaskTimeout: a.workflowTaskTimeoutMs } : {}),
    ...(a.retry ? { retry: a.retry } : {}),
    ...(a.memo ? { memo: a.memo } : {}),
    ...(a.searchAttributes ? { searchAttributes: a.searchAttributes } : {}),
    ...(a.userMetadata ? { userMetadata: a.userMetadata } : {}),
    ...(a.priority ? { priority: a.priority } : {}),
    identity: `weft-scheduler (schedule ${s.scheduleId})`,
  };
  const terminate = await runTransitions(ctx, step.terminate, (t) =>
    terminateWorkflow(t, {
      reason: `schedule ${s.scheduleId}: overlap policy TERMINATE_OTHER`,
      identity: 'weft-scheduler',
    }),
  );
  let plan;
  try {
    const resolved = await resolveStart(ctx, s.namespace, req, true);
    plan = await planStart(ctx, s.namespace, req, resolved, {
      scheduleRef: { namespace: s.namespace, scheduleId: s.scheduleId },
    });
  } catch (e) {
    if (!(e instanceof ApiError) || e.status >= 500) throw e;
    // the workflow id is taken, or the action is not valid any more: counted, and the schedule goes on
    ctx.log.warn(
      { scheduleId: s.scheduleId, workflowId: step.workflowId, err: e.message },
      'schedule action not started',
    );
    recordStartRefused(s);
    await ctx.updater.commit(terminate, [], [scheduleWrite(s, version, now)]);
    return;
  }
  if (plan.kind === 'existing') {
    recordStartRefused(s);
    await ctx.updater.commit(terminate, [], [scheduleWrite(s, version, now)]);
    return;
  }
  recordStart(s, step, plan.runId, now);
  await ctx.updater.commit([...terminate, ...plan.items], plan.currentRuns, [scheduleWrite(s, version, now)]);
}

/**
 * Changes the schedule's newest state with `apply` and writes it with its next wake-up, after the schedule's
 * earlier work in this process, reading it again when another writer got there first. `apply` may answer false
 * (nothing to write) or 'delete'. Resolves false when the schedule does not exist.
 */
export function changeSchedule(
  ctx: ServerContext,
  namespace: string,
  scheduleId: string,
  apply: (s: ScheduleState, version: number, now: number) => boolean | 'delete' | void,
): Promise<boolean> {
  return serially(ctx, namespace, scheduleId, async () => {
    for (let attempt = 0; ; attempt++) {
      const stored = await ctx.store.getSchedule(namespace, scheduleId);
      if (!stored) return false;
      const s = structuredClone(stored.state);
      const now = ctx.clock.now();
      const what = apply(s, stored.version, now);
      if (what === false) return true;
      const write = scheduleWrite(s, stored.version, now);
      try {
        await ctx.updater.commit([], [], [what === 'delete' ? { ...write, deleted: true, wakeAt: null } : write]);
        return true;
      } catch (e) {
        if (e instanceof StoreConflictError && attempt < MAX_CONFLICTS) continue;
        throw e;
      }
    }
  });
}

/** A workflow a schedule started has closed (an outbox effect of its last run). */
export async function scheduleWorkflowClosed(
  ctx: ServerContext,
  ref: ScheduleRef,
  workflowId: string,
  status: ExecutionStatus,
): Promise<void> {
  await changeSchedule(ctx, ref.namespace, ref.scheduleId, (s) => workflowClosed(s, workflowId, status));
  // a buffered action may start now
  await runSchedule(ctx, ref.namespace, ref.scheduleId);
}
