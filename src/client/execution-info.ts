/**
 * Executions as the TypeScript client shows them: Temporal's `WorkflowExecutionInfo` shape, with the status as
 * `{ code, name }` in Temporal's spelling. The HTTP API, the CLI and the query language keep Weft's state names
 * (`Running`, ...); only this surface mirrors Temporal.
 */
import type { DescribeWorkflowResponse, WorkflowExecutionInfo as WireExecutionInfo } from '../protocol/api.js';
import type { ExecutionStatus } from '../protocol/status.js';
import { TypedSearchAttributes } from '../common/typed-search-attributes.js';
import type { Priority } from '../common/priority.js';

/** Temporal's `temporal.api.enums.v1.WorkflowExecutionStatus`: the protobuf member names and numbers. */
export const WorkflowExecutionStatus = {
  WORKFLOW_EXECUTION_STATUS_UNSPECIFIED: 0,
  WORKFLOW_EXECUTION_STATUS_RUNNING: 1,
  WORKFLOW_EXECUTION_STATUS_COMPLETED: 2,
  WORKFLOW_EXECUTION_STATUS_FAILED: 3,
  WORKFLOW_EXECUTION_STATUS_CANCELED: 4,
  WORKFLOW_EXECUTION_STATUS_TERMINATED: 5,
  WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW: 6,
  WORKFLOW_EXECUTION_STATUS_TIMED_OUT: 7,
  WORKFLOW_EXECUTION_STATUS_PAUSED: 8,
} as const;
export type WorkflowExecutionStatus = (typeof WorkflowExecutionStatus)[keyof typeof WorkflowExecutionStatus];

/** Temporal's `WorkflowExecutionStatusName` (`UNKNOWN` stands for a code this client does not know). */
export type WorkflowExecutionStatusName =
  | 'UNSPECIFIED'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'TERMINATED'
  | 'CONTINUED_AS_NEW'
  | 'TIMED_OUT'
  | 'PAUSED'
  | 'UNKNOWN';

export interface WorkflowExecutionStatusInfo {
  code: WorkflowExecutionStatus;
  name: WorkflowExecutionStatusName;
}

const STATUS: Record<ExecutionStatus, WorkflowExecutionStatusInfo> = {
  Running: { code: 1, name: 'RUNNING' },
  Completed: { code: 2, name: 'COMPLETED' },
  Failed: { code: 3, name: 'FAILED' },
  Cancelled: { code: 4, name: 'CANCELLED' },
  Terminated: { code: 5, name: 'TERMINATED' },
  ContinuedAsNew: { code: 6, name: 'CONTINUED_AS_NEW' },
  TimedOut: { code: 7, name: 'TIMED_OUT' },
};

/** Temporal's status name of a `WorkflowExecutionStatus` number (`2` -> `COMPLETED`; `UNKNOWN` when not known). */
export function executionStatusName(code: number): WorkflowExecutionStatusName {
  return Object.values(STATUS).find((s) => s.code === code)?.name ?? 'UNKNOWN';
}

/** A Weft state name (`Running`, ...) as Temporal's `{ code, name }`. */
export function executionStatusOf(s: ExecutionStatus | string): WorkflowExecutionStatusInfo {
  const known = STATUS[s as ExecutionStatus] as WorkflowExecutionStatusInfo | undefined;
  return known ? { ...known } : { code: 0, name: 'UNKNOWN' };
}

export interface WorkflowExecution {
  workflowId: string;
  runId: string;
}

/** Temporal's `WorkflowExecutionInfo`; `raw` is the server's answer as is. */
export interface WorkflowExecutionInfo<Raw = WireExecutionInfo> {
  type: string;
  workflowId: string;
  runId: string;
  taskQueue: string;
  status: WorkflowExecutionStatusInfo;
  historyLength: number;
  /** Bytes of history. */
  historySize?: number;
  startTime: Date;
  /** When the run's first workflow task could start; Weft reports the start time. */
  executionTime?: Date;
  closeTime?: Date;
  memo?: Record<string, unknown>;
  /** Plain values (`{ CustomerId: 'c-1' }`), not Temporal's deprecated arrays. */
  searchAttributes?: Record<string, unknown>;
  /** Temporal's typed view of the search attributes. */
  typedSearchAttributes: TypedSearchAttributes;
  parentExecution?: WorkflowExecution;
  /** The run at the top of its chain of parents (itself for a run without a parent), as Temporal's. */
  rootExecution?: WorkflowExecution;
  /** The start's priority (or the one its chain or parent gave it), when it has one. */
  priority?: Priority;
  raw: Raw;
}

