/**
 * Keeps one server in step with the others on the same database (see docs/cluster.md).
 *
 * Out: every commit carries notices (notices.ts) that the store publishes if and only if it commits; requests
 * that write nothing but matter elsewhere (a query waiting for a worker, its answer, a new definition, a worker
 * stop) are published on their own.
 * In: a notice from another server drops this server's stale copy of the runs it names, queues its new tasks,
 * wakes result and update waiters, and, on the leader, arms its timers. After the link was down, everything a
 * notice could have said is reread (resync). The leader (one server, by a session lock in the database) fires
 * timers, timeouts and schedules; when it dies another takes over within seconds.
 */
import { randomUUID } from 'node:crypto';
import type { ClusterLink, ClusterPoller } from '../../store/store.js';
import type { QueryTask } from '../../protocol/tasks.js';
import type { ServerContext } from '../context.js';
import type { CommitItem } from '../run-updater.js';
import type { ScheduleWrite } from '../../store/store.js';
import type { QueryAnswer } from '../service/query-workflow.js';
import {
  commitItems,
  MAX_NOTICE_BYTES,
  packNotices,
  parseNotice,
  taskRowOf,
  timerRowOf,
  type NoticeItem,
} from './notices.js';
import type { TaskRow } from '../../engine/transition.js';

/** A worker's poll is written to the shared poller table at most this often. */
const POLLER_WRITE_EVERY_MS = 5000;
/**
 * A task another server said it hands out itself waits this long before this server's workers may take it too
 * (it does when that server died, or its workers are busy). Without it every server raced for every task: the
 * run moved between servers, each loser read the run from the database and lost a versioned write.
 */
export const FOREIGN_TASK_GRACE_MS = 1000;
/** The leader forgets cluster messages and pollers older than this. */
const SWEEP_EVERY_MS = 60_000;
const MESSAGE_TTL_MS = 10 * 60_000;

