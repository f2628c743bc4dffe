/**
 * The schedule's decisions, pure: given its state and the time, what to do next. The server applies one step
 * at a time and commits each with the schedule's new state (a workflow start and the schedule's progress in one
 * mutation), so a crash between deciding and starting repeats the decision, never the start.
 */
import type { ExecutionStatus } from '../protocol/status.js';
import { jitterOf, nextNominalTime, nominalTimesBetween } from './spec.js';
import { RECENT_ACTIONS_KEPT, type PendingAction, type ScheduleState } from './state.js';

export type RunningEntry = ScheduleState['running'][number];

export type ScheduleStep =
  /** Start a workflow for `action` (and first terminate `terminate`: TERMINATE_OTHER). */
  | { kind: 'start'; action: PendingAction; workflowId: string; terminate: RunningEntry[] }
  /** Ask the running workflows to cancel (CANCEL_OTHER); the action waits in the buffer. */
  | { kind: 'cancel'; runs: RunningEntry[] }
  /** Nothing to do now (the state may still have changed: times skipped, counted). */
  | { kind: 'idle' };

/** Missed times counted one by one at most this many per step; beyond, the schedule jumps ahead. */
const MISSED_COUNT_LIMIT = 1_000;
/** Nominal times of a backfill turned into pending actions per step. */
const BACKFILL_CHUNK = 100;

/** How much one schedule may do at once (server configuration; docs/limits.md). */
export interface ScheduleLimits {
  /** Spec times taken in one catch-up (the oldest due, as Temporal's buffer); later ones until now are skipped. */
  maxCatchupActions: number;
  /** Nominal times a schedule's pending backfills (and triggers) may hold; a backfill beyond is refused. */
  maxBackfillActions: number;
}

export const DEFAULT_SCHEDULE_LIMITS: ScheduleLimits = { maxCatchupActions: 1_000, maxBackfillActions: 10_000 };

/** The id of the workflow an action starts: the prefix and the nominal time, to the second when it is whole. */
export function actionWorkflowId(s: ScheduleState, nominalTime: number): string {
  const iso = new Date(nominalTime).toISOString().replace('.000Z', 'Z');
  return `${s.action.workflowId ?? s.scheduleId}-${iso}`;
}

/**
 * Decides the next step and changes `s` (a private copy) accordingly. Call it again after carrying out a
 * 'start' or 'cancel' step (and recording the started run with `recordStart`), until it answers 'idle'.
 */
export function nextStep(
  s: ScheduleState,
  now: number,
  limits: ScheduleLimits = DEFAULT_SCHEDULE_LIMITS,
): ScheduleStep {
  for (;;) {
    // 1. a buffered action whose turn has come; one from the spec only while actions remain (as Temporal, which
    // checks the limit again when it starts a buffered action and drops it when none remain)
    if (s.buffered.length > 0 && s.running.length === 0 && !s.paused) {
      const action = s.buffered.shift()!;
      if (!action.manual && actionsUsedUp(s)) continue;
      return startStep(s, action, []);
    }
    // 2. triggers and backfills (also while paused, as Temporal)
    if (s.manual.length === 0 && s.backfills.length > 0) expandBackfill(s);
    const manual = s.manual.shift();
    if (manual) {
      const step = applyOverlap(s, manual);
      if (step) return step;
      continue;
    }
    // 3. the spec's next time, once it (and its jitter) is due
    const next = nextNominalTime(s.spec, s.lastProcessedTime);
    if (next === undefined || next + jitterOf(s.spec, s.scheduleId, next) > now) return { kind: 'idle' };
    if (s.paused || actionsUsedUp(s)) {
      // nothing is taken while paused or used up, nor counted: jump to now in one step, however long it has
      // been (every way out of it, unpause or more actions, goes on from now too)
      s.lastProcessedTime = Math.max(next, now);
      continue;
    }
    const windowStart = now - s.policies.catchupWindowMs;
    if (next < windowStart) {
      skipMissed(s, windowStart);
      continue;
    }
    if (!boundCatchup(s, next, now, limits.maxCatchupActions)) continue;
    s.lastProcessedTime = next;
    const step = applyOverlap(s, { nominalTime: next, overlap: s.policies.overlap, manual: false });
    if (step) return step;
  }
}

