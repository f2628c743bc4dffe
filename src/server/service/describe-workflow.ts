/** Describe a run: its summary, what is pending (workflow task, activities, timers) and, once closed, its outcome. */
import type { ExecutionState } from '../../engine/state.js';
import type {
  DescribeWorkflowResponse,
  PendingActivityInfo,
  WorkflowExecutionInfo,
  WorkflowResultResponse,
} from '../../protocol/api.js';
import type { ServerContext } from '../context.js';
import { loadRun } from './resolve-run.js';
import { TypeWorkers } from './type-workers.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function executionInfoOf(s: ExecutionState): WorkflowExecutionInfo {
  return {
    workflowId: s.workflowId,
    runId: s.runId,
    workflowType: s.workflowType,
    taskQueue: s.taskQueue,
    status: s.status,
    startTime: iso(s.startTime),
    ...(s.closeTime !== undefined ? { closeTime: iso(s.closeTime) } : {}),
    historyLength: s.nextEventId - 1,
    ...(s.historySizeBytes !== undefined ? { historySizeBytes: s.historySizeBytes } : {}),
    ...(s.executionTime !== undefined ? { executionTime: iso(s.executionTime) } : {}),
    root: s.root ?? { workflowId: s.workflowId, runId: s.runId },
  };
}

export function outcomeOf(s: ExecutionState): WorkflowResultResponse {
  const o = s.outcome;
  const r: WorkflowResultResponse = { runId: s.runId, status: s.status };
  if (!o) return r;
  if ('result' in o) r.result = o.result;
  if (o.failure) r.failure = o.failure;
  if (o.retryState) r.retryState = o.retryState;
  if (o.newExecutionRunId) r.newExecutionRunId = o.newExecutionRunId;
  if (o.reason !== undefined) r.reason = o.reason;
  return r;
}

export async function describeWorkflow(
  ctx: ServerContext,
  namespace: string,
  workflowId: string,
  runId?: string,
): Promise<DescribeWorkflowResponse> {
  const { state: s } = await loadRun(ctx, namespace, workflowId, runId);
  const pendingActivities: PendingActivityInfo[] = Object.values(s.activities).map((a) => {
    const p: PendingActivityInfo = {
      activityId: a.activityId,
      activityType: a.activityType,
      state: a.cancelRequested
        ? 'CANCEL_REQUESTED'
        : a.state === 'started'
          ? 'STARTED'
          : a.state === 'backoff'
            ? 'BACKOFF'
            : 'SCHEDULED',
      attempt: a.attempt,
      maximumAttempts: a.retryPolicy.maximumAttempts,
      scheduledTime: iso(a.scheduledTime),
      taskQueue: a.taskQueue,
    };
    if (a.startedTime !== undefined) p.lastStartedTime = iso(a.startedTime);
    if (a.lastHeartbeatTime !== undefined) p.lastHeartbeatTime = iso(a.lastHeartbeatTime);
    if (a.heartbeatDetails !== undefined) p.heartbeatDetails = a.heartbeatDetails;
    if (a.lastFailure) p.lastFailure = a.lastFailure;
    if (a.identity) p.lastWorkerIdentity = a.identity;
    return p;
  });
  const out: DescribeWorkflowResponse = {
    execution: {
      ...executionInfoOf(s),
      firstRunId: s.firstExecutionRunId,
      attempt: s.attempt,
      cancelRequested: s.cancelRequested,
      ...(s.memo ? { memo: s.memo } : {}),
      ...(s.searchAttributes ? { searchAttributes: s.searchAttributes } : {}),
      ...(s.lastBuildId ? { lastBuildId: s.lastBuildId } : {}),
      ...(s.parent ? { parent: { workflowId: s.parent.workflowId, runId: s.parent.runId } } : {}),
      ...(s.userMetadata ? { userMetadata: s.userMetadata } : {}),
      ...(s.priority ? { priority: s.priority } : {}),
    },
    pendingActivities,
    pendingTimers: Object.values(s.timers).map((t) => ({ timerId: t.timerId, fireTime: iso(t.fireTime) })),
    pendingChildren: Object.values(s.children ?? {}).map((c) => ({
      workflowId: c.workflowId,
      ...(c.runId !== undefined ? { runId: c.runId } : {}),
      workflowType: c.workflowType,
      initiatedEventId: c.initiatedEventId,
      parentClosePolicy: c.parentClosePolicy,
      state: c.runId !== undefined ? ('STARTED' as const) : ('INITIATED' as const),
    })),
  };
  const wt = s.workflowTask;
  if (wt) {
    out.pendingWorkflowTask = {
      state: wt.state === 'started' ? 'STARTED' : 'SCHEDULED',
      attempt: wt.attempt,
      scheduledTime: iso(wt.scheduledTime),
      ...(wt.startedTime !== undefined ? { startedTime: iso(wt.startedTime) } : {}),
      ...(wt.lastFailure ? { lastFailure: wt.lastFailure } : {}),
    };
  }
  if (s.status !== 'Running') out.result = outcomeOf(s);
  else out.execution.typeServed = await new TypeWorkers(ctx, namespace).served(s.taskQueue, s.workflowType);
  return out;
}
