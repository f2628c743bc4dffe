/**
 * The PostgreSQL Store: the same tables as SQLite's (migrations/postgres), for production and for many Weft
 * servers on one database.
 *
 * Writes go through group commit (../sqlite/group-commit.ts) as on SQLite: every commit() that arrives while a
 * batch is being written goes in the next one, and a batch is one call of the `weft_commit` function
 * (migration 0002) with the batch as JSON: one round trip, one transaction and one WAL flush for the lot, each
 * mutation applied whole or reported alone (a conflict, or its own error). Reads go straight to the pool.
 *
 * Every run-state change is conditional on the version it read (`WHERE version = $n` inside weft_commit), so
 * servers sharing the database never overwrite each other: a lost race is a StoreConflictError, and the caller
 * reloads and retries. A lost connection, a database that is restarting or full, is a StoreUnavailableError
 * (the API's 503); the pool reconnects on the next call.
 */
import type { HistoryEvent } from '../../protocol/events.js';
import type { ExecutionStatus } from '../../protocol/status.js';
import type { ScheduleState } from '../../schedules/state.js';
import type { TaskRow, TimerRow } from '../../engine/transition.js';
import type { VisibilityQuery } from '../../visibility/query-ast.js';
import type { SearchAttributeDefinition } from '../../visibility/search-attributes.js';
import { loadMigrations, migrationsDir, pendingMigrations, runMigrations, type MigrateResult } from '../migrations.js';
import { GroupCommitter, type BatchOutcome } from '../sqlite/group-commit.js';
import { toWire, type WireMutation } from '../sqlite/wire-mutation.js';
import {
  StoreConflictError,
  StoreUnavailableError,
  controlConflictMessage,
  type ControlRecord,
  type ControlRecordKind,
  type ControlRecordWrite,
  type CurrentRun,
  type ListExecutionsRequest,
  type ListExecutionsResponse,
  type Mutation,
  type RunningWorkflowType,
  type Store,
  type StoredExecution,
  type StoredSchedule,
  type StuckExecution,
  type WorkflowDefinition,
} from '../store.js';
import { toDefinition, toTaskRow, type DefinitionDbRow, type TaskDbRow } from '../sql/rows.js';
import { DEFAULT_STATEMENT_TIMEOUT_MS, failedToConnect, openPgDb, type PgDb, type PgSession } from './pg-db.js';
import { PgClusterLink } from './pg-cluster.js';
import { setBatchJson } from './commit-set.js';
import { MIGRATION_LOCK_KEY, PgMigrationDriver } from './pg-migration-driver.js';
import { PgVisibilityReader } from './pg-visibility-reader.js';

export interface PgStoreOptions {
  /** postgres://user:password@host:port/database (libpq's URL form). */
  url: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /**
   * Batches of at least this many mutations are written set-based (weft_commit_set, commit-set.ts) when they
   * allow it; default 16 (smaller ones gain nothing, measured); Infinity: never. Tests set 1 to put every batch
   * through it.
   */
  setBatchMin?: number;
}

const DEFAULT_SET_BATCH_MIN = 16;

/** The run whose rows a mutation locks first (executions; else the current-run pointer; else the schedule). */
function lockKey(m: WireMutation): string {
  return m.executions[0]?.runId ?? m.currentRuns[0]?.[2] ?? m.schedules?.[0]?.[1] ?? '';
}

/**
 * The order a batch is written in: that of the runs its mutations lock (same-run mutations keep their order).
 * Every server then takes row locks in one order, and two servers' batches wait for each other instead of
 * deadlocking, which PostgreSQL detects only after deadlock_timeout (1 s), stalling both.
 */
function lockOrder(batch: readonly WireMutation[]): number[] {
  const order = batch.map((_, i) => i);
  const keys = batch.map(lockKey);
  return order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
}

/** weft_commit's answer for one mutation: NULL (applied), 'c:<message>' (conflict), 'e:<sqlstate>:<message>'. */
/** A mutation refused for a deadlock (40P01) or a serialization failure (40001): nothing of it was applied. */
const RETRYABLE = /^e:40(P01|001):/;
const DEADLOCK_RETRIES = 5;

/**
 * A unique violation on a run's history events: the mutation was built from a stale copy of the run (its version
 * check passed, but the events are there already). A conflict, as a failed version check: the caller reloads.
 */
const STALE_EVENTS = /^e:23505:.*history_events/;

