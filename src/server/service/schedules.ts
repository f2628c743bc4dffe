/**
 * Schedule operations: create, describe, list, update, delete, pause, unpause, trigger, backfill. Each change is
 * a versioned write of the schedule (with its wake-up timer); work that becomes due (a trigger, a backfill, an
 * unpaused buffer) is then carried out by the schedule runner.
 */
import { ApiError } from '../../common/api-error.js';
import { InvalidDurationError, optionalMs } from '../../common/duration.js';
import { InvalidRetryPolicyError, resolveRetryPolicy } from '../../common/retry-policy.js';
import type {
  BackfillRequest,
  CreateScheduleRequest,
  ListSchedulesResponse,
  ScheduleDescription,
  ScheduleSummary,
  UpdateScheduleRequest,
} from '../../protocol/schedule-api.js';
import { pendingManualActions, upcomingActionTimes } from '../../schedules/scheduler.js';
import {
  describeSpec,
  InvalidScheduleSpecError,
  keepStoredCronReading,
  nominalTimesBetween,
  parseScheduleTime,
  resolveScheduleSpec,
} from '../../schedules/spec.js';
import {
  DEFAULT_CATCHUP_WINDOW_MS,
  freshProgress,
  OVERLAP_POLICIES,
  type OverlapPolicy,
  type ScheduleAction,
  type ScheduleState,
} from '../../schedules/state.js';
import { StoreConflictError, type StoredSchedule } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import { checkPayload } from '../payload-limit.js';
import { changeSchedule, runSchedule, scheduleWrite } from './schedule-runner.js';
import { matchingSchedules, scheduleFilter } from './schedule-list-query.js';
import { checkStartSearchAttributes } from './search-attributes.js';

const iso = (ms: number): string => new Date(ms).toISOString();

function invalid(field: string, message: string): ApiError {
  return new ApiError('INVALID_ARGUMENT', message, { field });
}

export function parseOverlap(value: unknown, field: string): OverlapPolicy {
  if (typeof value === 'string' && (OVERLAP_POLICIES as readonly string[]).includes(value))
    return value as OverlapPolicy;
  throw invalid(
    field,
    `${field}: invalid overlap policy ${JSON.stringify(value)}; valid: ${OVERLAP_POLICIES.join(', ')}`,
  );
}

/** ISO 8601 with a zone, or epoch ms, within the range of dates (as the spec's startAt and endAt). */
function parseTime(value: string | number, field: string): number {
  try {
    return parseScheduleTime(value, field);
  } catch (e) {
    if (e instanceof InvalidScheduleSpecError) throw invalid(field, e.message);
    throw e;
  }
}

/** The parts of a schedule a create or an update gives, checked and resolved. */
function resolveDefinition(
  ctx: ServerContext,
  namespace: string,
  req: CreateScheduleRequest | UpdateScheduleRequest,
): Pick<ScheduleState, 'specInput' | 'spec' | 'action' | 'policies'> {
  checkPayload(req.action.args, 'action.args', ctx.payloadLimit(namespace));
  checkPayload(req.action.memo, 'action.memo', ctx.payloadLimit(namespace));
  checkPayload(req.action.userMetadata, 'action.userMetadata', ctx.payloadLimit(namespace));
  try {
    const spec = resolveScheduleSpec(req.spec);
    const a = req.action;
    const action: ScheduleAction = {
      type: 'startWorkflow',
      workflowType: a.workflowType,
      taskQueue: a.taskQueue,
      args: a.args ?? [],
    };
    if (a.workflowId) action.workflowId = a.workflowId;
    const exec = optionalMs(a.workflowExecutionTimeout, 'action.workflowExecutionTimeout');
    const run = optionalMs(a.workflowRunTimeout, 'action.workflowRunTimeout');
    const task = optionalMs(a.workflowTaskTimeout, 'action.workflowTaskTimeout');
    if (exec) action.workflowExecutionTimeoutMs = exec;
    if (run) action.workflowRunTimeoutMs = run;
    if (task) action.workflowTaskTimeoutMs = task;
    if (a.retry) {
      resolveRetryPolicy(a.retry, 'action.retry');
      action.retry = a.retry;
    }
    if (a.memo) action.memo = a.memo;
    if (a.searchAttributes) action.searchAttributes = a.searchAttributes;
    if (a.userMetadata) action.userMetadata = a.userMetadata;
    if (a.priority) action.priority = a.priority;
    const p = req.policies ?? {};
    const catchup = optionalMs(p.catchupWindow, 'policies.catchupWindow');
    if (catchup !== undefined && catchup < 1000)
      throw invalid('policies.catchupWindow', 'policies.catchupWindow: must be at least 1s');
    return {
      specInput: req.spec,
      spec,
      action,
      policies: {
        overlap: p.overlap === undefined ? 'SKIP' : parseOverlap(p.overlap, 'policies.overlap'),
        catchupWindowMs: catchup ?? DEFAULT_CATCHUP_WINDOW_MS,
        pauseOnFailure: p.pauseOnFailure ?? false,
      },
    };
  } catch (e) {
    if (e instanceof InvalidScheduleSpecError) throw invalid(e.field, e.message);
    if (e instanceof InvalidDurationError) throw new ApiError('INVALID_DURATION', e.message, { field: e.field });
    if (e instanceof InvalidRetryPolicyError) throw invalid('action.retry', e.message);
    throw e;
  }
}

