/**
 * Runs that hand over to a next run of the same workflow id, started in the same commit: continue-as-new
 * (the workflow asks), and a retry of the workflow (it failed or its run timed out, and it has a retry policy).
 * The closing run names the next one (newExecutionRunId) so results and describe can follow the chain.
 */
import { newRunId } from '../common/ids.js';
import { decideRetry } from '../common/retry-policy.js';
import type { FailureInfo, RetryState } from '../common/failure.js';
import type { CommandOf } from '../protocol/commands.js';
import { closeRun } from './close.js';
import { nextCronBackoffMs } from './cron.js';
import type { StartRunInput } from './start.js';
import type { ExecutionState } from './state.js';
import type { Transition } from './transition.js';

/** The start of the next run of the chain, carrying over what stays the same across runs. */
function nextRun(
  s: ExecutionState,
  runId: string,
  over: Pick<StartRunInput, 'workflowType' | 'taskQueue' | 'input'> & Partial<StartRunInput>,
): StartRunInput {
  const next: StartRunInput = {
    namespace: s.namespace,
    workflowId: s.workflowId,
    runId,
    firstExecutionRunId: s.firstExecutionRunId,
    continuedExecutionRunId: s.runId,
    workflowTaskTimeoutMs: s.workflowTaskTimeoutMs,
    randomnessSeed: runId,
    attempt: 1,
    ...over,
  };
  if (s.executionDeadline !== undefined) next.executionDeadline = s.executionDeadline;
  if (s.executionTimeoutMs !== undefined) next.workflowExecutionTimeoutMs = s.executionTimeoutMs;
  if (next.workflowRunTimeoutMs === undefined && s.runTimeoutMs !== undefined)
    next.workflowRunTimeoutMs = s.runTimeoutMs;
  if (s.retryPolicy) next.retryPolicy = s.retryPolicy;
  if (next.memo === undefined && s.memo) next.memo = s.memo;
  if (next.searchAttributes === undefined && s.searchAttributes) next.searchAttributes = s.searchAttributes;
  // as Temporal: the chain keeps its priority; its user metadata belongs to the start that gave it
  if (s.priority) next.priority = s.priority;
  if (s.parent) next.parent = s.parent;
  if (s.root) next.root = s.root;
  if (s.scheduleRef) next.scheduleRef = s.scheduleRef;
  if (s.retryInput) next.retryInput = s.retryInput;
  return next;
}

export function continueAsNew(
  t: Transition,
  cmd: CommandOf<'ContinueAsNewWorkflowExecution'>,
  workflowTaskCompletedEventId: number,
): void {
  const s = t.state;
  const runId = newRunId(t.now);
  const workflowTaskTimeoutMs = cmd.workflowTaskTimeoutMs || s.workflowTaskTimeoutMs;
  const workflowRunTimeoutMs = cmd.workflowRunTimeoutMs || s.runTimeoutMs;
  t.writeNow('WorkflowExecutionContinuedAsNew', {
    newExecutionRunId: runId,
    workflowType: cmd.workflowType,
    taskQueue: cmd.taskQueue,
    input: cmd.input,
    ...(workflowRunTimeoutMs ? { workflowRunTimeoutMs } : {}),
    workflowTaskTimeoutMs,
    workflowTaskCompletedEventId,
    ...(cmd.header && Object.keys(cmd.header).length > 0 ? { header: cmd.header } : {}),
  });
  const next = nextRun(s, runId, {
    workflowType: cmd.workflowType,
    taskQueue: cmd.taskQueue,
    input: cmd.input,
    workflowTaskTimeoutMs,
    ...(workflowRunTimeoutMs ? { workflowRunTimeoutMs } : {}),
    ...(cmd.memo ? { memo: cmd.memo } : {}),
    ...(cmd.searchAttributes ? { searchAttributes: cmd.searchAttributes } : {}),
    ...(cmd.header ? { header: cmd.header } : {}),
    ...(cmd.backoffStartIntervalMs ? { firstWorkflowTaskBackoffMs: cmd.backoffStartIntervalMs } : {}),
  });
  // a continued run starts a new retry sequence, with its own input
  if (s.retryPolicy) next.retryInput = cmd.input;
  else delete next.retryInput;
  closeRun(t, { status: 'ContinuedAsNew', newExecutionRunId: runId });
  t.continuation = next;
}

