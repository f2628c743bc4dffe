/**
 * The Store: everything Weft keeps, behind one async interface that every dialect (SQLite now, PostgreSQL
 * later) implements and one conformance suite checks. The store is the truth; the server's in-memory queues,
 * waiters and timer heaps only speed things up over it.
 *
 * Writes are Mutations: the changes of one API operation to one or more runs, applied atomically. A store
 * may commit many mutations in one transaction (group commit) but each mutation succeeds or fails whole.
 */
import type { ActivityState, ExecutionState } from '../engine/state.js';
import type { ScheduleState } from '../schedules/state.js';
import type { Priority } from '../common/priority.js';
import type { TaskRow, TimerRow } from '../engine/transition.js';
import type { HistoryEvent } from '../protocol/events.js';
import type { ExecutionStatus } from '../protocol/status.js';
import type { VisibilityQuery } from '../visibility/query-ast.js';
import type { SearchAttributeDefinition } from '../visibility/search-attributes.js';

export interface StoredExecution {
  state: ExecutionState;
  /** Incremented by every write; a write names the version it read (optimistic concurrency). */
  version: number;
}

export interface ExecutionWrite {
  /**
   * The run's new state. Its `activities` and `bufferedEvents` are stored apart, one row each: only what
   * activitiesChanged / activitiesRemoved / bufferedEvents name is written.
   */
  state: ExecutionState;
  /** JSON of the state without its activities and buffered events, when the caller has it already. */
  coreJson?: string;
  /** Sequence numbers of the activities created or changed by this write (default: none). */
  activitiesChanged?: number[];
  /** Sequence numbers of the activities that ended (default: none). */
  activitiesRemoved?: number[];
  /**
   * How `state.bufferedEvents` changed (also stored one row each): entries from `appendedFrom` on are new, or
   * the list was `rewritten` (default: unchanged).
   */
  bufferedEvents?: { appendedFrom?: number; rewritten: boolean };
  /**
   * `state.searchAttributes` changed (an upsert): the run's value rows are rewritten from it. A created run
   * (expectedVersion 0) always writes its rows.
   */
  searchAttributesChanged?: boolean;
  /** The version the writer read; 0 creates the run (and fails if it exists). */
  expectedVersion: number;
  newEvents: HistoryEvent[];
  /** The same events as JSON, when the caller has serialised them already (one string per event). */
  newEventsJson?: string[];
  /** Applied before tasksAdded, so a key may be removed and added again in one write. */
  tasksRemoved: string[];
  tasksAdded: TaskRow[];
  timersRemoved: string[];
  timersAdded: TimerRow[];
  /** The run closed: every task and timer row of it is deleted, except outbox rows (keys starting `x:`). */
  closed: boolean;
}

/** The run a workflow id currently points at. */
export interface CurrentRun {
  namespace: string;
  workflowId: string;
  runId: string;
  status: ExecutionStatus;
}

export interface CurrentRunWrite extends CurrentRun {
  /** The run the writer saw as current; null: none existed. A mismatch fails the mutation with a conflict. */
  expectedRunId: string | null;
}

export interface Mutation {
  executions: ExecutionWrite[];
  currentRuns?: CurrentRunWrite[];
  schedules?: ScheduleWrite[];
  /**
   * Change notices for the other servers on the same database (src/server/cluster/notices.ts), published
   * with the mutation: they are delivered if and only if it commits. Stores without a cluster link ignore them.
   */
  notices?: string[];
}

/** A worker polling a task queue, as every server of a cluster sees it. */
export interface ClusterPoller {
  namespace: string;
  taskQueue: string;
  identity: string;
  buildId?: string;
  /** The workflow types the worker serves, when it said. */
  workflowTypes?: string[];
  firstSeenTime: number;
  lastAccessTime: number;
}

/** What a cluster link tells the server it belongs to. */
export interface ClusterHandlers {
  /** A notice published by any server (this one's included), in commit order. */
  notice(payload: string): void;
  /** The link was lost and is back: notices in between are lost, and what they would have said must be reread. */
  reset(): void;
  /** This server became the one that fires timers and schedules (true), or stopped being it (false). */
  leader(isLeader: boolean): void;
  /** Something went wrong on the link (it recovers by itself); for the log. */
  error(message: string, err: unknown): void;
}

/**
 * How the servers sharing one database keep in step (PostgreSQL: LISTEN/NOTIFY, a session advisory lock for
 * the leader, and tables for what does not fit a notice). A store used by one server only has none.
 */
export interface ClusterLink {
  /** Listens for notices and competes for the leadership until stop(); resolves once it listens. */
  start(handlers: ClusterHandlers): Promise<void>;
  stop(): Promise<void>;
  /** Publishes notices outside any mutation (delivered to the servers listening now). */
  publish(notices: string[]): Promise<void>;
  /** Stores a message too large for a notice; the notice carries its id. */
  putMessage(body: string): Promise<string>;
  getMessage(id: string): Promise<string | undefined>;
  /** Records that these workers polled (throttled by the caller). */
  touchPollers(pollers: ClusterPoller[]): Promise<void>;
  /** Workers seen on a task queue since `since` (any server). */
  pollers(namespace: string, taskQueue: string, since: number): Promise<ClusterPoller[]>;
  /** Task queues of a namespace with workers seen since `since` (any server). */
  taskQueues(namespace: string, since: number): Promise<string[]>;
  /** Leader's housekeeping: forgets messages and pollers older than `before`. */
  sweep(before: number): Promise<void>;
}

