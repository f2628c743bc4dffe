/** Child workflows, requests to other workflows, continue-as-new, workflow retries and history limits. */
import { describe, expect, it } from 'vitest';
import type { Command } from '../protocol/commands.js';
import { childClosed, childStartFailed, childStarted, externalRequestDone } from './children.js';
import { enforceHistoryLimits } from './limits.js';
import { cmd, EngineDriver, T0 } from './test-driver.js';
import { checkInvariants } from './test-invariants.js';

const child = (seq: number, extra: Record<string, unknown> = {}): Command => ({
  type: 'StartChildWorkflowExecution',
  seq,
  workflowId: `child-${seq}`,
  workflowType: 'Child',
  taskQueue: 'q',
  input: [seq],
  ...extra,
});

function parentWithChild(extra: Record<string, unknown> = {}): EngineDriver {
  const d = new EngineDriver();
  d.start();
  d.runWorkflowTask([child(1, extra)]);
  return d;
}

describe('child workflows', () => {
  it('records the initiation and an outbox effect carrying the start request', () => {
    const d = parentWithChild({ workflowRunTimeoutMs: 5000 });
    const initiated = d.lastOfType('StartChildWorkflowExecutionInitiated');
    expect(initiated.attributes).toMatchObject({ seq: 1, workflowId: 'child-1', parentClosePolicy: 'TERMINATE' });
    const effect = d.outbox()['x:child:1'];
    expect(effect).toMatchObject({
      kind: 'startChild',
      seq: 1,
      initiatedEventId: initiated.eventId,
      request: { workflowId: 'child-1', workflowType: 'Child', input: [1], workflowRunTimeoutMs: 5000 },
    });
    expect(d.state.children?.[1]).toMatchObject({ workflowId: 'child-1', initiatedEventId: initiated.eventId });
    checkInvariants(d);
  });

  it('start and close reports write the child events once and wake the parent', () => {
    const d = parentWithChild();
    d.finishOutbox('x:child:1', (t) => expect(childStarted(t, 1, 'child-run')).toBe(true));
    expect(d.lastEventTypes().slice(-2)).toEqual(['ChildWorkflowExecutionStarted', 'WorkflowTaskScheduled']);
    expect(d.outbox()).toEqual({});
    d.apply((t) => expect(childStarted(t, 1, 'child-run')).toBe(true)); // a repeated report: nothing new
    expect(d.ofType('ChildWorkflowExecutionStarted')).toHaveLength(1);
    d.runWorkflowTask([]);
    const initiatedEventId = d.state.children![1]!.initiatedEventId;
    d.apply((t) => childClosed(t, initiatedEventId, 'child-run', { status: 'Completed', result: 7 }));
    d.apply((t) => childClosed(t, initiatedEventId, 'child-run', { status: 'Completed', result: 7 }));
    expect(d.ofType('ChildWorkflowExecutionCompleted').map((e) => e.attributes)).toEqual([
      { initiatedEventId, workflowId: 'child-1', runId: 'child-run', workflowType: 'Child', result: 7 },
    ]);
    expect(d.state.children).toBeUndefined();
    expect(d.workflowTaskRow()).toBeDefined();
    checkInvariants(d);
  });

  it('a close that overtakes the start report writes Started before the close event', () => {
    const d = parentWithChild();
    const initiatedEventId = d.state.children![1]!.initiatedEventId;
    d.apply((t) =>
      childClosed(t, initiatedEventId, 'r', {
        status: 'Failed',
        failure: { kind: 'application', message: 'x' },
        retryState: 'NON_RETRYABLE_FAILURE',
      }),
    );
    expect(d.lastEventTypes().slice(-3)).toEqual([
      'ChildWorkflowExecutionStarted',
      'ChildWorkflowExecutionFailed',
      'WorkflowTaskScheduled',
    ]);
    // the start effect comes later: it no longer finds the child
    d.finishOutbox('x:child:1', (t) => expect(childStarted(t, 1, 'r')).toBe(false));
    expect(d.ofType('ChildWorkflowExecutionStarted')).toHaveLength(1);
  });

  it('reports that arrive while a workflow task runs are buffered behind it', () => {
    const d = new EngineDriver();
    d.start();
    d.runWorkflowTask([child(1), cmd.timer(1, 1000)]);
    d.advanceBy(1000);
    d.dispatchWorkflowTask();
    d.finishOutbox('x:child:1', (t) => childStarted(t, 1, 'r'));
    expect(d.ofType('ChildWorkflowExecutionStarted')).toHaveLength(0);
    d.completeWorkflowTask([cmd.timer(2, 1000)]);
    expect(d.lastEventTypes().slice(-4)).toEqual([
      'WorkflowTaskCompleted',
      'TimerStarted',
      'ChildWorkflowExecutionStarted',
      'WorkflowTaskScheduled',
    ]);
    checkInvariants(d);
  });

  it('a failed start is reported once', () => {
    const d = parentWithChild();
    d.finishOutbox('x:child:1', (t) => childStartFailed(t, 1, 'WORKFLOW_ALREADY_EXISTS', 'taken'));
    expect(d.lastOfType('StartChildWorkflowExecutionFailed').attributes).toMatchObject({
      workflowId: 'child-1',
      cause: 'WORKFLOW_ALREADY_EXISTS',
    });
    expect(d.state.children).toBeUndefined();
  });

  it('on close, started children get their parent close policy; abandoned and unstarted ones do not', () => {
    const d = new EngineDriver();
    d.start();
    d.runWorkflowTask([
      child(1),
      child(2, { parentClosePolicy: 'REQUEST_CANCEL' }),
      child(3, { parentClosePolicy: 'ABANDON' }),
      child(4),
    ]);
    for (const seq of [1, 2, 3]) d.finishOutbox(`x:child:${seq}`, (t) => childStarted(t, seq, `run-${seq}`));
    d.runWorkflowTask([cmd.complete()]);
    expect(d.closed).toBe(true);
    expect(d.outbox()).toEqual({
      'x:child:4': expect.objectContaining({ kind: 'startChild' }) as unknown,
      'x:close-child:1': { kind: 'closeChild', workflowId: 'child-1', runId: 'run-1', policy: 'TERMINATE' },
      'x:close-child:2': { kind: 'closeChild', workflowId: 'child-2', runId: 'run-2', policy: 'REQUEST_CANCEL' },
    });
    // the rows outlive the run
    expect([...d.timers.keys()].sort()).toEqual(['x:child:4', 'x:close-child:1', 'x:close-child:2']);
  });

  it("a child's close is reported to its parent unless it continues (continue-as-new or a retry)", () => {
    const parent = { namespace: 'default', workflowId: 'p', runId: 'p-run', initiatedEventId: 5 };
    const d = new EngineDriver();
    d.start({ parent });
    expect(d.event(1).attributes).toMatchObject({
      parentWorkflowExecution: { workflowId: 'p', runId: 'p-run' },
      parentInitiatedEventId: 5,
    });
    d.runWorkflowTask([{ type: 'ContinueAsNewWorkflowExecution', workflowType: 'Flow', taskQueue: 'q', input: [2] }]);
    expect(d.outbox()).toEqual({});
    expect(d.last?.continuation?.parent).toEqual(parent);

    const d2 = new EngineDriver();
    d2.start({ parent });
    d2.runWorkflowTask([cmd.complete(3)]);
    expect(d2.outbox()).toEqual({
      'x:parent': { kind: 'notifyParent', parent, outcome: { status: 'Completed', result: 3 } },
    });
  });
});

