/** Callers waiting for a run to close (workflow result long-polls). */
/** How many recent closes are remembered (far more than close while one request reads its runs). */
const RECENT_CLOSES = 10_000;

export class CloseWaiters {
  /** Each waiting caller's end: true when its run closed, false when it is to look again itself. */
  private readonly waiters = new Map<string, Set<(closed: boolean) => void>>();
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

  /**
   * Resolves when any of the runs closes (true), or false when `timeoutMs` passes or `signal` aborts first, or the
   * waiters are released to look again (releaseAll).
   */
  waitAny(runIds: readonly string[], timeoutMs: number, signal?: AbortSignal, since?: number): Promise<boolean> {
    if (since !== undefined && runIds.some((id) => (this.recent.get(id) ?? -1) > since)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (closed: boolean): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        for (const runId of runIds) {
          const s = this.waiters.get(runId);
          s?.delete(done);
          if (s?.size === 0) this.waiters.delete(runId);
        }
        resolve(closed);
      };
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      for (const runId of runIds) {
        let set = this.waiters.get(runId);
        if (!set) {
          set = new Set();
          this.waiters.set(runId, set);
        }
        set.add(done);
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
    for (const done of [...set]) done(true);
  }

  /**
   * Every waiter ends now, told to look for itself (false): after a notice may have gone unheard (a commit of
   * unknown outcome, a cluster link that was down), it reads the store, not the cache; or at shutdown.
   */
  releaseAll(): void {
    for (const set of [...this.waiters.values()]) for (const done of [...set]) done(false);
  }
}
