/** Starting a run: its first events, its first workflow task, and its run and execution timeouts. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKFLOW_TASK_TIMEOUT_MS } from './start.js';
import { signalWorkflow } from './requests.js';
import { requestUpdate } from './updates.js';
import { keys } from './state.js';
import { EngineDriver, T0 } from './test-driver.js';
import { checkInvariants } from './test-invariants.js';

describe('startRun', () => {
  it('writes WorkflowExecutionStarted and the first WorkflowTaskScheduled, and queues the task', () => {
    const d = new EngineDriver();
    const t = d.start({ input: ['hello'], identity: 'client-1', requestId: 'req-1', memo: { a: 1 } });
    expect(t.closed).toBe(false);
    expect(d.events.map((e) => [e.eventId, e.eventType])).toEqual([
      [1, 'WorkflowExecutionStarted'],
      [2, 'WorkflowTaskScheduled'],
    ]);
    expect(d.event(1).attributes).toEqual({
      workflowType: 'Flow',
      workflowId: 'wf-1',
      taskQueue: 'q',
      input: ['hello'],
      workflowTaskTimeoutMs: DEFAULT_WORKFLOW_TASK_TIMEOUT_MS,
      attempt: 1,
      firstExecutionRunId: 'run-1',
      randomnessSeed: 'seed',
      identity: 'client-1',
      requestId: 'req-1',
      memo: { a: 1 },
    });
    expect(d.event(2).attributes).toEqual({ taskQueue: 'q', startToCloseTimeoutMs: 10_000, attempt: 1 });
    expect(d.event(1).eventTime).toBe(new Date(T0).toISOString());
    expect([...d.tasks.values()]).toEqual([
      {
        runId: 'run-1',
        key: keys.workflowTask(1),
        namespace: 'default',
        taskQueue: 'q',
        kind: 'workflow',
        createdAt: T0,
      },
    ]);
    expect(d.timers.size).toBe(0);
    expect(d.state).toMatchObject({ status: 'Running', nextEventId: 3, startTime: T0, startRequestId: 'req-1' });
    expect(d.state.workflowTask).toMatchObject({
      id: 1,
      attempt: 1,
      state: 'scheduled',
      scheduledEventId: 2,
      transient: false,
    });
    checkInvariants(d);
  });

  it('uses the workflow task timeout it is given', () => {
    const d = new EngineDriver();
    d.start({ workflowTaskTimeoutMs: 3000 });
    expect(d.event(2).attributes).toMatchObject({ startToCloseTimeoutMs: 3000 });
    d.dispatchWorkflowTask();
    expect(d.timers.get(keys.wtStartToClose(1))?.dueAt).toBe(T0 + 3000);
  });

  it('arms the run timeout and the execution timeout', () => {
    const d = new EngineDriver();
    d.start({ workflowRunTimeoutMs: 60_000, workflowExecutionTimeoutMs: 120_000 });
    expect(d.timers.get(keys.runTimeout())?.dueAt).toBe(T0 + 60_000);
    expect(d.timers.get(keys.executionTimeout())?.dueAt).toBe(T0 + 120_000);
    expect(d.state.runDeadline).toBe(T0 + 60_000);
    expect(d.state.executionDeadline).toBe(T0 + 120_000);
    expect(d.event(1).attributes).toMatchObject({
      workflowRunTimeoutMs: 60_000,
      workflowExecutionTimeoutMs: 120_000,
      executionDeadline: T0 + 120_000,
    });
    checkInvariants(d);
  });

  it("counts a run's time from the end of its first workflow task backoff (a retry's), as Temporal", () => {
    const d = new EngineDriver();
    d.start({ workflowRunTimeoutMs: 13, firstWorkflowTaskBackoffMs: 300_000 });
    expect(d.state.runDeadline).toBe(T0 + 300_013);
    expect(d.timers.get(keys.runTimeout())?.dueAt).toBe(T0 + 300_013);
    checkInvariants(d);
  });

  it('drops a run timeout that would fire after the execution timeout', () => {
    const d = new EngineDriver();
    d.start({ workflowRunTimeoutMs: 120_000, workflowExecutionTimeoutMs: 60_000 });
    expect([...d.timers.keys()]).toEqual([keys.executionTimeout()]);
    expect(d.state.runDeadline).toBeUndefined();
  });

  it('keeps the execution deadline of the chain it continues (continue-as-new)', () => {
    const d = new EngineDriver(T0 + 50_000);
    d.start({
      executionDeadline: T0 + 90_000,
      continuedExecutionRunId: 'run-0',
      firstExecutionRunId: 'run-0',
      attempt: 1,
    });
    expect(d.timers.get(keys.executionTimeout())?.dueAt).toBe(T0 + 90_000);
    expect(d.event(1).attributes).toMatchObject({
      continuedExecutionRunId: 'run-0',
      firstExecutionRunId: 'run-0',
      executionDeadline: T0 + 90_000,
    });
    expect(d.state.firstExecutionRunId).toBe('run-0');
  });

  it('holds the first workflow task back for firstWorkflowTaskBackoffMs (cron, retry)', () => {
    const d = new EngineDriver();
    d.start({ firstWorkflowTaskBackoffMs: 30_000 });
    expect(d.event(1).attributes).toMatchObject({ firstWorkflowTaskBackoffMs: 30_000 });
    expect(d.tasks.size).toBe(0);
    expect(d.timers.get(keys.wtRetry(1))?.dueAt).toBe(T0 + 30_000);
    checkInvariants(d);
    d.advanceBy(29_999);
    expect(d.tasks.size).toBe(0);
    d.advanceBy(1);
    expect([...d.tasks.keys()]).toEqual([keys.workflowTask(1)]);
    expect(d.events).toHaveLength(2); // the row appears; nothing more is written
    checkInvariants(d);
  });

  it('an update ends the start backoff at once; a plain signal does not (Temporal)', () => {
    const d = new EngineDriver();
    d.start({ firstWorkflowTaskBackoffMs: 60_000 });
    d.apply((t) => signalWorkflow(t, { signalName: 'poke', args: [] }));
    expect(d.tasks.size).toBe(0);
    expect(d.timers.has(keys.wtRetry(1))).toBe(true);
    d.apply((t) => requestUpdate(t, { updateId: 'u1', name: 'go', args: [] }));
    expect([...d.tasks.keys()]).toEqual([keys.workflowTask(1)]);
    expect(d.timers.has(keys.wtRetry(1))).toBe(false);
    expect(d.state.workflowTask?.startBackoff).toBeUndefined();
    checkInvariants(d);
    // the task then runs as any first task; a second update changes nothing more
    d.apply((t) => requestUpdate(t, { updateId: 'u2', name: 'go', args: [] }));
    expect(d.tasks.size).toBe(1);
    d.dispatchWorkflowTask();
    expect(d.state.workflowTask?.state).toBe('started');
    checkInvariants(d);
  });

  it('the backoff ending by its timer clears the mark: a later update does not enqueue the task again', () => {
    const d = new EngineDriver();
    d.start({ firstWorkflowTaskBackoffMs: 1000 });
    d.advanceBy(1000);
    expect(d.state.workflowTask?.startBackoff).toBeUndefined();
    const added = d.apply((t) => {
      t.endStartBackoff();
      return t.tasksAdded.length;
    });
    expect(added).toBe(0);
    checkInvariants(d);
  });
});