describe('signal and cancel requests to other workflows', () => {
  it('record the initiation, then the outcome once', () => {
    const d = new EngineDriver();
    d.start();
    d.runWorkflowTask([
      { type: 'SignalExternalWorkflowExecution', seq: 1, workflowId: 'other', signalName: 'go', input: [1] },
      { type: 'RequestCancelExternalWorkflowExecution', seq: 1, workflowId: 'other' },
    ]);
    expect(Object.keys(d.outbox()).sort()).toEqual(['x:cancel:1', 'x:signal:1']);
    d.finishOutbox('x:signal:1', (t) => externalRequestDone(t, 'signal', 1, { runId: 'o-run' }));
    d.finishOutbox('x:cancel:1', (t) =>
      externalRequestDone(t, 'cancel', 1, { cause: 'EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND', message: 'gone' }),
    );
    d.apply((t) => externalRequestDone(t, 'signal', 1, { runId: 'o-run' })); // repeated: ignored
    expect(d.ofType('ExternalWorkflowExecutionSignaled')).toHaveLength(1);
    expect(d.lastOfType('RequestCancelExternalWorkflowExecutionFailed').attributes).toMatchObject({
      workflowId: 'other',
      cause: 'EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND',
    });
    expect(d.state.externals).toBeUndefined();
    checkInvariants(d);
  });
});

