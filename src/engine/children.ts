/**
 * Child workflows and requests to other workflows, as seen from one run. The run records its intent (an
 * Initiated event) and an outbox effect in the same transition; the server carries the effect out on the
 * other run and reports back through the functions here, which write the outcome events into this run.
 * Every report is idempotent: a report about a child or request the run no longer waits for is ignored.
 */
import { resolveRetryPolicy } from '../common/retry-policy.js';
import type { CommandOf } from '../protocol/commands.js';
import type { EventAttributes } from '../protocol/events.js';
import type { ChildState, CloseOutcome } from './state.js';
import type { Transition } from './transition.js';

export function initiateChild(
  t: Transition,
  cmd: CommandOf<'StartChildWorkflowExecution'>,
  workflowTaskCompletedEventId: number,
): void {
  const s = t.state;
  const retryPolicy = cmd.retryPolicy ? resolveRetryPolicy(cmd.retryPolicy, 'child workflow retry') : undefined;
  const parentClosePolicy = cmd.parentClosePolicy ?? 'TERMINATE';
  const attrs: EventAttributes['StartChildWorkflowExecutionInitiated'] = {
    seq: cmd.seq,
    namespace: s.namespace,
    workflowId: cmd.workflowId,
    workflowType: cmd.workflowType,
    taskQueue: cmd.taskQueue,
    input: cmd.input,
    parentClosePolicy,
    workflowTaskCompletedEventId,
  };
  if (cmd.workflowExecutionTimeoutMs) attrs.workflowExecutionTimeoutMs = cmd.workflowExecutionTimeoutMs;
  if (cmd.workflowRunTimeoutMs) attrs.workflowRunTimeoutMs = cmd.workflowRunTimeoutMs;
  if (cmd.workflowTaskTimeoutMs) attrs.workflowTaskTimeoutMs = cmd.workflowTaskTimeoutMs;
  if (retryPolicy) attrs.retryPolicy = retryPolicy;
  if (cmd.workflowIdReusePolicy) attrs.workflowIdReusePolicy = cmd.workflowIdReusePolicy;
  if (cmd.header && Object.keys(cmd.header).length > 0) attrs.header = cmd.header;
  if (cmd.cronSchedule) attrs.cronSchedule = cmd.cronSchedule;
  const initiatedEventId = t.writeNow('StartChildWorkflowExecutionInitiated', attrs);
  s.children = {
    ...s.children,
    [cmd.seq]: {
      seq: cmd.seq,
      workflowId: cmd.workflowId,
      workflowType: cmd.workflowType,
      initiatedEventId,
      parentClosePolicy,
    },
  };
  const { seq: _s, namespace: _n, parentClosePolicy: _p, workflowTaskCompletedEventId: _w, ...request } = attrs;
  t.addOutbox(`child:${cmd.seq}`, {
    kind: 'startChild',
    seq: cmd.seq,
    initiatedEventId,
    request: {
      ...request,
      ...(cmd.memo ? { memo: cmd.memo } : {}),
      ...(cmd.searchAttributes ? { searchAttributes: cmd.searchAttributes } : {}),
      ...(cmd.userMetadata ? { userMetadata: cmd.userMetadata } : {}),
      // as Temporal: a child without a priority of its own takes its parent's
      ...(cmd.priority || s.priority ? { priority: cmd.priority ?? s.priority } : {}),
    },
  });
}

function childBySeq(t: Transition, seq: number): ChildState | undefined {
  return t.state.children?.[seq];
}

function childByInitiated(t: Transition, initiatedEventId: number): ChildState | undefined {
  return Object.values(t.state.children ?? {}).find((c) => c.initiatedEventId === initiatedEventId);
}

function putChild(t: Transition, c: ChildState): void {
  t.state.children = { ...t.state.children, [c.seq]: c };
}

function dropChild(t: Transition, seq: number): void {
  const { [seq]: _gone, ...rest } = t.state.children ?? {};
  if (Object.keys(rest).length > 0) t.state.children = rest;
  else delete t.state.children;
}

