/** The schedule's decisions when much is due at once: a long catch-up is bounded, backfills count down. */
import { describe, expect, it } from 'vitest';
import { nextStep, pendingManualActions, recordStart, type ScheduleLimits } from './scheduler.js';
import { resolveScheduleSpec } from './spec.js';
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