describe('continue-as-new', () => {
  it('closes the run as ContinuedAsNew and describes the next run, carrying the chain over', () => {
    const d = new EngineDriver();
    d.start({ workflowExecutionTimeoutMs: 60_000, workflowRunTimeoutMs: 10_000, memo: { a: 1 } });
    d.runWorkflowTask([
      { type: 'ContinueAsNewWorkflowExecution', workflowType: 'Flow', taskQueue: 'q2', input: ['next'] },
    ]);
    expect(d.state.status).toBe('ContinuedAsNew');
    const ev = d.lastOfType('WorkflowExecutionContinuedAsNew');
    const next = d.last!.continuation!;
    expect(ev.attributes.newExecutionRunId).toBe(next.runId);
    expect(d.state.outcome).toEqual({ status: 'ContinuedAsNew', newExecutionRunId: next.runId });
    expect(next).toMatchObject({
      workflowId: 'wf-1',
      firstExecutionRunId: 'run-1',
      continuedExecutionRunId: 'run-1',
      taskQueue: 'q2',
      input: ['next'],
      attempt: 1,
      executionDeadline: T0 + 60_000,
      workflowRunTimeoutMs: 10_000,
      memo: { a: 1 },
    });
    checkInvariants(d);
  });
});

describe('workflow retry policy', () => {
  const retry = {
    initialIntervalMs: 1000,
    backoffCoefficient: 2,
    maximumIntervalMs: 100_000,
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['Fatal'],
  };

  it('a failure with attempts left closes the run as Failed (IN_PROGRESS) and starts the next after the backoff', () => {
    const d = new EngineDriver();
    d.start({ retryPolicy: retry, input: ['in'] });
    d.runWorkflowTask([cmd.fail('first')]);
    expect(d.lastOfType('WorkflowExecutionFailed').attributes).toMatchObject({ retryState: 'IN_PROGRESS' });
    expect(d.state.outcome).toMatchObject({ status: 'Failed', retryState: 'IN_PROGRESS' });
    expect(d.last!.continuation).toMatchObject({ attempt: 2, input: ['in'], firstWorkflowTaskBackoffMs: 1000 });
  });

  it('the last attempt and non-retryable types fail for good', () => {
    const last = new EngineDriver();
    last.start({ retryPolicy: retry, attempt: 3 });
    last.runWorkflowTask([cmd.fail()]);
    expect(last.last!.continuation).toBeUndefined();
    expect(last.state.outcome).toMatchObject({ status: 'Failed', retryState: 'MAXIMUM_ATTEMPTS_REACHED' });

    const fatal = new EngineDriver();
    fatal.start({ retryPolicy: retry });
    fatal.runWorkflowTask([
      { type: 'FailWorkflowExecution', failure: { kind: 'application', message: 'no', type: 'Fatal' } },
    ]);
    expect(fatal.last!.continuation).toBeUndefined();
    expect(fatal.state.outcome).toMatchObject({ status: 'Failed', retryState: 'NON_RETRYABLE_FAILURE' });
  });

  it('a run timeout retries; an execution timeout does not', () => {
    const d = new EngineDriver();
    d.start({ retryPolicy: retry, workflowRunTimeoutMs: 5000 });
    d.advanceBy(5000);
    expect(d.lastOfType('WorkflowExecutionTimedOut').attributes).toMatchObject({ retryState: 'IN_PROGRESS' });
    expect(d.last!.continuation).toMatchObject({ attempt: 2 });

    const e = new EngineDriver();
    e.start({ retryPolicy: retry, workflowExecutionTimeoutMs: 5000 });
    e.advanceBy(5000);
    expect(e.lastOfType('WorkflowExecutionTimedOut').attributes).toMatchObject({ retryState: 'TIMEOUT' });
    expect(e.last!.continuation).toBeUndefined();
  });
});

describe('history limits', () => {
  it('fail a run that reaches them, with a message that says what to do', () => {
    const d = new EngineDriver();
    d.start();
    d.apply((t) => {
      t.limits = { ...t.limits, maxEvents: 3 };
      enforceHistoryLimits(t);
    });
    expect(d.state.status).toBe('Running'); // 2 events so far
    d.apply((t) => {
      t.limits = { ...t.limits, maxEvents: 2 };
      enforceHistoryLimits(t);
    });
    expect(d.state.status).toBe('Failed');
    expect(d.state.outcome?.failure).toMatchObject({ type: 'HistoryLimitExceeded', nonRetryable: true });
    expect(d.state.outcome?.failure?.message).toContain('continueAsNew');
  });

  it('WorkflowTaskStarted suggests continue-as-new past the suggestion threshold', () => {
    const d = new EngineDriver();
    d.start();
    const t = d.apply((t) => t);
    expect(t.limits.suggestContinueAsNewEvents).toBe(10_000);
    d.dispatchWorkflowTask();
    expect(d.lastOfType('WorkflowTaskStarted').attributes.suggestContinueAsNew).toBeUndefined();
  });
});
