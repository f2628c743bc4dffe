/** The timer loop under load: thousands of due timers, fires that do not finish, a clock already past. */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import type { ActivityState } from '../engine/state.js';
import type { TimerRow } from '../engine/transition.js';
import { activityState } from '../store/conformance-fixtures.js';
import type { StartedActivity, Store } from '../store/store.js';
import { systemClock, type Clock } from './clock.js';
import { TimerService } from './timer-service.js';

const log = createLogger('silent');
const store = { dueTimers: async () => [] } as unknown as Store;
const rows = (n: number, dueAt: number): TimerRow[] =>
  Array.from({ length: n }, (_, i) => ({ runId: `run-${i}`, key: 'timer', namespace: 'default', dueAt }));
const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('TimerService', () => {
  it('more due timers than the in-flight cap: no recursion, the rest fire as slots free', async () => {
    const pending: Array<() => void> = [];
    let fired = 0;
    const svc = new TimerService(
      store,
      systemClock,
      () => {
        fired++;
        return new Promise<void>((r) => pending.push(r));
      },
      log,
    );
    await svc.start();
    // before the fix, add() -> arm() -> clock.at(past) -> tick() -> arm() ... overflowed the stack
    expect(() => svc.add(rows(2_500, Date.now() - 1000))).not.toThrow();
    await nextTurn();
    await nextTurn();
    expect(fired).toBe(2_000);
    for (const r of pending.splice(0)) r();
    for (let i = 0; i < 10 && fired < 2_500; i++) await nextTurn();
    expect(fired).toBe(2_500);
    svc.stop();
  });

  it('a clock callback for a time already past runs on a later turn, never inside `at`', async () => {
    let ran = false;
    systemClock.at(Date.now() - 5, () => (ran = true));
    expect(ran).toBe(false);
    await nextTurn();
    expect(ran).toBe(true);
    let cancelledRan = false;
    const cancel = systemClock.at(0, () => (cancelledRan = true));
    cancel();
    await nextTurn();
    expect(cancelledRan).toBe(false);
  });

  describe("a started attempt's timeouts, when the store does not write them (Store.startedActivities)", () => {
    const T = Date.UTC(2026, 0, 1);
    /** A clock moved by hand: advance() runs what is due, in time order, then lets the service's reads finish. */
    const manualClock = (): Clock & { advance(ms: number): Promise<void> } => {
      let now = T;
      let waiting: Array<{ at: number; fn: () => void }> = [];
      return {
        now: () => now,
        at(at, fn) {
          const w = { at, fn };
          waiting.push(w);
          return () => (waiting = waiting.filter((x) => x !== w));
        },
        async advance(ms) {
          const end = now + ms;
          for (;;) {
            for (let i = 0; i < 5; i++) await nextTurn();
            const next = waiting.filter((w) => w.at <= end).sort((a, b) => a.at - b.at)[0];
            if (!next) break;
            waiting = waiting.filter((w) => w !== next);
            now = Math.max(now, next.at);
            next.fn();
          }
          now = end;
          for (let i = 0; i < 5; i++) await nextTurn();
        },
      };
    };
    const activity = (over: Partial<ActivityState>): ActivityState =>
      activityState(1, { state: 'started', scheduledTime: T, currentAttemptScheduledTime: T, startedTime: T, ...over });
    const service = (
      started: StartedActivity[] | undefined,
    ): { svc: TimerService; clock: ReturnType<typeof manualClock>; fired: string[] } => {
      const clock = manualClock();
      const fired: string[] = [];
      const s = {
        dueTimers: async () => [],
        ...(started ? { startedActivities: async () => started } : {}),
      } as unknown as Store;
      const svc = new TimerService(
        s,
        clock,
        async (row) => void fired.push(`${row.runId}/${row.key}@${clock.now() - T}`),
        log,
      );
      return { svc, clock, fired };
    };

    it('rebuilds them from the started activities at start and fires each when due', async () => {
      const { svc, clock, fired } = service([
        {
          runId: 'r1',
          namespace: 'default',
          activity: activity({ startToCloseTimeoutMs: 1000, heartbeatTimeoutMs: 300 }),
        },
        // a heartbeat came in after the start: the heartbeat timeout counts from it
        {
          runId: 'r2',
          namespace: 'default',
          activity: activity({ seq: 4, attempt: 3, heartbeatTimeoutMs: 300, lastHeartbeatTime: T + 500 }),
        },
        // not started: none
        { runId: 'r3', namespace: 'default', activity: activity({ state: 'scheduled', startToCloseTimeoutMs: 10 }) },
      ]);
      await svc.start();
      await clock.advance(2000);
      expect(fired).toEqual(['r1/act-hb:1:1@300', 'r2/act-hb:4:3@800', 'r1/act-stc:1:1@1000']);
      svc.stop();
    });

    it('keeps those due past the window and fires them once the window reaches them; a removed one never', async () => {
      const { svc, clock, fired } = service([]);
      await svc.start();
      const row = (runId: string, key: string, due: number): TimerRow => ({
        runId,
        key,
        namespace: 'default',
        dueAt: T + due,
      });
      svc.add([row('r1', 'act-stc:1:1', 90_000), row('r2', 'act-stc:1:1', 95_000), row('r3', 'act-hb:2:1', 130_000)]);
      svc.remove('r2', ['act-stc:1:1']);
      await clock.advance(200_000);
      expect(fired).toEqual(['r1/act-stc:1:1@90000', 'r3/act-hb:2:1@130000']);
      svc.stop();
    });

    it('a store that writes them keeps them: the service leaves those past the window to it', async () => {
      const { svc, clock, fired } = service(undefined);
      await svc.start();
      svc.add([{ runId: 'r1', key: 'act-stc:1:1', namespace: 'default', dueAt: T + 90_000 }]);
      await clock.advance(200_000);
      expect(fired).toEqual([]); // this store's dueTimers holds nothing: the row would come from there
      svc.stop();
    });
  });
});