function notFound(namespace: string, scheduleId: string): ApiError {
  return new ApiError(
    'SCHEDULE_NOT_FOUND',
    `schedule ${JSON.stringify(scheduleId)} not found in namespace ${namespace}`,
    { scheduleId },
  );
}

async function load(ctx: ServerContext, namespace: string, scheduleId: string): Promise<StoredSchedule> {
  const stored = await ctx.store.getSchedule(namespace, scheduleId);
  if (!stored) throw notFound(namespace, scheduleId);
  return stored;
}

export async function createSchedule(
  ctx: ServerContext,
  namespace: string,
  req: CreateScheduleRequest,
): Promise<{ scheduleId: string; conflictToken: string }> {
  const def = resolveDefinition(ctx, namespace, req);
  checkPayload(req.memo, 'memo', ctx.payloadLimit(namespace));
  await checkStartSearchAttributes(ctx, namespace, def.action.searchAttributes);
  const backfills = backfillRanges(req.state?.backfill ?? [], 'state.backfill');
  const now = ctx.clock.now();
  const st = req.state ?? {};
  const s: ScheduleState = {
    namespace,
    scheduleId: req.scheduleId,
    ...def,
    paused: st.paused ?? false,
    ...(st.note !== undefined ? { note: st.note } : {}),
    ...(req.memo !== undefined ? { memo: req.memo } : {}),
    limitedActions: st.remainingActions !== undefined,
    remainingActions: st.remainingActions ?? 0,
    ...freshProgress(now),
  };
  // Temporal's initial patch: a first action now, and backfills, written with the schedule itself
  if (st.triggerImmediately) triggerNow(s, now);
  if (backfills.length > 0) queueBackfills(ctx, s, backfills);
  try {
    await ctx.updater.commit([], [], [scheduleWrite(s, 0, now)]);
  } catch (e) {
    if (e instanceof StoreConflictError)
      throw new ApiError('SCHEDULE_ALREADY_EXISTS', `schedule ${JSON.stringify(req.scheduleId)} already exists`, {
        scheduleId: req.scheduleId,
      });
    throw e;
  }
  if (st.triggerImmediately || backfills.length > 0) await runSchedule(ctx, namespace, req.scheduleId);
  return { scheduleId: req.scheduleId, conflictToken: '1' };
}

export async function describeSchedule(
  ctx: ServerContext,
  namespace: string,
  scheduleId: string,
): Promise<ScheduleDescription> {
  const { state: s, version } = await load(ctx, namespace, scheduleId);
  const now = ctx.clock.now();
  const { type: _t, ...action } = s.action;
  return {
    scheduleId,
    spec: s.specInput,
    specDescription: describeSpec(s.spec),
    action: { type: 'startWorkflow', ...action },
    policies: { ...s.policies },
    state: {
      paused: s.paused,
      ...(s.note !== undefined ? { note: s.note } : {}),
      limitedActions: s.limitedActions,
      remainingActions: s.remainingActions,
    },
    ...(s.memo !== undefined ? { memo: s.memo } : {}),
    info: {
      nextActionTimes: upcomingActionTimes(s, now, 10).map(iso),
      recentActions: recentOf(s),
      runningWorkflows: s.running.map((r) => ({ workflowId: r.workflowId, runId: r.runId })),
      numActions: s.counters.actions,
      numActionsMissedCatchupWindow: s.counters.missedCatchupWindow,
      numActionsSkippedOverlap: s.counters.skippedOverlap,
      numActionsRefused: s.counters.startRefused,
      bufferDropped: s.counters.bufferDropped,
      bufferSize: s.buffered.length,
      createdAt: iso(s.createdAt),
      lastUpdatedAt: iso(s.updatedAt),
    },
    conflictToken: String(version),
  };
}

