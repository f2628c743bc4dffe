/**
 * Everything one server process holds, wired together: store, run cache and updater, matching, timers,
 * pollers and waiters. Services receive the context; the HTTP layer and the in-process transport call the
 * services.
 */
import { setMaxListeners } from 'node:events';
import { fireTimer } from '../engine/timers.js';
import type { TimerRow } from '../engine/transition.js';
import { SCHEDULE_TIMER_KEY, scheduleTimerRunId, type Store, type WorkflowDefinition } from '../store/store.js';
import { runSchedule } from './service/schedule-runner.js';
import type { Clock } from './clock.js';
import { CloseWaiters } from './close-waiters.js';
import { UpdateWaiters } from './update-waiters.js';
import type { ServerConfig } from './config.js';
import type { Logger } from '../common/logger.js';
import { Matching } from './matching.js';
import { PollerRegistry } from './pollers.js';
import { RunCache } from './run-cache.js';
import { syncMatch } from './sync-match.js';
import { PendingQueries } from './service/query-workflow.js';
import { runOutboxEffect } from './service/outbox.js';
import { NO_WRITE, RunUpdater } from './run-updater.js';
import { TimerService } from './timer-service.js';
import { ServerMetrics } from './metrics.js';

export class ServerContext {
  readonly cache: RunCache;
  readonly updater: RunUpdater;
  readonly matching = new Matching();
  readonly pollers = new PollerRegistry();
  readonly closeWaiters = new CloseWaiters();
  readonly updateWaiters = new UpdateWaiters();
  readonly queries = new PendingQueries();
  readonly timers: TimerService;
  readonly metrics: ServerMetrics;
  /** Workflow definitions by namespace and type; the store is the truth, this saves a read per start. */
  private readonly definitions = new Map<string, WorkflowDefinition>();
  /** Aborted when the server stops: ends long polls. */
  readonly shutdown = new AbortController();

  constructor(
    readonly store: Store,
    readonly clock: Clock,
    readonly config: ServerConfig,
    readonly log: Logger,
  ) {
    setMaxListeners(0, this.shutdown.signal); // every waiting long poll listens to it
    this.cache = new RunCache(store, config.runCacheSize);
    this.updater = new RunUpdater(store, this.cache, clock);
    this.updater.limits = config.historyLimits;
    this.timers = new TimerService(store, clock, (row) => this.fire(row), log);
    this.updater.beforeCommit((t) => syncMatch(this, t));
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
    for (let after = 0; ;) {
      const rows = await this.store.listTasks(after, 5000);
      if (rows.length === 0) break;
      this.matching.add(rows);
      after = rows[rows.length - 1]!.rowId;
    }
    await this.timers.start();
  }

  stop(): void {
    this.shutdown.abort();
    this.timers.stop();
    this.matching.releaseWaiters();
    this.closeWaiters.releaseAll();
    this.updateWaiters.releaseAll();
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
  }
}
