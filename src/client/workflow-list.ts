/**
 * What `client.workflow.list()` returns (Temporal's AsyncWorkflowListIterable): the matching executions, and
 * `intoHistories()`, their histories (for replaying them in bulk: `Worker.runReplayHistories`).
 */
import type { History } from '../protocol/events.js';
import type { WorkflowExecutionInfo } from './execution-info.js';

/** Temporal's ListOptions. */
export interface ListOptions {
  query?: string;
  pageSize?: number;
}

/** Temporal's IntoHistoriesOptions: how many histories are fetched at once (default 5). */
export interface IntoHistoriesOptions {
  concurrency?: number;
}

/** Temporal's HistoryAndWorkflowId; Weft adds the run id. */
export interface HistoryAndWorkflowId {
  workflowId: string;
  runId: string;
  history: History;
}

export interface AsyncWorkflowListIterable extends AsyncIterable<WorkflowExecutionInfo> {
  intoHistories(options?: IntoHistoriesOptions): AsyncIterable<HistoryAndWorkflowId>;
}

type FetchHistory = (workflowId: string, runId: string) => Promise<History>;

/** The executions `list` yields, as a list iterable; each iteration lists afresh. */
export function workflowListIterable(
  list: () => AsyncIterable<WorkflowExecutionInfo>,
  fetchHistory: FetchHistory,
): AsyncWorkflowListIterable {
  return {
    [Symbol.asyncIterator]: () => list()[Symbol.asyncIterator](),
    intoHistories: (options = {}) => histories(list(), fetchHistory, concurrencyOf(options)),
  };
}

function concurrencyOf(options: IntoHistoriesOptions): number {
  const n = options.concurrency ?? 5;
  if (!Number.isInteger(n) || n < 1)
    throw new TypeError(`intoHistories: concurrency must be an integer >= 1, got ${n}`);
  return n;
}

/** Up to `concurrency` histories in flight; yielded in the list's order. */
async function* histories(
  executions: AsyncIterable<WorkflowExecutionInfo>,
  fetchHistory: FetchHistory,
  concurrency: number,
): AsyncIterable<HistoryAndWorkflowId> {
  const inFlight: Array<Promise<HistoryAndWorkflowId>> = [];
  const fetch = ({ workflowId, runId }: WorkflowExecutionInfo): Promise<HistoryAndWorkflowId> => {
    const p = fetchHistory(workflowId, runId).then((history) => ({ workflowId, runId, history }));
    p.catch(() => undefined); // rejected before its turn: it is thrown when yielded
    return p;
  };
  for await (const e of executions) {
    inFlight.push(fetch(e));
    if (inFlight.length >= concurrency) yield await inFlight.shift()!;
  }
  while (inFlight.length > 0) yield await inFlight.shift()!;
}