/** A schedule limited to a number of actions from its spec that took them all. */
const actionsUsedUp = (s: ScheduleState): boolean => s.limitedActions && s.remainingActions <= 0;

/** Counts (up to a limit) and skips the nominal times older than the catch-up window. */
function skipMissed(s: ScheduleState, windowStart: number): void {
  const missed = nominalTimesBetween(s.spec, s.lastProcessedTime, windowStart - 1, MISSED_COUNT_LIMIT);
  s.counters.missedCatchupWindow += missed.length;
  s.lastProcessedTime =
    missed.length === MISSED_COUNT_LIMIT ? windowStart - 1 : (missed[missed.length - 1] ?? windowStart - 1);
}

/**
 * Bounds a catch-up (the server was down, or the schedule's runner fell behind): when more spec times are due
 * at once than `limit`, the oldest `limit` are taken and the rest until now are skipped and counted as missed,
 * as Temporal drops what overflows its buffer. The count is made once per stretch of due times, not per step.
 * Returns false when it skipped times (decide again).
 */
function boundCatchup(s: ScheduleState, next: number, now: number, limit: number): boolean {
  const c = s.catchup;
  if (c && next <= c.takeUntil) return true;
  if (c) {
    delete s.catchup;
    if (c.skipUntil > s.lastProcessedTime) {
      skipMissed(s, c.skipUntil + 1);
      return false;
    }
  }
  const due = nominalTimesBetween(s.spec, s.lastProcessedTime, now, limit + 1);
  if (due.length > limit) s.catchup = { takeUntil: due[limit - 1]!, skipUntil: now };
  else if (due.length > 1) s.catchup = { takeUntil: due[due.length - 1]!, skipUntil: due[due.length - 1]! };
  return true;
}

/** Nominal times waiting in the schedule's triggers and backfills (bounded by `maxBackfillActions`). */
export function pendingManualActions(s: ScheduleState): number {
  let n = s.manual.length;
  for (const b of s.backfills) n += b.remaining ?? 0;
  return n;
}

function expandBackfill(s: ScheduleState): void {
  const b = s.backfills[0]!;
  const times = nominalTimesBetween(s.spec, b.fromExclusive, b.to, BACKFILL_CHUNK);
  if (b.remaining !== undefined) b.remaining = Math.max(0, b.remaining - times.length);
  for (const t of times) s.manual.push({ nominalTime: t, overlap: b.overlap, manual: true });
  if (times.length < BACKFILL_CHUNK) s.backfills.shift();
  else b.fromExclusive = times[times.length - 1]!;
}

/** What the overlap policy makes of an action; undefined when it was skipped or buffered without more to do. */
function applyOverlap(s: ScheduleState, action: PendingAction): ScheduleStep | undefined {
  if (s.running.length === 0 || action.overlap === 'ALLOW_ALL') return startStep(s, action, []);
  switch (action.overlap) {
    case 'SKIP':
      s.counters.skippedOverlap++;
      return undefined;
    case 'BUFFER_ONE':
      if (s.buffered.length === 0) s.buffered.push(action);
      else s.counters.bufferDropped++;
      return undefined;
    case 'BUFFER_ALL':
      s.buffered.push(action);
      return undefined;
    case 'CANCEL_OTHER':
      // the new action starts once the others have closed (as Temporal): at most one waits
      if (s.buffered.length === 0) s.buffered.push(action);
      else s.buffered[0] = action;
      return { kind: 'cancel', runs: [...s.running] };
    case 'TERMINATE_OTHER': {
      const terminate = [...s.running];
      s.running = [];
      return startStep(s, action, terminate);
    }
  }
  return undefined;
}

