/** The JSON API under /api/v1, as the UI calls it. Shapes are the server's own types (type-only imports). */
import type {
  DescribeTaskQueueResponse,
  DescribeWorkflowResponse,
  HistoryResponse,
  ListTaskQueuesResponse,
  ListWorkflowsResponse,
} from '../../src/protocol/api.js';
import type { ListSchedulesResponse, ScheduleDescription } from '../../src/protocol/schedule-api.js';
import type {
  CallerDescription,
  ListNamespacesResponse,
  NamespaceDescription,
  NamespaceLimits,
  Role,
} from '../../src/protocol/tenancy-api.js';

export type {
  DescribeTaskQueueResponse,
  DescribeWorkflowResponse,
  HistoryResponse,
  ListSchedulesResponse,
  ListTaskQueuesResponse,
  ListWorkflowsResponse,
  ScheduleDescription,
  CallerDescription,
  ListNamespacesResponse,
  NamespaceDescription,
  NamespaceLimits,
  Role,
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

/**
 * The API key of this browser session (sessionStorage: gone when the tab closes, kept across reloads). Storage
 * may be unavailable (blocked by the browser): then the key lives in memory for this page only.
 */
const KEY_STORAGE = 'weft.apiKey';
let memoryKey: string | undefined;
export const apiKeyStore = {
  get(): string | undefined {
    try {
      return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
    } catch {
      return memoryKey;
    }
  },
  set(key: string): void {
    memoryKey = key;
    try {
      sessionStorage.setItem(KEY_STORAGE, key);
    } catch {
      // kept in memory only
    }
  },
  clear(): void {
    memoryKey = undefined;
    try {
      sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      // nothing stored
    }
  },
};

let unauthenticated: ((message: string) => void) | undefined;
/** Called when a request is refused with 401 (no key, a wrong or revoked one): the UI asks for a key. */
export function onUnauthenticated(handler: (message: string) => void): void {
  unauthenticated = handler;
}

async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  opts: { apiKey?: string; probe?: boolean } = {},
): Promise<T> {
  const key = opts.apiKey ?? apiKeyStore.get();
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers: {
      accept: 'application/json',
      'x-weft-identity': 'web-ui',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
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
    const failure = new ApiCallError(
      res.status,
      err?.code ?? 'HTTP_' + res.status,
      err?.message ?? (text || res.statusText),
    );
    // a 401 for a key that is no longer the session's (signed out or replaced meanwhile) changes nothing
    if (res.status === 401 && !opts.probe && key === apiKeyStore.get()) unauthenticated?.(failure.message);
    throw failure;
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

/** A namespace's settings as the create and edit forms send them. */
export interface NamespaceSettings {
  description?: string;
  /** '30d', ms; null (update only): back to the server's retention. */
  retention?: string | number | null;
  limits?: NamespaceLimits;
}

export const api = {
  /** Who the key is (authEnabled false: the server needs none); `apiKey` tries a key before it is stored. */
  caller: (apiKey?: string) => call<CallerDescription>('GET', '/caller', undefined, { apiKey, probe: true }),
  listNamespaces: () => call<ListNamespacesResponse>('GET', '/namespaces'),
  describeNamespace: (name: string) => call<NamespaceDescription>('GET', `/namespaces/${enc(name)}`),
  createNamespace: (name: string, settings: NamespaceSettings) =>
    call<NamespaceDescription>('POST', '/namespaces', { name, ...settings }),
  updateNamespace: (name: string, settings: NamespaceSettings) =>
    call<NamespaceDescription>('PUT', `/namespaces/${enc(name)}`, settings),
  deleteNamespace: (name: string) => call<NamespaceDescription>('DELETE', `/namespaces/${enc(name)}`),
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
  query: (ns: string, workflowId: string, runId: string, queryType: string, args: unknown[]) =>
    call<{ result?: unknown }>('POST', `/namespaces/${enc(ns)}/workflows/${enc(workflowId)}/query`, {
      runId,
      queryType,
      args,
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
