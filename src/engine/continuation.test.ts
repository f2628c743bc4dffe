/**
 * Continued workflow tasks (engine/continuation.ts): an activity's completion and the workflow task it causes,
 * applied in one transition when history is exactly as the worker predicted, and dropped otherwise.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../protocol/commands.js';
import { completeActivity, getActivity } from './activity.js';
import { prepareContinuation, startContinuedTask, type ContinuationClaim } from './continuation.js';
import { signalWorkflow } from './requests.js';
import { cmd, EngineDriver, T0 } from './test-driver.js';
import { checkInvariants } from './test-invariants.js';
import { completeWorkflowTask } from './workflow-task.js';

const W = 'w1';

/** A run whose first task (on W, sticky) scheduled activity 1, which W has started and now completes. */
function atActivity(): EngineDriver {
  const d = new EngineDriver();
  d.start();
  d.dispatchWorkflowTask(W);
  d.completeWorkflowTask([cmd.activity(1)], { sticky: true }); // 4 WorkflowTaskCompleted, 5 ActivityTaskScheduled
  d.dispatchActivity(1, W);
  d.advance(20);
  return d;
}

function claimOf(d: EngineDriver, extra: Partial<ContinuationClaim> = {}): ContinuationClaim {
  return { basedOnEventId: 3, lastEventId: 5, startedTime: d.now - 1, historySizeBytes: 0, ...extra };
}

/** The activity's completion with the continuation, as complete-tasks.ts applies it; returns what happened. */
function completeWithContinuation(
  d: EngineDriver,
  claim: ContinuationClaim,
  commands: Command[],
  identity = W,
): 'completed' | 'dropped' {
  const startedEventId = d.apply((t) => {
    const continuing = prepareContinuation(t, claim, identity);
    completeActivity(t, getActivity(t, 1), 'done');
    const id = continuing ? startContinuedTask(t, claim, identity) : undefined;
    if (id === undefined) return undefined;
    const started = t.state.workflowTask!.startedEventId;
    completeWorkflowTask(t, { id, commands, identity, sticky: true });
    return started;
  });
  if (startedEventId === undefined) return 'dropped';
  d.completions.set(startedEventId, commands); // what the invariants check command events against
  return 'completed';
}

describe('continued workflow task', () => {
  it('writes the same history as a completion followed by its own workflow task, at the worker clock', () => {
    const continued = atActivity();
    const startedTime = continued.now - 1;
    expect(completeWithContinuation(continued, claimOf(continued, { startedTime }), [cmd.complete('ok')])).toBe(
      'completed',
    );

    const plain = atActivity();
    plain.completeActivity(1, 'done');
    plain.dispatchWorkflowTask(W);
    plain.completeWorkflowTask([cmd.complete('ok')]);

    expect(continued.eventTypes()).toEqual(plain.eventTypes());
    expect(continued.eventTypes(6)).toEqual([
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
    for (const id of [7, 8, 9, 10]) expect(Date.parse(continued.event(id).eventTime)).toBe(startedTime);
    expect(continued.event(9).attributes).toMatchObject({ scheduledEventId: 8, identity: W, historySizeBytes: 0 });
    expect(continued.state.status).toBe('Completed');
    expect(continued.tasks.size).toBe(0);
    expect(continued.timers.size).toBe(0);
    checkInvariants(continued);
  });

  it('chains: the next activity is scheduled and the task after it can be continued again', () => {
    const d = atActivity();
    expect(completeWithContinuation(d, claimOf(d), [cmd.activity(2)])).toBe('completed');
    // 10 WorkflowTaskCompleted, 11 ActivityTaskScheduled: the worker's next claim is based on task 9
    expect(d.state.lastCommandEventId).toBe(11);
    expect(d.state.stickyIdentity).toBe(W);
    d.dispatchActivity(2, W);
    d.advance(5);
    const out = d.apply((t) => {
      const claim = claimOf(d, { basedOnEventId: 9, lastEventId: 11 });
      const ok = prepareContinuation(t, claim, W);
      completeActivity(t, getActivity(t, 2), 'two');
      return ok ? startContinuedTask(t, claim, W) : undefined;
    });
    expect(out).toBeDefined();
    checkInvariants(d);
  });

  it('is dropped when anything else reached history since the worker last saw it', () => {
    const d = atActivity();
    d.apply((t) => signalWorkflow(t, { signalName: 'poke', args: [] }));
    d.dispatchWorkflowTask(W); // the signal's task, answered by nobody yet: a task is outstanding
    expect(completeWithContinuation(d, claimOf(d), [cmd.complete('ok')])).toBe('dropped');
    expect(d.state.status).toBe('Running');
  });

  it('is dropped when history moved on without a task (a lost completion, a signal after it)', () => {
    const d = atActivity();
    // history says 6 events where the worker expects 5
    expect(completeWithContinuation(d, claimOf(d, { lastEventId: 6 }), [cmd.complete('ok')])).toBe('dropped');
    expect(d.eventTypes(6)).toEqual(['ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowTaskScheduled']);
    expect(d.workflowTaskRow()?.stickyIdentity).toBe(W); // scheduled as usual, for the same worker
    checkInvariants(d);
  });

  it('is dropped for another worker, a clock outside [last event, now], or hints that do not agree', () => {
    const cases: Array<[string, (d: EngineDriver) => ContinuationClaim]> = [
      ['another worker', (d) => claimOf(d)],
      ['clock ahead of the server', (d) => claimOf(d, { startedTime: d.now + 1 })],
      ['clock before the last event', (d) => claimOf(d, { startedTime: T0 - 1 })],
      ['more bytes than history has', (d) => claimOf(d, { historySizeBytes: 10 })],
      ['continue-as-new suggested when it is not', (d) => claimOf(d, { suggestContinueAsNew: true })],
      ['a different last completed task', (d) => claimOf(d, { basedOnEventId: 2 })],
    ];
    for (const [name, claim] of cases) {
      const d = atActivity();
      const identity = name === 'another worker' ? 'w2' : W;
      expect(completeWithContinuation(d, claim(d), [cmd.complete('ok')], identity), name).toBe('dropped');
      expect(d.state.status, name).toBe('Running');
      expect(d.state.workflowTask?.state, name).toBe('scheduled');
      checkInvariants(d);
    }
  });
});
