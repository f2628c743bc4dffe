/** Rows as both SQL stores read them (same tables, same column names), and what they become. */
import type { TaskRow } from '../../engine/transition.js';
import type { Priority } from '../../common/priority.js';
import type { ExecutionStatus } from '../../protocol/status.js';
import type { ExecutionSummary, WorkflowDefinition } from '../store.js';
import type { KeyValue } from './keyset.js';

export const DEFAULT_PAGE_SIZE = 100;

export const SUMMARY_COLUMNS =
  'namespace, workflow_id, run_id, workflow_type, task_queue, status, start_time, close_time, history_length';

/**
 * The memo, search attributes, parent, root, history size and priority of a listed run, out of its state (each
 * store's syntax; JSON text for the memo, the search attributes and the priority).
 */
export const SUMMARY_STATE_COLUMNS = {
  sqlite:
    "json_extract(executions.state, '$.memo') AS memo, json_extract(executions.state, '$.searchAttributes') AS search_attributes, " +
    "json_extract(executions.state, '$.parent.workflowId') AS parent_workflow_id, json_extract(executions.state, '$.parent.runId') AS parent_run_id, " +
    "json_extract(executions.state, '$.root.workflowId') AS root_workflow_id, json_extract(executions.state, '$.root.runId') AS root_run_id, " +
    "json_extract(executions.state, '$.historySizeBytes') AS history_size_bytes, " +
    "json_extract(executions.state, '$.priority') AS priority, " +
    "json_extract(executions.state, '$.executionTime') AS execution_time",
  postgres:
    "(executions.state::json -> 'memo')::text AS memo, (executions.state::json -> 'searchAttributes')::text AS search_attributes, " +
    "executions.state::json -> 'parent' ->> 'workflowId' AS parent_workflow_id, executions.state::json -> 'parent' ->> 'runId' AS parent_run_id, " +
    "executions.state::json -> 'root' ->> 'workflowId' AS root_workflow_id, executions.state::json -> 'root' ->> 'runId' AS root_run_id, " +
    "(executions.state::json ->> 'historySizeBytes')::bigint AS history_size_bytes, " +
    "(executions.state::json -> 'priority')::text AS priority, " +
    "(executions.state::json ->> 'executionTime')::bigint AS execution_time",
} as const;

/** A visibility list row: SUMMARY_COLUMNS and the sort key as k0, k1, ... */
export interface SummaryRow {
  namespace: string;
  workflow_id: string;
  run_id: string;
  workflow_type: string;
  task_queue: string;
  status: ExecutionStatus;
  start_time: number;
  close_time: number | null;
  history_length: number;
  memo: string | null;
  search_attributes: string | null;
  parent_workflow_id: string | null;
  parent_run_id: string | null;
  root_workflow_id: string | null;
  root_run_id: string | null;
  /** A bigint from PostgreSQL (text unless parsed), a number from SQLite. */
  history_size_bytes: number | string | null;
  priority: string | null;
  /** As history_size_bytes. */
  execution_time: number | string | null;
  [sortKey: `k${number}`]: KeyValue;
}

export function toSummary(r: SummaryRow): ExecutionSummary {
  const s: ExecutionSummary = {
    namespace: r.namespace,
    workflowId: r.workflow_id,
    runId: r.run_id,
    workflowType: r.workflow_type,
    taskQueue: r.task_queue,
    status: r.status,
    startTime: r.start_time,
    historyLength: r.history_length,
  };
  if (r.close_time !== null) s.closeTime = r.close_time;
  if (r.memo !== null) s.memo = JSON.parse(r.memo) as Record<string, unknown>;
  if (r.search_attributes !== null) s.searchAttributes = JSON.parse(r.search_attributes) as Record<string, unknown>;
  if (r.parent_workflow_id !== null && r.parent_run_id !== null)
    s.parent = { workflowId: r.parent_workflow_id, runId: r.parent_run_id };
  if (r.root_workflow_id !== null && r.root_run_id !== null)
    s.root = { workflowId: r.root_workflow_id, runId: r.root_run_id };
  if (r.history_size_bytes !== null) s.historySizeBytes = Number(r.history_size_bytes);
  if (r.priority !== null) s.priority = JSON.parse(r.priority) as Priority;
  if (r.execution_time !== null) s.executionTime = Number(r.execution_time);
  return s;
}

export interface TaskDbRow {
  id: number;
  run_id: string;
  task_key: string;
  namespace: string;
  task_queue: string;
  kind: TaskRow['kind'];
  sticky_identity: string | null;
  created_at: number;
  priority: number | null;
}

export function toTaskRow(r: TaskDbRow): TaskRow & { rowId: number } {
  const t: TaskRow & { rowId: number } = {
    rowId: r.id,
    runId: r.run_id,
    key: r.task_key,
    namespace: r.namespace,
    taskQueue: r.task_queue,
    kind: r.kind,
    createdAt: r.created_at,
  };
  if (r.sticky_identity !== null) t.stickyIdentity = r.sticky_identity;
  if (r.priority !== null) t.priority = r.priority;
  return t;
}

export interface DefinitionDbRow {
  namespace: string;
  workflow_type: string;
  task_queue: string;
  description: string | null;
  defaults: string | null;
  updated_at: number;
}

export function toDefinition(r: DefinitionDbRow): WorkflowDefinition {
  const def: WorkflowDefinition = {
    namespace: r.namespace,
    workflowType: r.workflow_type,
    taskQueue: r.task_queue,
    updatedAt: r.updated_at,
  };
  if (r.description !== null) def.description = r.description;
  if (r.defaults !== null) def.defaults = JSON.parse(r.defaults) as Record<string, unknown>;
  return def;
}
