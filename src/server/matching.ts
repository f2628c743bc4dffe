/**
 * Task matching: in-memory queues of task rows per (namespace, task queue, kind), sticky queues per worker
 * identity, and the long-polls waiting on them. A queue hands out its tasks by priority key (Temporal's: 1 first,
 * the default 3), first in, first out within a key. The rows live in the store (committed with the
 * transition that made them); these queues are a fast index over them, rebuilt from the store at start-up.
 * An entry may be stale (its task was cancelled or already handed out): dispatch checks it against the run's
 * state and drops it then.
 *
 * A task queue's activity dispatch limit (Temporal's maxTaskQueueActivitiesPerSecond, carried by the activity polls
 * of workers that set it) is a token bucket here: polls are handed no more activity tasks than there are tokens,
 * sync match takes a poll only with a token, and a queue held back by the limit is handed out again when the next
 * token is due. Each server keeps its own bucket (see docs/api.md).
 */
import { RateLimiter } from '../common/rate-limiter.js';
import { DEFAULT_PRIORITY_KEY, type TaskRow } from '../engine/transition.js';
import type { PollResponse, QueryTask } from '../protocol/tasks.js';

export interface PollWant {
  namespace: string;
  taskQueue: string;
  identity: string;
  /** The polling worker object's key (PollRequest.instanceKey), when it sent one. */
  instanceKey?: string;
  maxWorkflowTasks: number;
  maxActivityTasks: number;
}

export interface Matched {
  workflowTasks: TaskRow[];
  activityTasks: TaskRow[];
  /** Tasks already started for this poll when they were created (sync match): hand them over as they are. */
  ready?: PollResponse;
}

/** A waiting poll taken for one task, before the task's transition commits. */
export interface Reservation {
  want: PollWant;
  /** The task is started and committed: answer the poll with it. */
  deliver(ready: PollResponse): void;
  /** The commit failed: the poll goes on waiting (it is answered empty and polls again). */
  release(): void;
}

interface Waiter {
  want: PollWant;
  resolve: (m: Matched) => void;
}

/**
 * A waiting poll taken by sync match: every task created in the same turn of the event loop that it has room for
 * joins it (a batch of starts, an activity's several follow-ups), and it is answered once each of them has
 * committed (or failed), with all that committed.
 */
interface Collecting {
  waiter: Waiter;
  workflowRoom: number;
  activityRoom: number;
  /** Reservations not yet delivered or released. */
  open: number;
  /** No more joins (the turn it was taken in has ended). */
  closed: boolean;
  ready: PollResponse;
}

class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  push(x: T): void {
    this.items.push(x);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  get size(): number {
    return this.items.length - this.head;
  }
  remove(x: T): void {
    const i = this.items.indexOf(x, this.head);
    if (i >= 0) this.items.splice(i, 1);
  }
}

/**
 * Task rows by priority key, smallest first, first in, first out within a key. A queue whose tasks all have one
 * key (the usual case: no priorities) costs what a plain FIFO does.
 */
export class TaskQueue {
  private readonly byKey = new Map<number, Fifo<TaskRow>>();
  /** The keys present, ascending. */
  private keys: number[] = [];
  private count = 0;
  push(row: TaskRow): void {
    const k = row.priority ?? DEFAULT_PRIORITY_KEY;
    let q = this.byKey.get(k);
    if (!q) {
      q = new Fifo();
      this.byKey.set(k, q);
      this.keys = [...this.keys, k].sort((a, b) => a - b);
    }
    q.push(row);
    this.count++;
  }
  shift(): TaskRow | undefined {
    if (this.count === 0) return undefined;
    for (const k of this.keys) {
      const row = this.byKey.get(k)!.shift();
      if (row) {
        this.count--;
        return row;
      }
    }
    return undefined;
  }
  get size(): number {
    return this.count;
  }
}

const qkey = (namespace: string, name: string): string => `${namespace}\u0000${name}`;

/** A limit no poll has carried for this long is dropped (its workers have gone, or stopped setting it). */
export const ACTIVITY_LIMIT_TTL_MS = 5 * 60_000;

/** A task queue's activity dispatch limit, as the latest poll carrying it set it. */
interface ActivityLimit {
  perSecond: number;
  bucket: RateLimiter;
  /** When a poll last carried it. */
  seenAt: number;
  /** Set while tasks wait for the next token: hands them out then. */
  wake?: NodeJS.Timeout;
}

