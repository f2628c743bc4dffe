/** The timer loop under load: thousands of due timers, fires that do not finish, a clock already past. */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import type { TimerRow } from '../engine/transition.js';
import type { Store } from '../store/store.js';
import { systemClock } from './clock.js';
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
});