/** The timer row that wakes a schedule: run id `sched:<namespace>:<scheduleId>`, key `wake`. */
export const scheduleTimerRunId = (namespace: string, scheduleId: string): string => `sched:${namespace}:${scheduleId}`;
export const SCHEDULE_TIMER_KEY = 'wake';

/** A schedule's new state (or its deletion), with its wake-up timer, checked against the version read. */
export interface ScheduleWrite {
  namespace: string;
  scheduleId: string;
  /** The new state; ignored when deleted. */
  state: ScheduleState;
  /** The version the writer read; 0 creates the schedule (and fails if it exists). */
  expectedVersion: number;
  deleted?: boolean;
  /** When the schedule must wake next (its timer row), or null: no timer. */
  wakeAt: number | null;
}

export interface StoredSchedule {
  state: ScheduleState;
  version: number;
}

/** The kinds of control-plane record (namespaces, API keys): see Store.listControlRecords. */
export type ControlRecordKind = 'namespace' | 'api-key';

/** A control-plane record: a JSON body under (kind, id), versioned for conditional writes. */
export interface ControlRecord {
  kind: ControlRecordKind;
  id: string;
  /** Starts at 1, one more on every write. */
  version: number;
  body: unknown;
  updatedAt: number;
}

/** A conditional write of a control record: creates it (expectedVersion 0), replaces it, or deletes it (body null). */
export interface ControlRecordWrite {
  kind: ControlRecordKind;
  id: string;
  /** The version the writer read; 0 creates the record and fails if it exists. */
  expectedVersion: number;
  /** The new body, or null to delete the record. */
  body: unknown;
  updatedAt: number;
}

/** What a failed conditional control-record write says, the same on every store. */
export const controlConflictMessage = (w: ControlRecordWrite): string =>
  w.expectedVersion === 0
    ? `${w.kind} ${w.id} already exists`
    : `${w.kind} ${w.id} changed since version ${w.expectedVersion} (or is gone)`;

/** A write lost a race (another writer changed the run first); the caller reloads and retries. */
export class StoreConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreConflictError';
  }
}

/**
 * The database cannot be reached or cannot write now (connection refused or lost, shutting down, disk full):
 * nothing of the failed call was committed, and the same call may succeed later. The API answers 503
 * STORE_UNAVAILABLE. `outcomeUnknown`: a commit whose answer was lost (the connection broke while it ran), which
 * the database may have committed after all.
 */
export class StoreUnavailableError extends Error {
  readonly outcomeUnknown: boolean;
  constructor(message: string, options?: { cause?: unknown; outcomeUnknown?: boolean }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
    this.outcomeUnknown = options?.outcomeUnknown ?? false;
  }
}

/** One row of the visibility list. */
export interface ExecutionSummary {
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  status: ExecutionStatus;
  startTime: number;
  closeTime?: number;
  historyLength: number;
  /** The run's memo (payloads as stored) and search attributes, when it has them (list items, as Temporal's). */
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
  /** A child's parent run. */
  parent?: { workflowId: string; runId: string };
  /** A child's root run (the top of its chain of parents); none for a run without a parent. */
  root?: { workflowId: string; runId: string };
  /** Size of the history in bytes, as stored (runs written before it was kept have none). */
  historySizeBytes?: number;
  /** The start's priority, when it gave one (or the run's chain or parent did). */
  priority?: Priority;
  /** When its first workflow task may run, when later than its start (a start delay, a cron or retry backoff). */
  executionTime?: number;
}

/** A running run that has written no event since `lastProgressTime` (see Store.listStuckExecutions). */
export interface StuckExecution {
  namespace: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  status: ExecutionStatus;
  startTime: number;
  lastProgressTime: number;
}

export interface ListExecutionsRequest {
  namespace: string;
  query: VisibilityQuery;
  pageSize: number;
  /** Opaque token from the previous page. */
  pageToken?: string;
}

export interface ListExecutionsResponse {
  executions: ExecutionSummary[];
  nextPageToken?: string;
}

export interface WorkflowDefinition {
  namespace: string;
  workflowType: string;
  taskQueue: string;
  description?: string;
  /** Default start options (timeouts, retry) applied when a start does not give them. */
  defaults?: Record<string, unknown>;
  updatedAt: number;
}

