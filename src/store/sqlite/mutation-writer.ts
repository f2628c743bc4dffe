/**
 * Writes batches of mutations: one IMMEDIATE transaction per batch, one SAVEPOINT per mutation, so a mutation
 * that fails its checks (or hits any error) is rolled back and reported alone while the rest of the batch
 * commits. Checks are in the statements themselves (`WHERE version = ?`, `ON CONFLICT DO NOTHING`), so the
 * common path costs no extra reads.
 */
import type Database from 'better-sqlite3';
import {
  SCHEDULE_TIMER_KEY,
  StoreConflictError,
  controlConflictMessage,
  scheduleTimerRunId,
  type ControlRecordWrite,
  type WorkflowDefinition,
} from '../store.js';
import type { BatchOutcome } from './group-commit.js';
import type { WireExecution, WireMutation } from './wire-mutation.js';
import { toWriteFault } from './write-faults.js';

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export class MutationWriter {
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;

  private readonly insertExecution: Database.Statement;
  private readonly updateExecutionState: Database.Statement;
  private readonly updateExecution: Database.Statement;
  private readonly insertCurrentRun: Database.Statement;
  private readonly updateCurrentRun: Database.Statement;
  private readonly insertEvent: Database.Statement;
  private readonly deleteTask: Database.Statement;
  private readonly upsertTask: Database.Statement;
  private readonly deleteTimer: Database.Statement;
  private readonly upsertTimer: Database.Statement;
  private readonly deleteRunTasks: Database.Statement;
  private readonly deleteRunTimers: Database.Statement;
  private readonly closeCurrentRun: Database.Statement;
  private readonly putDefinition: Database.Statement;
  private readonly insertSchedule: Database.Statement;
  private readonly updateSchedule: Database.Statement;
  private readonly deleteSchedule: Database.Statement;
  private readonly upsertActivity: Database.Statement;
  private readonly deleteActivity: Database.Statement;
  private readonly deleteRunActivities: Database.Statement;
  private readonly insertBuffered: Database.Statement;
  private readonly deleteRunBuffered: Database.Statement;
  private readonly deleteRunSearchAttributes: Database.Statement;
  private readonly insertSearchAttributeValue: Database.Statement;
  private readonly insertSearchAttribute: Database.Statement;
  private readonly purgeExecution: Database.Statement;
  private readonly insertControl: Database.Statement;
  private readonly updateControl: Database.Statement;
  private readonly deleteControl: Database.Statement;
  private readonly purgeRunRows: Database.Statement[];
  /** Set once the mutation being applied has changed the database (see writeBatch). */
  private wrote = false;

  constructor(private readonly db: Database.Database) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT mutation');
    this.release = db.prepare('RELEASE mutation');
    this.rollbackTo = db.prepare('ROLLBACK TO mutation');

    this.insertExecution = db.prepare(
      `INSERT INTO executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, start_time,
         close_time, history_length, last_progress, version, state)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (run_id) DO NOTHING`,
    );
    // Most writes leave status, close_time and last_progress (rounded to the second) as they were: this statement then touches no index at all
    // (SQLite rewrites only the indexes whose columns are SET). When it matches nothing, the full one runs.
    this.updateExecutionState = db.prepare(
      `UPDATE executions SET history_length = ?, version = ?, state = ?
       WHERE run_id = ? AND version = ? AND status = ? AND close_time IS ? AND last_progress IS ?`,
    );
    this.updateExecution = db.prepare(
      `UPDATE executions SET status = ?, close_time = ?, last_progress = ?, history_length = ?, version = ?,
         state = ? WHERE run_id = ? AND version = ?`,
    );
    this.insertCurrentRun = db.prepare(
      `INSERT INTO current_executions (namespace, workflow_id, run_id, status) VALUES (?, ?, ?, ?)
       ON CONFLICT (namespace, workflow_id) DO NOTHING`,
    );
    this.updateCurrentRun = db.prepare(
      `UPDATE current_executions SET run_id = ?, status = ? WHERE namespace = ? AND workflow_id = ? AND run_id = ?`,
    );
    this.insertEvent = db.prepare(
      'INSERT INTO history_events (run_id, event_id, event_type, event_time, data) VALUES (?, ?, ?, ?, ?)',
    );
    this.deleteTask = db.prepare('DELETE FROM tasks WHERE run_id = ? AND task_key = ?');
    // REPLACE deletes the old row first, so a replaced task goes to the back of the queue with a new id.
    this.upsertTask = db.prepare(
      `INSERT OR REPLACE INTO tasks (run_id, task_key, namespace, task_queue, kind, sticky_identity, created_at,
         priority) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteTimer = db.prepare('DELETE FROM timers WHERE run_id = ? AND timer_key = ?');
    this.upsertTimer = db.prepare(
      `INSERT INTO timers (run_id, timer_key, namespace, due_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (run_id, timer_key) DO UPDATE SET namespace = excluded.namespace, due_at = excluded.due_at`,
    );
    this.deleteRunTasks = db.prepare('DELETE FROM tasks WHERE run_id = ?');
    // outbox rows (x:...) outlive the run: they carry its close to other runs
    this.deleteRunTimers = db.prepare("DELETE FROM timers WHERE run_id = ? AND timer_key NOT LIKE 'x:%'");
    this.closeCurrentRun = db.prepare(
      'UPDATE current_executions SET status = ? WHERE namespace = ? AND workflow_id = ? AND run_id = ?',
    );
    this.upsertActivity = db.prepare(
      'INSERT INTO activity_infos (run_id, seq, data) VALUES (?, ?, ?) ON CONFLICT (run_id, seq) DO UPDATE SET data = excluded.data',
    );
    this.deleteActivity = db.prepare('DELETE FROM activity_infos WHERE run_id = ? AND seq = ?');
    this.deleteRunActivities = db.prepare('DELETE FROM activity_infos WHERE run_id = ?');
    this.insertBuffered = db.prepare(
      'INSERT INTO buffered_events (run_id, idx, data) VALUES (?, ?, ?) ON CONFLICT (run_id, idx) DO UPDATE SET data = excluded.data',
    );
    this.deleteRunBuffered = db.prepare('DELETE FROM buffered_events WHERE run_id = ?');
    this.deleteRunSearchAttributes = db.prepare('DELETE FROM search_attribute_values WHERE run_id = ?');
    this.insertSearchAttributeValue = db.prepare(
      `INSERT INTO search_attribute_values (run_id, name, idx, text_value, int_value, double_value)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.insertSearchAttribute = db.prepare(
      `INSERT INTO search_attributes (namespace, name, type, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (namespace, name) DO NOTHING`,
    );
    // retention: a closed run (close_time set, so never a running one) and then every row of it; outbox rows
    // (x:...) stay, as when a run closes
    this.purgeExecution = db.prepare('DELETE FROM executions WHERE run_id = ? AND close_time < ?');
    this.purgeRunRows = [
      'DELETE FROM history_events WHERE run_id = ?',
      'DELETE FROM activity_infos WHERE run_id = ?',
      'DELETE FROM buffered_events WHERE run_id = ?',
      'DELETE FROM search_attribute_values WHERE run_id = ?',
      'DELETE FROM tasks WHERE run_id = ?',
      "DELETE FROM timers WHERE run_id = ? AND timer_key NOT LIKE 'x:%'",
      'DELETE FROM current_executions WHERE run_id = ?',
    ].map((sql) => db.prepare(sql));
    this.insertSchedule = db.prepare(
      `INSERT INTO schedules (namespace, schedule_id, version, state) VALUES (?, ?, 1, ?)
       ON CONFLICT (namespace, schedule_id) DO NOTHING`,
    );
    this.updateSchedule = db.prepare(
      'UPDATE schedules SET version = ?, state = ? WHERE namespace = ? AND schedule_id = ? AND version = ?',
    );
    this.deleteSchedule = db.prepare('DELETE FROM schedules WHERE namespace = ? AND schedule_id = ? AND version = ?');
    this.insertControl = db.prepare(
      `INSERT INTO control_records (kind, id, version, body, updated_at) VALUES (?, ?, 1, ?, ?)
       ON CONFLICT (kind, id) DO NOTHING`,
    );
    this.updateControl = db.prepare(
      'UPDATE control_records SET version = version + 1, body = ?, updated_at = ? WHERE kind = ? AND id = ? AND version = ?',
    );
    this.deleteControl = db.prepare('DELETE FROM control_records WHERE kind = ? AND id = ? AND version = ?');
    this.putDefinition = db.prepare(
      `INSERT INTO workflow_definitions (namespace, workflow_type, task_queue, description, defaults, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (namespace, workflow_type) DO UPDATE SET task_queue = excluded.task_queue,
         description = excluded.description, defaults = excluded.defaults, updated_at = excluded.updated_at`,
    );
  }

  /**
   * Commits the batch in one transaction; throws (nothing committed) only when the transaction itself fails.
   *
   * A savepoint per mutation costs about a tenth of the write (SQLite copies every page a savepoint touches to
   * its sub-journal), and is rarely needed: a mutation whose check fails before it wrote anything (the usual
   * conflict: a stale version, a taken workflow id) needs no undo. So the batch first runs without savepoints;
   * only when a mutation fails after it wrote something is the transaction rolled back and the batch run again
   * with a savepoint around each mutation. Both runs see the same database, so they decide the same way.
   */
  writeBatch(mutations: readonly WireMutation[]): BatchOutcome {
    let outcome: BatchOutcome;
    try {
      outcome = this.writeWithoutSavepoints(mutations) ?? this.writeWithSavepoints(mutations);
    } catch (err) {
      throw toWriteFault(err, this.db.name); // disk full: StoreUnavailableError, nothing of the batch committed
    }
    for (let i = 0; i < outcome.length; i++) {
      const err = outcome[i];
      if (err) outcome[i] = asError(toWriteFault(err, this.db.name));
    }
    return outcome;
  }

  /** Undefined when a mutation failed after it had written: the transaction was rolled back. */
  private writeWithoutSavepoints(mutations: readonly WireMutation[]): BatchOutcome | undefined {
    const outcome: BatchOutcome = new Array<Error | undefined>(mutations.length);
    this.begin.run();
    try {
      for (let i = 0; i < mutations.length; i++) {
        this.wrote = false;
        try {
          this.apply(mutations[i]!);
        } catch (err) {
          // Errors like SQLITE_FULL end the transaction: then nothing of the batch is committed.
          if (!this.db.inTransaction) throw err;
          if (this.wrote) {
            this.rollback.run();
            return undefined;
          }
          outcome[i] = asError(err);
        }
      }
      this.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.rollback.run();
      throw err;
    }
    return outcome;
  }

  private writeWithSavepoints(mutations: readonly WireMutation[]): BatchOutcome {
    const outcome: BatchOutcome = new Array<Error | undefined>(mutations.length);
    this.begin.run();
    try {
      for (let i = 0; i < mutations.length; i++) {
        this.savepoint.run();
        try {
          this.apply(mutations[i]!);
          this.release.run();
        } catch (err) {
          // SQLITE_FULL and I/O errors may have rolled the whole transaction back: then nothing is committed
          if (!this.db.inTransaction) throw err;
          // If this fails too, the transaction is beyond repair: the outer catch rolls back the whole batch.
          this.rollbackTo.run();
          this.release.run();
          outcome[i] = asError(err);
        }
      }
      this.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.rollback.run();
      throw err;
    }
    return outcome;
  }

  private apply(m: WireMutation): void {
    for (const cr of m.currentRuns) this.writeCurrentRun(cr);
    for (const w of m.executions) this.writeExecution(w);
    if (m.definitions) for (const d of m.definitions) this.writeDefinition(d);
    if (m.searchAttributeDefinitions)
      for (const d of m.searchAttributeDefinitions) {
        this.insertSearchAttribute.run(d.namespace, d.name, d.type, d.createdAt);
        this.wrote = true;
      }
    if (m.schedules) for (const sw of m.schedules) this.writeSchedule(sw);
    if (m.purge)
      for (const runId of m.purge.runIds) {
        if (this.purgeExecution.run(runId, m.purge.closedBefore).changes !== 1) continue;
        for (const st of this.purgeRunRows) st.run(runId);
        this.wrote = true;
      }
    if (m.controlRecords) for (const w of m.controlRecords) this.writeControlRecord(w);
  }

  private writeControlRecord(w: ControlRecordWrite): void {
    const changes =
      w.expectedVersion === 0
        ? this.insertControl.run(w.kind, w.id, JSON.stringify(w.body), w.updatedAt).changes
        : w.body === null
          ? this.deleteControl.run(w.kind, w.id, w.expectedVersion).changes
          : this.updateControl.run(JSON.stringify(w.body), w.updatedAt, w.kind, w.id, w.expectedVersion).changes;
    if (changes !== 1) throw new StoreConflictError(controlConflictMessage(w));
    this.wrote = true;
  }

  private writeSchedule([namespace, scheduleId, state, expectedVersion, deleted, wakeAt]: NonNullable<
    WireMutation['schedules']
  >[number]): void {
    const changes =
      expectedVersion === 0
        ? this.insertSchedule.run(namespace, scheduleId, state).changes
        : deleted
          ? this.deleteSchedule.run(namespace, scheduleId, expectedVersion).changes
          : this.updateSchedule.run(expectedVersion + 1, state, namespace, scheduleId, expectedVersion).changes;
    if (changes !== 1)
      throw new StoreConflictError(
        expectedVersion === 0
          ? `schedule ${scheduleId} already exists`
          : `schedule ${scheduleId} changed since version ${expectedVersion}`,
      );
    const runId = scheduleTimerRunId(namespace, scheduleId);
    if (wakeAt === null || deleted) this.deleteTimer.run(runId, SCHEDULE_TIMER_KEY);
    else this.upsertTimer.run(runId, SCHEDULE_TIMER_KEY, namespace, wakeAt);
    this.wrote = true;
  }

  private writeDefinition(d: WorkflowDefinition): void {
    this.putDefinition.run(
      d.namespace,
      d.workflowType,
      d.taskQueue,
      d.description ?? null,
      d.defaults === undefined ? null : JSON.stringify(d.defaults),
      d.updatedAt,
    );
    this.wrote = true;
  }

  private writeCurrentRun([
    namespace,
    workflowId,
    runId,
    status,
    expectedRunId,
  ]: WireMutation['currentRuns'][number]): void {
    if (expectedRunId === null) {
      if (this.insertCurrentRun.run(namespace, workflowId, runId, status).changes !== 1)
        throw new StoreConflictError(`workflow ${workflowId} already has a current run`);
      this.wrote = true;
      return;
    }
    const changes = this.updateCurrentRun.run(runId, status, namespace, workflowId, expectedRunId).changes;
    if (changes !== 1)
      throw new StoreConflictError(`the current run of workflow ${workflowId} is no longer ${expectedRunId}`);
    this.wrote = true;
  }

  private writeExecution(w: WireExecution): void {
    const runId = w.runId;
    this.writeExecutionRow(w);
    this.wrote = true;

    try {
      for (const [eventId, eventType, eventTime, data] of w.events)
        this.insertEvent.run(runId, eventId, eventType, eventTime, data);
    } catch (err) {
      throw isUniqueViolation(err) ? staleEventsConflict(runId) : err;
    }

    for (const key of w.tasksRemoved) this.deleteTask.run(runId, key);
    for (const [key, namespace, taskQueue, kind, sticky, createdAt, priority] of w.tasksAdded)
      this.upsertTask.run(runId, key, namespace, taskQueue, kind, sticky, createdAt, priority ?? null);
    for (const key of w.timersRemoved) this.deleteTimer.run(runId, key);
    for (const [key, namespace, dueAt] of w.timersAdded) this.upsertTimer.run(runId, key, namespace, dueAt);
    for (const seq of w.activitiesRemoved) this.deleteActivity.run(runId, seq);
    for (const [seq, data] of w.activities) this.upsertActivity.run(runId, seq, data);
    if (w.buffered.rewrite) this.deleteRunBuffered.run(runId);
    for (const [idx, data] of w.buffered.rows) this.insertBuffered.run(runId, idx, data);
    if (w.searchAttributes) {
      if (w.expectedVersion !== 0) this.deleteRunSearchAttributes.run(runId);
      for (const [name, idx, text, int, double] of w.searchAttributes)
        this.insertSearchAttributeValue.run(runId, name, idx, text, int, double);
    }

    if (w.closed) {
      this.deleteRunTasks.run(runId);
      this.deleteRunTimers.run(runId);
      this.deleteRunActivities.run(runId);
      this.deleteRunBuffered.run(runId);
      // the workflow id's pointer shows the closed status (unless a new run took it in this same mutation)
      this.closeCurrentRun.run(w.status, w.namespace, w.workflowId, runId);
    }
  }

  private writeExecutionRow(w: WireExecution): void {
    if (w.expectedVersion === 0) {
      const r = this.insertExecution.run(
        w.runId,
        w.namespace,
        w.workflowId,
        w.workflowType,
        w.taskQueue,
        w.status,
        w.startTime,
        w.closeTime,
        w.historyLength,
        w.lastProgress,
        w.state,
      );
      if (r.changes !== 1) throw new StoreConflictError(`run ${w.runId} already exists`);
      return;
    }
    const version = w.expectedVersion + 1;
    if (
      this.updateExecutionState.run(
        w.historyLength,
        version,
        w.state,
        w.runId,
        w.expectedVersion,
        w.status,
        w.closeTime,
        w.lastProgress,
      ).changes === 1
    )
      return;
    const { status, closeTime, lastProgress, historyLength, state, runId, expectedVersion } = w;
    if (
      this.updateExecution.run(status, closeTime, lastProgress, historyLength, version, state, runId, expectedVersion)
        .changes !== 1
    )
      throw new StoreConflictError(`run ${w.runId} is no longer at version ${w.expectedVersion}`);
  }
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Events whose ids the run already has: whoever built the mutation worked from a stale copy of the run (the
 * version check should have caught it; this is the second line). A conflict: the caller reloads and retries.
 */
function staleEventsConflict(runId: string): StoreConflictError {
  return new StoreConflictError(`run ${runId} already has events with these ids (a stale copy of it)`);
}
