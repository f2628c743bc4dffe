/**
 * Everything one server process holds, wired together: store, run cache and updater, matching, timers,
 * pollers and waiters. Services receive the context; the HTTP layer and the in-process transport call the
 * services.
 */
import { setMaxListeners } from 'node:events';
import { fireTimer } from '../engine/timers.js';
import type { HistoryLimits, TaskRow, TimerRow } from '../engine/transition.js';
import { SCHEDULE_TIMER_KEY, scheduleTimerRunId, type Store, type WorkflowDefinition } from '../store/store.js';
import { runSchedule } from './service/schedule-runner.js';
import type { Clock } from './clock.js';
import { CloseWaiters } from './close-waiters.js';
import { UpdateWaiters } from './update-waiters.js';
import { RunWatchers } from './run-watchers.js';
import type { ServerConfig } from './config.js';
import type { Logger } from '../common/logger.js';
import { Matching } from './matching.js';
import { PollerRegistry } from './pollers.js';
import { RunCache } from './run-cache.js';
import { syncMatch } from './sync-match.js';
import { LostStarts } from './lost-starts.js';
import { PendingQueries } from './service/query-workflow.js';
import { runOutboxEffect } from './service/outbox.js';
import { NO_WRITE, RunUpdater } from './run-updater.js';
import { TimerService } from './timer-service.js';
import { ServerMetrics } from './metrics.js';
import { ClusterSync } from './cluster/cluster-sync.js';
import { RetentionSweeper } from './retention-sweeper.js';
import { StoreReread } from './store-reread.js';
import { NamespaceRegistry } from './tenancy/namespace-registry.js';
import type { Callers } from './tenancy/callers.js';

/** A namespace's history limits when it sets maxHistoryEvents (computed once per namespace record). */
function namespaceHistoryLimits(
  namespaces: NamespaceRegistry,
  server: HistoryLimits,
): (namespace: string) => HistoryLimits | undefined {
  const memo = new WeakMap<object, HistoryLimits>();
  return (name) => {
    const ns = namespaces.get(name);
    const max = ns?.limits.maxHistoryEvents;
    if (!ns || max === undefined) return undefined;
    let limits = memo.get(ns);
    if (!limits) {
      const maxEvents = Math.min(max, server.maxEvents);
      // continue-as-new is suggested at the server's point, or at 80 % of a lower limit
      const suggest = Math.min(server.suggestContinueAsNewEvents, Math.max(1, Math.floor(maxEvents * 0.8)));
      limits = { ...server, maxEvents, suggestContinueAsNewEvents: suggest };
      memo.set(ns, limits);
    }
    return limits;
  };
}

export class ServerContext {
  readonly cache: RunCache;
  readonly updater: RunUpdater;
  readonly matching = new Matching();
  readonly pollers = new PollerRegistry();
  readonly closeWaiters = new CloseWaiters();
  readonly updateWaiters = new UpdateWaiters();
  /** Queries waiting for a run's workflow task to complete (query-workflow.ts). */
  readonly runWatchers = new RunWatchers();
  readonly queries = new PendingQueries();
  readonly timers: TimerService;
  readonly metrics: ServerMetrics;
  /** Present when other servers share the store: keeps this one in step with them. */
  readonly cluster: ClusterSync | undefined;
  /** Workflow definitions by namespace and type; the store is the truth, this saves a read per start. */
  private readonly definitions = new Map<string, WorkflowDefinition>();
  /** Aborted when the server stops: ends long polls. */
  readonly shutdown = new AbortController();
  /** Rereads the task queues and timers from the store (the cluster link's gaps, commits of unknown outcome). */
  readonly reread: StoreReread;
  /** Started tasks nobody received (commits of unknown outcome, hand-overs that failed): timed out with the reread. */
  readonly lostStarts = new LostStarts(this);
  /** Deletes closed runs past the retention period. */
  readonly retention = new RetentionSweeper(this);
  /** The namespaces (records in the store, held here). */
  readonly namespaces: NamespaceRegistry;
  /** API keys, when the server requires them (startServer's apiKeys / --auth api-keys). */
  callers: Callers | undefined;

