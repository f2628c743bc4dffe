/** Callers waiting for a run to close (workflow result long-polls). */
export class CloseWaiters {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves true when the run closes, false when `timeoutMs` passes or `signal` aborts first. */
  wait(runId: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.waitAny([runId], timeoutMs, signal);
  }

  /** Resolves when any of the runs closes (true), or false when `timeoutMs` passes or `signal` aborts first. */
  waitAny(runIds: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
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
    const set = this.waiters.get(runId);
    if (!set) return;
    for (const wake of [...set]) wake();
  }

  releaseAll(): void {
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
  }
}
