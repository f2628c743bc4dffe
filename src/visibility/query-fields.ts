/**
 * The fields a visibility query can name: Temporal's search-attribute types, the built-in fields, and where each
 * is stored. The SQL compiler (src/store/sql/compile-query.ts) reads these; nothing here depends on it.
 */
import { EXECUTION_STATUSES } from '../protocol/status.js';

/** Temporal's search-attribute types. Built-ins use Keyword, Int and Datetime; custom attributes any of them. */
export type SearchAttributeType = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface QueryField {
  column: string;
  type: SearchAttributeType;
  nullable: boolean;
  /** A closed set of Keyword values: input is matched case-insensitively and bound in this spelling; no ranges. */
  allowedValues?: readonly string[];
  /**
   * A custom search attribute of this name: its values are rows of `search_attribute_values` (column = the
   * value column of its type), and predicates compile to `run_id [NOT] IN (SELECT run_id ... WHERE name = ?)`.
   */
  searchAttribute?: string;
}

export const BUILT_IN_FIELDS: ReadonlyMap<string, QueryField> = new Map<string, QueryField>([
  ['WorkflowId', { column: 'workflow_id', type: 'Keyword', nullable: false }],
  ['RunId', { column: 'run_id', type: 'Keyword', nullable: false }],
  ['WorkflowType', { column: 'workflow_type', type: 'Keyword', nullable: false }],
  ['ExecutionStatus', { column: 'status', type: 'Keyword', nullable: false, allowedValues: EXECUTION_STATUSES }],
  ['StartTime', { column: 'start_time', type: 'Datetime', nullable: false }],
  ['CloseTime', { column: 'close_time', type: 'Datetime', nullable: true }],
  ['TaskQueue', { column: 'task_queue', type: 'Keyword', nullable: false }],
  ['HistoryLength', { column: 'history_length', type: 'Int', nullable: false }],
]);
