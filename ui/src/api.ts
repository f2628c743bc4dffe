/** The JSON API under /api/v1, as the UI calls it. Shapes are the server's own types (type-only imports). */
import type {
  DescribeTaskQueueResponse,
  DescribeWorkflowResponse,
  HistoryResponse,
  ListTaskQueuesResponse,
  ListWorkflowsResponse,
} from '../../src/protocol/api.js';
import type { ListSchedulesResponse, ScheduleDescription } from '../../src/protocol/schedule-api.js';

export type {
  DescribeTaskQueueResponse,
  DescribeWorkflowResponse,
  HistoryResponse,
  ListSchedulesResponse,
  ListTaskQueuesResponse,
  ListWorkflowsResponse,
  ScheduleDescription,
};
export type { WorkflowExecutionInfo, PendingActivityInfo } from '../../src/protocol/api.js';
export type { ScheduleSummary, ScheduleActionResult } from '../../src/protocol/schedule-api.js';
export type { HistoryEvent } from '../../src/protocol/events.js';
export type { FailureInfo } from '../../src/common/failure.js';

/** An error answer of the API: `{ error: { code, message } }` with its HTTP status. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const enc = encodeURIComponent;

/** crypto.randomUUID exists only in secure contexts (https, localhost); a UI served over plain http has none. */
const newRequestId = (): string =>
  typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : `ui-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: {
      accept: 'application/json',
      'x-weft-identity': 'web-ui',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiCallError(res.status, err?.code ?? 'HTTP_' + res.status, err?.message ?? (text || res.statusText));
  }
  return json as T;
}

const qs = (params: Record<string, string | number | undefined>): string => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
};

export interface StuckExecution {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
  startTime: string;
  lastProgressTime?: string;
  /** False when no live worker serves its workflow type on its task queue. */
  typeServed?: boolean;
}

/** Running workflow types that no live worker serves (their runs wait for one). */
export interface UnservedWorkflowType {
  workflowType: string;
  taskQueue: string;
  running: number;
}

export const api = {
  listWorkflows: (ns: string, o: { query?: string; pageSize?: number; pageToken?: string }) =>
    call<ListWorkflowsResponse>('GET', `/namespaces/${enc(ns)}/workflows${qs(o)}`),
  countWorkflows: (ns: string, query?: string) =>
    call<{ count: number }>('GET', `/namespaces/${enc(ns)}/workflow-count${qs({ query })}`),
  describeWorkflow: (ns: string, workflowId: string, runId?: string) =>
    call<DescribeWorkflowResponse>('GET', `/namespaces/${enc(ns)}/workflows/${enc(workflowId)}${qs({ runId })}`),
  history: (ns: string, workflowId: string, runId: string | undefined, fromEventId?: number, maxEvents = 1000) =>
    call<HistoryResponse>(
      'GET',
      `/namespaces/${enc(ns)}/workflows/${enc(workflowId)}/history${qs({ runId, fromEventId, maxEvents })}`,
    ),
  cancel: (ns: string, workflowId: string, runId: string, reason?: string) =>
    call<unknown>('POST', `/namespaces/${enc(ns)}/workflows/${enc(workflowId)}/cancel`, {
      runId,
      ...(reason ? { reason } : {}),
    }),
  terminate: (ns: string, workflowId: string, runId: string, reason?: string) =>
    call<unknown>('POST', `/namespaces/${enc(ns)}/workflows/${enc(workflowId)}/terminate`, {
      runId,
      ...(reason ? { reason } : {}),
    }),
  signal: (ns: string, workflowId: string, runId: string, signalName: string, args: unknown[]) =>
    call<unknown>('POST', `/namespaces/${enc(ns)}/workflows/${enc(workflowId)}/signal`, {
      runId,
      signalName,
      args,
      requestId: newRequestId(),
    }),
  listSchedules: (ns: string, nextPageToken?: string) =>
    call<ListSchedulesResponse>('GET', `/namespaces/${enc(ns)}/schedules${qs({ pageSize: 100, nextPageToken })}`),
  describeSchedule: (ns: string, id: string) =>
    call<ScheduleDescription>('GET', `/namespaces/${enc(ns)}/schedules/${enc(id)}`),
  pauseSchedule: (ns: string, id: string, paused: boolean, note?: string) =>
    call<unknown>('POST', `/namespaces/${enc(ns)}/schedules/${enc(id)}/${paused ? 'pause' : 'unpause'}`, {
      ...(note ? { note } : {}),
    }),
  triggerSchedule: (ns: string, id: string) =>
    call<unknown>('POST', `/namespaces/${enc(ns)}/schedules/${enc(id)}/trigger`, {}),
  listTaskQueues: (ns: string) => call<ListTaskQueuesResponse>('GET', `/namespaces/${enc(ns)}/task-queues`),
  describeTaskQueue: (ns: string, name: string) =>
    call<DescribeTaskQueueResponse>('GET', `/namespaces/${enc(ns)}/task-queues/${enc(name)}`),
  unservedWorkflowTypes: async (ns: string): Promise<UnservedWorkflowType[]> =>
    (await call<{ types: UnservedWorkflowType[] }>('GET', `/namespaces/${enc(ns)}/unserved-workflow-types`)).types,
  /** Executions with no progress for a while; undefined when the server has no such endpoint (404). */
  stuckWorkflows: async (ns: string): Promise<StuckExecution[] | undefined> => {
    try {
      return (await call<{ executions: StuckExecution[] }>('GET', `/namespaces/${enc(ns)}/stuck-workflows`)).executions;
    } catch (e) {
      if (e instanceof ApiCallError && e.status === 404) return undefined;
      throw e;
    }
  },
};
