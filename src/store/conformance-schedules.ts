/** Store conformance: schedules (versioned rows, their wake-up timer rows, atomic with workflow starts). */
import { describe, expect, it } from 'vitest';
import { freshProgress, type ScheduleState } from '../schedules/state.js';
import { SCHEDULE_TIMER_KEY, StoreConflictError, scheduleTimerRunId, type Store } from './store.js';
import { T0, startMutation } from './conformance-fixtures.js';

interface Ctx {
  store: () => Store;
}

export function scheduleState(scheduleId: string, extra: Partial<ScheduleState> = {}): ScheduleState {
  return {
    namespace: 'default',
    scheduleId,
    specInput: { intervals: [{ every: '1m' }] },
    spec: {
      cronExpressions: [],
      intervals: [{ everyMs: 60_000, offsetMs: 0 }],
      calendars: [],
      jitterMs: 0,
      timezone: 'UTC',
    },
    action: { type: 'startWorkflow', workflowType: 'Flow', taskQueue: 'q', args: [] },
    policies: { overlap: 'SKIP', catchupWindowMs: 3_600_000, pauseOnFailure: false },
    paused: false,
    limitedActions: false,
    remainingActions: 0,
    ...freshProgress(T0),
    ...extra,
  };
}

async function expectConflict(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(StoreConflictError);
}

export function describeSchedulesConformance(ctx: Ctx): void {
  describe('schedules', () => {
    const wakeRows = async (s: Store) =>
      (await s.dueTimers(Number.MAX_SAFE_INTEGER, 100)).filter((t) => t.key === SCHEDULE_TIMER_KEY);

    it('creates once, updates at the version read, deletes; keeps the wake-up timer row in step', async () => {
      const s = ctx.store();
      const w = (state: ScheduleState, expectedVersion: number, wakeAt: number | null, deleted = false) => ({
        schedules: [{ namespace: 'default', scheduleId: state.scheduleId, state, expectedVersion, wakeAt, deleted }],
        executions: [],
      });
      await s.commit(w(scheduleState('s1'), 0, T0 + 60_000));
      await expectConflict(s.commit(w(scheduleState('s1'), 0, T0)));
      expect(await s.getSchedule('default', 's1')).toEqual({ state: scheduleState('s1'), version: 1 });
      expect(await s.getSchedule('other', 's1')).toBeUndefined();
      expect(await wakeRows(s)).toEqual([
        {
          runId: scheduleTimerRunId('default', 's1'),
          key: SCHEDULE_TIMER_KEY,
          namespace: 'default',
          dueAt: T0 + 60_000,
        },
      ]);

      const paused = scheduleState('s1', { paused: true });
      await s.commit(w(paused, 1, null));
      await expectConflict(s.commit(w(scheduleState('s1'), 1, T0)));
      expect(await s.getSchedule('default', 's1')).toEqual({ state: paused, version: 2 });
      expect(await wakeRows(s)).toEqual([]);

      await s.commit(w(paused, 2, T0 + 5));
      expect((await wakeRows(s)).map((r) => r.dueAt)).toEqual([T0 + 5]);
      await expectConflict(s.commit(w(paused, 2, null, true)));
      await s.commit(w(paused, 3, null, true));
      expect(await s.getSchedule('default', 's1')).toBeUndefined();
      expect(await wakeRows(s)).toEqual([]);
    });

    it('lists a namespace in id order, in pages', async () => {
      const s = ctx.store();
      for (const id of ['b', 'a', 'c'])
        await s.commit({
          executions: [],
          schedules: [
            { namespace: 'default', scheduleId: id, state: scheduleState(id), expectedVersion: 0, wakeAt: null },
          ],
        });
      await s.commit({
        executions: [],
        schedules: [
          {
            namespace: 'ns2',
            scheduleId: 'z',
            state: scheduleState('z', { namespace: 'ns2' }),
            expectedVersion: 0,
            wakeAt: null,
          },
        ],
      });
      const ids = (list: Array<{ state: ScheduleState }>) => list.map((x) => x.state.scheduleId);
      expect(ids(await s.listSchedules('default', undefined, 2))).toEqual(['a', 'b']);
      expect(ids(await s.listSchedules('default', 'b', 2))).toEqual(['c']);
      expect(ids(await s.listSchedules('ns2', undefined, 10))).toEqual(['z']);
    });

    it('commits a workflow start and the schedule progress together, or neither', async () => {
      const s = ctx.store();
      await s.commit({
        executions: [],
        schedules: [
          { namespace: 'default', scheduleId: 's', state: scheduleState('s'), expectedVersion: 0, wakeAt: T0 },
        ],
      });
      const start = startMutation('r1');
      // a stale schedule version: the start does not happen either
      await expectConflict(
        s.commit({
          ...start,
          schedules: [
            { namespace: 'default', scheduleId: 's', state: scheduleState('s'), expectedVersion: 7, wakeAt: T0 },
          ],
        }),
      );
      expect(await s.getExecution('r1')).toBeUndefined();
      await s.commit({
        ...start,
        schedules: [
          {
            namespace: 'default',
            scheduleId: 's',
            state: scheduleState('s', { lastProcessedTime: T0 + 60_000 }),
            expectedVersion: 1,
            wakeAt: T0 + 120_000,
          },
        ],
      });
      expect(await s.getExecution('r1')).toBeDefined();
      expect((await s.getSchedule('default', 's'))?.state.lastProcessedTime).toBe(T0 + 60_000);
    });
  });
}
