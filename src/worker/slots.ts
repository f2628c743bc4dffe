/** Counting slots for concurrent task executions, with waiters for the next free slot. */
export class Slots {
  private used = 0;
  private waiters: Array<() => void> = [];

  constructor(readonly capacity: number) {}

  get free(): number {
    return Math.max(0, this.capacity - this.used);
  }

  /** Takes up to n slots at once; returns how many it took. */
  take(n: number): number {
    const k = Math.min(n, this.free);
    this.used += k;
    return k;
  }

  release(n = 1): void {
    if (n <= 0) return;
    this.used = Math.max(0, this.used - n);
    const w = this.waiters;
    this.waiters = [];
    for (const wake of w) wake();
  }

  /** Resolves when at least one slot is free. */
  async waitFree(signal?: AbortSignal): Promise<void> {
    while (this.free === 0 && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  get inUse(): number {
    return this.used;
  }
}
