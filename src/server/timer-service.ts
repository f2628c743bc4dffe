/**
 * Fires timer rows (durable timers, retry backoffs, every timeout) when they are due. The rows live in the
 * store; this service keeps the ones due within a look-ahead window in a heap, re-reads the store when the
 * window runs out (and at start-up, which is how timers survive a restart), and fires each through the run
 * updater. Firing is idempotent: the engine ignores a timer that no longer matches the run.
 *
 * A store only one server uses does not write the timeouts of started activity attempts (Store.startedActivities):
 * this service keeps all of those itself, the ones due past the window too, and rebuilds them from the store's
 * started activities whenever it starts.
 *
 * The loop never recurses: a tick runs from the clock's callback, which never calls back synchronously, and
 * at most MAX_IN_FLIGHT fires are pending at once (a freed slot re-arms).
 */
import { attemptTimeouts } from '../engine/activity.js';
import { isAttemptTimeoutKey } from '../engine/state.js';
import type { TimerRow } from '../engine/transition.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { Logger } from '../common/logger.js';

export type FireTimer = (row: TimerRow) => Promise<void>;

const WINDOW_MS = 60_000;
const LOAD_LIMIT = 10_000;
const MAX_IN_FLIGHT = 2_000;
/** A timer whose fire failed (the store was unavailable) is tried again after this. */
const FIRE_RETRY_MS = 1000;
/** A failed read of the due timers is tried again after this. */
const LOAD_RETRY_MS = 1000;

class MinHeap {
  private readonly a: TimerRow[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): TimerRow | undefined {
    return this.a[0];
  }
  push(x: TimerRow): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.dueAt <= a[i]!.dueAt) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): TimerRow | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.dueAt < a[m]!.dueAt) m = l;
        if (r < a.length && a[r]!.dueAt < a[m]!.dueAt) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
  clear(): void {
    this.a.length = 0;
  }
}

const rowKey = (r: { runId: string; key: string }): string => `${r.runId}\u0000${r.key}`;

