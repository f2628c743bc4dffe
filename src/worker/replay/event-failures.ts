/** The failures that history events stand for, as the workflow sees them (activity, child workflow). */
import type { FailureInfo } from '../../common/failure.js';
import type { EventAttributes, HistoryEvent } from '../../protocol/events.js';

export interface ScheduledActivityRef {
  activityType: string;
  activityId: string;
}

export function activityFailure(
  a: ScheduledActivityRef,
  message: string,
  retryState: FailureInfo['retryState'],
  cause: FailureInfo,
): FailureInfo {
  return {
    kind: 'activity',
    message,
    activityType: a.activityType,
    activityId: a.activityId,
    ...(retryState ? { retryState } : {}),
    cause,
  };
}

export function childStartFailureType(cause: string): string {
  return cause === 'WORKFLOW_ALREADY_EXISTS' ? 'WorkflowExecutionAlreadyStarted' : cause;
}

/** The ChildWorkflowFailure a closed child's event stands for, with the cause of its end. */
export function childFailure(namespace: string, ev: HistoryEvent): FailureInfo {
  const a = ev.attributes as EventAttributes['ChildWorkflowExecutionFailed'] &
    Partial<EventAttributes['ChildWorkflowExecutionTerminated']>;
  let cause: FailureInfo;
  let retryState: FailureInfo['retryState'] = 'NON_RETRYABLE_FAILURE';
  switch (ev.eventType) {
    case 'ChildWorkflowExecutionFailed':
      cause = a.failure;
      retryState = a.retryState;
      break;
    case 'ChildWorkflowExecutionCanceled':
      cause = { kind: 'cancelled', message: 'Child workflow cancelled' };
      retryState = 'CANCEL_REQUESTED';
      break;
    case 'ChildWorkflowExecutionTimedOut':
      cause = { kind: 'timeout', message: 'Child workflow timed out', timeoutType: 'START_TO_CLOSE' };
      retryState = 'TIMEOUT';
      break;
    default:
      cause = {
        kind: 'terminated',
        message: a.reason ? `Child workflow terminated: ${a.reason}` : 'Child workflow terminated',
      };
  }
  return {
    kind: 'childWorkflow',
    message: 'Child Workflow execution failed',
    namespace,
    workflowId: a.workflowId,
    runId: a.runId,
    workflowType: a.workflowType,
    retryState,
    cause,
  };
}

export function failureError(f: FailureInfo): Error {
  const e = new Error(f.message);
  e.name = f.type ?? 'Error';
  if (f.stack) e.stack = f.stack;
  return e;
}
