/**
 * The SQLite Store (better-sqlite3): WAL, synchronous=FULL by default, so a commit() that has resolved survives
 * kill -9 and a power cut.
 *
 * Writes go through group commit (group-commit.ts) to a writer thread that owns the write connection, so the
 * fsync of a commit does not hold the event loop; commits that arrive while a batch is written all go in the
 * next one. Reads run at once on this thread's own connection and see only what is committed: a read issued
 * while commits are still queued does not see them (the server keeps its own cache of what it has just
 * written, so it never needs to). An in-memory database has one connection, written inline.
 */
import { closeSync, fsyncSync, openSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { HistoryEvent } from '../../protocol/events.js';
import type { ScheduleState } from '../../schedules/state.js';
import type { ExecutionStatus } from '../../protocol/status.js';
import type { TaskRow, TimerRow } from '../../engine/transition.js';
import { isAttemptTimeoutKey, type ActivityState } from '../../engine/state.js';
import type { VisibilityQuery } from '../../visibility/query-ast.js';
import type { SearchAttributeDefinition } from '../../visibility/search-attributes.js';
import { loadMigrations, migrationsDir, pendingMigrations, runMigrations, type MigrateResult } from '../migrations.js';
import type {
  ControlRecord,
  ControlRecordKind,
  ControlRecordWrite,
  CurrentRun,
  ListExecutionsRequest,
  ListExecutionsResponse,
  Mutation,
  StartedActivity,
  Store,
  StoredExecution,
  WorkflowDefinition,
  StoredSchedule,
  StuckExecution,
  RunningWorkflowType,
} from '../store.js';
import { toDefinition, toTaskRow, type DefinitionDbRow, type TaskDbRow } from '../sql/rows.js';
import { HybridSink, InlineSink, ThreadSink } from './batch-sinks.js';
import { isMemory, openConnection } from './connection.js';
import { GroupCommitter } from './group-commit.js';
import { toWire, type WireMutation } from './wire-mutation.js';
import { SqliteMigrationDriver } from './sqlite-migration-driver.js';
import { VisibilityReader } from './visibility-reader.js';

export interface SqliteStoreOptions {
  /** Database file; ':memory:' for a throwaway store. */
  path: string;
  /** FULL (default): every commit is fsynced. NORMAL may lose the last commits on a power cut (not on a crash). */
  synchronous?: 'FULL' | 'NORMAL' | 'OFF';
  /** How long a write waits for another connection's lock before failing (ms). */
  busyTimeoutMs?: number;
  /** Write slow batches on a separate thread (default: yes, for a file); false: every batch inline. */
  writerThread?: boolean;
  /**
   * With a writer thread: batches of at most this many commits are always written on the main thread (a quiet
   * server's commits: the hop to the thread and back costs more than the fsync holds the event loop); default 4,
   * 0: every batch on the thread.
   */
  inlineBatchMax?: number;
  /**
   * With a writer thread: larger batches are written on the main thread too while writes take less than this
   * on average (ms); default 4; 0: larger batches always on the thread. See HybridSink.
   */
  slowWriteMs?: number;
}

/**
 * Measured (docs/speed-plan.md): with it, latency1's p50 fell by about a fifth and timers' lateness p99 by
 * almost half against every batch on the thread; seq3, whose batches are larger, unchanged.
 */
const DEFAULT_INLINE_BATCH_MAX = 4;
/**
 * Measured (docs/speed-plan.md, 2026-12-07): with every batch inline on this machine's disk (seq3's batches of
 * about 43 commits take 1.9 ms p50, 4.8 ms p90), seq3 gained about a sixth against larger batches on the thread,
 * with less CPU; a disk whose writes average past this sends them to the thread again.
 */
const DEFAULT_SLOW_WRITE_MS = 4;

/** Statements outside group commit (reads, definitions), prepared once after the migrations. */
function prepareStatements(db: Database.Database) {
  return {
    ping: db.prepare('SELECT 1').pluck(),
    execution: db.prepare('SELECT state, version FROM executions WHERE run_id = ?').raw(),
    activities: db.prepare('SELECT seq, data FROM activity_infos WHERE run_id = ?').raw(),
    buffered: db.prepare('SELECT data FROM buffered_events WHERE run_id = ? ORDER BY idx').pluck(),
    currentRun: db
      .prepare('SELECT run_id, status FROM current_executions WHERE namespace = ? AND workflow_id = ?')
      .raw(),
    events: db
      .prepare('SELECT data FROM history_events WHERE run_id = ? AND event_id BETWEEN ? AND ? ORDER BY event_id')
      .pluck(),
    tasks: db.prepare(
      `SELECT id, run_id, task_key, namespace, task_queue, kind, sticky_identity, created_at, priority
       FROM tasks WHERE id > ? ORDER BY id LIMIT ?`,
    ),
    startedActivities: db
      .prepare(
        `SELECT a.run_id, e.namespace, a.data FROM activity_infos a JOIN executions e ON e.run_id = a.run_id
         WHERE json_extract(a.data, '$.state') = 'started'`,
      )
      .raw(),
    dueTimers: db
      .prepare(
        `SELECT run_id, timer_key, namespace, due_at FROM timers WHERE due_at <= ?
         ORDER BY due_at, run_id, timer_key LIMIT ?`,
      )
      .raw(),
    definition: db.prepare('SELECT * FROM workflow_definitions WHERE namespace = ? AND workflow_type = ?'),
    controlRecords: db
      .prepare('SELECT id, version, body, updated_at FROM control_records WHERE kind = ? ORDER BY id')
      .raw(),
    definitions: db.prepare('SELECT * FROM workflow_definitions WHERE namespace = ? ORDER BY workflow_type'),
    // json_extract: the exact time (the column is rounded up to the second), read for the listed rows only
    stuck: db
      .prepare(
        `SELECT workflow_id, run_id, workflow_type, task_queue, status, start_time,
           coalesce(json_extract(state, '$.lastProgressTime'), last_progress)
         FROM executions WHERE namespace = ? AND status = 'Running' AND last_progress < ?
         ORDER BY last_progress, run_id LIMIT ?`,
      )
      .raw(),
    // retention: the oldest closed runs of a namespace (executions_by_close: namespace, close_time, run_id)
    purgeCandidates: db
      .prepare(
        `SELECT run_id FROM executions WHERE namespace = ? AND close_time < ? ORDER BY close_time, run_id LIMIT ?`,
      )
      .pluck(),
    // one index probe per namespace, not a scan of every run
    runNamespaces: db
      .prepare(
        `WITH RECURSIVE ns(n) AS (SELECT min(namespace) FROM executions
           UNION ALL SELECT (SELECT min(namespace) FROM executions WHERE namespace > n) FROM ns WHERE n IS NOT NULL)
         SELECT n FROM ns WHERE n IS NOT NULL`,
      )
      .pluck(),
    runningTypes: db
      .prepare(
        `SELECT workflow_type, task_queue, count(*) AS n FROM executions WHERE namespace = ? AND status = 'Running'
         GROUP BY workflow_type, task_queue ORDER BY n DESC, workflow_type, task_queue LIMIT ?`,
      )
      .raw(),
    stuckCounts: db
      .prepare(
        `SELECT namespace, count(*) FROM executions WHERE status = 'Running' AND last_progress < ?
         GROUP BY namespace ORDER BY namespace`,
      )
      .raw(),
    schedule: db.prepare('SELECT state, version FROM schedules WHERE namespace = ? AND schedule_id = ?').raw(),
    schedules: db
      .prepare(
        'SELECT state, version FROM schedules WHERE namespace = ? AND schedule_id > ? ORDER BY schedule_id LIMIT ?',
      )
      .raw(),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

interface Opened {
  db: Database.Database;
  statements: Statements;
  visibility: VisibilityReader;
  committer: GroupCommitter<WireMutation>;
  sink: InlineSink | ThreadSink | HybridSink;
}

/** Makes the directory entry of a new database file durable (a power cut must not lose the file itself). */
function fsyncDirectory(file: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(path.dirname(path.resolve(file)), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private opened: Opened | undefined;
  private closed = false;

  /** This build's migrations, read once (readiness compares the database with them). */
  private readonly migrations = loadMigrations(migrationsDir('sqlite'));

  constructor(private readonly options: SqliteStoreOptions) {}

  /** The connection, for tests and tools (never write through it while the store runs). */
  get database(): Database.Database {
    return this.open().db;
  }

  /** Transactions written by group commit, and the mutations in them. */
  get commitStats(): { batches: number; mutations: number } {
    const { batches, items } = this.open().committer.stats;
    return { batches, mutations: items };
  }

  async init(): Promise<void> {
    if (this.opened) return;
    if (this.closed) throw new Error('the store is closed');
    const { path: file, synchronous = 'FULL', busyTimeoutMs = 5000 } = this.options;
    const settings = { file, synchronous, busyTimeoutMs };
    const db = openConnection(settings);
    try {
      await runMigrations(new SqliteMigrationDriver(db), this.migrations);
      if (!isMemory(file)) fsyncDirectory(file);
      const inlineMax = this.options.inlineBatchMax ?? DEFAULT_INLINE_BATCH_MAX;
      const slowWriteMs = this.options.slowWriteMs ?? DEFAULT_SLOW_WRITE_MS;
      const sink =
        isMemory(file) || this.options.writerThread === false
          ? new InlineSink(db)
          : inlineMax > 0
            ? new HybridSink(new InlineSink(db), new ThreadSink(settings), { inlineMax, slowWriteMs })
            : new ThreadSink(settings);
      this.opened = {
        db,
        statements: prepareStatements(db),
        visibility: new VisibilityReader(db),
        committer: new GroupCommitter<WireMutation>(sink),
        sink,
      };
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Applies the pending migrations on a connection of its own (`weft store migrate`; init() migrates too). */
  async migrate(): Promise<MigrateResult> {
    const { path: file, synchronous = 'FULL', busyTimeoutMs = 5000 } = this.options;
    const db = openConnection({ file, synchronous, busyTimeoutMs });
    try {
      return await runMigrations(new SqliteMigrationDriver(db), this.migrations);
    } finally {
      db.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const opened = this.opened;
    this.opened = undefined;
    if (!opened) return;
    try {
      await opened.committer.close(new Error('the store is closed'));
      await opened.sink.close();
    } finally {
      opened.db.close();
    }
  }

  async ping(): Promise<void> {
    this.open().statements.ping.get();
  }

  async ready(): Promise<void> {
    const { db } = this.open();
    const pending = await pendingMigrations(new SqliteMigrationDriver(db), this.migrations);
    if (pending.length > 0)
      throw new Error(`the database lacks migrations ${pending.map((m) => `${m.version} (${m.name})`).join(', ')}`);
  }

  commit(mutation: Mutation): Promise<void> {
    const opened = this.opened;
    if (!opened) return Promise.reject(new Error(this.closed ? 'the store is closed' : 'the store is not initialised'));
    let wire: WireMutation;
    try {
      wire = toWire(mutation, isAttemptTimeoutKey); // rebuilt from startedActivities() instead
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return opened.committer.submit(wire);
  }

  async getExecution(runId: string): Promise<StoredExecution | undefined> {
    const { statements } = this.open();
    const row = statements.execution.get(runId) as [string, number] | undefined;
    if (!row) return undefined;
    const state = JSON.parse(row[0]) as StoredExecution['state'];
    state.activities ??= {};
    for (const [seq, data] of statements.activities.all(runId) as Array<[number, string]>)
      state.activities[seq] = JSON.parse(data) as StoredExecution['state']['activities'][string];
    state.bufferedEvents ??= [];
    for (const data of statements.buffered.all(runId) as string[])
      state.bufferedEvents.push(JSON.parse(data) as StoredExecution['state']['bufferedEvents'][number]);
    return { state, version: row[1] };
  }

  async getCurrentRun(namespace: string, workflowId: string): Promise<CurrentRun | undefined> {
    const row = this.open().statements.currentRun.get(namespace, workflowId) as [string, ExecutionStatus] | undefined;
    if (!row) return undefined;
    return { namespace, workflowId, runId: row[0], status: row[1] };
  }

  async readEvents(runId: string, fromEventId: number, toEventId: number): Promise<HistoryEvent[]> {
    const rows = this.open().statements.events.all(runId, fromEventId, toEventId) as string[];
    const events = new Array<HistoryEvent>(rows.length);
    for (let i = 0; i < rows.length; i++) events[i] = JSON.parse(rows[i]!) as HistoryEvent;
    return events;
  }

  async listExecutions(req: ListExecutionsRequest): Promise<ListExecutionsResponse> {
    return this.open().visibility.list(req);
  }

  async countExecutions(namespace: string, query: VisibilityQuery): Promise<number> {
    return this.open().visibility.count(namespace, query);
  }

  async listTasks(afterRowId: number, limit: number): Promise<Array<TaskRow & { rowId: number }>> {
    const rows = this.open().statements.tasks.all(afterRowId, limit) as TaskDbRow[];
    return rows.map(toTaskRow);
  }

  async dueTimers(dueBefore: number, limit: number): Promise<TimerRow[]> {
    const rows = this.open().statements.dueTimers.all(dueBefore, limit) as Array<[string, string, string, number]>;
    return rows.map(([runId, key, namespace, dueAt]) => ({ runId, key, namespace, dueAt }));
  }

  async startedActivities(): Promise<StartedActivity[]> {
    const rows = this.open().statements.startedActivities.all() as Array<[string, string, string]>;
    return rows.map(([runId, namespace, data]) => ({ runId, namespace, activity: JSON.parse(data) as ActivityState }));
  }

  async getSchedule(namespace: string, scheduleId: string): Promise<StoredSchedule | undefined> {
    const row = this.open().statements.schedule.get(namespace, scheduleId) as [string, number] | undefined;
    return row ? { state: JSON.parse(row[0]) as ScheduleState, version: row[1] } : undefined;
  }

  async listSchedules(
    namespace: string,
    afterScheduleId: string | undefined,
    limit: number,
  ): Promise<StoredSchedule[]> {
    const rows = this.open().statements.schedules.all(namespace, afterScheduleId ?? '', limit) as Array<
      [string, number]
    >;
    return rows.map(([state, version]) => ({ state: JSON.parse(state) as ScheduleState, version }));
  }

  async putWorkflowDefinition(def: WorkflowDefinition): Promise<void> {
    // through the writer: only it writes
    await this.open().committer.submit({ executions: [], currentRuns: [], definitions: [def] });
  }

  async createSearchAttribute(def: SearchAttributeDefinition): Promise<SearchAttributeDefinition> {
    const opened = this.open();
    await opened.committer.submit({ executions: [], currentRuns: [], searchAttributeDefinitions: [def] });
    const stored = opened.visibility.searchAttributes(def.namespace).find((d) => d.name === def.name);
    if (!stored) throw new Error(`search attribute ${def.name} was not stored`);
    return stored;
  }

  async listSearchAttributes(namespace: string): Promise<SearchAttributeDefinition[]> {
    return this.open().visibility.searchAttributes(namespace);
  }

  async getWorkflowDefinition(namespace: string, workflowType: string): Promise<WorkflowDefinition | undefined> {
    const row = this.open().statements.definition.get(namespace, workflowType) as DefinitionDbRow | undefined;
    return row ? toDefinition(row) : undefined;
  }

  async listWorkflowDefinitions(namespace: string): Promise<WorkflowDefinition[]> {
    return (this.open().statements.definitions.all(namespace) as DefinitionDbRow[]).map(toDefinition);
  }

  async listStuckExecutions(namespace: string, progressBefore: number, limit: number): Promise<StuckExecution[]> {
    const rows = this.open().statements.stuck.all(namespace, progressBefore, limit) as Array<
      [string, string, string, string, ExecutionStatus, number, number]
    >;
    return rows.map(([workflowId, runId, workflowType, taskQueue, status, startTime, lastProgressTime]) => ({
      namespace,
      workflowId,
      runId,
      workflowType,
      taskQueue,
      status,
      startTime,
      lastProgressTime,
    }));
  }

  async countStuckExecutions(progressBefore: number): Promise<Array<{ namespace: string; count: number }>> {
    const rows = this.open().statements.stuckCounts.all(progressBefore) as Array<[string, number]>;
    return rows.map(([namespace, count]) => ({ namespace, count }));
  }

  async runningWorkflowTypes(namespace: string, limit: number): Promise<RunningWorkflowType[]> {
    const rows = this.open().statements.runningTypes.all(namespace, limit) as Array<[string, string, number]>;
    return rows.map(([workflowType, taskQueue, running]) => ({ workflowType, taskQueue, running }));
  }

  async purgeClosedRuns(namespace: string, closedBefore: number, limit: number): Promise<string[]> {
    const opened = this.open();
    const ids = opened.statements.purgeCandidates.all(namespace, closedBefore, limit) as string[];
    // deleted by the writer in its turn, as one more mutation of a batch: the write path is never held for long
    if (ids.length > 0)
      await opened.committer.submit({ executions: [], currentRuns: [], purge: { runIds: ids, closedBefore } });
    return ids;
  }

  async listRunNamespaces(): Promise<string[]> {
    return this.open().statements.runNamespaces.all() as string[];
  }

  async listControlRecords(kind: ControlRecordKind): Promise<ControlRecord[]> {
    const rows = this.open().statements.controlRecords.all(kind) as Array<[string, number, string, number]>;
    return rows.map(([id, version, body, updatedAt]) => ({
      kind,
      id,
      version,
      body: JSON.parse(body) as unknown,
      updatedAt,
    }));
  }

  async writeControlRecord(write: ControlRecordWrite): Promise<void> {
    await this.open().committer.submit({ executions: [], currentRuns: [], controlRecords: [write] });
  }

  private open(): Opened {
    if (this.opened) return this.opened;
    throw new Error(this.closed ? 'the store is closed' : 'the store is not initialised: call init() first');
  }
}
