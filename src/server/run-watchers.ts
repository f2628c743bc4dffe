/**
 * Callers waiting for a run to change in any way: a commit on this server, or (in a cluster) a notice that
 * another server committed one. A wake-up only says "read the run again"; the store stays the truth.
 */
export class RunWatchers {
  private readonly watches = new Map<string, Set<RunWatch>>();

  /** Starts watching `runId`; take it before reading the run, so a change that lands meanwhile is not missed. */
  watch(runId: string): RunWatch {
    let set = this.watches.get(runId);
    if (!set) {
      set = new Set();
      this.watches.set(runId, set);
    }
    const watches = set;
    const w = new RunWatch(() => {
      watches.delete(w);
      if (watches.size === 0 && this.watches.get(runId) === watches) this.watches.delete(runId);
    });
    watches.add(w);
    return w;
  }

  notify(runId: string): void {
    const set = this.watches.get(runId);
    if (set) for (const w of [...set]) w.poke();
  }

  /** Every watcher reads its run again (a cluster link came back: notices may have been lost). */
  releaseAll(): void {
    for (const set of [...this.watches.values()]) for (const w of [...set]) w.poke();
  }
}

export class RunWatch {
  private changed = false;
  private wake: (() => void) | undefined;

  constructor(private readonly onClose: () => void) {}

  /** Resolves once the run changed since the last call (at once if it has), after `timeoutMs`, or on abort. */
  next(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.changed || signal?.aborted) {
      this.changed = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        if (this.wake === done) this.wake = undefined;
        this.changed = false;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  poke(): void {
    this.changed = true;
    this.wake?.();
  }

  close(): void {
    this.wake?.();
    this.onClose();
  }
}
