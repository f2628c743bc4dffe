/**
 * A server's copy of one kind of control record (namespaces, API keys): read whole from the store, refreshed every
 * `refreshMs` (how long another server's change may take to be seen here), and read again on a miss, so a record
 * made on another server a moment ago is found. Misses share reloads, at most one every `missReloadMs`: a flood of
 * unknown names or keys costs the store a few small reads a second, not one per request.
 */
import type { Logger } from '../../common/logger.js';
import type { ControlRecordKind, Store } from '../../store/store.js';

export type Cached<T> = T & { version: number; updatedAt: number };

export class ControlCache<T> {
  private items = new Map<string, Cached<T>>();
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  /** When the last reload began (its result holds everything written before then). */
  private loadStartedAt = 0;

  constructor(
    private readonly store: Store,
    private readonly kind: ControlRecordKind,
    private readonly log: Logger,
    private readonly refreshMs: number,
    private readonly missReloadMs = 50,
  ) {}

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => {
      this.reload().catch((err: unknown) => this.log.debug({ err, kind: this.kind }, 'control record refresh failed'));
    }, this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads every record again (one reload at a time; callers share it). */
  reload(): Promise<void> {
    this.loading ??= (async () => {
      this.loadStartedAt = Date.now();
      const recs = await this.store.listControlRecords(this.kind);
      const next = new Map<string, Cached<T>>();
      for (const r of recs) next.set(r.id, { ...(r.body as T), version: r.version, updatedAt: r.updatedAt });
      this.items = next;
    })().finally(() => (this.loading = undefined));
    return this.loading;
  }

  get(id: string): Cached<T> | undefined {
    return this.items.get(id);
  }

  list(): Array<Cached<T>> {
    return [...this.items.values()];
  }

  /** The record as of a reload that began after this call (for a miss: made elsewhere a moment ago?). */
  async getFresh(id: string): Promise<Cached<T> | undefined> {
    const asked = Date.now();
    while (this.loadStartedAt < asked) {
      if (this.loading) {
        await this.loading;
        continue;
      }
      const wait = this.loadStartedAt + this.missReloadMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (this.loadStartedAt < asked && !this.loading) await this.reload();
    }
    if (this.loading) await this.loading;
    return this.items.get(id);
  }
}