/** The child run exists. Returns false when this run no longer waits for it (closed, or not its child). */
export function childStarted(t: Transition, seq: number, runId: string): boolean {
  const c = childBySeq(t, seq);
  if (t.state.status !== 'Running' || !c) return false;
  if (c.runId !== undefined) return c.runId === runId;
  putChild(t, { ...c, runId });
  t.event('ChildWorkflowExecutionStarted', {
    initiatedEventId: c.initiatedEventId,
    workflowId: c.workflowId,
    runId,
    workflowType: c.workflowType,
  });
  t.scheduleWorkflowTaskIfNeeded();
  return true;
}

/** The child could not be started (its workflow id is taken, say). */
export function childStartFailed(t: Transition, seq: number, cause: string, message: string): void {
  const c = childBySeq(t, seq);
  if (t.state.status !== 'Running' || !c || c.runId !== undefined) return;
  dropChild(t, seq);
  t.event('StartChildWorkflowExecutionFailed', {
    initiatedEventId: c.initiatedEventId,
    workflowId: c.workflowId,
    workflowType: c.workflowType,
    cause,
    message,
  });
  t.scheduleWorkflowTaskIfNeeded();
}

/** A child run closed (the last of its chain): the parent hears how. */
export function childClosed(t: Transition, initiatedEventId: number, runId: string, outcome: CloseOutcome): void {
  const c = childByInitiated(t, initiatedEventId);
  if (t.state.status !== 'Running' || !c) return;
  // the close overtook the start report: the started event comes first all the same
  if (c.runId === undefined)
    t.event('ChildWorkflowExecutionStarted', {
      initiatedEventId,
      workflowId: c.workflowId,
      runId,
      workflowType: c.workflowType,
    });
  dropChild(t, c.seq);
  const ref = { initiatedEventId, workflowId: c.workflowId, runId, workflowType: c.workflowType };
  switch (outcome.status) {
    case 'Completed':
      t.event('ChildWorkflowExecutionCompleted', {
        ...ref,
        ...(outcome.result === undefined ? {} : { result: outcome.result }),
      });
      break;
    case 'Failed':
      t.event('ChildWorkflowExecutionFailed', {
        ...ref,
        failure: outcome.failure ?? { kind: 'application', message: 'child workflow failed' },
        retryState: outcome.retryState ?? 'RETRY_POLICY_NOT_SET',
      });
      break;
    case 'Cancelled':
      t.event('ChildWorkflowExecutionCanceled', ref);
      break;
    case 'TimedOut':
      t.event('ChildWorkflowExecutionTimedOut', { ...ref, retryState: outcome.retryState ?? 'TIMEOUT' });
      break;
    case 'Terminated':
      t.event('ChildWorkflowExecutionTerminated', {
        ...ref,
        ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      });
      break;
    case 'ContinuedAsNew':
      return; // not a close of the chain
  }
  t.scheduleWorkflowTaskIfNeeded();
}

/**
 * The run closes: its open children get what their parent close policy says, and its own parent (if it is a
 * child, and this is the last run of its chain) hears how it ended.
 */
export function outboxOnClose(t: Transition, outcome: CloseOutcome): void {
  const s = t.state;
  for (const c of Object.values(s.children ?? {})) {
    if (c.parentClosePolicy === 'ABANDON') continue;
    // not started yet: its start effect sees this run closed and applies the policy once the child exists
    if (c.runId === undefined) continue;
    t.addOutbox(`close-child:${c.seq}`, {
      kind: 'closeChild',
      workflowId: c.workflowId,
      runId: c.runId,
      policy: c.parentClosePolicy,
    });
  }
  delete s.children;
  delete s.externals;
  if (s.parent && outcome.newExecutionRunId === undefined)
    t.addOutbox('parent', { kind: 'notifyParent', parent: s.parent, outcome });
  if (s.scheduleRef && outcome.newExecutionRunId === undefined)
    t.addOutbox('schedule', { kind: 'notifySchedule', scheduleRef: s.scheduleRef, status: outcome.status });
}

