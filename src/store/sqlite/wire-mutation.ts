/**
 * Mutations in the form the SQLite writer consumes: every JSON value already serialised and every column
 * value pulled out, so the writer (possibly on another thread) only binds parameters. Serialising happens once,
 * on the thread that made the mutation.
 */
import { coreJson } from '../state-json.js';
import type { ExecutionState } from '../../engine/state.js';
import type { ControlRecordWrite, ExecutionWrite, Mutation, WorkflowDefinition } from '../store.js';
import {
  searchAttributeRows,
  type SearchAttributeDefinition,
  type SearchAttributeRow,
} from '../../visibility/search-attributes.js';

export interface WireExecution {
  runId: string;
  namespace: string;
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  status: string;
  startTime: number;
  closeTime: number | null;
  historyLength: number;
  /** lastProgressTime rounded up to the second (see migration 0004). */
  lastProgress: number;
  expectedVersion: number;
  /** The state without its activities. */
  state: string;
  /** [seq, JSON of the activity] for each activity created or changed */
  activities: Array<[number, string]>;
  activitiesRemoved: number[];
  /** Buffered events to write: all of them after deleting the old rows (rewrite), or the new ones. */
  buffered: { rewrite: boolean; rows: Array<[number, string]> };
  /** [eventId, eventType, eventTime, JSON of the whole event] */
  events: Array<[number, string, string, string]>;
  tasksRemoved: string[];
  /** [key, namespace, taskQueue, kind, stickyIdentity, createdAt, priority (absent: the default)] */
  tasksAdded: Array<[string, string, string, string, string | null, number, number?]>;
  timersRemoved: string[];
  /** [key, namespace, dueAt] */
  timersAdded: Array<[string, string, number]>;
  closed: boolean;
  /** The run's search attribute value rows, replacing its old ones; undefined: unchanged. */
  searchAttributes?: SearchAttributeRow[];
}

export interface WireMutation {
  executions: WireExecution[];
  /** [namespace, workflowId, runId, status, expectedRunId] */
  currentRuns: Array<[string, string, string, string, string | null]>;
  definitions?: WorkflowDefinition[];
  searchAttributeDefinitions?: SearchAttributeDefinition[];
  /** [namespace, scheduleId, JSON of the state, expectedVersion, deleted, wakeAt] */
  schedules?: Array<[string, string, string, number, boolean, number | null]>;
  /** Notices published if the mutation commits (PostgreSQL's NOTIFY; SQLite has no other servers). */
  notices?: string[];
  /** Retention (SqliteStore.purgeClosedRuns): these runs and all their rows, each only if closed before then. */
  purge?: { runIds: string[]; closedBefore: number };
  /** Control records (namespaces, API keys), each conditional on its version (Store.writeControlRecord). */
  controlRecords?: ControlRecordWrite[];
}

function bufferedRows(s: ExecutionState, change: ExecutionWrite['bufferedEvents']): WireExecution['buffered'] {
  if (!change) return { rewrite: false, rows: [] };
  const from = change.rewritten ? 0 : (change.appendedFrom ?? s.bufferedEvents.length);
  const rows: Array<[number, string]> = [];
  for (let i = from; i < s.bufferedEvents.length; i++) rows.push([i, JSON.stringify(s.bufferedEvents[i])]);
  return { rewrite: change.rewritten, rows };
}

/** Rounded up to the second: a busy run's writes then mostly leave the column (and its index) as it was. */
export const lastProgressColumn = (ms: number): number => Math.ceil(ms / 1000) * 1000;

/**
 * `skipTimer`: timer keys not written (a store only one server uses leaves out isAttemptTimeoutKey's, see
 * Store.startedActivities); their removals are left out too.
 */
export function toWire(m: Mutation, skipTimer?: (key: string) => boolean): WireMutation {
  return {
    executions: m.executions.map((w) => {
      const s = w.state;
      return {
        runId: s.runId,
        namespace: s.namespace,
        workflowId: s.workflowId,
        workflowType: s.workflowType,
        taskQueue: s.taskQueue,
        status: s.status,
        startTime: s.startTime,
        closeTime: s.closeTime ?? null,
        historyLength: s.nextEventId - 1,
        lastProgress: lastProgressColumn(s.lastProgressTime),
        expectedVersion: w.expectedVersion,
        state: w.coreJson ?? coreJson(s),
        activities: (w.activitiesChanged ?? []).flatMap((seq): Array<[number, string]> => {
          const a = s.activities[seq];
          return a ? [[seq, JSON.stringify(a)]] : [];
        }),
        activitiesRemoved: w.activitiesRemoved ?? [],
        buffered: bufferedRows(s, w.bufferedEvents),
        events: w.newEvents.map((e, i) => [
          e.eventId,
          e.eventType,
          e.eventTime,
          w.newEventsJson?.[i] ?? JSON.stringify(e),
        ]),
        tasksRemoved: w.tasksRemoved,
        tasksAdded: w.tasksAdded.map((t): WireExecution['tasksAdded'][number] =>
          t.priority === undefined
            ? [t.key, t.namespace, t.taskQueue, t.kind, t.stickyIdentity ?? null, t.createdAt]
            : [t.key, t.namespace, t.taskQueue, t.kind, t.stickyIdentity ?? null, t.createdAt, t.priority],
        ),
        timersRemoved: skipTimer ? w.timersRemoved.filter((k) => !skipTimer(k)) : w.timersRemoved,
        timersAdded: (skipTimer ? w.timersAdded.filter((t) => !skipTimer(t.key)) : w.timersAdded).map((t) => [
          t.key,
          t.namespace,
          t.dueAt,
        ]),
        closed: w.closed,
        ...(w.searchAttributesChanged || (w.expectedVersion === 0 && s.searchAttributes)
          ? { searchAttributes: searchAttributeRows(s.searchAttributes) }
          : {}),
      };
    }),
    currentRuns: (m.currentRuns ?? []).map((c) => [c.namespace, c.workflowId, c.runId, c.status, c.expectedRunId]),
    ...(m.notices?.length ? { notices: m.notices } : {}),
    ...(m.schedules?.length
      ? {
          schedules: m.schedules.map((w): [string, string, string, number, boolean, number | null] => [
            w.namespace,
            w.scheduleId,
            JSON.stringify(w.state),
            w.expectedVersion,
            w.deleted === true,
            w.wakeAt,
          ]),
        }
      : {}),
  };
}