  /** The largest payload of a namespace: its own limit when it has one (never above the server's). */
  payloadLimit(namespace: string): number {
    const own = this.namespaces.get(namespace)?.limits.maxPayloadBytes;
    return own === undefined ? this.config.payloadLimitBytes : Math.min(own, this.config.payloadLimitBytes);
  }

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly config: ServerConfig,
    readonly log: Logger,
  ) {
    setMaxListeners(0, this.shutdown.signal); // every waiting long poll listens to it
    this.cache = new RunCache(store, config.runCacheSize);
    this.namespaces = new NamespaceRegistry(store, log);
    this.updater = new RunUpdater(store, this.cache, clock);
    this.updater.limits = config.historyLimits;
    this.updater.namespaceLimits = namespaceHistoryLimits(this.namespaces, config.historyLimits);
    this.timers = new TimerService(store, clock, (row) => this.fire(row), log);
    this.cluster = store.cluster ? new ClusterSync(this, store.cluster) : undefined;
    if (this.cluster) {
      const cluster = this.cluster;
      this.updater.noticesFor = (items, schedules) => cluster.noticesFor(items, schedules);
      this.updater.rereadStaleTasks = true;
      this.updater.buildOnCommittedOnly = true;
    }
    this.updater.beforeCommit((t) => syncMatch(this, t));
    this.reread = new StoreReread(() => this.rereadTasksAndTimers(), log, this.shutdown.signal);
    // a commit that may have been written after all: what it added to the queues and timers is in the store alone
    this.updater.onUncertainCommit = (err, transitions) => {
      if (!this.reread.busy && !this.shutdown.signal.aborted)
        log.warn({ err }, 'a commit failed without saying whether it was written; rereading task queues and timers');
      const lost = LostStarts.of(transitions);
      this.lostStarts.add(lost);
      void this.reread.request();
      // on PostgreSQL the commit may still be running, and land after that reread: once it has surely settled,
      // the same again
      const settlesWithinMs = store.unknownOutcomeSettlesWithinMs;
      if (settlesWithinMs !== undefined)
        setTimeout(() => {
          if (this.shutdown.signal.aborted) return;
          this.lostStarts.add(lost);
          void this.reread.request();
        }, settlesWithinMs).unref();
    };
    this.metrics = new ServerMetrics({ matching: this.matching, store, clock, stuckAfterMs: config.stuckAfterMs });
    this.updater.onCommitted((transitions) => this.metrics.recordCommitted(transitions));
    this.updater.onCommitted((transitions, schedules) => {
      for (const w of schedules) {
        const runId = scheduleTimerRunId(w.namespace, w.scheduleId);
        this.timers.remove(runId, [SCHEDULE_TIMER_KEY]);
        if (w.wakeAt !== null && !w.deleted)
          this.timers.add([{ runId, key: SCHEDULE_TIMER_KEY, namespace: w.namespace, dueAt: w.wakeAt }]);
      }
      for (const t of transitions) {
        this.runWatchers.notify(t.state.runId);
        if (t.tasksAdded.length > 0) this.matching.add(t.tasksAdded);
        if (t.timersRemoved.length > 0) this.timers.remove(t.state.runId, t.timersRemoved);
        if (t.timersAdded.length > 0) this.timers.add(t.timersAdded);
        if (t.updatesChanged.size > 0) this.updateWaiters.notify(t.state.runId, t.updatesChanged);
        if (t.closed) {
          this.closeWaiters.notifyClosed(t.state.runId);
          this.updateWaiters.notifyRun(t.state.runId);
        }
      }
    });
  }

  async start(): Promise<void> {
    // in a cluster, listen first: a task committed after the read below is heard of
    await this.cluster?.start();
    await this.namespaces.start();
    await this.callers?.start();
    await this.reloadTasks();
    // in a cluster only the leader fires timers (ClusterSync starts them when this server becomes it)
    if (!this.cluster) await this.timers.start();
    this.retention.start();
  }

  /** The task queues, then the timers (merging: timers held stay; a stopped timer service stays stopped). */
  private async rereadTasksAndTimers(): Promise<void> {
    await this.reloadTasks();
    await this.timers.resync();
    await this.lostStarts.run();
    // a commit whose answer was lost may have closed a run or settled an update unheard: the waiters look again
    // (what they read comes from the store: the cache dropped what that commit held)
    this.closeWaiters.releaseAll();
    this.updateWaiters.releaseAll();
    this.runWatchers.releaseAll();
  }

  /**
   * Rebuilds the task queues from the store's task rows. Rows queued while they are read (this server's commits,
   * other servers' notices) are kept: the read may have passed them.
   */
  async reloadTasks(): Promise<void> {
    const reload = this.matching.beginReload();
    try {
      const all: TaskRow[] = [];
      for (let after = 0; ;) {
        const rows = await this.store.listTasks(after, 5000);
        if (rows.length === 0) break;
        all.push(...rows);
        after = rows[rows.length - 1]!.rowId;
      }
      this.matching.replaceQueues(reload, all);
    } finally {
      this.matching.endReload(reload);
    }
  }

  stop(): void {
    this.shutdown.abort();
    this.retention.stop();
    this.namespaces.stop();
    this.callers?.stop();
    void this.cluster?.stop();
    this.timers.stop();
    this.matching.releaseWaiters();
    this.closeWaiters.releaseAll();
    this.updateWaiters.releaseAll();
    this.runWatchers.releaseAll();
  }

  private async fire(row: TimerRow): Promise<void> {
    if (row.key.startsWith('x:')) return runOutboxEffect(this, row);
    if (row.key === SCHEDULE_TIMER_KEY && row.runId.startsWith('sched:'))
      return runSchedule(this, row.namespace, row.runId.slice(`sched:${row.namespace}:`.length), true);
    await this.updater.update(row.runId, (t) => {
      if (t.state.status !== 'Running') return NO_WRITE; // a closed run has no timer rows left
      t.removeTimer(row.key); // before firing: the engine may re-arm the same key
      fireTimer(t, row.key);
      return undefined;
    });
  }

  async getDefinition(namespace: string, workflowType: string): Promise<WorkflowDefinition | undefined> {
    const k = `${namespace}\u0000${workflowType}`;
    const hit = this.definitions.get(k);
    if (hit) return hit;
    const def = await this.store.getWorkflowDefinition(namespace, workflowType);
    if (def) this.definitions.set(k, def);
    return def;
  }

  async putDefinition(def: WorkflowDefinition): Promise<void> {
    await this.store.putWorkflowDefinition(def);
    this.definitions.set(`${def.namespace}\u0000${def.workflowType}`, def);
    await this.cluster?.publish([['d', def.namespace, def.workflowType]]);
  }

  /** Another server changed a definition: the next start reads it from the store. */
  forgetDefinition(namespace: string, workflowType: string): void {
    this.definitions.delete(`${namespace}\u0000${workflowType}`);
  }

  forgetDefinitions(): void {
    this.definitions.clear();
  }

  /**
   * Workers of a task queue (one, or all seen until `at`) are asked to stop; their waiting polls answer now. With
   * `instanceKey`, a worker object stopping itself: only the polls carrying that key.
   */
  applyWorkerStop(
    namespace: string,
    taskQueue: string,
    identity: string | undefined,
    at: number,
    instanceKey?: string,
  ): void {
    if (instanceKey !== undefined && identity !== undefined)
      this.pollers.requestStopOf(namespace, taskQueue, identity, instanceKey, at);
    else this.pollers.requestStop(namespace, taskQueue, identity, at);
    this.matching.releaseWaiters((w) =>
      instanceKey !== undefined
        ? w.instanceKey === instanceKey
        : w.namespace === namespace && w.taskQueue === taskQueue && (identity === undefined || w.identity === identity),
    );
  }
}