function startStep(s: ScheduleState, action: PendingAction, terminate: RunningEntry[]): ScheduleStep {
  return { kind: 'start', action, workflowId: actionWorkflowId(s, action.nominalTime), terminate };
}

/** The start of a step committed: the schedule counts it and waits for the workflow to close. */
export function recordStart(
  s: ScheduleState,
  step: Extract<ScheduleStep, { kind: 'start' }>,
  runId: string,
  now: number,
): void {
  s.counters.actions++;
  if (s.limitedActions && !step.action.manual) s.remainingActions = Math.max(0, s.remainingActions - 1);
  s.running.push({ workflowId: step.workflowId, runId, nominalTime: step.action.nominalTime });
  pushRecent(s, {
    nominalTime: step.action.nominalTime,
    actualTime: now,
    workflowId: step.workflowId,
    runId,
    status: 'Running',
  });
}

/** The action could not start (its workflow id is taken): recorded, and the schedule goes on. */
export function recordStartRefused(s: ScheduleState): void {
  s.counters.startRefused++;
}

function pushRecent(s: ScheduleState, a: ScheduleState['recentActions'][number]): void {
  s.recentActions.push(a);
  if (s.recentActions.length > RECENT_ACTIONS_KEPT)
    s.recentActions.splice(0, s.recentActions.length - RECENT_ACTIONS_KEPT);
}

/**
 * A workflow the schedule started has closed. Its recent action shows how it ended, also when the schedule had let
 * go of it (TERMINATE_OTHER terminates the running ones, or finds one closed whose close had not come yet). Returns
 * false when nothing changed.
 */
export function workflowClosed(s: ScheduleState, workflowId: string, status: ExecutionStatus): boolean {
  const recent = s.recentActions.find((a) => a.workflowId === workflowId);
  const shown = recent !== undefined && recent.status !== status;
  if (recent) recent.status = status;
  const i = s.running.findIndex((r) => r.workflowId === workflowId);
  if (i < 0) return shown;
  s.running.splice(i, 1);
  if (s.policies.pauseOnFailure && (status === 'Failed' || status === 'TimedOut')) {
    s.paused = true;
    s.note = `paused because workflow ${workflowId} ended ${status} (pauseOnFailure)`;
  }
  return true;
}

/** When the schedule must look again: now (work pending), at its next action time, or never. */
export function nextWake(s: ScheduleState, now: number): number | undefined {
  if (s.manual.length > 0 || s.backfills.length > 0) return now;
  if (s.buffered.length > 0 && s.running.length === 0 && !s.paused) return now;
  if (s.paused || actionsUsedUp(s)) return undefined;
  const next = nextNominalTime(s.spec, s.lastProcessedTime);
  return next === undefined ? undefined : next + jitterOf(s.spec, s.scheduleId, next);
}

/**
 * The next `count` action times from `now` (for describe): nominal time plus jitter, an action still waiting out
 * its jitter included.
 */
export function upcomingActionTimes(s: ScheduleState, now: number, count: number): number[] {
  if (s.paused || actionsUsedUp(s)) return [];
  const want = Math.min(count, s.limitedActions ? s.remainingActions : count);
  const out: number[] = [];
  let after = Math.max(s.lastProcessedTime, now - 1 - s.spec.jitterMs);
  // bounded: the times inside the jitter before now whose actions already started are passed over
  for (let looked = 0; out.length < want && looked < want + UPCOMING_LOOK_LIMIT; looked++) {
    const t = nextNominalTime(s.spec, after);
    if (t === undefined) break;
    after = t;
    const actual = t + jitterOf(s.spec, s.scheduleId, t);
    if (actual >= now) out.push(actual);
  }
  return out;
}

/** Nominal times upcomingActionTimes passes over at most before the ones it shows. */
const UPCOMING_LOOK_LIMIT = 1000;