// ---- signal and cancel requests to other workflows ----

export function initiateSignalExternal(
  t: Transition,
  cmd: CommandOf<'SignalExternalWorkflowExecution'>,
  workflowTaskCompletedEventId: number,
): void {
  const initiatedEventId = t.writeNow('SignalExternalWorkflowExecutionInitiated', {
    seq: cmd.seq,
    workflowId: cmd.workflowId,
    ...(cmd.runId ? { runId: cmd.runId } : {}),
    signalName: cmd.signalName,
    input: cmd.input,
    ...(cmd.childWorkflowOnly ? { childWorkflowOnly: true } : {}),
    workflowTaskCompletedEventId,
    ...(cmd.header && Object.keys(cmd.header).length > 0 ? { header: cmd.header } : {}),
  });
  t.state.externals = { ...t.state.externals, [`signal:${cmd.seq}`]: { workflowId: cmd.workflowId, initiatedEventId } };
  t.addOutbox(`signal:${cmd.seq}`, {
    kind: 'signalExternal',
    seq: cmd.seq,
    initiatedEventId,
    workflowId: cmd.workflowId,
    ...(cmd.runId ? { runId: cmd.runId } : {}),
    signalName: cmd.signalName,
    input: cmd.input,
    ...(cmd.childWorkflowOnly ? { childWorkflowOnly: true } : {}),
    ...(cmd.header && Object.keys(cmd.header).length > 0 ? { header: cmd.header } : {}),
  });
}

export function initiateCancelExternal(
  t: Transition,
  cmd: CommandOf<'RequestCancelExternalWorkflowExecution'>,
  workflowTaskCompletedEventId: number,
): void {
  const initiatedEventId = t.writeNow('RequestCancelExternalWorkflowExecutionInitiated', {
    seq: cmd.seq,
    workflowId: cmd.workflowId,
    ...(cmd.runId ? { runId: cmd.runId } : {}),
    ...(cmd.childWorkflowOnly ? { childWorkflowOnly: true } : {}),
    workflowTaskCompletedEventId,
  });
  t.state.externals = { ...t.state.externals, [`cancel:${cmd.seq}`]: { workflowId: cmd.workflowId, initiatedEventId } };
  t.addOutbox(`cancel:${cmd.seq}`, {
    kind: 'cancelExternal',
    seq: cmd.seq,
    initiatedEventId,
    workflowId: cmd.workflowId,
    ...(cmd.runId ? { runId: cmd.runId } : {}),
    ...(cmd.childWorkflowOnly ? { childWorkflowOnly: true } : {}),
  });
}

/** The outcome of a signal or cancel request to another workflow (failure: why it could not be delivered). */
export function externalRequestDone(
  t: Transition,
  kind: 'signal' | 'cancel',
  seq: number,
  outcome: { runId: string } | { cause: string; message: string },
): void {
  const key = `${kind}:${seq}`;
  const ext = t.state.externals?.[key];
  if (t.state.status !== 'Running' || !ext) return;
  const { [key]: _done, ...rest } = t.state.externals!;
  if (Object.keys(rest).length > 0) t.state.externals = rest;
  else delete t.state.externals;
  const base = { initiatedEventId: ext.initiatedEventId, workflowId: ext.workflowId };
  if ('runId' in outcome) {
    if (kind === 'signal') t.event('ExternalWorkflowExecutionSignaled', { ...base, runId: outcome.runId });
    else t.event('ExternalWorkflowExecutionCancelRequested', { ...base, runId: outcome.runId });
  } else if (kind === 'signal') {
    t.event('SignalExternalWorkflowExecutionFailed', { ...base, cause: outcome.cause, message: outcome.message });
  } else {
    t.event('RequestCancelExternalWorkflowExecutionFailed', {
      ...base,
      cause: outcome.cause,
      message: outcome.message,
    });
  }
  t.scheduleWorkflowTaskIfNeeded();
}
