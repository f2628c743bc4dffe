/**
 * Time skipping for tests: while no run has a workflow task or an activity scheduled or running (every open
 * run waits on a timer, a retry backoff or a timeout), the clock jumps to the next timer instead of waiting.
 */
import type { ExecutionState } from '../engine/state.js';
import type { SkippingClock } from '../server/clock.js';
import type { ServerContext } from '../server/context.js';

function isBusy(s: ExecutionState): boolean {
  if (s.status !== 'Running') return false;
  if (s.workflowTask) return true;
  return Object.values(s.activities).some((a) => a.state !== 'backoff');
}

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

  private tick(): void {
    // let the system settle a moment after each change, so a task just handed out is seen as busy
    if (this.ticking || !this.enabled || this.busy.size > 0 || Date.now() - this.lastChange < 10) return;
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
