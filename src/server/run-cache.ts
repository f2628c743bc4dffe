/**
 * Recently used run states, so an operation on a busy run does not read the store first. The store stays the
 * truth: every write names the version it was based on, and a stale entry only costs a conflict and a retry.
 *
 * Closed runs are kept apart, fewer and slimmer (no JSON copy, no recent events): after its close a run is read
 * for its result or a describe now and then, and rarely changed, so a stream of finished workflows does not
 * fill memory with the copies and events only running ones need.
 */
import { ApiError } from '../common/api-error.js';
import type { ExecutionState } from '../engine/state.js';
import type { HistoryEvent } from '../protocol/events.js';
import type { Store } from '../store/store.js';

export interface CachedRun {
  state: ExecutionState;
  version: number;
  /** The state as JSON (what was stored): parsing it is the cheapest private copy. */
  json?: string;
  /** The run's latest events, contiguous up to the newest (a workflow task's new events come from here). */
  recent?: HistoryEvent[];
  /**
   * Set while the write that made this entry is being committed (the cache is optimistic: later operations build
   * on it at once); resolves true once it is durable, false if it failed (the entry is dropped then).
   */
  pending?: Promise<boolean>;
}

const RECENT_EVENTS = 256;

/** The newest events of a run after `added` were written on top of `recent`. */
export function appendRecent(
  recent: HistoryEvent[] | undefined,
  added: readonly HistoryEvent[],
): HistoryEvent[] | undefined {
  if (added.length === 0) return recent;
  const last = recent?.[recent.length - 1];
  const joined = last && last.eventId + 1 === added[0]!.eventId ? [...recent, ...added] : [...added];
  return joined.length > RECENT_EVENTS ? joined.slice(joined.length - RECENT_EVENTS) : joined;
}

/** Events from..to (inclusive) if `recent` holds all of them. */
export function sliceRecent(recent: HistoryEvent[] | undefined, from: number, to: number): HistoryEvent[] | undefined {
  const first = recent?.[0];
  if (!recent || !first || from < first.eventId || to > recent[recent.length - 1]!.eventId) return undefined;
  return recent.slice(from - first.eventId, to - first.eventId + 1);
}

export class RunCache {
  /** Running runs, least recently used first. */
  private readonly entries = new Map<string, CachedRun>();
  /** Recently closed runs (state and version only), least recently used first. */
  private readonly closed = new Map<string, CachedRun>();
  /** The read in flight for each run; invalidate() and clear() drop it, so a read begun before does not land. */
  private readonly loading = new Map<string, { promise?: Promise<CachedRun> }>();

  constructor(
    private readonly store: Store,
    private readonly maxEntries = 20_000,
    private readonly maxClosed = Math.min(2_000, maxEntries),
  ) {}

  /** The run's state; throws WORKFLOW_NOT_FOUND when the store has no such run. */
  async get(runId: string): Promise<CachedRun> {
    const hit = this.entries.get(runId) ?? this.closed.get(runId);
    if (hit) {
      // refresh recency (Map keeps insertion order)
      const map = this.entries.has(runId) ? this.entries : this.closed;
      map.delete(runId);
      map.set(runId, hit);
      return hit;
    }
    let flight = this.loading.get(runId);
    if (!flight) {
      const f: { promise?: Promise<CachedRun> } = {};
      f.promise = this.load(runId, f);
      f.promise
        .finally(() => {
          if (this.loading.get(runId) === f) this.loading.delete(runId);
        })
        .catch(() => {});
      this.loading.set(runId, f);
      flight = f;
    }
    const p = flight.promise!;
    // several callers may wait on one load; the first may already have replaced the entry: take the newest
    return p.then((loaded) => this.peek(runId) ?? loaded);
  }

  private async load(runId: string, flight: object): Promise<CachedRun> {
    const stored = await this.store.getExecution(runId);
    if (!stored) throw new ApiError('WORKFLOW_NOT_FOUND', `run ${runId} not found`);
    const existing = this.peek(runId);
    if (existing) return existing;
    const entry: CachedRun = { state: stored.state, version: stored.version };
    // invalidated while reading (another server changed the run): the caller gets the read, the cache does not
    if (this.loading.get(runId) === flight) this.put(runId, entry);
    return entry;
  }

  /**
   * The run's state as committed: what a caller outside the engine may be told (a result, a describe, a
   * history). An entry whose write is still in flight is waited for; a failed one is read again.
   */
  async getCommitted(runId: string): Promise<CachedRun> {
    for (;;) {
      const entry = await this.get(runId);
      if (!entry.pending || (await entry.pending)) return entry;
    }
  }

  /** The cached entry, if any, without touching the store. */
  peek(runId: string): CachedRun | undefined {
    return this.entries.get(runId) ?? this.closed.get(runId);
  }

  put(runId: string, entry: CachedRun): void {
    this.entries.delete(runId);
    this.closed.delete(runId);
    if (entry.state.status === 'Running') insertBounded(this.entries, runId, entry, this.maxEntries);
    else
      insertBounded(
        this.closed,
        runId,
        { state: entry.state, version: entry.version, ...(entry.pending ? { pending: entry.pending } : {}) },
        this.maxClosed,
      );
  }

  invalidate(runId: string): void {
    this.entries.delete(runId);
    this.closed.delete(runId);
    this.loading.delete(runId);
  }

  clear(): void {
    this.entries.clear();
    this.closed.clear();
    this.loading.clear();
  }

  /** Cached runs: running and recently closed. */
  get size(): { running: number; closed: number } {
    return { running: this.entries.size, closed: this.closed.size };
  }
}

/** Inserts as the most recent entry, dropping the least recent one past `max`. */
function insertBounded(map: Map<string, CachedRun>, runId: string, entry: CachedRun, max: number): void {
  map.set(runId, entry);
  if (map.size > max) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}
