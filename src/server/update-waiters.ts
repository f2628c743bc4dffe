/** Callers waiting for an update to reach a stage (accepted, completed), or for its run to close. */
export class UpdateWaiters {
  private readonly waiters = new Map<string, Set<() => void>>();

  /** Resolves when the update changes (or its run closes), or when `timeoutMs` passes or `signal` aborts. */
  wait(runId: string, updateId: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const key = `${runId}\u0000${updateId}`;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const set = this.waiters.get(key);
        set?.delete(done);
        if (set?.size === 0) this.waiters.delete(key);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      let set = this.waiters.get(key);
      if (!set) {
        set = new Set();
        this.waiters.set(key, set);
      }
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  notify(runId: string, updateIds: Iterable<string>): void {
    for (const id of updateIds) {
      const set = this.waiters.get(`${runId}\u0000${id}`);
      if (set) for (const wake of [...set]) wake();
    }
  }

  /** The run closed: everyone waiting on one of its updates hears it. */
  notifyRun(runId: string): void {
    const prefix = `${runId}\u0000`;
    for (const [key, set] of [...this.waiters]) if (key.startsWith(prefix)) for (const wake of [...set]) wake();
  }

  releaseAll(): void {
    for (const set of [...this.waiters.values()]) for (const wake of [...set]) wake();
  }
}
