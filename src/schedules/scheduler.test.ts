/** The schedule's decisions when much is due at once: a long catch-up is bounded, backfills count down. */
import { describe, expect, it } from 'vitest';
import {
  nextStep,
  nextWake,
  pendingManualActions,
  recordStart,
  upcomingActionTimes,
  workflowClosed,
  type ScheduleLimits,
} from './scheduler.js';
import { jitterOf, resolveScheduleSpec } from './spec.js';
import { DEFAULT_CATCHUP_WINDOW_MS, freshProgress, type OverlapPolicy, type ScheduleState } from './state.js';

const HOUR = 3_600_000;

function schedule(every: string, lastProcessedTime: number, overlap: OverlapPolicy = 'ALLOW_ALL'): ScheduleState {
  const specInput = { intervals: [{ every }] };
  return {
    namespace: 'default',
    scheduleId: 'sched',
    specInput,
    spec: resolveScheduleSpec(specInput),
    action: { type: 'startWorkflow', workflowType: 'wf', taskQueue: 'q', args: [] },
    policies: { overlap, catchupWindowMs: DEFAULT_CATCHUP_WINDOW_MS, pauseOnFailure: false },
    paused: false,
    limitedActions: false,
    remainingActions: 0,
    ...freshProgress(lastProcessedTime),
  };
}

/** Steps until idle (as the runner does), counting the starts; a JSON round trip per step, as the store does. */
function drain(s0: ScheduleState, now: number, limits: ScheduleLimits, maxSteps = 100_000) {
  let s = s0;
  let starts = 0;
  for (let i = 0; i < maxSteps; i++) {
    s = JSON.parse(JSON.stringify(s)) as ScheduleState;
    const step = nextStep(s, now, limits);
    if (step.kind === 'idle') return { s, starts };
    if (step.kind === 'start') {
      recordStart(s, step, `run-${i}`, now);
      s.running = []; // closed at once: ALLOW_ALL does not care, and the state stays small
      starts++;
    }
  }
  throw new Error('the schedule never went idle');
}

describe('nextStep', () => {
  const now = Date.UTC(2026, 11, 5, 12);
  const limits = { maxCatchupActions: 50, maxBackfillActions: 1_000 };

  it('a catch-up of more due times than the limit takes the oldest `limit` and skips the rest, counted', () => {
    // one second interval, two days behind: 172,800 due times within the (one year) catch-up window
    const { s, starts } = drain(schedule('1s', now - 48 * HOUR), now, limits);
    expect(starts).toBe(50);
    expect(s.counters.missedCatchupWindow).toBeGreaterThan(0);
    expect(s.lastProcessedTime).toBeGreaterThanOrEqual(now - 1000);
    expect(s.catchup).toBeUndefined();
    // the next spec time after now starts normally
    const later = drain(s, now + 1000, limits);
    expect(later.starts).toBe(1);
  });

  it('a catch-up within the limit takes every due time', () => {
    const { s, starts } = drain(schedule('1h', now - 10 * HOUR), now, limits);
    expect(starts).toBe(10);
    expect(s.counters.missedCatchupWindow).toBe(0);
  });

  it('a backfill counts down its remaining times as it is expanded', () => {
    const s = schedule('1h', now);
    s.backfills.push({ fromExclusive: now - 300 * HOUR - 1, to: now - 1, overlap: 'ALLOW_ALL', remaining: 300 });
    expect(pendingManualActions(s)).toBe(300);
    const { s: after, starts } = drain(s, now, limits);
    expect(starts).toBe(300);
    expect(pendingManualActions(after)).toBe(0);
  });
});

