/** Callers waiting for a run to close (workflow result long-polls). */
/** How many recent closes are remembered (far more than close while one request reads its runs). */
const RECENT_CLOSES = 10_000;

export class CloseWaiters {
  private readonly waiters = new Map<string, Set<() => void>>();
  /**
   * Closes heard lately, by run, with their sequence number: a caller that was still reading its runs when one
   * of them closed (on another server, say) would otherwise wait for a wake-up that already came.
   */
  private readonly recent = new Map<string, number>();
  private seq = 0;

  /** Take before reading the runs to wait on; pass to wait/waitAny, so closes heard since count. */
  mark(): number {
    return this.seq;
  }

  /** Resolves true when the run closes, false when `timeoutMs` passes or `signal` aborts first. */
  wait(runId: string, timeoutMs: number, signal?: AbortSignal, since?: number): Promise<boolean> {
    return this.waitAny([runId], timeoutMs, signal, since);
  }

  /** Resolves when any of the runs closes (true), or false when `timeoutMs` passes or `signal` aborts first. */
  waitAny(runIds: readonly string[], timeoutMs: number, signal?: AbortSignal, since?: number): Promise<boolean> {
    if (since !== undefined && runIds.some((id) => (this.recent.get(id) ?? -1) > since)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (closed: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        for (const runId of runIds) {
          const s = this.waiters.get(runId);
          s?.delete(wake);
          if (s?.size === 0) this.waiters.delete(runId);
        }
        resolve(closed);
      };
      const wake = (): void => done(true);
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      for (const runId of runIds) {
        let set = this.waiters.get(runId);
        if (!set) {
          set = new Set();
          this.waiters.set(runId, set);
        }
        set.add(wake);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  notifyClosed(runId: string): void {
    this.recent.delete(runId);
    this.recent.set(runId, ++this.seq);
    if (this.recent.size > RECENT_CLOSES) this.recent.delete(this.recent.keys().next().value!);
    const set = this.waiters.get(runId);
    if (!set) return;
    for (const wake of [...set]) wake();
  }

  releaseAll(): void {
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
  }
}