export class ClusterSync {
  readonly serverId = randomUUID();
  private leading = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly pollerWrites = new Map<string, number>();
  private pendingPollers: ClusterPoller[] = [];
  private pollerFlush: Promise<void> | undefined;
  /** Tasks held back for FOREIGN_TASK_GRACE_MS (defer), by run and key, oldest first. */
  private readonly deferred = new Map<string, { row: TaskRow; due: number }>();
  private deferTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: ServerContext,
    private readonly link: ClusterLink,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  /** Listens (before the server reads its task queues: nothing committed after the read goes unheard). */
  async start(): Promise<void> {
    await this.link.start({
      notice: (payload) => this.receive(payload),
      reset: () => void this.resync(),
      leader: (v) => this.setLeader(v),
      error: (message, err) => this.ctx.log.warn({ err }, message),
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.sweepTimer);
    clearTimeout(this.deferTimer);
    await this.link.stop();
  }

  /** The notices a commit publishes. */
  noticesFor(commits: readonly CommitItem[], schedules: readonly ScheduleWrite[]): string[] {
    const items = commitItems(commits, schedules);
    const now = this.ctx.clock.now();
    const within = this.ctx.config.pollTimeoutMs + 10_000;
    for (const item of items)
      if (item[0] === 't' && item[6] === null && this.ctx.pollers.hasRecentPoller(item[3], item[4], now, within))
        item[8] = 1; // a worker polls this server for it: the others hold it back
    return packNotices(this.serverId, items);
  }

  /** Publishes items outside any commit; an item too large for a notice goes through a cluster message. */
  async publish(items: NoticeItem[]): Promise<void> {
    const small: NoticeItem[] = [];
    for (const item of items) {
      const json = JSON.stringify(item);
      if (Buffer.byteLength(json) + this.serverId.length + 4 <= MAX_NOTICE_BYTES) small.push(item);
      else small.push(['m', await this.link.putMessage(json)]);
    }
    await this.link.publish(packNotices(this.serverId, small));
  }

  /** A query no worker of this server took at once: any server with a worker of its task queue may hand it out. */
  publishQuery(task: QueryTask, cachedBy: string | undefined): void {
    this.publish([['q', task, cachedBy ?? null]]).catch((err: unknown) =>
      this.ctx.log.warn({ err, queryId: task.queryId }, 'could not publish a query to the other servers'),
    );
  }

  /** An answer to a query this server does not wait for: the server that does hears it. */
  publishAnswer(queryId: string, a: QueryAnswer): void {
    this.publish([['qa', queryId, a]]).catch((err: unknown) =>
      this.ctx.log.warn({ err, queryId }, 'could not publish a query answer to the other servers'),
    );
  }

  /** Records a worker's poll in the shared table (at most every few seconds per worker and queue). */
  touchPoller(p: ClusterPoller): void {
    const key = `${p.namespace}\u0000${p.taskQueue}\u0000${p.identity}`;
    const last = this.pollerWrites.get(key);
    if (last !== undefined && p.lastAccessTime - last < POLLER_WRITE_EVERY_MS) return;
    this.pollerWrites.set(key, p.lastAccessTime);
    this.pendingPollers.push(p);
    this.pollerFlush ??= Promise.resolve().then(async () => {
      const batch = this.pendingPollers;
      this.pendingPollers = [];
      this.pollerFlush = undefined;
      await this.link.touchPollers(batch).catch((err: unknown) => {
        for (const q of batch) this.pollerWrites.delete(`${q.namespace}\u0000${q.taskQueue}\u0000${q.identity}`);
        this.ctx.log.warn({ err }, 'could not record pollers');
      });
    });
  }

  /** Workers seen on a task queue by any server since `since`. */
  pollers(namespace: string, taskQueue: string, since: number): Promise<ClusterPoller[]> {
    return this.link.pollers(namespace, taskQueue, since);
  }

  taskQueues(namespace: string, since: number): Promise<string[]> {
    return this.link.taskQueues(namespace, since);
  }

  private receive(payload: string): void {
    const n = parseNotice(payload);
    if (!n || n.sender === this.serverId) return;
    this.apply(n.items);
  }

  private apply(items: readonly NoticeItem[]): void {
    const ctx = this.ctx;
    const tasks: TaskRow[] = [];
    for (const item of items) {
      switch (item[0]) {
        case 'r': {
          const [, runId, version, closed, updates] = item;
          const cached = ctx.cache.peek(runId);
          // (with no entry: a read in flight may predate the change)
          if (!cached || cached.version <= version) ctx.cache.invalidate(runId);
          ctx.runWatchers.notify(runId);
          if (closed) {
            ctx.closeWaiters.notifyClosed(runId);
            ctx.updateWaiters.notifyRun(runId);
          } else if (updates === 1) ctx.updateWaiters.notifyRun(runId);
          else if (updates.length > 0) ctx.updateWaiters.notify(runId, updates);
          break;
        }
        case 't':
          if (item[8] === 1) this.defer(taskRowOf(item));
          else tasks.push(taskRowOf(item));
          break;
        case 'tx':
          for (const key of item[2]) this.deferred.delete(`${item[1]}\u0000${key}`);
          break;
        case 'ta':
          if (this.leading) ctx.timers.add([timerRowOf(item)]);
          break;
        case 'tr':
          if (this.leading) ctx.timers.remove(item[1], item[2]);
          break;
        case 'd':
          ctx.forgetDefinition(item[1], item[2]);
          break;
        case 'q': {
          const [, task, cachedBy] = item;
          this.offerQuery(task, cachedBy ?? undefined);
          break;
        }
        case 'qa':
          ctx.queries.answer(item[1], item[2]);
          break;
        case 'ws': {
          const [, namespace, taskQueue, identity, at, instanceKey] = item;
          ctx.applyWorkerStop(namespace, taskQueue, identity ?? undefined, at, instanceKey);
          break;
        }
        case 'm':
          this.link
            .getMessage(item[1])
            .then((json) => {
              if (json !== undefined) this.apply([JSON.parse(json) as NoticeItem]);
            })
            .catch((err: unknown) => ctx.log.warn({ err }, 'could not read a cluster message'));
          break;
      }
    }
    if (tasks.length > 0) ctx.matching.add(tasks);
  }

  /**
   * Holds back a task its server hands out itself: queued here only if still pending FOREIGN_TASK_GRACE_MS later
   * (a notice that it was removed drops it before then; one that went stale otherwise is dropped at dispatch).
   */
  private defer(row: TaskRow): void {
    const key = `${row.runId}\u0000${row.key}`;
    this.deferred.delete(key); // a re-added key goes to the back
    this.deferred.set(key, { row, due: Date.now() + FOREIGN_TASK_GRACE_MS });
    this.deferTimer ??= setTimeout(() => this.releaseDeferred(), FOREIGN_TASK_GRACE_MS);
    this.deferTimer.unref();
  }

  private releaseDeferred(): void {
    this.deferTimer = undefined;
    const now = Date.now();
    const due: TaskRow[] = [];
    for (const [key, d] of this.deferred) {
      if (d.due > now) break; // in order of arrival, so of due time
      due.push(d.row);
      this.deferred.delete(key);
    }
    if (due.length > 0) this.ctx.matching.add(due);
    const next = this.deferred.values().next();
    if (!next.done) {
      this.deferTimer = setTimeout(() => this.releaseDeferred(), Math.max(1, next.value.due - now));
      this.deferTimer.unref();
    }
  }

  /** A query from another server: queued here only if a worker of its task queue polls this server. */
  private offerQuery(task: QueryTask, cachedBy: string | undefined): void {
    const ctx = this.ctx;
    const now = ctx.clock.now();
    if (!ctx.pollers.hasRecentPoller(task.namespace, task.taskQueue, now, ctx.config.pollTimeoutMs + 10_000)) return;
    ctx.matching.addQuery(task, cachedBy);
    // nobody waits for it here: forget it when its caller has stopped waiting anyway
    setTimeout(() => ctx.matching.dropQuery(task), ctx.config.queryTimeoutMs).unref();
  }

  private setLeader(v: boolean): void {
    if (v === this.leading) return;
    this.leading = v;
    const ctx = this.ctx;
    clearInterval(this.sweepTimer);
    if (!v) {
      // stopping is not news; losing the lead while running is (its database connection broke)
      if (ctx.shutdown.signal.aborted) ctx.log.info('this server stops firing timers and schedules: it is stopping');
      else ctx.log.warn('this server no longer fires timers and schedules (another server will)');
      ctx.timers.stop();
      return;
    }
    ctx.log.info('this server now fires timers and schedules');
    ctx.timers.start().catch((err: unknown) => ctx.log.error({ err }, 'loading timers failed'));
    this.sweepTimer = setInterval(() => {
      const before = ctx.clock.now() - Math.max(MESSAGE_TTL_MS, ctx.config.pollerExpiryMs);
      this.link.sweep(before).catch((err: unknown) => ctx.log.warn({ err }, 'cluster sweep failed'));
    }, SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  /** After the link was down: what notices would have said is read again from the store. */
  resync(): Promise<void> {
    const ctx = this.ctx;
    ctx.log.info('the cluster link is back: rereading task queues and dropping cached runs');
    // at every reset, also one that comes while an earlier resync still rereads the queues: what this server
    // cached since that one began may have missed notices during the link's latest gap
    ctx.cache.clear();
    ctx.forgetDefinitions();
    // a reset while the queues are reread makes them read again: tasks announced in its gap may be missing; the
    // reread then has the waiters look again (from the store), as a close or an update may have gone unheard
    return ctx.reread.request();
  }
}