function toOutcome(entry: string | null): Error | undefined {
  if (entry === null) return undefined;
  if (entry.startsWith('c:')) return new StoreConflictError(entry.slice(2));
  if (STALE_EVENTS.test(entry))
    return new StoreConflictError(`a run already has events with these ids (a stale copy of it): ${entry.slice(8)}`);
  return new Error(`the store refused the change: ${entry.slice(2)}`);
}

/** Runs `fn` on one connection holding the migration lock, so concurrent starts migrate one at a time. */
async function withMigrationLock<T>(db: PgDb, fn: (s: PgSession) => Promise<T>): Promise<T> {
  return db.session(async (s) => {
    await s.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await fn(s);
    } finally {
      await s.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}

export class PgStore implements Store {
  readonly dialect = 'postgres' as const;
  private readonly db: PgDb;
  private readonly visibility: PgVisibilityReader;
  private readonly committer: GroupCommitter<WireMutation>;
  /** How the servers sharing this database hear each other (started by the server, not by the store). */
  readonly cluster: PgClusterLink;
  /** A commit whose connection broke runs on to its statement_timeout at most; a margin for its COMMIT. */
  readonly unknownOutcomeSettlesWithinMs = DEFAULT_STATEMENT_TIMEOUT_MS + 5000;
  private initialised = false;
  private closed = false;
  /** This build's migrations, read once. */
  private readonly migrations = loadMigrations(migrationsDir('postgres'));
  private readonly setBatchMin: number;
  /** Batches written set-based, and those that fell back to weft_commit (a check failed: tests, diagnosis). */
  readonly setBatchStats = { applied: 0, fellBack: 0 };

  constructor(options: PgStoreOptions) {
    this.setBatchMin = options.setBatchMin ?? DEFAULT_SET_BATCH_MIN;
    this.db = openPgDb(options.url, { poolSize: options.poolSize ?? 10 });
    this.visibility = new PgVisibilityReader(this.db);
    this.cluster = new PgClusterLink({ url: options.url, db: this.db });
    this.committer = new GroupCommitter<WireMutation>({ write: (batch) => this.writeBatch(batch) });
  }

  /** Transactions written by group commit, and the mutations in them. */
  get commitStats(): { batches: number; mutations: number } {
    const { batches, items } = this.committer.stats;
    return { batches, mutations: items };
  }

  /** Applies the pending migrations under the advisory lock (`weft store migrate`, and init()). */
  async migrate(): Promise<MigrateResult> {
    return withMigrationLock(this.db, (s) => runMigrations(new PgMigrationDriver(s), this.migrations));
  }

  async init(): Promise<void> {
    if (this.closed) throw new Error('the store is closed');
    if (this.initialised) return;
    await this.migrate();
    this.initialised = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.cluster.stop();
      await this.committer.close(new Error('the store is closed'));
    } finally {
      await this.db.end();
    }
  }

  async ping(): Promise<void> {
    this.check();
    await this.db.query('SELECT 1');
  }

  async ready(): Promise<void> {
    this.check();
    const pending = await this.db.session((s) => pendingMigrations(new PgMigrationDriver(s), this.migrations));
    if (pending.length > 0)
      throw new Error(`the database lacks migrations ${pending.map((m) => `${m.version} (${m.name})`).join(', ')}`);
  }

  commit(mutation: Mutation): Promise<void> {
    try {
      this.check();
      return this.committer.submit(toWire(mutation));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private async writeBatch(batch: WireMutation[]): Promise<BatchOutcome> {
    try {
      return await this.writeBatchOnce(batch);
    } catch (e) {
      // the connection broke while the commit ran: PostgreSQL may have committed it all the same (unless no
      // connection could be had at all: then nothing was sent)
      if (e instanceof StoreUnavailableError && !e.outcomeUnknown && !failedToConnect(e.cause))
        throw new StoreUnavailableError(e.message, { cause: e, outcomeUnknown: true });
      throw e;
    }
  }

  private async writeBatchOnce(batch: WireMutation[]): Promise<BatchOutcome> {
    if (batch.length >= this.setBatchMin && (await this.commitSet(batch))) return batch.map(() => undefined);
    const entries = await this.callCommit(batch);
    // servers committing the same runs in another order may deadlock (40P01): PostgreSQL undid the loser's
    // mutation alone (its subtransaction), so it is sent again, with the others that lost, a few times
    for (let attempt = 1; attempt <= DEADLOCK_RETRIES; attempt++) {
      const lost = entries.flatMap((e, i) => (e !== null && RETRYABLE.test(e) ? [i] : []));
      if (lost.length === 0) break;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      const again = await this.callCommit(lost.map((i) => batch[i]!));
      lost.forEach((i, k) => (entries[i] = again[k] ?? null));
    }
    return batch.map((_, i) => toOutcome(entries[i] ?? null));
  }

  /**
   * The whole batch set-based (weft_commit_set); false when it did not apply (it does not allow it, or a check
   * failed), and then nothing of it was written.
   */
  private async commitSet(batch: WireMutation[]): Promise<boolean> {
    const json = setBatchJson(lockOrder(batch).map((i) => batch[i]!));
    if (json === undefined) return false;
    const rows = await this.db.query<{ o: boolean }>('SELECT weft_commit_set($1::jsonb, $2) AS o', [
      json,
      this.cluster.listenerPid,
    ]);
    const applied = rows[0]?.o === true;
    if (applied) this.setBatchStats.applied++;
    else this.setBatchStats.fellBack++;
    return applied;
  }

  private async callCommit(batch: WireMutation[]): Promise<Array<string | null>> {
    const order = lockOrder(batch);
    // notices go out only when another server listens (migrations 0005, 0007); this server's own link is not one
    const rows = await this.db.query<{ o: Array<string | null> }>('SELECT weft_commit($1::jsonb, $2) AS o', [
      JSON.stringify(order.map((i) => batch[i])),
      this.cluster.listenerPid,
    ]);
    const sorted = rows[0]!.o;
    const out = new Array<string | null>(batch.length);
    order.forEach((i, k) => (out[i] = sorted[k] ?? null));
    return out;
  }

  async getExecution(runId: string): Promise<StoredExecution | undefined> {
    this.check();
    const rows = await this.db.query<{
      state: string;
      version: number;
      aseq: number[];
      adata: string[];
      buf: string[];
    }>(
      `SELECT state, version,
         ARRAY(SELECT seq FROM activity_infos WHERE run_id = $1 ORDER BY seq) AS aseq,
         ARRAY(SELECT data FROM activity_infos WHERE run_id = $1 ORDER BY seq) AS adata,
         ARRAY(SELECT data FROM buffered_events WHERE run_id = $1 ORDER BY idx) AS buf
       FROM executions WHERE run_id = $1`,
      [runId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const state = JSON.parse(row.state) as StoredExecution['state'];
    state.activities ??= {};
    for (let i = 0; i < row.aseq.length; i++)
      state.activities[row.aseq[i]!] = JSON.parse(row.adata[i]!) as StoredExecution['state']['activities'][string];
    state.bufferedEvents ??= [];
    for (const data of row.buf)
      state.bufferedEvents.push(JSON.parse(data) as StoredExecution['state']['bufferedEvents'][number]);
    return { state, version: row.version };
  }

  async getCurrentRun(namespace: string, workflowId: string): Promise<CurrentRun | undefined> {
    this.check();
    const rows = await this.db.query<{ run_id: string; status: ExecutionStatus }>(
      'SELECT run_id, status FROM current_executions WHERE namespace = $1 AND workflow_id = $2',
      [namespace, workflowId],
    );
    const row = rows[0];
    return row ? { namespace, workflowId, runId: row.run_id, status: row.status } : undefined;
  }

  async readEvents(runId: string, fromEventId: number, toEventId: number): Promise<HistoryEvent[]> {
    this.check();
    const rows = await this.db.query<{ data: string }>(
      'SELECT data FROM history_events WHERE run_id = $1 AND event_id BETWEEN $2 AND $3 ORDER BY event_id',
      [runId, fromEventId, toEventId],
    );
    return rows.map((r) => JSON.parse(r.data) as HistoryEvent);
  }

  async listExecutions(req: ListExecutionsRequest): Promise<ListExecutionsResponse> {
    this.check();
    return this.visibility.list(req);
  }

  async countExecutions(namespace: string, query: VisibilityQuery): Promise<number> {
    this.check();
    return this.visibility.count(namespace, query);
  }

  async listTasks(afterRowId: number, limit: number): Promise<Array<TaskRow & { rowId: number }>> {
    this.check();
    const rows = await this.db.query<TaskDbRow>(
      `SELECT id, run_id, task_key, namespace, task_queue, kind, sticky_identity, created_at, priority
       FROM tasks WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterRowId, limit],
    );
    return rows.map(toTaskRow);
  }

  async dueTimers(dueBefore: number, limit: number): Promise<TimerRow[]> {
    this.check();
    const rows = await this.db.query<{ run_id: string; timer_key: string; namespace: string; due_at: number }>(
      `SELECT run_id, timer_key, namespace, due_at FROM timers WHERE due_at <= $1
       ORDER BY due_at, run_id, timer_key LIMIT $2`,
      [dueBefore, limit],
    );
    return rows.map((r) => ({ runId: r.run_id, key: r.timer_key, namespace: r.namespace, dueAt: r.due_at }));
  }

  async getSchedule(namespace: string, scheduleId: string): Promise<StoredSchedule | undefined> {
    this.check();
    const rows = await this.db.query<{ state: string; version: number }>(
      'SELECT state, version FROM schedules WHERE namespace = $1 AND schedule_id = $2',
      [namespace, scheduleId],
    );
    const row = rows[0];
    return row ? { state: JSON.parse(row.state) as ScheduleState, version: row.version } : undefined;
  }

  async listSchedules(
    namespace: string,
    afterScheduleId: string | undefined,
    limit: number,
  ): Promise<StoredSchedule[]> {
    this.check();
    const rows = await this.db.query<{ state: string; version: number }>(
      `SELECT state, version FROM schedules WHERE namespace = $1 AND schedule_id > $2
       ORDER BY schedule_id LIMIT $3`,
      [namespace, afterScheduleId ?? '', limit],
    );
    return rows.map((r) => ({ state: JSON.parse(r.state) as ScheduleState, version: r.version }));
  }

  async putWorkflowDefinition(def: WorkflowDefinition): Promise<void> {
    this.check();
    await this.db.query(
      `INSERT INTO workflow_definitions (namespace, workflow_type, task_queue, description, defaults, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (namespace, workflow_type) DO UPDATE SET task_queue = excluded.task_queue,
         description = excluded.description, defaults = excluded.defaults, updated_at = excluded.updated_at`,
      [
        def.namespace,
        def.workflowType,
        def.taskQueue,
        def.description ?? null,
        def.defaults === undefined ? null : JSON.stringify(def.defaults),
        def.updatedAt,
      ],
    );
  }

  async getWorkflowDefinition(namespace: string, workflowType: string): Promise<WorkflowDefinition | undefined> {
    this.check();
    const rows = await this.db.query<DefinitionDbRow>(
      'SELECT * FROM workflow_definitions WHERE namespace = $1 AND workflow_type = $2',
      [namespace, workflowType],
    );
    return rows[0] ? toDefinition(rows[0]) : undefined;
  }

  async listWorkflowDefinitions(namespace: string): Promise<WorkflowDefinition[]> {
    this.check();
    const rows = await this.db.query<DefinitionDbRow>(
      'SELECT * FROM workflow_definitions WHERE namespace = $1 ORDER BY workflow_type',
      [namespace],
    );
    return rows.map(toDefinition);
  }

  async createSearchAttribute(def: SearchAttributeDefinition): Promise<SearchAttributeDefinition> {
    this.check();
    await this.db.query(
      `INSERT INTO search_attributes (namespace, name, type, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (namespace, name) DO NOTHING`,
      [def.namespace, def.name, def.type, def.createdAt],
    );
    const stored = (await this.visibility.searchAttributes(def.namespace)).find((d) => d.name === def.name);
    if (!stored) throw new Error(`search attribute ${def.name} was not stored`);
    return stored;
  }

  async listSearchAttributes(namespace: string): Promise<SearchAttributeDefinition[]> {
    this.check();
    return this.visibility.searchAttributes(namespace);
  }

  async listStuckExecutions(namespace: string, progressBefore: number, limit: number): Promise<StuckExecution[]> {
    this.check();
    // the exact time from the state (the column is rounded up to the second), read for the listed rows only
    const rows = await this.db.query<{
      workflow_id: string;
      run_id: string;
      workflow_type: string;
      task_queue: string;
      status: ExecutionStatus;
      start_time: number;
      progress: number;
    }>(
      `SELECT workflow_id, run_id, workflow_type, task_queue, status, start_time,
         coalesce((state::json ->> 'lastProgressTime')::bigint, last_progress) AS progress
       FROM executions WHERE namespace = $1 AND status = 'Running' AND last_progress < $2
       ORDER BY last_progress, run_id LIMIT $3`,
      [namespace, progressBefore, limit],
    );
    return rows.map((r) => ({
      namespace,
      workflowId: r.workflow_id,
      runId: r.run_id,
      workflowType: r.workflow_type,
      taskQueue: r.task_queue,
      status: r.status,
      startTime: r.start_time,
      lastProgressTime: r.progress,
    }));
  }

  async countStuckExecutions(progressBefore: number): Promise<Array<{ namespace: string; count: number }>> {
    this.check();
    return this.db.query<{ namespace: string; count: number }>(
      `SELECT namespace, count(*)::integer AS count FROM executions WHERE status = 'Running' AND last_progress < $1
       GROUP BY namespace ORDER BY namespace`,
      [progressBefore],
    );
  }

  async runningWorkflowTypes(namespace: string, limit: number): Promise<RunningWorkflowType[]> {
    this.check();
    const rows = await this.db.query<{ workflow_type: string; task_queue: string; n: number }>(
      `SELECT workflow_type, task_queue, count(*)::integer AS n FROM executions
       WHERE namespace = $1 AND status = 'Running'
       GROUP BY workflow_type, task_queue ORDER BY n DESC, workflow_type, task_queue LIMIT $2`,
      [namespace, limit],
    );
    return rows.map((r) => ({ workflowType: r.workflow_type, taskQueue: r.task_queue, running: r.n }));
  }

  async purgeClosedRuns(namespace: string, closedBefore: number, limit: number): Promise<string[]> {
    this.check();
    // one statement, one small transaction; runs another server is deleting are skipped, not waited for.
    // Outbox rows (x:...) stay, as when a run closes.
    const rows = await this.db.query<{ run_id: string }>(
      `WITH doomed AS (
         SELECT run_id FROM executions WHERE namespace = $1 AND close_time < $2
         ORDER BY close_time, run_id LIMIT $3 FOR UPDATE SKIP LOCKED),
       e AS (DELETE FROM executions x USING doomed d WHERE x.run_id = d.run_id RETURNING x.run_id),
       h AS (DELETE FROM history_events x USING e WHERE x.run_id = e.run_id),
       a AS (DELETE FROM activity_infos x USING e WHERE x.run_id = e.run_id),
       b AS (DELETE FROM buffered_events x USING e WHERE x.run_id = e.run_id),
       v AS (DELETE FROM search_attribute_values x USING e WHERE x.run_id = e.run_id),
       t AS (DELETE FROM tasks x USING e WHERE x.run_id = e.run_id),
       m AS (DELETE FROM timers x USING e WHERE x.run_id = e.run_id AND x.timer_key NOT LIKE 'x:%'),
       c AS (DELETE FROM current_executions x USING e WHERE x.run_id = e.run_id)
       SELECT run_id FROM e`,
      [namespace, closedBefore, limit],
    );
    return rows.map((r) => r.run_id);
  }

  async listRunNamespaces(): Promise<string[]> {
    this.check();
    const rows = await this.db.query<{ n: string }>(
      `WITH RECURSIVE ns(n) AS (SELECT min(namespace) FROM executions
         UNION ALL SELECT (SELECT min(namespace) FROM executions WHERE namespace > ns.n) FROM ns WHERE ns.n IS NOT NULL)
       SELECT n FROM ns WHERE n IS NOT NULL`,
    );
    return rows.map((r) => r.n);
  }

  async listControlRecords(kind: ControlRecordKind): Promise<ControlRecord[]> {
    this.check();
    const rows = await this.db.query<{ id: string; version: string; body: string; updated_at: string }>(
      'SELECT id, version, body, updated_at FROM control_records WHERE kind = $1 ORDER BY id',
      [kind],
    );
    return rows.map((r) => ({
      kind,
      id: r.id,
      version: Number(r.version),
      body: JSON.parse(r.body) as unknown,
      updatedAt: Number(r.updated_at),
    }));
  }

  async writeControlRecord(w: ControlRecordWrite): Promise<void> {
    this.check();
    const rows =
      w.expectedVersion === 0
        ? await this.db.query(
            `INSERT INTO control_records (kind, id, version, body, updated_at) VALUES ($1, $2, 1, $3, $4)
             ON CONFLICT (kind, id) DO NOTHING RETURNING 1`,
            [w.kind, w.id, JSON.stringify(w.body), w.updatedAt],
          )
        : w.body === null
          ? await this.db.query(
              'DELETE FROM control_records WHERE kind = $1 AND id = $2 AND version = $3 RETURNING 1',
              [w.kind, w.id, w.expectedVersion],
            )
          : await this.db.query(
              `UPDATE control_records SET version = version + 1, body = $4, updated_at = $5
               WHERE kind = $1 AND id = $2 AND version = $3 RETURNING 1`,
              [w.kind, w.id, w.expectedVersion, JSON.stringify(w.body), w.updatedAt],
            );
    if (rows.length !== 1) throw new StoreConflictError(controlConflictMessage(w));
  }

  private check(): void {
    if (this.closed) throw new Error('the store is closed');
    if (!this.initialised) throw new Error('the store is not initialised: call init() first');
  }
}