/** Temporal's `WorkflowExecutionDescription`, plus what Weft knows about the run's pending work. */
export interface WorkflowExecutionDescription extends WorkflowExecutionInfo<DescribeWorkflowResponse> {
  searchAttributes: Record<string, unknown>;
  /** Temporal's typed view of the search attributes. */
  typedSearchAttributes: TypedSearchAttributes;
  staticSummary: () => Promise<string | undefined>;
  staticDetails: () => Promise<string | undefined>;
  attempt: number;
  firstRunId: string;
  cancelRequested: boolean;
  lastBuildId?: string;
  pendingActivities: DescribeWorkflowResponse['pendingActivities'];
  pendingChildren: DescribeWorkflowResponse['pendingChildren'];
  pendingTimers: DescribeWorkflowResponse['pendingTimers'];
  pendingWorkflowTask?: DescribeWorkflowResponse['pendingWorkflowTask'];
  /** Running runs: whether a live worker serves its workflow type on its task queue (false: it waits for one). */
  typeServed?: boolean;
}

/** A list item from the server's summary. */
export function executionInfoFromWire(e: WireExecutionInfo): WorkflowExecutionInfo {
  const startTime = new Date(e.startTime);
  return {
    type: e.workflowType,
    workflowId: e.workflowId,
    runId: e.runId,
    taskQueue: e.taskQueue,
    status: executionStatusOf(e.status),
    historyLength: e.historyLength,
    ...(e.historySizeBytes !== undefined ? { historySize: e.historySizeBytes } : {}),
    ...(e.priority ? { priority: { ...e.priority } } : {}),
    startTime,
    // when the first workflow task may run: later than the start after a start delay, a cron or retry backoff
    executionTime: e.executionTime ? new Date(e.executionTime) : startTime,
    ...(e.closeTime ? { closeTime: new Date(e.closeTime) } : {}),
    ...(e.memo ? { memo: e.memo } : {}),
    ...(e.searchAttributes ? { searchAttributes: e.searchAttributes } : {}),
    typedSearchAttributes: new TypedSearchAttributes(e.searchAttributes ?? {}),
    ...(e.parent ? { parentExecution: { workflowId: e.parent.workflowId, runId: e.parent.runId } } : {}),
    // a server before root was listed sends none: the run is then taken as its own root only without a parent
    ...(e.root
      ? { rootExecution: { workflowId: e.root.workflowId, runId: e.root.runId } }
      : e.parent
        ? {}
        : { rootExecution: { workflowId: e.workflowId, runId: e.runId } }),
    raw: e,
  };
}

/** A user metadata payload as Temporal's staticSummary() / staticDetails() give it: a string, or undefined. */
const staticText = (v: unknown) => (): Promise<string | undefined> =>
  Promise.resolve(typeof v === 'string' ? v : undefined);

export function descriptionFromWire(d: DescribeWorkflowResponse): WorkflowExecutionDescription {
  const e = d.execution;
  const { raw: _summary, ...info } = executionInfoFromWire(e);
  return {
    ...info,
    ...(e.memo ? { memo: e.memo } : {}),
    searchAttributes: e.searchAttributes ?? {},
    typedSearchAttributes: new TypedSearchAttributes(e.searchAttributes ?? {}),
    ...(e.parent ? { parentExecution: { workflowId: e.parent.workflowId, runId: e.parent.runId } } : {}),
    staticSummary: staticText(e.userMetadata?.summary),
    staticDetails: staticText(e.userMetadata?.details),
    ...(e.priority ? { priority: { ...e.priority } } : {}),
    attempt: e.attempt,
    firstRunId: e.firstRunId,
    cancelRequested: e.cancelRequested,
    ...(e.lastBuildId ? { lastBuildId: e.lastBuildId } : {}),
    ...(e.typeServed !== undefined ? { typeServed: e.typeServed } : {}),
    pendingActivities: d.pendingActivities,
    pendingChildren: d.pendingChildren,
    pendingTimers: d.pendingTimers,
    ...(d.pendingWorkflowTask ? { pendingWorkflowTask: d.pendingWorkflowTask } : {}),
    raw: d,
  };
}
