/** List and count runs with the visibility query language. */
import { ApiError } from '../../common/api-error.js';
import type { ListWorkflowsResponse } from '../../protocol/api.js';
import { QuerySyntaxError, type VisibilityQuery } from '../../visibility/query-ast.js';
import { parseQuery } from '../../visibility/query-parser.js';
import type { ExecutionSummary } from '../../store/store.js';
import type { ServerContext } from '../context.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** A query the parser or compiler refused: 400 INVALID_QUERY, with where. */
export function invalidQuery(e: QuerySyntaxError): ApiError {
  return new ApiError('INVALID_QUERY', e.message, { position: e.position });
}

function parse(text: string | undefined): VisibilityQuery {
  try {
    return parseQuery(text ?? '');
  } catch (e) {
    if (e instanceof QuerySyntaxError) throw invalidQuery(e);
    throw e;
  }
}

/** Store calls compile the query; a field or literal the compiler rejects is the caller's error too. */
async function withQueryErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof QuerySyntaxError) throw invalidQuery(e);
    throw e;
  }
}

export function summaryInfo(x: ExecutionSummary): ListWorkflowsResponse['executions'][number] {
  return {
    workflowId: x.workflowId,
    runId: x.runId,
    workflowType: x.workflowType,
    taskQueue: x.taskQueue,
    status: x.status,
    startTime: iso(x.startTime),
    ...(x.closeTime !== undefined ? { closeTime: iso(x.closeTime) } : {}),
    historyLength: x.historyLength,
    ...(x.memo ? { memo: x.memo } : {}),
    ...(x.searchAttributes ? { searchAttributes: x.searchAttributes } : {}),
    ...(x.parent ? { parent: x.parent } : {}),
    root: x.root ?? { workflowId: x.workflowId, runId: x.runId },
    ...(x.historySizeBytes !== undefined ? { historySizeBytes: x.historySizeBytes } : {}),
    ...(x.priority ? { priority: x.priority } : {}),
    ...(x.executionTime !== undefined ? { executionTime: iso(x.executionTime) } : {}),
  };
}

export async function listWorkflows(
  ctx: ServerContext,
  namespace: string,
  opts: { query?: string; pageSize?: number; pageToken?: string },
): Promise<ListWorkflowsResponse> {
  const query = parse(opts.query);
  const page = await withQueryErrors(() =>
    ctx.store.listExecutions({
      namespace,
      query,
      pageSize: opts.pageSize ?? 100,
      ...(opts.pageToken ? { pageToken: opts.pageToken } : {}),
    }),
  );
  return {
    executions: page.executions.map(summaryInfo),
    ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
  };
}

export async function countWorkflows(ctx: ServerContext, namespace: string, text?: string): Promise<{ count: number }> {
  const query = parse(text);
  return { count: await withQueryErrors(() => ctx.store.countExecutions(namespace, query)) };
}
