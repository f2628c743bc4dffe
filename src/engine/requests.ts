/** Requests from outside the workflow: cancel, terminate, and the run's own timeouts. */
import { ApiError } from '../common/api-error.js';
import type { Headers } from '../common/interceptors.js';
import { closeRun } from './close.js';
import { cronSuccessor, retryWorkflow } from './continue-as-new.js';
import type { Transition } from './transition.js';

function requireRunning(t: Transition): void {
  if (t.state.status !== 'Running')
    throw new ApiError(
      'WORKFLOW_NOT_RUNNING',
      `workflow ${t.state.workflowId} (run ${t.state.runId}) is ${t.state.status}`,
    );
}

/** Asks the workflow to cancel itself; a second request is a no-op. */
export function requestCancelWorkflow(t: Transition, input: { reason?: string; identity?: string }): void {
  requireRunning(t);
  if (t.state.cancelRequested) return;
  t.state.cancelRequested = true;
  t.event('WorkflowExecutionCancelRequested', {
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.identity !== undefined ? { identity: input.identity } : {}),
  });
  t.scheduleWorkflowTaskIfNeeded();
}

const SIGNAL_REQUEST_IDS_KEPT = 1000;

/** Delivers a signal (once per request id); the workflow sees it in its next workflow task, in order. */
export function signalWorkflow(
  t: Transition,
  input: { signalName: string; args: unknown[]; identity?: string; requestId?: string; header?: Headers },
): void {
  const s = t.state;
  // a retry of a signal already applied is answered as it was, even once the run has closed
  if (input.requestId && s.signalRequestIds?.includes(input.requestId)) return;
  requireRunning(t);
  if (input.requestId) {
    s.signalRequestIds = [...(s.signalRequestIds ?? []), input.requestId].slice(-SIGNAL_REQUEST_IDS_KEPT);
  }
  t.event('WorkflowExecutionSignaled', {
    signalName: input.signalName,
    input: input.args,
    ...(input.identity !== undefined ? { identity: input.identity } : {}),
    ...(input.requestId !== undefined ? { requestId: input.requestId } : {}),
    ...(input.header && Object.keys(input.header).length > 0 ? { header: input.header } : {}),
  });
  t.scheduleWorkflowTaskIfNeeded();
}

export function terminateWorkflow(
  t: Transition,
  input: { reason?: string; identity?: string; details?: unknown },
): void {
  requireRunning(t);
  t.writeNow('WorkflowExecutionTerminated', {
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.identity !== undefined ? { identity: input.identity } : {}),
    ...(input.details !== undefined ? { details: input.details } : {}),
  });
  closeRun(t, { status: 'Terminated', ...(input.reason !== undefined ? { reason: input.reason } : {}) });
}

/** The run or execution timeout fired. */
export function workflowTimedOut(t: Transition, kind: 'run' | 'execution'): void {
  if (t.state.status !== 'Running') return;
  const retryState = kind === 'run' ? retryWorkflow(t, { status: 'TimedOut' }) : 'TIMEOUT';
  if (retryState === 'retried') return;
  // a cron chain goes on after a run timeout (the execution timeout ends it)
  const cronRunId = kind === 'run' ? cronSuccessor(t, {}) : undefined;
  const next = cronRunId ? { newExecutionRunId: cronRunId } : {};
  t.writeNow('WorkflowExecutionTimedOut', { retryState, ...next });
  closeRun(t, { status: 'TimedOut', retryState, ...next });
}