/** A started activity attempt and its run (Store.startedActivities). */
export interface StartedActivity {
  runId: string;
  namespace: string;
  activity: ActivityState;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** Present when several servers may share this store (PostgreSQL). */
  readonly cluster?: ClusterLink;
  /**
   * How long a commit that failed with an unknown outcome (StoreUnavailableError.outcomeUnknown) may still be
   * written after its caller heard of the failure: PostgreSQL runs a statement whose connection broke on to its
   * end (at most its statement_timeout) and commits it. Absent: settled when it fails (SQLite: the writer thread
   * that held it is gone).
   */
  readonly unknownOutcomeSettlesWithinMs?: number;
  /** Applies pending migrations. */
  init(): Promise<void>;
  /** Flushes pending commits and closes. */
  close(): Promise<void>;
  /** Cheap round trip that proves the store answers (for /healthz). */
  ping(): Promise<void>;
  /** Resolves when the store answers and its schema has every migration of this build (for /readyz). */
  ready(): Promise<void>;

  /** Commits a mutation durably. Rejects with StoreConflictError when a version or current-run check fails. */
  commit(mutation: Mutation): Promise<void>;

  getExecution(runId: string): Promise<StoredExecution | undefined>;
  getCurrentRun(namespace: string, workflowId: string): Promise<CurrentRun | undefined>;
  /** Events with fromEventId <= eventId <= toEventId, in order. */
  readEvents(runId: string, fromEventId: number, toEventId: number): Promise<HistoryEvent[]>;

  listExecutions(req: ListExecutionsRequest): Promise<ListExecutionsResponse>;
  countExecutions(namespace: string, query: VisibilityQuery): Promise<number>;

  /** Every pending task row, oldest first, in pages (for rebuilding in-memory queues at start-up). */
  listTasks(afterRowId: number, limit: number): Promise<Array<TaskRow & { rowId: number }>>;
  /** Timer rows due at or before `dueBefore`, earliest first. */
  dueTimers(dueBefore: number, limit: number): Promise<TimerRow[]>;
  /**
   * Present on a store only one server uses (SQLite). Such a store does not write the timeout timers of started
   * activity attempts (isAttemptTimeoutKey: start-to-close and heartbeat, added and removed by nearly every step,
   * and all of them derived from the attempt's state); the server rebuilds them from these rows whenever its timers
   * start (engine/activity.ts attemptTimeouts). A store servers share (PostgreSQL) writes them, for whichever server
   * fires timers next. Every activity whose attempt is started, in no particular order.
   */
  startedActivities?(): Promise<StartedActivity[]>;

  getSchedule(namespace: string, scheduleId: string): Promise<StoredSchedule | undefined>;
  /** Schedules of a namespace ordered by id, after `afterScheduleId` (a page). */
  listSchedules(namespace: string, afterScheduleId: string | undefined, limit: number): Promise<StoredSchedule[]>;

  putWorkflowDefinition(def: WorkflowDefinition): Promise<void>;
  getWorkflowDefinition(namespace: string, workflowType: string): Promise<WorkflowDefinition | undefined>;
  listWorkflowDefinitions(namespace: string): Promise<WorkflowDefinition[]>;

  /**
   * Registers a custom search attribute unless one of that name exists; returns what is registered under the
   * name afterwards (the existing definition, possibly of another type, or the new one).
   */
  createSearchAttribute(def: SearchAttributeDefinition): Promise<SearchAttributeDefinition>;
  /** The namespace's search attributes, by name. list/count resolve query fields against them. */
  listSearchAttributes(namespace: string): Promise<SearchAttributeDefinition[]>;

  /**
   * Running runs of a namespace whose last progress is before `progressBefore` (epoch ms), least recent first.
   * A store may round progress times up (to the second): a run is then listed a little late, never early.
   */
  listStuckExecutions(namespace: string, progressBefore: number, limit: number): Promise<StuckExecution[]>;
  /** How many running runs made no progress since `progressBefore`, per namespace (namespaces with none left out). */
  countStuckExecutions(progressBefore: number): Promise<Array<{ namespace: string; count: number }>>;
  /**
   * The workflow types (and task queues) of a namespace's running runs, with how many run: most first, at most
   * `limit` pairs. Which of them no worker serves is the server's to tell (docs/api.md, "unserved types").
   */
  runningWorkflowTypes(namespace: string, limit: number): Promise<RunningWorkflowType[]>;

  /**
   * Retention: deletes at most `limit` closed runs of the namespace whose close time is before `closedBefore`,
   * oldest first, with their history, search attribute values and every other row of theirs (a current-run
   * pointer at one of them too); returns their run ids. Running runs are never touched.
   */
  purgeClosedRuns(namespace: string, closedBefore: number, limit: number): Promise<string[]>;
  /** The namespaces that have runs (a skip over the index: one probe per namespace). */
  listRunNamespaces(): Promise<string[]>;

  /** Every control record of a kind (namespaces, API keys), ordered by id: few rows, read whole. */
  listControlRecords(kind: ControlRecordKind): Promise<ControlRecord[]>;
  /**
   * Creates, replaces or deletes a control record if its version is still `expectedVersion`; rejects with
   * StoreConflictError otherwise (it exists already, changed since, or is gone).
   */
  writeControlRecord(write: ControlRecordWrite): Promise<void>;
}

export interface RunningWorkflowType {
  workflowType: string;
  taskQueue: string;
  running: number;
}