function recentOf(s: ScheduleState): ScheduleDescription['info']['recentActions'] {
  return s.recentActions.map((a) => ({
    scheduledAt: iso(a.nominalTime),
    takenAt: iso(a.actualTime),
    workflowId: a.workflowId,
    runId: a.runId,
    status: a.status,
  }));
}

export async function listSchedules(
  ctx: ServerContext,
  namespace: string,
  q: { query?: string; pageSize?: number; nextPageToken?: string },
): Promise<ListSchedulesResponse> {
  const pageSize = q.pageSize ?? 100;
  const after = q.nextPageToken ? Buffer.from(q.nextPageToken, 'base64url').toString('utf8') : undefined;
  const page = q.query?.trim()
    ? await matchingSchedules(ctx, namespace, scheduleFilter(q.query), after, pageSize + 1)
    : await ctx.store.listSchedules(namespace, after, pageSize + 1);
  const now = ctx.clock.now();
  const schedules: ScheduleSummary[] = page.slice(0, pageSize).map(({ state: s }) => {
    const next = upcomingActionTimes(s, now, 1)[0];
    return {
      scheduleId: s.scheduleId,
      paused: s.paused,
      ...(s.note !== undefined ? { note: s.note } : {}),
      ...(s.memo !== undefined ? { memo: s.memo } : {}),
      workflowType: s.action.workflowType,
      specDescription: describeSpec(s.spec),
      ...(next !== undefined ? { nextActionTime: iso(next) } : {}),
      recentActions: recentOf(s).slice(-5),
    };
  });
  const last = schedules[schedules.length - 1];
  return {
    schedules,
    ...(page.length > pageSize && last ? { nextPageToken: Buffer.from(last.scheduleId).toString('base64url') } : {}),
  };
}

/** Applies `apply` to the schedule's newest state and writes it, then runs what became due. */
async function change(
  ctx: ServerContext,
  namespace: string,
  scheduleId: string,
  apply: (s: ScheduleState, version: number, now: number) => void,
): Promise<void> {
  const found = await changeSchedule(ctx, namespace, scheduleId, (s, version, now) => {
    apply(s, version, now);
    s.updatedAt = now;
  });
  if (!found) throw notFound(namespace, scheduleId);
  await runSchedule(ctx, namespace, scheduleId);
}

export async function updateSchedule(
  ctx: ServerContext,
  namespace: string,
  scheduleId: string,
  req: UpdateScheduleRequest,
): Promise<Record<string, never>> {
  // a 6-field cron string stored before Weft read 6 fields as Temporal does keeps its reading (given again, it
  // may not even be valid the new way): the stored spec decides how the request's spec is read
  const read = (spec: ScheduleState['spec'] | undefined) => {
    const kept = spec && keepStoredCronReading(req.spec, spec);
    return {
      key: JSON.stringify(kept ?? null),
      def: () => resolveDefinition(ctx, namespace, kept ? { ...req, spec: kept } : req),
    };
  };
  const first = read((await ctx.store.getSchedule(namespace, scheduleId))?.state.spec);
  const given = first.def();
  await checkStartSearchAttributes(ctx, namespace, given.action.searchAttributes);
  await change(ctx, namespace, scheduleId, (s, version, now) => {
    if (req.conflictToken !== undefined && req.conflictToken !== String(version))
      throw new ApiError('CONFLICT', `schedule ${scheduleId} changed since conflict token ${req.conflictToken}`);
    const current = read(s.spec);
    const def = current.key === first.key ? given : current.def();
    const specChanged = JSON.stringify(s.spec) !== JSON.stringify(def.spec);
    Object.assign(s, def);
    // a new spec counts from now: times of the old spec that are past are not caught up under the new one
    if (specChanged) s.lastProcessedTime = Math.max(s.lastProcessedTime, now);
    if (req.state) {
      if (req.state.paused !== undefined) {
        // as unpause: the time spent paused is not caught up
        if (s.paused && !req.state.paused) s.lastProcessedTime = Math.max(s.lastProcessedTime, now);
        s.paused = req.state.paused;
      }
      if (req.state.note !== undefined) s.note = req.state.note;
      // as Temporal: a state without remainingActions lifts the limit; the time spent without actions left is
      // not caught up (nothing moved the schedule on meanwhile)
      const usedUp = s.limitedActions && s.remainingActions <= 0;
      s.limitedActions = req.state.remainingActions !== undefined;
      s.remainingActions = req.state.remainingActions ?? 0;
      if (usedUp && !(s.limitedActions && s.remainingActions <= 0))
        s.lastProcessedTime = Math.max(s.lastProcessedTime, now);
    }
  });
  return {};
}