export class TimerService {
  private readonly heap = new MinHeap();
  /** The live due time of each timer in the heap; an entry whose due time differs is stale. */
  private readonly live = new Map<string, number>();
  /** Timers due after this are left in the store until the next load. */
  private windowEnd = 0;
  /** Timers the store does not hold (see the top) due after the window, until a load's window reaches them. */
  private readonly parked = new Map<string, TimerRow>();
  /** Whether the store's started activities have been read since start (the first load reads them). */
  private rebuilt = false;
  private cancelWake: (() => void) | undefined;
  private wakeAt = Infinity;
  private inFlight = 0;
  /** Until start() (and after stop()) nothing is kept or fired: in a cluster, only the leader runs. */
  private stopped = true;
  private loading: Promise<void> | undefined;
  /** Counts loads and stops: a load whose number is no longer current was overtaken. */
  private loadGen = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly fire: FireTimer,
    private readonly log: Logger,
  ) {}

  /** Loads the due timers and fires them from now on; a failed load is tried again every second. */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.load();
    } catch (e) {
      this.log.error({ err: e }, 'loading timers failed; retrying');
      this.retryLoad();
    }
  }

  stop(): void {
    this.stopped = true;
    this.cancelWake?.();
    this.cancelWake = undefined;
    this.wakeAt = Infinity;
    this.heap.clear();
    this.live.clear();
    this.windowEnd = 0;
    this.parked.clear();
    this.rebuilt = false;
    this.loading = undefined;
    this.loadGen++; // a read in flight now lands nowhere (see load)
  }

  /**
   * Reads the store's timers again, and rebuilds the attempt timeouts this service keeps, merging with what it
   * holds: a commit whose outcome is unknown may have written timers nobody told it of. A stopped service (not
   * the cluster's leader) stays stopped.
   */
  async resync(): Promise<void> {
    if (this.stopped) return;
    await this.loading?.catch(() => undefined);
    this.rebuilt = false;
    await this.load();
  }

  /** Timers committed by a transition. */
  add(rows: readonly TimerRow[]): void {
    if (this.stopped) return;
    for (const r of rows) {
      const k = rowKey(r);
      if (r.dueAt > this.windowEnd) {
        // the next load picks it up from the store, or from here when the store does not hold it
        if (this.keepsItself(r.key)) this.parked.set(k, r);
        continue;
      }
      if (this.parked.size > 0) this.parked.delete(k);
      this.live.set(k, r.dueAt);
      this.heap.push(r);
    }
    if (rows.length > 0) this.arm();
  }

  /** Timers deleted by a transition. */
  remove(runId: string, keys: readonly string[]): void {
    for (const key of keys) {
      const k = rowKey({ runId, key });
      this.live.delete(k);
      if (this.parked.size > 0) this.parked.delete(k);
    }
  }

  /** Whether this service alone holds a timer of this key (the store does not write it). */
  private keepsItself(key: string): boolean {
    return this.store.startedActivities !== undefined && isAttemptTimeoutKey(key);
  }

  /** Earliest due time of any timer, in memory or only in the store (for the time-skipping clock). */
  async nextDue(): Promise<number | undefined> {
    this.dropStale();
    const inMemory = this.heap.peek()?.dueAt;
    if (inMemory !== undefined) return inMemory;
    let parked: number | undefined;
    for (const r of this.parked.values()) if (parked === undefined || r.dueAt < parked) parked = r.dueAt;
    const [first] = await this.store.dueTimers(Number.MAX_SAFE_INTEGER, 1);
    return first === undefined || (parked !== undefined && parked < first.dueAt) ? parked : first.dueAt;
  }

  private dropStale(): void {
    for (let top = this.heap.peek(); top && this.live.get(rowKey(top)) !== top.dueAt; top = this.heap.peek())
      this.heap.pop();
  }

  private async load(): Promise<void> {
    if (this.loading) return this.loading;
    const gen = ++this.loadGen;
    const loading = (async () => {
      if (!this.rebuilt && this.store.startedActivities) {
        const started = await this.store.startedActivities();
        if (this.stopped || gen !== this.loadGen) return;
        // parked for now (windowEnd is 0 until the first load): the rest of this load moves the due ones in
        for (const { runId, namespace, activity } of started)
          for (const r of attemptTimeouts(runId, namespace, activity)) this.parked.set(rowKey(r), r);
        this.rebuilt = true;
      }
      const now = this.clock.now();
      // timers committed while the read is in flight may be missing from it: keep them from now on
      const before = this.windowEnd;
      this.windowEnd = Math.max(this.windowEnd, now + WINDOW_MS);
      let rows: TimerRow[];
      try {
        rows = await this.store.dueTimers(now + WINDOW_MS, LOAD_LIMIT);
      } catch (e) {
        if (gen === this.loadGen) this.windowEnd = before;
        throw e;
      }
      // stopped (and maybe started again) meanwhile: this read may predate timers nobody told us about
      if (this.stopped || gen !== this.loadGen) return;
      // a full page means more rows may be due before the window end: only trust up to the last one
      this.windowEnd = rows.length === LOAD_LIMIT ? rows[rows.length - 1]!.dueAt : now + WINDOW_MS;
      // merge: timers added while the read was in flight are already live
      for (const r of rows) {
        const k = rowKey(r);
        if (this.live.get(k) === r.dueAt) continue;
        this.live.set(k, r.dueAt);
        this.heap.push(r);
      }
      for (const [k, r] of this.parked) {
        if (r.dueAt > this.windowEnd) continue;
        this.parked.delete(k);
        if (this.live.get(k) === r.dueAt) continue; // held already (a resync rebuilds what it holds)
        this.live.set(k, r.dueAt);
        this.heap.push(r);
      }
    })().finally(() => {
      if (gen === this.loadGen) this.loading = undefined;
    });
    this.loading = loading;
    await loading;
    this.arm();
  }

  private retryLoad(): void {
    if (this.stopped) return;
    this.cancelWake?.();
    this.wakeAt = Infinity;
    this.cancelWake = this.clock.at(this.clock.now() + LOAD_RETRY_MS, () => {
      this.cancelWake = undefined;
      if (this.stopped) return;
      this.load().catch((e: unknown) => {
        this.log.error({ err: e }, 'loading timers failed; retrying');
        this.retryLoad();
      });
    });
  }

  private arm(): void {
    // at the in-flight cap the next slot to free re-arms (in fire's finally): arming now would only spin
    if (this.stopped || this.inFlight >= MAX_IN_FLIGHT) return;
    this.dropStale();
    const next = Math.min(this.heap.peek()?.dueAt ?? Infinity, this.windowEnd);
    if (next >= this.wakeAt && this.cancelWake) return;
    this.cancelWake?.();
    this.wakeAt = next;
    this.cancelWake = this.clock.at(next, () => {
      this.cancelWake = undefined;
      this.wakeAt = Infinity;
      this.tick();
    });
  }

  private tick(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    while (this.inFlight < MAX_IN_FLIGHT) {
      this.dropStale();
      const top = this.heap.peek();
      if (!top || top.dueAt > now) break;
      this.heap.pop();
      this.live.delete(rowKey(top));
      this.inFlight++;
      this.fire(top)
        .catch((e: unknown) => {
          // the row stays in the store: try again in a while (the store may be unavailable for now)
          this.log.warn({ err: e, runId: top.runId, timer: top.key }, 'timer fire failed; retrying');
          const t = setTimeout(() => {
            if (!this.live.has(rowKey(top))) this.add([top]);
          }, FIRE_RETRY_MS);
          t.unref();
        })
        .finally(() => {
          this.inFlight--;
          if (this.inFlight === MAX_IN_FLIGHT - 1) this.arm();
        });
    }
    if (now >= this.windowEnd) {
      this.load().catch((e: unknown) => {
        this.log.error({ err: e }, 'loading timers failed; retrying');
        this.retryLoad();
      });
      return;
    }
    this.arm();
  }
}
