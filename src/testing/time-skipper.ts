/**
 * Time skipping for tests: while no run has a workflow task or an activity scheduled or running (every open
 * run waits on a timer, a retry backoff or a timeout), the clock jumps to the next timer instead of waiting.
 * `advance(ms)` (behind `env.sleep`) moves the clock by exactly `ms`, one due timer at a time, and returns once
 * the work those timers trigger (workflow tasks, activities, and the timers they set within the span) has run,
 * as Temporal's test server does.
 */
import type { ExecutionState } from '../engine/state.js';
import type { SkippingClock } from '../server/clock.js';
import type { ServerContext } from '../server/context.js';

function isBusy(s: ExecutionState): boolean {
  if (s.status !== 'Running') return false;
  if (s.workflowTask) return true;
  return Object.values(s.activities).some((a) => a.state !== 'backoff');
}

/** How long nothing must change before the system counts as settled (a task just handed out is seen as busy). */
const QUIET_MS = 10;

export class TimeSkipper {
  private readonly busy = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private lastChange = 0;
  /** Paused while the test itself waits for real time (env.sleep on a local env, or explicitly). */
  enabled = true;

  constructor(
    private readonly ctx: ServerContext,
    private readonly clock: SkippingClock,
  ) {
    ctx.updater.onCommitted((transitions) => {
      for (const t of transitions) {
        if (isBusy(t.state)) this.busy.add(t.state.runId);
        else this.busy.delete(t.state.runId);
      }
      this.lastChange = Date.now();
    });
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), 5);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private ticking = false;

  /**
   * Lets the work in flight finish, then moves the clock `ms` ahead, stopping at each timer due within the span
   * until the work it triggers is done, then waits for the system to settle at the new time. Automatic skipping pauses meanwhile (it would jump past
   * the target). Waits at most `maxWaitMs` of real time for each settling (a task no worker takes never settles).
   */
  async advance(ms: number, maxWaitMs = 60_000): Promise<void> {
    const wasEnabled = this.enabled;
    this.enabled = false;
    try {
      // work in flight first (it takes no time in a skipping world), so its timers count from the same instant
      await this.settled(maxWaitMs);
      const target = this.clock.now() + ms;
      for (;;) {
        await this.settled(maxWaitMs);
        const next = await this.ctx.timers.nextDue();
        if (next === undefined || next > target) break;
        this.clock.skipTo(next);
      }
      this.clock.skipTo(target);
      await this.settled(maxWaitMs);
    } finally {
      this.enabled = wasEnabled;
    }
  }

  /** Resolves once no run is busy, no timer is due and nothing changed for a moment (or maxWaitMs passed). */
  private async settled(maxWaitMs: number): Promise<void> {
    const giveUpAt = Date.now() + maxWaitMs;
    while (Date.now() < giveUpAt) {
      if (this.busy.size === 0 && Date.now() - this.lastChange >= QUIET_MS) {
        const changeSeen = this.lastChange;
        const next = await this.ctx.timers.nextDue().catch(() => undefined);
        const due = next !== undefined && next <= this.clock.now();
        if (!due && this.busy.size === 0 && this.lastChange === changeSeen) return;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private tick(): void {
    // let the system settle a moment after each change, so a task just handed out is seen as busy
    if (this.ticking || !this.enabled || this.busy.size > 0 || Date.now() - this.lastChange < QUIET_MS) return;
    this.ticking = true;
    const changeSeen = this.lastChange;
    void this.ctx.timers
      .nextDue()
      .then((next) => {
        // skip only if nothing happened while we looked
        if (next !== undefined && next > this.clock.now() && this.busy.size === 0 && this.lastChange === changeSeen)
          this.clock.skipTo(next);
      })
      .catch(() => {})
      .finally(() => {
        this.ticking = false;
      });
  }
}