export class Matching {
  private readonly workflowQueues = new Map<string, TaskQueue>();
  private readonly activityQueues = new Map<string, TaskQueue>();
  private readonly stickyQueues = new Map<string, TaskQueue>();
  /** Queries waiting for a worker of their task queue (taken before workflow tasks: a caller waits on each). */
  private readonly queryQueues = new Map<string, Fifo<QueryTask>>();
  private readonly waiters = new Map<string, Waiter[]>();
  /** The same waiters, by (namespace, identity), for sticky tasks. */
  private readonly waitersByIdentity = new Map<string, Set<Waiter>>();
  /** Waiting polls taken by sync match in this turn, still taking tasks of the same turn. */
  private readonly collecting = new Set<Collecting>();
  private readonly dirty = new Set<string>();
  private readonly dirtySticky = new Set<string>();
  private flushScheduled = false;
  private readonly activityLimits = new Map<string, ActivityLimit>();
  /** Rereads of the queues in progress (beginReload): the rows queued since each began. */
  private readonly reloads = new Set<TaskRow[]>();

  /**
   * Sets a task queue's activity dispatch limit (activity tasks handed out a second), as a poll carrying it asks;
   * the latest value wins, as in Temporal. A new value starts a full bucket.
   */
  setActivityLimit(namespace: string, taskQueue: string, perSecond: number): void {
    const key = qkey(namespace, taskQueue);
    const now = Date.now();
    const limit = this.activityLimits.get(key);
    if (limit?.perSecond === perSecond) {
      limit.seenAt = now;
      return;
    }
    clearTimeout(limit?.wake);
    this.activityLimits.set(key, { perSecond, bucket: new RateLimiter(perSecond), seenAt: now });
    if (limit?.wake) this.markDirty(key); // what waited for the old bucket's token may go now
  }

  /** The queue's activity limit, unless none is set or no poll has carried it for ACTIVITY_LIMIT_TTL_MS. */
  activityLimit(namespace: string, taskQueue: string): number | undefined {
    return this.limitOf(qkey(namespace, taskQueue))?.perSecond;
  }

  private limitOf(key: string): ActivityLimit | undefined {
    const limit = this.activityLimits.get(key);
    if (!limit || Date.now() - limit.seenAt <= ACTIVITY_LIMIT_TTL_MS) return limit;
    clearTimeout(limit.wake);
    this.activityLimits.delete(key);
    return undefined;
  }

  /** Hands the queue's tasks to waiting polls once the limit's next token is there. */
  private wakeAtNextToken(key: string, limit: ActivityLimit): void {
    if (limit.wake) return;
    limit.wake = setTimeout(() => {
      limit.wake = undefined;
      this.markDirty(key);
    }, limit.bucket.msUntilToken());
    limit.wake.unref();
  }