describe('a schedule that can take no action', () => {
  const now = Date.UTC(2026, 11, 5, 12);
  const limits = { maxCatchupActions: 50, maxBackfillActions: 1_000 };

  it('paused for 30 days on a 1 s interval: one jump to now, nothing counted', () => {
    const s = schedule('1s', now - 30 * 24 * HOUR);
    s.paused = true;
    const started = performance.now();
    expect(nextStep(s, now, limits)).toEqual({ kind: 'idle' });
    expect(performance.now() - started).toBeLessThan(50);
    expect(s.lastProcessedTime).toBeGreaterThanOrEqual(now - 1000);
    expect(s.counters.missedCatchupWindow).toBe(0);
    expect(s.counters.skippedOverlap).toBe(0);
  });

  it('with its actions used up, the same', () => {
    const s = schedule('1s', now - 30 * 24 * HOUR);
    s.limitedActions = true;
    s.remainingActions = 0;
    const started = performance.now();
    expect(nextStep(s, now, limits)).toEqual({ kind: 'idle' });
    expect(performance.now() - started).toBeLessThan(50);
    expect(s.lastProcessedTime).toBeGreaterThanOrEqual(now - 1000);
    expect(nextWake(s, now)).toBeUndefined();
  });

  it('BUFFER_ALL starts from its buffer only the actions it has left, and drops the rest (as Temporal)', () => {
    let s = schedule('1h', now - 3 * HOUR - 1, 'BUFFER_ALL');
    s.limitedActions = true;
    s.remainingActions = 2;
    // the first due time starts; the next three wait behind it in the buffer
    const first = nextStep(s, now, limits);
    expect(first.kind).toBe('start');
    if (first.kind !== 'start') return;
    recordStart(s, first, 'run-a', now);
    expect(nextStep(s, now, limits)).toEqual({ kind: 'idle' });
    expect(s.buffered).toHaveLength(3);
    let started = 1;
    for (let i = 0; i < 5; i++) {
      s = JSON.parse(JSON.stringify(s)) as ScheduleState;
      for (const r of [...s.running]) workflowClosed(s, r.workflowId, 'Completed');
      const step = nextStep(s, now, limits);
      if (step.kind !== 'start') break;
      recordStart(s, step, `run-${i}`, now);
      started++;
    }
    expect(started).toBe(2);
    expect(s.buffered).toHaveLength(0);
    expect(s.remainingActions).toBe(0);
  });

  it('a workflow TERMINATE_OTHER let go of shows how it closed in the recent actions', () => {
    const s = schedule('1h', now - 2 * HOUR - 1, 'TERMINATE_OTHER');
    const first = nextStep(s, now - HOUR, limits);
    if (first.kind !== 'start') throw new Error('expected a start');
    recordStart(s, first, 'run-a', now - HOUR);
    const second = nextStep(s, now, limits);
    if (second.kind !== 'start') throw new Error('expected a start');
    expect(second.terminate.map((r) => r.runId)).toEqual(['run-a']);
    recordStart(s, second, 'run-b', now);
    // the schedule let go of it; its close, when it comes, still shows in the recent actions (and is written)
    expect(workflowClosed(s, first.workflowId, 'Terminated')).toBe(true);
    expect(s.recentActions.map((a) => [a.runId, a.status])).toEqual([
      ['run-a', 'Terminated'],
      ['run-b', 'Running'],
    ]);
    expect(workflowClosed(s, first.workflowId, 'Terminated')).toBe(false);
  });
});

describe('upcomingActionTimes', () => {
  it('shows an action that is due but still waiting out its jitter', () => {
    const base = Date.UTC(2026, 11, 5, 12);
    const specInput = { intervals: [{ every: '1h' }], jitter: '59m' };
    // an id whose jitter for the nominal time `base` is over 10 minutes
    let id = 0;
    const spec = resolveScheduleSpec(specInput);
    while (jitterOf(spec, `s${id}`, base) < 600_000) id++;
    const s = { ...schedule('1h', base - 1), scheduleId: `s${id}`, specInput, spec };
    const now = base + 60_000;
    const times = upcomingActionTimes(s, now, 3);
    expect(times[0]).toBe(base + jitterOf(spec, s.scheduleId, base));
    expect(times[1]).toBe(base + HOUR + jitterOf(spec, s.scheduleId, base + HOUR));
    expect(times).toHaveLength(3);
  });
});
