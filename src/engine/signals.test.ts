/** Signals: written once per request id, buffered behind a running task, and never lost to a closing task. */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../common/api-error.js';
import { signalWorkflow } from './requests.js';
import { cmd, EngineDriver } from './test-driver.js';
import { checkInvariants } from './test-invariants.js';

function started(): EngineDriver {
  const d = new EngineDriver();
  d.start();
  return d;
}

const signal = (d: EngineDriver, n: number, requestId?: string): void =>
  d.apply((t) => signalWorkflow(t, { signalName: 'add', args: [n], ...(requestId ? { requestId } : {}) }));

describe('signals', () => {
  it('writes WorkflowExecutionSignaled and wakes the workflow', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 60_000)]);
    signal(d, 5);
    expect(d.lastEventTypes()).toEqual(['WorkflowExecutionSignaled', 'WorkflowTaskScheduled']);
    expect(d.events.at(-2)?.attributes).toEqual({ signalName: 'add', input: [5] });
    checkInvariants(d);
  });

  it('applies a signal once per request id', () => {
    const d = started();
    signal(d, 1, 'r-1');
    signal(d, 1, 'r-1');
    signal(d, 2, 'r-2');
    expect(d.eventTypes().filter((t) => t === 'WorkflowExecutionSignaled')).toHaveLength(2);
  });

  it('is buffered behind a running workflow task and written after it, in arrival order', () => {
    const d = started();
    d.dispatchWorkflowTask();
    signal(d, 1);
    signal(d, 2);
    expect(d.eventTypes().at(-1)).toBe('WorkflowTaskStarted'); // nothing written yet
    d.completeWorkflowTask([cmd.timer(1, 60_000)]);
    const types = d.eventTypes();
    const signals = d.events
      .filter((e) => e.eventType === 'WorkflowExecutionSignaled')
      .map((e) => (e.attributes as { input: number[] }).input[0]);
    expect(signals).toEqual([1, 2]);
    expect(types.indexOf('TimerStarted')).toBeLessThan(types.indexOf('WorkflowExecutionSignaled'));
    expect(types.at(-1)).toBe('WorkflowTaskScheduled');
    checkInvariants(d);
  });

  it('a task that closes the run while a signal came in is failed and redone at once, with the signal', () => {
    const d = started();
    d.dispatchWorkflowTask();
    signal(d, 7);
    const r = d.completeWorkflowTask([cmd.complete('done')]);
    expect(r.rejected).toContain('signal');
    expect(d.state.status).toBe('Running');
    const failed = d.events.find((e) => e.eventType === 'WorkflowTaskFailed');
    expect(failed?.attributes).toMatchObject({ cause: 'UNHANDLED_COMMAND' });
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskFailed', 'WorkflowExecutionSignaled', 'WorkflowTaskScheduled']);
    expect(d.state.workflowTask).toMatchObject({ attempt: 1, state: 'scheduled' });
    expect(d.workflowTaskRow()).toBeDefined(); // no backoff
    checkInvariants(d);
    // the redone task may close the run
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.complete('done')]);
    expect(d.state.status).toBe('Completed');
  });

  it("any event that came in while a closing task ran redoes it, as Temporal: a child's close, a timer", () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 1000), cmd.activity(1)]);
    d.advanceBy(1000); // the timer fires: a workflow task
    d.dispatchWorkflowTask();
    // while it runs, the activity completes: buffered
    d.dispatchActivity(1);
    d.completeActivity(1, 'late');
    const r = d.completeWorkflowTask([cmd.complete('done')]);
    expect(r.rejected).toContain('redone');
    expect(d.state.status).toBe('Running');
    expect(d.lastEventTypes()).toEqual([
      'WorkflowTaskFailed',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'WorkflowTaskScheduled',
    ]);
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.complete('done')]);
    expect(d.state.status).toBe('Completed');
    expect(d.eventTypes()).toContain('ActivityTaskCompleted');
    checkInvariants(d);
  });

  it('is refused on a closed run', () => {
    const d = started();
    d.terminate();
    expect(() => signal(d, 1)).toThrow(ApiError);
  });

  it('a retry of a signal the run took before it closed is answered as it was, not refused', () => {
    const d = started();
    signal(d, 1, 'req-1');
    d.terminate();
    const before = d.events.length;
    expect(() => signal(d, 1, 'req-1')).not.toThrow();
    expect(d.events.length).toBe(before);
    expect(() => signal(d, 2, 'req-2')).toThrow(ApiError);
  });
});