export async function deleteSchedule(
  ctx: ServerContext,
  namespace: string,
  scheduleId: string,
): Promise<Record<string, never>> {
  if (!(await changeSchedule(ctx, namespace, scheduleId, () => 'delete'))) throw notFound(namespace, scheduleId);
  return {};
}

export async function pauseSchedule(
  ctx: ServerContext,
  namespace: string,
  scheduleId: string,
  paused: boolean,
  note?: string,
): Promise<Record<string, never>> {
  await change(ctx, namespace, scheduleId, (s, _v, now) => {
    // unpausing does not catch up the time spent paused
    if (s.paused && !paused) s.lastProcessedTime = Math.max(s.lastProcessedTime, now);
    s.paused = paused;
    s.note = note ?? (paused ? 'paused' : 'unpaused');
  });
  return {};
}

export async function triggerSchedule(
  ctx: ServerContext,
  namespace: string,
  scheduleId: string,
  overlap?: string,
): Promise<Record<string, never>> {
  const policy = overlap === undefined ? undefined : parseOverlap(overlap, 'overlap');
  await change(ctx, namespace, scheduleId, (s, _v, now) => triggerNow(s, now, policy));
  return {};
}

/** Queues one action now (a trigger), with its own nominal time even if another came in the same millisecond. */
function triggerNow(s: ScheduleState, now: number, policy?: OverlapPolicy): void {
  const nominalTime = Math.max(now, (s.lastTriggerTime ?? 0) + 1);
  s.lastTriggerTime = nominalTime;
  s.manual.push({ nominalTime, overlap: policy ?? s.policies.overlap, manual: true });
}

interface BackfillRange {
  start: number;
  end: number;
  overlap: OverlapPolicy | undefined;
}

function backfillRanges(given: BackfillRequest['backfills'], field: string): BackfillRange[] {
  return given.map((b, i) => {
    const start = parseTime(b.start, `${field}[${i}].start`);
    const end = parseTime(b.end, `${field}[${i}].end`);
    if (end < start) throw invalid(`${field}[${i}].end`, `${field}[${i}].end: before its start`);
    return {
      start,
      end,
      overlap: b.overlap === undefined ? undefined : parseOverlap(b.overlap, `${field}[${i}].overlap`),
    };
  });
}

/** Queues the spec's action times in the ranges; refused whole when they would pass the pending-backfill limit. */
function queueBackfills(ctx: ServerContext, s: ScheduleState, ranges: BackfillRange[]): void {
  const limit = ctx.config.scheduleLimits.maxBackfillActions;
  // counted before anything is queued: a range that would start more than the limit is refused whole
  const pending = pendingManualActions(s);
  let added = 0;
  const counted = ranges.map((r) => {
    const room = Math.max(0, limit - pending - added);
    const n = nominalTimesBetween(s.spec, r.start - 1, r.end, room + 1).length;
    added += n;
    return { ...r, n };
  });
  if (pending + added > limit)
    throw new ApiError(
      'LIMIT_EXCEEDED',
      `backfill: the ranges hold more than ${limit - pending} action times; a schedule holds at most ${limit} pending ` +
        `backfill actions (scheduleLimits.maxBackfillActions), ${pending} now: backfill a shorter range`,
      { limit, pending, limitName: 'scheduleLimits.maxBackfillActions' },
    );
  for (const r of counted)
    s.backfills.push({
      fromExclusive: r.start - 1,
      to: r.end,
      overlap: r.overlap ?? s.policies.overlap,
      remaining: r.n,
    });
}

export async function backfillSchedule(
  ctx: ServerContext,
  namespace: string,
  scheduleId: string,
  req: BackfillRequest,
): Promise<Record<string, never>> {
  const ranges = backfillRanges(req.backfills, 'backfills');
  await change(ctx, namespace, scheduleId, (s) => queueBackfills(ctx, s, ranges));
  return {};
}
