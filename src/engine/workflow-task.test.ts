/**
 * Workflow tasks: dispatch, completion, failure and timeout; transient retries; events buffered behind a
 * started task; sticky routing and its fallback; rejected commands; eager activity and workflow task dispatch.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../common/api-error.js';
import { keys } from './state.js';
import { DEFAULT_STICKY_SCHEDULE_TO_START_MS } from './transition.js';
import { cmd, EngineDriver, T0, takeEagerWorkflowTask } from './test-driver.js';
import { checkInvariants } from './test-invariants.js';
import { fireTimer } from './timers.js';
import { startWorkflowTask, WORKFLOW_TASK_RETRY_MAX_DELAY_MS } from './workflow-task.js';

function started(): EngineDriver {
  const d = new EngineDriver();
  d.start();
  return d;
}

function expectTaskNotFound(fn: () => unknown): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe('TASK_NOT_FOUND');
}

describe('dispatch', () => {
  it('writes WorkflowTaskStarted, removes the row and arms the start-to-close timeout', () => {
    const d = started();
    d.advance(250);
    const r = d.dispatchWorkflowTask('w1');
    expect(r).toEqual({ id: 1, attempt: 1, identity: 'w1', startedEventId: 3, transientEvents: [] });
    expect(d.event(3)).toMatchObject({
      eventType: 'WorkflowTaskStarted',
      attributes: { scheduledEventId: 2, identity: 'w1' },
    });
    expect(d.tasks.size).toBe(0);
    expect(d.timers.get(keys.wtStartToClose(1))?.dueAt).toBe(T0 + 250 + 10_000);
    expect(d.state.workflowTask).toMatchObject({
      state: 'started',
      startedEventId: 3,
      identity: 'w1',
      startedTime: T0 + 250,
    });
    checkInvariants(d);
  });

  it('refuses a task that is not scheduled (a second poll of the same row)', () => {
    const d = started();
    d.dispatchWorkflowTask('w1');
    expectTaskNotFound(() => d.apply((t) => startWorkflowTask(t, 1, 'w2')));
    expectTaskNotFound(() => d.apply((t) => startWorkflowTask(t, 7, 'w2')));
    expect(d.state.workflowTask?.identity).toBe('w1');
  });
});

describe('complete', () => {
  it('writes WorkflowTaskCompleted, clears the timeout and remembers the build and the started event', () => {
    const d = started();
    d.dispatchWorkflowTask('w1');
    d.completeWorkflowTask([], { buildId: 'b-7' });
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskCompleted']);
    expect(d.event(4).attributes).toEqual({ scheduledEventId: 2, startedEventId: 3, identity: 'w1', buildId: 'b-7' });
    expect(d.timers.size).toBe(0);
    expect(d.state.workflowTask).toBeUndefined();
    expect(d.state.lastCompletedStartedEventId).toBe(3);
    expect(d.state.lastBuildId).toBe('b-7');
    checkInvariants(d);
  });

  it('rejects a completion for a task that is not started, or no longer exists', () => {
    const d = started();
    expectTaskNotFound(() => d.completeWorkflowTask([], {}, 1)); // scheduled, not started
    d.dispatchWorkflowTask();
    expectTaskNotFound(() => d.completeWorkflowTask([], {}, 2)); // unknown id
    d.completeWorkflowTask([cmd.timer(1, 1000)]);
    expectTaskNotFound(() => d.completeWorkflowTask([], {}, 1)); // a duplicate, late completion
    expectTaskNotFound(() => d.failWorkflowTask(undefined, 1));
    expect(d.eventTypes(5)).toEqual(['TimerStarted']);
  });

  it('writes the command events right after WorkflowTaskCompleted, in command order', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 5000), cmd.activity(1), cmd.activity(2), cmd.timer(2, 100)]);
    expect(d.eventTypes(4)).toEqual([
      'WorkflowTaskCompleted',
      'TimerStarted',
      'ActivityTaskScheduled',
      'ActivityTaskScheduled',
      'TimerStarted',
    ]);
    for (const ev of d.events.slice(4)) expect(ev.attributes).toMatchObject({ workflowTaskCompletedEventId: 4 });
    checkInvariants(d);
  });
});

describe('failure and transient retries', () => {
  it('writes WorkflowTaskFailed, then retries as a transient task after 1 s, with no events', () => {
    const d = started();
    d.dispatchWorkflowTask('w1');
    const failure = { kind: 'application' as const, message: 'nondeterminism', type: 'DeterminismViolationError' };
    d.failWorkflowTask(failure);
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskFailed']);
    expect(d.event(4).attributes).toEqual({
      scheduledEventId: 2,
      startedEventId: 3,
      cause: 'WORKFLOW_WORKER_UNHANDLED_FAILURE',
      failure,
      identity: 'w1',
    });
    expect(d.state.workflowTask).toMatchObject({
      id: 2,
      attempt: 2,
      state: 'scheduled',
      transient: true,
      lastFailure: failure,
    });
    expect(d.tasks.size).toBe(0); // backing off
    expect(d.timers.get(keys.wtRetry(2))?.dueAt).toBe(d.now + 1000);
    checkInvariants(d);

    d.advanceBy(1000);
    expect([...d.tasks.keys()]).toEqual([keys.workflowTask(2)]);
    const before = d.events.length;
    const r = d.dispatchWorkflowTask('w2');
    expect(d.events).toHaveLength(before); // a transient start writes nothing
    expect(r.startedEventId).toBe(6);
    expect(r.transientEvents.map((e) => [e.eventId, e.eventType, e.attributes])).toEqual([
      [5, 'WorkflowTaskScheduled', { taskQueue: 'q', startToCloseTimeoutMs: 10_000, attempt: 2 }],
      [
        6,
        'WorkflowTaskStarted',
        { scheduledEventId: 5, identity: 'w2', historySizeBytes: expect.any(Number) as number },
      ],
    ]);
    checkInvariants(d);

    // completing it writes the transient events, with the ids it announced, then the completion
    d.advance(300);
    d.completeWorkflowTask([cmd.complete()]);
    expect(d.events.slice(4).map((e) => [e.eventId, e.eventType])).toEqual([
      [5, 'WorkflowTaskScheduled'],
      [6, 'WorkflowTaskStarted'],
      [7, 'WorkflowTaskCompleted'],
      [8, 'WorkflowExecutionCompleted'],
    ]);
    expect(d.event(5).eventTime).toBe(r.transientEvents[0]!.eventTime);
    expect(d.event(6).eventTime).toBe(new Date(T0 + 1000).toISOString()); // when it was dispatched, not completed
    expect(d.event(7).attributes).toMatchObject({ scheduledEventId: 5, startedEventId: 6 });
    checkInvariants(d);
  });

  it('backs off 1 s, 2 s, 4 s, ... up to 30 s between attempts, and failed transient attempts write nothing', () => {
    const d = started();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      d.dispatchWorkflowTask();
      d.failWorkflowTask();
      const row = d.timers.get(keys.wtRetry(d.state.workflowTask!.id))!;
      delays.push(row.dueAt - d.now);
      d.advanceTo(row.dueAt);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, WORKFLOW_TASK_RETRY_MAX_DELAY_MS, 30_000, 30_000]);
    expect(d.eventTypes()).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskFailed',
    ]);
    expect(d.state.workflowTask?.attempt).toBe(9);
    checkInvariants(d);
  });

  it('a start-to-close timeout writes WorkflowTaskTimedOut and retries at once (transient)', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.advanceBy(10_000);
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskTimedOut']);
    expect(d.event(4).attributes).toEqual({ scheduledEventId: 2, startedEventId: 3, timeoutType: 'START_TO_CLOSE' });
    expect([...d.tasks.keys()]).toEqual([keys.workflowTask(2)]);
    expect(d.state.workflowTask).toMatchObject({ attempt: 2, transient: true });
    expect(d.state.workflowTask?.lastFailure).toMatchObject({ kind: 'timeout', timeoutType: 'START_TO_CLOSE' });
    // the transient attempt times out too: nothing written, attempt 3
    d.dispatchWorkflowTask();
    d.advanceBy(10_000);
    expect(d.events).toHaveLength(4);
    expect(d.state.workflowTask).toMatchObject({ attempt: 3, transient: true, state: 'scheduled' });
    // the late worker of attempt 1 is refused
    expectTaskNotFound(() => d.completeWorkflowTask([], {}, 1));
    checkInvariants(d);
  });

  it('a timer firing for a task that was already completed does nothing', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 60_000)]);
    const before = structuredClone(d.state);
    // a stale row (a crash between the commit and the in-memory timer removal) fires: a no-op
    for (const key of [keys.wtStartToClose(1), keys.wtStickyScheduleToStart(1), keys.wtRetry(1)]) {
      const t = d.apply((tr) => (fireTimer(tr, key), tr));
      expect(t.events.length + t.tasksAdded.length + t.timersAdded.length).toBe(0);
    }
    expect(d.state).toEqual(before);
  });
});

describe('events buffered behind a started task', () => {
  it('an activity outcome waits for the task, then follows its command events; a new task is scheduled', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.activity(1)]);
    d.dispatchActivity(1, 'aw');
    d.completeActivity(1, 'r1'); // WT 2 is scheduled
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.activity(2), cmd.activity(3)]);
    d.dispatchActivity(2, 'aw');
    d.dispatchActivity(3, 'aw');
    d.completeActivity(2, 'r2');
    d.dispatchWorkflowTask();
    const startedId = d.state.workflowTask!.startedEventId!;
    d.advance(100);
    const completedAt = d.now;
    d.completeActivity(3, 'r3'); // buffered: the task is started
    expect(d.events).toHaveLength(startedId);
    expect(d.state.bufferedEvents.map((b) => b.eventType)).toEqual(['ActivityTaskStarted', 'ActivityTaskCompleted']);
    checkInvariants(d);
    d.advance(200);
    d.completeWorkflowTask([cmd.timer(1, 1000)]);
    expect(d.eventTypes(startedId + 1)).toEqual([
      'WorkflowTaskCompleted',
      'TimerStarted',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'WorkflowTaskScheduled',
    ]);
    const actStarted = d.eventAs(startedId + 3, 'ActivityTaskStarted');
    const actCompleted = d.eventAs(startedId + 4, 'ActivityTaskCompleted');
    expect(actCompleted.attributes).toEqual({
      scheduledEventId: actStarted.attributes.scheduledEventId,
      startedEventId: actStarted.eventId,
      result: 'r3',
      identity: 'aw',
    });
    expect(actStarted.attributes).toEqual({
      scheduledEventId: d.ofType('ActivityTaskScheduled')[2]!.eventId,
      identity: 'aw',
      attempt: 1,
    });
    // buffered events keep the time they happened at
    expect(actCompleted.eventTime).toBe(new Date(completedAt).toISOString());
    expect(d.event(startedId + 1).eventTime).toBe(new Date(completedAt + 200).toISOString());
    checkInvariants(d);
  });

  it('are written after WorkflowTaskFailed when the task fails, and the retry is still transient', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 1000)]);
    d.advanceBy(1000); // TimerFired, WT scheduled
    d.dispatchWorkflowTask();
    d.requestCancel('stop'); // buffered
    d.failWorkflowTask();
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskFailed', 'WorkflowExecutionCancelRequested']);
    expect(d.state.workflowTask).toMatchObject({ attempt: 2, transient: true });
    checkInvariants(d);
  });

  it('redo the task that would close the run, as Temporal (closing would drop them unseen)', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 1000)]);
    d.advanceBy(1000);
    d.dispatchWorkflowTask();
    d.requestCancel();
    const r = d.completeWorkflowTask([cmd.complete('bye')]);
    expect(r.rejected).toContain('redone');
    expect(d.lastEventTypes()).toEqual([
      'WorkflowTaskFailed',
      'WorkflowExecutionCancelRequested',
      'WorkflowTaskScheduled',
    ]);
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.complete('bye')]);
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskCompleted', 'WorkflowExecutionCompleted']);
    expect(d.state.status).toBe('Completed');
    checkInvariants(d);
  });
});

describe('cancelling what already finished while the task ran', () => {
  it('CancelTimer for a timer whose TimerFired is buffered: TimerFired is dropped, TimerCanceled written, no new task', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 5000), cmd.activity(1)]);
    d.dispatchActivity(1);
    d.completeActivity(1);
    d.dispatchWorkflowTask();
    d.advanceBy(5000); // the timer fires while the task runs
    expect(d.state.bufferedEvents.map((b) => b.eventType)).toEqual(['TimerFired']);
    d.completeWorkflowTask([cmd.cancelTimer(1)]);
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskCompleted', 'TimerCanceled']);
    expect(d.last!.events[1]!.attributes).toEqual({
      timerId: '1',
      startedEventId: 5,
      workflowTaskCompletedEventId: d.last!.events[0]!.eventId,
    });
    expect(d.ofType('TimerFired')).toHaveLength(0);
    expect(d.state.workflowTask).toBeUndefined(); // nothing new for the workflow: no task
    expect(d.tasks.size + d.timers.size).toBe(0);
    checkInvariants(d);
  });

  it('…but a task is still scheduled for another buffered event', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.timer(1, 5000), cmd.activity(1)]);
    d.dispatchActivity(1);
    d.requestCancel(); // WT 2 scheduled at once
    d.dispatchWorkflowTask();
    d.advanceBy(5000);
    d.completeActivity(1, 'late');
    d.completeWorkflowTask([cmd.cancelTimer(1)]);
    expect(d.lastEventTypes()).toEqual([
      'WorkflowTaskCompleted',
      'TimerCanceled',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'WorkflowTaskScheduled',
    ]);
    checkInvariants(d);
  });

  it('RequestCancelActivityTask for an activity whose completion is buffered still writes ActivityTaskCancelRequested', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.activity(1), cmd.timer(1, 1000)]);
    d.dispatchActivity(1);
    d.advanceBy(1000); // TimerFired, WT 2
    d.dispatchWorkflowTask();
    d.completeActivity(1, 'done anyway'); // buffered
    d.completeWorkflowTask([cmd.cancelActivity(1)]);
    const completedId = d.lastOfType('WorkflowTaskCompleted').eventId;
    expect(d.eventTypes(completedId)).toEqual([
      'WorkflowTaskCompleted',
      'ActivityTaskCancelRequested',
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'WorkflowTaskScheduled',
    ]);
    expect(d.event(completedId + 1).attributes).toEqual({
      scheduledEventId: 5,
      workflowTaskCompletedEventId: completedId,
    });
    checkInvariants(d);
  });
});

describe('sticky routing', () => {
  function stickyRun(): EngineDriver {
    const d = started();
    d.dispatchWorkflowTask('w1');
    d.completeWorkflowTask([cmd.timer(1, 1000)], { sticky: true });
    expect(d.state.stickyIdentity).toBe('w1');
    d.advanceBy(1000); // TimerFired: WT 2, sticky to w1
    return d;
  }

  it('queues the next task for the worker that holds the run, with a fallback timer', () => {
    const d = stickyRun();
    const row = d.workflowTaskRow()!;
    expect(row).toMatchObject({ key: keys.workflowTask(2), taskQueue: 'q', stickyIdentity: 'w1' });
    expect(d.timers.get(keys.wtStickyScheduleToStart(2))?.dueAt).toBe(d.now + DEFAULT_STICKY_SCHEDULE_TO_START_MS);
    checkInvariants(d);
    d.dispatchWorkflowTask('w1');
    expect(d.timers.has(keys.wtStickyScheduleToStart(2))).toBe(false);
    checkInvariants(d);
  });

  it('falls back to the normal queue when the sticky worker does not take it in time', () => {
    const d = stickyRun();
    const before = d.events.length;
    d.advanceBy(DEFAULT_STICKY_SCHEDULE_TO_START_MS);
    expect(d.events).toHaveLength(before); // re-routed, not timed out
    expect(d.workflowTaskRow()).toMatchObject({ key: keys.workflowTask(2) });
    expect(d.workflowTaskRow()?.stickyIdentity).toBeUndefined();
    expect(d.state.stickyIdentity).toBeUndefined();
    d.dispatchWorkflowTask('w2');
    expect(d.state.workflowTask?.identity).toBe('w2');
    checkInvariants(d);
  });

  it("waits the worker's own sticky schedule-to-start timeout when its completion gives one", () => {
    const d = started();
    d.dispatchWorkflowTask('w1');
    d.completeWorkflowTask([cmd.timer(1, 1000)], { sticky: true, stickyScheduleToStartMs: 300 });
    d.advanceBy(1000);
    expect(d.timers.get(keys.wtStickyScheduleToStart(2))?.dueAt).toBe(d.now + 300);
    d.advanceBy(300);
    expect(d.workflowTaskRow()?.stickyIdentity).toBeUndefined(); // any worker may take it now
    d.dispatchWorkflowTask('w2');
    // a later sticky completion without one goes back to the default
    d.completeWorkflowTask([cmd.timer(2, 10)], { sticky: true, identity: 'w2' });
    d.advanceBy(10);
    expect(d.timers.get(keys.wtStickyScheduleToStart(3))?.dueAt).toBe(d.now + DEFAULT_STICKY_SCHEDULE_TO_START_MS);
    checkInvariants(d);
  });

  it('is dropped when a task fails, and when a completion does not ask for it', () => {
    const d = stickyRun();
    d.dispatchWorkflowTask('w1');
    d.failWorkflowTask();
    expect(d.state.stickyIdentity).toBeUndefined();
    d.advanceBy(1000);
    expect(d.workflowTaskRow()?.stickyIdentity).toBeUndefined();
    d.dispatchWorkflowTask('w2');
    d.completeWorkflowTask([cmd.timer(2, 10)], { sticky: true });
    expect(d.state.stickyIdentity).toBe('w2');
    d.advanceBy(10);
    d.dispatchWorkflowTask('w2');
    d.completeWorkflowTask([cmd.timer(3, 10)], { sticky: false });
    expect(d.state.stickyIdentity).toBeUndefined();
    checkInvariants(d);
  });

  it('an activity completed by the sticky worker can start the next task in the same transition (eager workflow task)', () => {
    const d = started();
    d.dispatchWorkflowTask('w1');
    d.completeWorkflowTask([cmd.activity(1)], { sticky: true });
    d.dispatchActivity(1, 'w1');
    let eager: ReturnType<typeof takeEagerWorkflowTask>;
    d.completeActivity(1, 'x', { then: (t) => (eager = takeEagerWorkflowTask(t, 'w1')) });
    expect(eager!).toMatchObject({ startedEventId: 9, transientEvents: [] });
    expect(d.lastEventTypes()).toEqual([
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
    ]);
    expect(d.tasks.size).toBe(0);
    expect([...d.timers.keys()]).toEqual([keys.wtStartToClose(2)]); // the sticky fallback timer never got written
    expect(d.anomalies).toEqual([]);
    checkInvariants(d);
  });
});

describe('activity ids', () => {
  it('an activity that has not started, cancelled in a task, frees its id for a later command of that task', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.activity(1, { activityId: 'pay' }), cmd.timer(1, 10)]);
    d.advanceBy(10); // the timer's task
    d.dispatchWorkflowTask();
    const r = d.completeWorkflowTask([cmd.cancelActivity(1), cmd.activity(2, { activityId: 'pay' })]);
    expect(r.rejected).toBeUndefined();
    expect(d.state.activities[2]?.activityId).toBe('pay');
    checkInvariants(d);
  });
});

describe('rejected commands fail the task, not the run', () => {
  const cases: [string, Parameters<EngineDriver['completeWorkflowTask']>[0], RegExp][] = [
    ['a terminal command that is not last', [cmd.complete(), cmd.timer(1, 10)], /not the last command/],
    ['two activities with one seq', [cmd.activity(1), cmd.activity(1)], /activity seq 1 is already in use/],
    ['two timers with one seq', [cmd.timer(1, 1), cmd.timer(1, 2)], /timer seq 1 is already in use/],
    [
      'two pending activities with one activity id (as Temporal)',
      [cmd.activity(1, { activityId: 'pay' }), cmd.activity(2, { activityId: 'pay' })],
      /activity id "pay" is already in use/,
    ],

    [
      'an activity without a start-to-close or schedule-to-close timeout',
      [cmd.activity(1, { startToCloseTimeoutMs: undefined })],
      /required/,
    ],
    [
      'an invalid retry policy',
      [cmd.activity(1, { retryPolicy: { initialInterval: 1000, maximumInterval: 10 } })],
      /maximumInterval/,
    ],
  ];
  it.each(cases)('%s', (_name, commands, message) => {
    const d = started();
    d.dispatchWorkflowTask();
    const r = d.completeWorkflowTask(commands);
    expect(r.rejected).toMatch(message);
    expect(r.eagerActivitySeqs).toEqual([]);
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskFailed']);
    expect(d.event(4).attributes).toMatchObject({ cause: 'BAD_COMMAND', failure: { type: 'BadCommand' } });
    expect(d.state.status).toBe('Running');
    expect(d.state.workflowTask).toMatchObject({ attempt: 2, transient: true });
    checkInvariants(d);
  });

  it('a seq already pending from an earlier task', () => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.activity(1), cmd.timer(1, 60_000)]);
    d.requestCancel();
    d.dispatchWorkflowTask();
    expect(d.completeWorkflowTask([cmd.activity(1)]).rejected).toMatch(/activity seq 1/);
    d.advanceBy(1000);
    d.dispatchWorkflowTask();
    expect(d.completeWorkflowTask([cmd.timer(1, 5)]).rejected).toMatch(/timer seq 1/);
    checkInvariants(d);
  });
});

describe('eager activity dispatch', () => {
  it("starts eager activities of the worker's task queue at once, up to its free slots", () => {
    const d = started();
    d.dispatchWorkflowTask('w1');
    const r = d.completeWorkflowTask(
      [
        cmd.activity(1, { eager: true }),
        cmd.activity(2, { eager: true, taskQueue: 'elsewhere' }),
        cmd.activity(3),
        cmd.activity(4, { eager: true, heartbeatTimeoutMs: 2000 }),
        cmd.activity(5, { eager: true }),
      ],
      { eager: { taskQueue: 'q', activitySlots: 2 } },
    );
    expect(r.eagerActivitySeqs).toEqual([1, 4]);
    expect(d.state.activities[1]).toMatchObject({ state: 'started', identity: 'w1', attempt: 1 });
    expect(d.state.activities[4]).toMatchObject({ state: 'started', identity: 'w1' });
    expect([...d.tasks.keys()].sort()).toEqual([
      keys.activityTask(2, 1),
      keys.activityTask(3, 1),
      keys.activityTask(5, 1),
    ]);
    expect(d.timers.get(keys.actStartToClose(1, 1))?.dueAt).toBe(d.now + 10_000);
    expect(d.timers.get(keys.actHeartbeat(4, 1))?.dueAt).toBe(d.now + 2000);
    // no ActivityTaskStarted until the outcome
    expect(d.ofType('ActivityTaskStarted')).toHaveLength(0);
    checkInvariants(d);
  });

  it('hands out nothing when a later command of the same task closes the run', () => {
    const d = started();
    d.dispatchWorkflowTask('w1');
    const r = d.completeWorkflowTask([cmd.activity(1, { eager: true }), cmd.complete()], {
      eager: { taskQueue: 'q', activitySlots: 1 },
    });
    expect(r.eagerActivitySeqs).toEqual([]);
    expect(d.state.status).toBe('Completed');
    checkInvariants(d);
  });

  it('an eager activity cancelled in the same task stays started, and is told so by its heartbeat', () => {
    const d = started();
    d.dispatchWorkflowTask('w1');
    const r = d.completeWorkflowTask([cmd.activity(1, { eager: true }), cmd.cancelActivity(1)], {
      eager: { taskQueue: 'q', activitySlots: 1 },
    });
    expect(r.eagerActivitySeqs).toEqual([1]);
    expect(d.lastEventTypes()).toEqual([
      'WorkflowTaskCompleted',
      'ActivityTaskScheduled',
      'ActivityTaskCancelRequested',
    ]);
    expect(d.heartbeat(1)).toEqual({ cancelRequested: true });
    checkInvariants(d);
  });
});

describe('terminal commands', () => {
  it.each([
    ['CompleteWorkflowExecution', cmd.complete({ ok: 1 }), 'WorkflowExecutionCompleted', 'Completed'],
    ['FailWorkflowExecution', cmd.fail('nope'), 'WorkflowExecutionFailed', 'Failed'],
    ['CancelWorkflowExecution', cmd.cancel(), 'WorkflowExecutionCanceled', 'Cancelled'],
  ] as const)('%s closes the run and drops everything pending', (_n, command, eventType, status) => {
    const d = started();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([cmd.activity(1), cmd.timer(1, 1000)]);
    d.requestCancel();
    d.dispatchWorkflowTask();
    d.completeWorkflowTask([command]);
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskCompleted', eventType]);
    expect(d.last?.closed).toBe(true);
    expect(d.state).toMatchObject({ status, activities: {}, timers: {}, closeTime: d.now });
    expect(d.state.workflowTask).toBeUndefined();
    expect(d.tasks.size + d.timers.size).toBe(0);
    checkInvariants(d);
  });
});