  private markDirty(key: string): void {
    this.dirty.add(key);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    // hand tasks to waiting polls once per turn, so that tasks committed together leave together
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  add(rows: readonly TaskRow[]): void {
    for (const reload of this.reloads) reload.push(...rows);
    for (const row of rows) {
      const key = qkey(row.namespace, row.taskQueue);
      if (row.kind === 'workflow' && row.stickyIdentity !== undefined) {
        const ikey = qkey(row.namespace, row.stickyIdentity);
        this.taskQueue(this.stickyQueues, ikey).push(row);
        this.dirtySticky.add(ikey);
      } else {
        this.taskQueue(row.kind === 'workflow' ? this.workflowQueues : this.activityQueues, key).push(row);
        this.dirty.add(key);
      }
    }
    if (rows.length > 0) this.scheduleFlush();
  }

  private taskQueue(map: Map<string, TaskQueue>, key: string): TaskQueue {
    let q = map.get(key);
    if (!q) {
      q = new TaskQueue();
      map.set(key, q);
    }
    return q;
  }

  private queue<T>(map: Map<string, Fifo<T>>, key: string): Fifo<T> {
    let q = map.get(key);
    if (!q) {
      q = new Fifo();
      map.set(key, q);
    }
    return q;
  }

  /**
   * Hands a query to a worker of its task queue: the one that has the run cached when it is waiting right now,
   * else any waiting one, else the first to poll. True when a waiting poll took it now.
   */
  addQuery(q: QueryTask, cachedBy: string | undefined): boolean {
    const byIdentity = cachedBy === undefined ? undefined : this.waitersByIdentity.get(qkey(q.namespace, cachedBy));
    for (const candidates of [byIdentity, this.waiters.get(qkey(q.namespace, q.taskQueue))]) {
      for (const w of candidates ?? []) {
        if (w.want.taskQueue !== q.taskQueue || w.want.maxWorkflowTasks <= 0 || !this.unlink(w)) continue;
        w.resolve({
          workflowTasks: [],
          activityTasks: [],
          ready: { workflowTasks: [], activityTasks: [], queryTasks: [q] },
        });
        return true;
      }
    }
    this.queue(this.queryQueues, qkey(q.namespace, q.taskQueue)).push(q);
    return false;
  }

  /** Forgets a queued query nobody waits for any more. */
  dropQuery(q: QueryTask): void {
    this.queryQueues.get(qkey(q.namespace, q.taskQueue))?.remove(q);
  }

  /**
   * Starts a reread of the task queues from the store: the rows queued from now on are remembered, so that
   * replaceQueues keeps them (the read may have passed a row committed while it ran). End it with endReload.
   */
  beginReload(): TaskRow[] {
    const queuedMeanwhile: TaskRow[] = [];
    this.reloads.add(queuedMeanwhile);
    return queuedMeanwhile;
  }

  endReload(reload: TaskRow[]): void {
    this.reloads.delete(reload);
  }

  /**
   * The queues become the rows read from the store plus those queued since beginReload (a task in both is
   * queued once; a row of a task that started meanwhile is dropped as stale when a poll takes it).
   */
  replaceQueues(reload: TaskRow[], rows: readonly TaskRow[]): void {
    const seen = new Set<string>();
    const keep = [...rows, ...reload].filter((row) => {
      const id = `${row.runId}\u0000${row.key}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    this.endReload(reload);
    this.clearQueues();
    this.add(keep);
  }

  /** Empties the task queues (before they are read again from the store); waiting polls stay. */
  clearQueues(): void {
    this.workflowQueues.clear();
    this.activityQueues.clear();
    this.stickyQueues.clear();
  }

  /** Takes what is available now for this poller (queries, then sticky tasks, then the rest). */
  take(want: PollWant): Matched {
    const out: Matched = { workflowTasks: [], activityTasks: [] };
    const key = qkey(want.namespace, want.taskQueue);
    const queries = this.queryQueues.get(key);
    if (queries && queries.size > 0 && want.maxWorkflowTasks > 0) {
      const taken: QueryTask[] = [];
      while (taken.length < want.maxWorkflowTasks) {
        const q = queries.shift();
        if (!q) break;
        taken.push(q);
      }
      return { ...out, ready: { workflowTasks: [], activityTasks: [], queryTasks: taken } };
    }
    const sticky = this.stickyQueues.get(qkey(want.namespace, want.identity));
    const wq = this.workflowQueues.get(key);
    const aq = this.activityQueues.get(key);
    while (out.workflowTasks.length < want.maxWorkflowTasks) {
      const row = sticky?.shift() ?? wq?.shift();
      if (!row) break;
      out.workflowTasks.push(row);
    }
    if (!aq || aq.size === 0 || want.maxActivityTasks <= 0) return out;
    const limit = this.limitOf(key);
    const room = limit ? limit.bucket.take(Math.min(want.maxActivityTasks, aq.size)) : want.maxActivityTasks;
    while (out.activityTasks.length < room) {
      const row = aq.shift();
      if (!row) break;
      out.activityTasks.push(row);
    }
    if (limit) {
      limit.bucket.giveBack(room - out.activityTasks.length);
      if (aq.size > 0) this.wakeAtNextToken(key, limit);
    }
    return out;
  }

  /**
   * Takes a poll that is waiting right now for a task like `row` (for a sticky workflow task, a poll of that
   * worker), so the transition that creates the task can start it at once: no task row, no second transition.
   * A poll taken in this turn that still has room takes the task too: its answer carries them all.
   */
  reserve(row: TaskRow): Reservation | undefined {
    const workflow = row.kind === 'workflow';
    const sticky = workflow && row.stickyIdentity !== undefined;
    const fits = (want: PollWant): boolean =>
      want.namespace === row.namespace &&
      want.taskQueue === row.taskQueue &&
      (!sticky || want.identity === row.stickyIdentity);
    // a limited queue's activity goes to a poll only with a token; without one it waits in the queue
    const limit = workflow ? undefined : this.limitOf(qkey(row.namespace, row.taskQueue));
    if (limit && limit.bucket.msUntilToken() > 0) return undefined;
    const taken = (r: Reservation): Reservation => {
      limit?.bucket.take(1);
      return r;
    };
    for (const c of this.collecting) {
      if (c.closed || !fits(c.waiter.want) || (workflow ? c.workflowRoom : c.activityRoom) <= 0) continue;
      return taken(this.join(c, workflow));
    }
    const candidates = sticky
      ? this.waitersByIdentity.get(qkey(row.namespace, row.stickyIdentity!))
      : this.waiters.get(qkey(row.namespace, row.taskQueue));
    if (!candidates) return undefined;
    for (const w of candidates) {
      if (!fits(w.want) || (workflow ? w.want.maxWorkflowTasks : w.want.maxActivityTasks) <= 0) continue;
      if (!this.unlink(w)) continue;
      const c: Collecting = {
        waiter: w,
        workflowRoom: w.want.maxWorkflowTasks,
        activityRoom: w.want.maxActivityTasks,
        open: 0,
        closed: false,
        ready: { workflowTasks: [], activityTasks: [] },
      };
      this.collecting.add(c);
      setImmediate(() => {
        c.closed = true;
        this.collecting.delete(c);
        this.answerIfDone(c);
      });
      return taken(this.join(c, workflow));
    }
    return undefined;
  }

  private join(c: Collecting, workflow: boolean): Reservation {
    if (workflow) c.workflowRoom--;
    else c.activityRoom--;
    c.open++;
    let settled = false;
    const settle = (ready?: PollResponse): void => {
      if (settled) return;
      settled = true;
      c.open--;
      if (ready) {
        c.ready.workflowTasks.push(...ready.workflowTasks);
        c.ready.activityTasks.push(...ready.activityTasks);
      }
      this.answerIfDone(c);
    };
    return { want: c.waiter.want, deliver: (ready) => settle(ready), release: () => settle() };
  }

  /** Answers a collecting poll once its turn has ended and every task that joined it is settled. */
  private answerIfDone(c: Collecting): void {
    if (!c.closed || c.open > 0) return;
    const { ready } = c;
    // every task failed to commit: the poll is answered empty and polls again
    if (ready.workflowTasks.length + ready.activityTasks.length === 0)
      c.waiter.resolve({ workflowTasks: [], activityTasks: [] });
    else c.waiter.resolve({ workflowTasks: [], activityTasks: [], ready });
  }

  /** Waits until a task is available for this poller, or `signal` aborts (then resolves empty). */
  wait(want: PollWant, signal: AbortSignal): Promise<Matched> {
    const now = this.take(want);
    if (now.ready || now.workflowTasks.length + now.activityTasks.length > 0 || signal.aborted)
      return Promise.resolve(now);
    return new Promise((resolve) => {
      const key = qkey(want.namespace, want.taskQueue);
      const waiter: Waiter = { want, resolve };
      let list = this.waiters.get(key);
      if (!list) {
        list = [];
        this.waiters.set(key, list);
      }
      list.push(waiter);
      const ikey = qkey(want.namespace, want.identity);
      let byIdentity = this.waitersByIdentity.get(ikey);
      if (!byIdentity) {
        byIdentity = new Set();
        this.waitersByIdentity.set(ikey, byIdentity);
      }
      byIdentity.add(waiter);
      signal.addEventListener('abort', () => this.settle(waiter, { workflowTasks: [], activityTasks: [] }), {
        once: true,
      });
    });
  }

  /** Forgets a waiting poll (without answering it); false if it was already gone. */
  private unlink(w: Waiter): boolean {
    const list = this.waiters.get(qkey(w.want.namespace, w.want.taskQueue));
    const i = list?.indexOf(w) ?? -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    this.waitersByIdentity.get(qkey(w.want.namespace, w.want.identity))?.delete(w);
    return true;
  }

  /** Resolves a waiting poll and forgets it; false if it was already settled. */
  private settle(w: Waiter, m: Matched): boolean {
    if (!this.unlink(w)) return false;
    w.resolve(m);
    return true;
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const ikey of this.dirtySticky) {
      for (const w of [...(this.waitersByIdentity.get(ikey) ?? [])]) {
        const m = this.take(w.want);
        if (m.ready || m.workflowTasks.length + m.activityTasks.length > 0) this.settle(w, m);
      }
    }
    for (const key of this.dirty) {
      for (const w of [...(this.waiters.get(key) ?? [])]) {
        const m = this.take(w.want);
        if (!m.ready && m.workflowTasks.length + m.activityTasks.length === 0) continue;
        this.settle(w, m);
      }
    }
    this.dirty.clear();
    this.dirtySticky.clear();
  }

  /** Ends every waiting poll that matches (default: all), answering it empty. */
  releaseWaiters(filter: (want: PollWant) => boolean = () => true): void {
    for (const list of this.waiters.values()) {
      for (const w of [...list]) if (filter(w.want)) this.settle(w, { workflowTasks: [], activityTasks: [] });
    }
  }

  /** Every queue's length (stale entries included; sticky queues left out), for the backlog metric. */
  *backlogs(): Iterable<{ namespace: string; taskQueue: string; kind: 'workflow' | 'activity'; size: number }> {
    for (const [kind, map] of [
      ['workflow', this.workflowQueues],
      ['activity', this.activityQueues],
    ] as const) {
      for (const [key, q] of map) {
        const i = key.indexOf('\u0000');
        yield { namespace: key.slice(0, i), taskQueue: key.slice(i + 1), kind, size: q.size };
      }
    }
  }

  backlog(namespace: string, taskQueue: string): { workflowTasks: number; activityTasks: number } {
    const key = qkey(namespace, taskQueue);
    return {
      workflowTasks: this.workflowQueues.get(key)?.size ?? 0,
      activityTasks: this.activityQueues.get(key)?.size ?? 0,
    };
  }
}
