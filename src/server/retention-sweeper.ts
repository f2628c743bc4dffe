/**
 * Retention: closed runs older than the retention period are deleted with their history, search attribute values
 * and every other row of theirs, so the database stops growing with every run ever made (Temporal's namespace
 * retention). Every `retentionSweepEveryMs` the sweeper deletes, namespace by namespace, the runs closed before
 * now - `retentionMs`, in small batches (one short transaction each, written in the store's turn between
 * commits), so the write path never waits long. In a cluster only the leader sweeps. `retentionMs` 0 keeps
 * everything. A namespace's own retention (namespace records) wins over the server's; a deleted namespace loses
 * every closed run, and then its record. A run or schedule that was being made while its namespace was deleted
 * (its start checked the namespace just before) is not left behind: the sweep terminates such runs and deletes
 * such schedules first, as Temporal's namespace deletion removes every workflow in it.
 */
import { terminateWorkflow } from '../engine/requests.js';
import { parseQuery } from '../visibility/query-parser.js';
import type { ServerContext } from './context.js';
import { deleteSchedule } from './service/schedules.js';

const RUNNING = parseQuery("ExecutionStatus = 'Running'");

/** The retention period unless configured (Temporal's namespaces default to a few days too). */
export const DEFAULT_RETENTION_MS = 7 * 24 * 3600_000;
/** Runs deleted per transaction. */
export const PURGE_BATCH = 500;

export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  /** Runs deleted since start. */
  deleted = 0;

  constructor(private readonly ctx: ServerContext) {}

  start(): void {
    const { retentionSweepEveryMs } = this.ctx.config;
    // runs even when the server keeps every run: a namespace may have a retention of its own, or be deleted
    this.timer = setInterval(() => void this.sweep(), retentionSweepEveryMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One sweep (at most one at a time); resolves with the number of runs it deleted. */
  sweep(): Promise<number> {
    this.running ??= this.sweepAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepAll(): Promise<number> {
    const ctx = this.ctx;
    if (ctx.shutdown.signal.aborted) return 0;
    if (ctx.cluster && !ctx.cluster.isLeader) return 0;
    const now = ctx.clock.now();
    let total = 0;
    try {
      await ctx.namespaces.reload();
      const withRuns = await ctx.store.listRunNamespaces();
      for (const namespace of withRuns) {
        const closedBefore = this.cutoff(namespace, now);
        if (closedBefore === undefined) continue;
        if (closedBefore === Number.MAX_SAFE_INTEGER) await this.endStragglers(namespace);
        for (;;) {
          if (ctx.shutdown.signal.aborted) return total;
          const ids = await ctx.store.purgeClosedRuns(namespace, closedBefore, PURGE_BATCH);
          for (const id of ids) ctx.cache.invalidate(id);
          // the other servers forget their cached copies too (a version no copy can be newer than)
          if (ids.length > 0 && ctx.cluster)
            await ctx.cluster.publish(ids.map((id) => ['r', id, Number.MAX_SAFE_INTEGER, 1, []]));
          total += ids.length;
          if (ids.length < PURGE_BATCH) break;
          await new Promise((r) => setImmediate(r)); // let the requests waiting meanwhile go first
        }
      }
      await this.forgetDeletedNamespaces();
    } catch (err) {
      ctx.log.warn({ err, deleted: total }, 'retention sweep failed; trying again at the next one');
    }
    if (total > 0) ctx.log.info({ deleted: total }, 'retention');
    this.deleted += total;
    return total;
  }

  /** Runs of `namespace` closed before this go; undefined: it keeps every run. */
  private cutoff(namespace: string, now: number): number | undefined {
    const ns = this.ctx.namespaces.get(namespace);
    if (ns?.state === 'Deleted') return Number.MAX_SAFE_INTEGER; // every closed run
    const retentionMs = ns?.retentionMs ?? this.ctx.config.retentionMs;
    return retentionMs > 0 ? now - retentionMs : undefined;
  }

  /** Runs and schedules of a deleted namespace made while it was being deleted: terminated, deleted. */
  private async endStragglers(namespace: string): Promise<void> {
    const ctx = this.ctx;
    for (const s of await ctx.store.listSchedules(namespace, undefined, PURGE_BATCH)) {
      await deleteSchedule(ctx, namespace, s.state.scheduleId).catch(() => undefined);
      ctx.log.warn({ namespace, scheduleId: s.state.scheduleId }, 'schedule of a deleted namespace deleted');
    }
    const { executions } = await ctx.store.listExecutions({ namespace, query: RUNNING, pageSize: PURGE_BATCH });
    for (const e of executions) {
      await ctx.updater
        .update(e.runId, (t) => terminateWorkflow(t, { reason: 'namespace deleted', identity: 'weft-server' }))
        .catch(() => undefined); // closed meanwhile
      ctx.log.warn({ namespace, workflowId: e.workflowId, runId: e.runId }, 'run of a deleted namespace terminated');
    }
  }

  /** A deleted namespace's record goes once it has no run left: its name is free again. */
  private async forgetDeletedNamespaces(): Promise<void> {
    const ctx = this.ctx;
    const deleted = ctx.namespaces.list().filter((ns) => ns.state === 'Deleted');
    if (deleted.length === 0) return;
    const withRuns = new Set(await ctx.store.listRunNamespaces());
    for (const ns of deleted) {
      if (withRuns.has(ns.name)) continue;
      await ctx.namespaces.write(ns.name, ns.version, null, ctx.clock.now()).catch(() => undefined);
      ctx.log.info({ namespace: ns.name }, 'deleted namespace gone');
    }
  }
}