/**
 * A cron workflow's run closes (completed, failed past its retries, or its run timed out): the next run of the
 * chain starts in the same commit, its first workflow task at the schedule's next time (engine/cron.ts). Returns
 * the next run's id, for the close event and the outcome to name, or undefined when this is no cron run, the
 * schedule has no later time or the execution timeout comes first (the chain ends with this run).
 */
export function cronSuccessor(t: Transition, last: { result?: unknown; failure?: FailureInfo }): string | undefined {
  const s = t.state;
  // asked to cancel: the chain ends with this run, however it closes
  if (!s.cron || s.cancelRequested) return undefined;
  const backoffMs = nextCronBackoffMs(s.cron.schedule, s.cron.scheduledTime, t.now);
  if (backoffMs === undefined) return undefined;
  if (s.executionDeadline !== undefined && t.now + backoffMs >= s.executionDeadline) return undefined;
  const runId = newRunId(t.now);
  const next = nextRun(s, runId, {
    workflowType: s.workflowType,
    taskQueue: s.taskQueue,
    input: s.cron.input,
    firstWorkflowTaskBackoffMs: backoffMs,
    cronSchedule: s.cron.schedule,
    ...(last.result !== undefined ? { lastCompletionResult: last.result } : {}),
    ...(last.failure ? { continuedFailure: last.failure } : {}),
  });
  // each cron run starts a new retry sequence
  if (s.retryPolicy) next.retryInput = s.cron.input;
  t.continuation = next;
  return runId;
}

/**
 * The run failed (or its run timed out): with a retry policy that allows another attempt, the run closes
 * naming its successor, which starts after the backoff, and this returns 'retried'. Otherwise nothing is
 * written and it returns the retry state the run closes with.
 */
export function retryWorkflow(
  t: Transition,
  how: { status: 'Failed'; failure: FailureInfo; workflowTaskCompletedEventId?: number } | { status: 'TimedOut' },
): 'retried' | RetryState {
  const s = t.state;
  if (!s.retryPolicy || s.retryInput === undefined)
    return how.status === 'TimedOut' ? 'TIMEOUT' : 'RETRY_POLICY_NOT_SET';
  const failure: FailureInfo =
    how.status === 'Failed'
      ? how.failure
      : { kind: 'timeout', message: 'workflow run timed out', timeoutType: 'START_TO_CLOSE' };
  const d = decideRetry(s.retryPolicy, s.attempt, failure, t.now, s.executionDeadline);
  if (!d.retry)
    return how.status === 'TimedOut' && d.retryState !== 'MAXIMUM_ATTEMPTS_REACHED' ? 'TIMEOUT' : d.retryState;
  const runId = newRunId(t.now);
  if (how.status === 'Failed') {
    t.writeNow('WorkflowExecutionFailed', {
      failure: how.failure,
      retryState: 'IN_PROGRESS',
      ...(how.workflowTaskCompletedEventId !== undefined
        ? { workflowTaskCompletedEventId: how.workflowTaskCompletedEventId }
        : {}),
      newExecutionRunId: runId,
    });
  } else {
    t.writeNow('WorkflowExecutionTimedOut', { retryState: 'IN_PROGRESS', newExecutionRunId: runId });
  }
  const next = nextRun(s, runId, {
    workflowType: s.workflowType,
    taskQueue: s.taskQueue,
    input: s.retryInput,
    attempt: s.attempt + 1,
    firstWorkflowTaskBackoffMs: d.delayMs,
  });
  closeRun(t, {
    status: how.status,
    ...(how.status === 'Failed' ? { failure: how.failure } : {}),
    retryState: 'IN_PROGRESS',
    newExecutionRunId: runId,
  });
  t.continuation = next;
  return 'retried';
}
