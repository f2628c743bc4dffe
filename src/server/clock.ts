/**
 * Time as the server sees it. Everything that reads the time or waits for it goes through a Clock, so the
 * time-skipping test environment can move time forward when every workflow is waiting on a timer.
 */
export interface Clock {
  now(): number;
  /**
   * Calls fn once the clock reaches `at` (epoch ms), never synchronously (a time already past runs on the next
   * turn of the event loop), so a callback that arms the clock again cannot recurse. Returns a cancel function.
   */
  at(at: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  at(at, fn) {
    // setTimeout caps at ~24.8 days; re-arm until the time is really reached
    let handle: NodeJS.Timeout | undefined;
    let immediate: NodeJS.Immediate | undefined;
    const arm = (): void => {
      const delay = at - Date.now();
      if (delay <= 0) {
        fn();
        return;
      }
      handle = setTimeout(arm, Math.min(delay, 2 ** 31 - 1));
      handle.unref();
    };
    if (at <= Date.now()) {
      immediate = setImmediate(fn);
      immediate.unref();
    } else arm();
    return () => {
      if (handle) clearTimeout(handle);
      if (immediate) clearImmediate(immediate);
    };
  },
};

/**
 * A clock that runs with real time plus an offset that only grows: `skipTo` jumps ahead, and callbacks due by
 * the new time fire at once.
 */
export class SkippingClock implements Clock {
  private offset = 0;
  private readonly waiting = new Set<{ at: number; fn: () => void; cancelReal: () => void }>();

  now(): number {
    return Date.now() + this.offset;
  }

  at(at: number, fn: () => void): () => void {
    const entry = { at, fn, cancelReal: () => {} };
    const fire = (): void => {
      if (!this.waiting.delete(entry)) return;
      entry.cancelReal();
      fn();
    };
    this.waiting.add(entry);
    entry.cancelReal = systemClock.at(at - this.offset, fire);
    return () => {
      this.waiting.delete(entry);
      entry.cancelReal();
    };
  }

  /** Moves time forward to `at` (never backwards) and fires what became due. */
  skipTo(at: number): void {
    const delta = at - this.now();
    if (delta <= 0) return;
    this.offset += delta;
    for (const entry of [...this.waiting]) {
      entry.cancelReal();
      if (entry.at <= this.now()) {
        this.waiting.delete(entry);
        entry.fn();
      } else {
        entry.cancelReal = systemClock.at(entry.at - this.offset, () => {
          if (this.waiting.delete(entry)) entry.fn();
        });
      }
    }
  }

  skip(ms: number): void {
    this.skipTo(this.now() + ms);
  }
}
