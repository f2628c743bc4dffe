/** Counting slots for concurrent task executions, and a way to wait until any of several has a free slot. */
export class Slots {
  private used = 0;
  private readonly listeners = new Set<() => void>();

  constructor(readonly capacity: number) {}

  get free(): number {
    return Math.max(0, this.capacity - this.used);
  }

  get inUse(): number {
    return this.used;
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
    for (const l of [...this.listeners]) l();
  }

  /** Calls `fn` after every release until the returned function is called. */
  onRelease(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/** Resolves once any of `pools` has a free slot, or `signal` aborts. Leaves no listener behind. */
export function waitForFreeSlot(pools: readonly Slots[], signal: AbortSignal): Promise<void> {
  if (signal.aborted || pools.some((p) => p.free > 0)) return Promise.resolve();
  return new Promise((resolve) => {
    const unsubscribe: Array<() => void> = [];
    const done = (): void => {
      for (const u of unsubscribe) u();
      signal.removeEventListener('abort', done);
      resolve();
    };
    for (const p of pools) unsubscribe.push(p.onRelease(() => p.free > 0 && done()));
    signal.addEventListener('abort', done, { once: true });
  });
}
