/**
 * Temporal's shapes and enums, as a Temporal TypeScript user writes them (only the imports changed to `weft/*`):
 * `describe()` and `list()` items as `WorkflowExecutionDescription` / `WorkflowExecutionInfo` (`status: { code, name }`,
 * Dates), a schedule's `ScheduleDescription`, and every enum Temporal code uses as a value, with Temporal's member
 * names and values, accepted where Temporal accepts it. Over HTTP on a real SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActivityCancellationType as ClientActivityCancellationType,
  RetryState,
  ScheduleOverlapPolicy,
  TimeoutFailure,
  TimeoutType,
  WorkflowExecutionAlreadyStartedError,
  WorkflowExecutionStatus,
  WorkflowFailedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowUpdateStage,
  WorkflowContinuedAsNewError,
  type Client,
  type WorkflowExecutionInfo,
} from 'weft/client';
import {
  ActivityCancellationType,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  RetryState as WorkflowRetryState,
  TimeoutType as WorkflowTimeoutType,
  WorkflowIdConflictPolicy as WorkflowWorkflowIdConflictPolicy,
  WorkflowIdReusePolicy as WorkflowWorkflowIdReusePolicy,
} from 'weft/workflow';
import { RetryState as ActivityRetryState, TimeoutType as ActivityTimeoutType } from 'weft/activity';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';
import { addUpdate, finishSignal } from './fixtures/temporal-shapes.js';

const taskQueue = 'temporal-shapes';
let ts: TestServer;
let client: Client;
let stopWorker: () => Promise<void>;

const activities = {
  async slowActivity(ms: number): Promise<string> {
    await new Promise((r) => setTimeout(r, ms));
    return 'slow';
  },
};

beforeAll(async () => {
  ts = await startTestServer();
  client = ts.client;
  ({ stop: stopWorker } = await startWorker(ts, {
    taskQueue,
    workflowsPath: fixture('temporal-shapes.ts'),
    activities,
  }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

const statusOf = async (workflowId: string, runId?: string) =>
  (await client.workflow.getHandle(workflowId, runId).describe()).status;

describe('WorkflowExecutionDescription', () => {
  it("describe() has Temporal's fields: type, ids, task queue, status { code, name }, Dates, memo", async () => {
    const workflowId = uid('shape-completed');
    const handle = await client.workflow.start('greeting', {
      taskQueue,
      workflowId,
      args: ['Temporal'],
      memo: { team: 'payments' },
    });
    expect(await handle.result()).toBe('Hello, Temporal!');
    const description = await handle.describe();
    expect(description).toMatchObject({
      type: 'greeting',
      workflowId,
      runId: handle.firstExecutionRunId,
      taskQueue,
      status: { code: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, name: 'COMPLETED' },
      memo: { team: 'payments' },
      searchAttributes: {},
    });
    expect(description.status).toEqual({ code: 2, name: 'COMPLETED' });
    expect(description.startTime).toBeInstanceOf(Date);
    expect(description.executionTime).toBeInstanceOf(Date);
    expect(description.closeTime).toBeInstanceOf(Date);
    expect(description.closeTime!.getTime()).toBeGreaterThanOrEqual(description.startTime.getTime());
    expect(description.historyLength).toBeGreaterThanOrEqual(5);
    expect(description.historySize).toBeGreaterThan(0);
    expect(description.parentExecution).toBeUndefined();
    expect(await description.staticSummary()).toBeUndefined();
    expect(await description.staticDetails()).toBeUndefined();
    // the server's own answer, with Weft's state names, stays reachable
    expect(description.raw.execution.status).toBe('Completed');
  });

  it("names every closed status in Temporal's spelling, with Temporal's codes", async () => {
    const failed = await client.workflow.start('failing', { taskQueue, workflowId: uid('shape-failed') });
    const failure = await failed.result().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(Object.values(RetryState)).toContain((failure as WorkflowFailedError).retryState);
    expect(await statusOf(failed.workflowId)).toEqual({ code: 3, name: 'FAILED' });

    const cancelled = await client.workflow.start('sleeper', { taskQueue, workflowId: uid('shape-cancelled') });
    expect(await statusOf(cancelled.workflowId)).toEqual({ code: 1, name: 'RUNNING' });
    await cancelled.cancel();
    await expect(cancelled.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(await statusOf(cancelled.workflowId)).toEqual({ code: 4, name: 'CANCELLED' });

    const terminated = await client.workflow.start('sleeper', { taskQueue, workflowId: uid('shape-terminated') });
    await terminated.terminate('enough');
    expect(await statusOf(terminated.workflowId)).toEqual({ code: 5, name: 'TERMINATED' });

    const timedOut = await client.workflow.start('sleeper', {
      taskQueue,
      workflowId: uid('shape-timed-out'),
      workflowRunTimeout: '1s',
    });
    const timeout = await timedOut.result().catch((e: unknown) => e);
    expect(timeout).toBeInstanceOf(WorkflowFailedError);
    expect((timeout as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
    expect(((timeout as WorkflowFailedError).cause as TimeoutFailure).timeoutType).toBe(TimeoutType.START_TO_CLOSE);
    expect((timeout as WorkflowFailedError).retryState).toBe(RetryState.TIMEOUT);
    expect(await statusOf(timedOut.workflowId)).toEqual({ code: 7, name: 'TIMED_OUT' });

    const continued = await client.workflow.start('continuesOnce', {
      taskQueue,
      workflowId: uid('shape-continued'),
      args: [0],
    });
    expect(await continued.result()).toBe(1);
    expect(await statusOf(continued.workflowId, continued.firstExecutionRunId)).toEqual({
      code: 6,
      name: 'CONTINUED_AS_NEW',
    });
    expect(await statusOf(continued.workflowId)).toEqual({ code: 2, name: 'COMPLETED' });
    // Temporal's getHandle options and WorkflowClient.result: one run only, or the chain from its first run
    const first = continued.firstExecutionRunId!;
    const oneRun = await client.workflow
      .getHandle(continued.workflowId, first, { followRuns: false })
      .result()
      .catch((e: unknown) => e);
    expect(oneRun).toBeInstanceOf(WorkflowContinuedAsNewError);
    expect((oneRun as WorkflowContinuedAsNewError).newExecutionRunId).toMatch(/./);
    expect(await client.workflow.result(continued.workflowId, first)).toBe(1);
    expect(
      await client.workflow.getHandle(continued.workflowId, undefined, { firstExecutionRunId: first }).result(),
    ).toBe(1);
    expect(await client.workflow.result(continued.workflowId, undefined, { followRuns: false })).toBe(1);
  });

  it('a child names its parentExecution; WAIT_CANCELLATION_REQUESTED returns before the child closes', async () => {
    const parentId = uid('shape-parent');
    const childId = uid('shape-child');
    const parent = await client.workflow.start('cancelsChild', { taskQueue, workflowId: parentId, args: [childId] });
    // WAIT_CANCELLATION_REQUESTED: the parent goes on once the child has the request, while the child cleans up
    expect(await parent.result()).toBe('cancellation requested');
    const parentEvents = (await parent.fetchHistory()).events.map((e) => e.eventType);
    expect(parentEvents.indexOf('ExternalWorkflowExecutionCancelRequested')).toBeGreaterThan(0);
    expect(parentEvents.indexOf('ExternalWorkflowExecutionCancelRequested')).toBeLessThan(
      parentEvents.indexOf('WorkflowExecutionCompleted'),
    );
    const child = client.workflow.getHandle(childId);
    expect(await statusOf(childId)).toEqual({ code: 1, name: 'RUNNING' });
    expect((await child.describe()).parentExecution).toEqual({
      workflowId: parentId,
      runId: parent.firstExecutionRunId,
    });
    await child.signal(finishSignal);
    expect(await child.result()).toBe('cleaned up');
  });

  it("workflow code sees Temporal's TimeoutType and RetryState values", async () => {
    const r = await client.workflow.execute('timesOutActivity', { taskQueue, workflowId: uid('shape-timeout') });
    expect(r).toMatchObject({ startToClose: true, known: true });
  });
});

describe('WorkflowExecutionInfo (list items)', () => {
  it("list() yields Temporal's fields, status { code, name } and Dates", async () => {
    const workflowId = uid('shape-listed');
    const handle = await client.workflow.start('greeting', { taskQueue, workflowId, args: ['list'] });
    await handle.result();
    const running = await client.workflow.start('sleepy', { taskQueue, workflowId: uid('shape-listed-running') });
    const items: WorkflowExecutionInfo[] = [];
    for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) items.push(wf);
    expect(items).toHaveLength(1);
    const [wf] = items;
    expect(wf).toMatchObject({
      type: 'greeting',
      workflowId,
      runId: handle.firstExecutionRunId,
      taskQueue,
      status: { code: WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, name: 'COMPLETED' },
    });
    expect(wf!.startTime).toBeInstanceOf(Date);
    expect(wf!.executionTime).toBeInstanceOf(Date);
    expect(wf!.closeTime).toBeInstanceOf(Date);
    expect(wf!.historyLength).toBeGreaterThanOrEqual(5);

    // the query language keeps Weft's state names
    const open: string[] = [];
    for await (const x of client.workflow.list({
      query: `WorkflowId = '${running.workflowId}' AND ExecutionStatus = 'Running'`,
    }))
      open.push(x.status.name);
    expect(open).toEqual(['RUNNING']);
    await running.terminate();
  });
});

describe('ScheduleDescription', () => {
  it("describe() has Temporal's state and info, with an action's workflow under action.workflow", async () => {
    const scheduleId = uid('shape-schedule');
    const handle = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'sleepy', taskQueue },
      policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: '1 minute' },
      state: { note: 'made by the test', remainingActions: 3 },
    });
    let description = await handle.describe();
    expect(description.state).toMatchObject({ paused: false, note: 'made by the test', remainingActions: 3 });
    expect(description.policies).toMatchObject({
      overlap: ScheduleOverlapPolicy.ALLOW_ALL,
      catchupWindow: 60_000,
      pauseOnFailure: false,
    });
    expect(description.info).toMatchObject({
      numActionsTaken: 0,
      numActionsMissedCatchupWindow: 0,
      numActionsSkippedOverlap: 0,
      runningActions: [],
      recentActions: [],
    });
    expect(description.info.nextActionTimes).toHaveLength(3);
    for (const t of description.info.nextActionTimes) expect(t).toBeInstanceOf(Date);
    expect(description.info.createdAt).toBeInstanceOf(Date);
    expect(description.info.lastUpdatedAt).toBeInstanceOf(Date);

    await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
    description = await waitFor(async () => {
      const d = await handle.describe();
      return d.info.runningActions.length === 1 && d.info.recentActions.length === 1 ? d : undefined;
    });
    const [recent] = description.info.recentActions;
    expect(recent!.scheduledAt).toBeInstanceOf(Date);
    expect(recent!.takenAt).toBeInstanceOf(Date);
    expect(recent!.action.type).toBe('startWorkflow');
    const { workflowId, firstExecutionRunId } = recent!.action.workflow;
    expect(description.info.runningActions).toEqual([
      { type: 'startWorkflow', workflow: { workflowId, firstExecutionRunId } },
    ]);
    expect(description.info.numActionsTaken).toBe(1);
    const started = client.workflow.getHandle(workflowId);
    expect(await started.describe()).toMatchObject({
      type: 'sleepy',
      runId: firstExecutionRunId,
      status: { name: 'RUNNING' },
    });

    await started.terminate();
    description = await waitFor(async () => {
      const d = await handle.describe();
      return d.info.runningActions.length === 0 && d.info.recentActions[0]?.status.name === 'TERMINATED'
        ? d
        : undefined;
    });

    await handle.pause('paused by the test');
    expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'paused by the test' });

    // schedule summaries: state, action and info as Temporal's ScheduleSummary
    const summaries = [];
    for await (const s of client.schedule.list()) if (s.scheduleId === scheduleId) summaries.push(s);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      scheduleId,
      state: { paused: true, note: 'paused by the test' },
      action: { type: 'startWorkflow', workflowType: 'sleepy' },
      info: { nextActionTimes: [], recentActions: [{ action: { workflow: { workflowId, firstExecutionRunId } } }] },
    });
    await handle.delete();
  });

  it('update(fn) takes the description as is', async () => {
    const scheduleId = uid('shape-schedule-update');
    const handle = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'greeting', taskQueue, args: ['x'] },
    });
    await handle.update((previous) => ({
      ...previous,
      policies: { ...previous.policies, overlap: ScheduleOverlapPolicy.BUFFER_ONE },
      state: { ...previous.state, note: 'updated' },
    }));
    const d = await handle.describe();
    expect(d.policies.overlap).toBe('BUFFER_ONE');
    expect(d.state.note).toBe('updated');
    expect(d.action).toMatchObject({ workflowType: 'greeting', args: ['x'] });
    await handle.delete();
  });
});

describe("enums as values, with Temporal's member names and values", () => {
  it('TimeoutType and RetryState (from weft/client, weft/workflow and weft/activity)', () => {
    for (const t of [TimeoutType, WorkflowTimeoutType, ActivityTimeoutType])
      expect(t).toEqual({
        START_TO_CLOSE: 'START_TO_CLOSE',
        SCHEDULE_TO_START: 'SCHEDULE_TO_START',
        SCHEDULE_TO_CLOSE: 'SCHEDULE_TO_CLOSE',
        HEARTBEAT: 'HEARTBEAT',
        TIMEOUT_TYPE_START_TO_CLOSE: 'START_TO_CLOSE',
        TIMEOUT_TYPE_SCHEDULE_TO_START: 'SCHEDULE_TO_START',
        TIMEOUT_TYPE_SCHEDULE_TO_CLOSE: 'SCHEDULE_TO_CLOSE',
        TIMEOUT_TYPE_HEARTBEAT: 'HEARTBEAT',
        TIMEOUT_TYPE_UNSPECIFIED: undefined,
      });
    expect(TimeoutType.SCHEDULE_TO_CLOSE).toBe('SCHEDULE_TO_CLOSE');
    for (const r of [RetryState, WorkflowRetryState, ActivityRetryState])
      expect(r).toEqual({
        IN_PROGRESS: 'IN_PROGRESS',
        NON_RETRYABLE_FAILURE: 'NON_RETRYABLE_FAILURE',
        TIMEOUT: 'TIMEOUT',
        MAXIMUM_ATTEMPTS_REACHED: 'MAXIMUM_ATTEMPTS_REACHED',
        RETRY_POLICY_NOT_SET: 'RETRY_POLICY_NOT_SET',
        INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
        CANCEL_REQUESTED: 'CANCEL_REQUESTED',
        RETRY_STATE_IN_PROGRESS: 'IN_PROGRESS',
        RETRY_STATE_NON_RETRYABLE_FAILURE: 'NON_RETRYABLE_FAILURE',
        RETRY_STATE_TIMEOUT: 'TIMEOUT',
        RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED: 'MAXIMUM_ATTEMPTS_REACHED',
        RETRY_STATE_RETRY_POLICY_NOT_SET: 'RETRY_POLICY_NOT_SET',
        RETRY_STATE_INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
        RETRY_STATE_CANCEL_REQUESTED: 'CANCEL_REQUESTED',
        RETRY_STATE_UNSPECIFIED: undefined,
      });
  });

  it("WorkflowExecutionStatus: the protobuf enum's names and numbers", () => {
    expect(WorkflowExecutionStatus).toEqual({
      WORKFLOW_EXECUTION_STATUS_UNSPECIFIED: 0,
      WORKFLOW_EXECUTION_STATUS_RUNNING: 1,
      WORKFLOW_EXECUTION_STATUS_COMPLETED: 2,
      WORKFLOW_EXECUTION_STATUS_FAILED: 3,
      WORKFLOW_EXECUTION_STATUS_CANCELED: 4,
      WORKFLOW_EXECUTION_STATUS_TERMINATED: 5,
      WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW: 6,
      WORKFLOW_EXECUTION_STATUS_TIMED_OUT: 7,
      WORKFLOW_EXECUTION_STATUS_PAUSED: 8,
    });
  });

  it('ActivityCancellationType, ParentClosePolicy, ChildWorkflowCancellationType (weft/workflow)', () => {
    expect(ActivityCancellationType).toEqual({
      ABANDON: 'ABANDON',
      TRY_CANCEL: 'TRY_CANCEL',
      WAIT_CANCELLATION_COMPLETED: 'WAIT_CANCELLATION_COMPLETED',
    });
    expect(ClientActivityCancellationType).toBe(ActivityCancellationType);
    expect(ParentClosePolicy).toEqual({
      TERMINATE: 'TERMINATE',
      ABANDON: 'ABANDON',
      REQUEST_CANCEL: 'REQUEST_CANCEL',
      PARENT_CLOSE_POLICY_UNSPECIFIED: undefined,
      PARENT_CLOSE_POLICY_TERMINATE: 'TERMINATE',
      PARENT_CLOSE_POLICY_ABANDON: 'ABANDON',
      PARENT_CLOSE_POLICY_REQUEST_CANCEL: 'REQUEST_CANCEL',
    });
    expect(ChildWorkflowCancellationType).toEqual({
      ABANDON: 'ABANDON',
      TRY_CANCEL: 'TRY_CANCEL',
      WAIT_CANCELLATION_REQUESTED: 'WAIT_CANCELLATION_REQUESTED',
      WAIT_CANCELLATION_COMPLETED: 'WAIT_CANCELLATION_COMPLETED',
    });
  });

  it('WorkflowIdReusePolicy and WorkflowIdConflictPolicy (weft/client and weft/workflow)', () => {
    for (const p of [WorkflowIdReusePolicy, WorkflowWorkflowIdReusePolicy])
      expect(p).toEqual({
        ALLOW_DUPLICATE: 'ALLOW_DUPLICATE',
        ALLOW_DUPLICATE_FAILED_ONLY: 'ALLOW_DUPLICATE_FAILED_ONLY',
        REJECT_DUPLICATE: 'REJECT_DUPLICATE',
        TERMINATE_IF_RUNNING: 'TERMINATE_IF_RUNNING',
        WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED: undefined,
        WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE: 'ALLOW_DUPLICATE',
        WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY: 'ALLOW_DUPLICATE_FAILED_ONLY',
        WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE: 'REJECT_DUPLICATE',
        WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING: 'TERMINATE_IF_RUNNING',
      });
    for (const p of [WorkflowIdConflictPolicy, WorkflowWorkflowIdConflictPolicy])
      expect(p).toEqual({ FAIL: 'FAIL', USE_EXISTING: 'USE_EXISTING', TERMINATE_EXISTING: 'TERMINATE_EXISTING' });
  });

  it('ScheduleOverlapPolicy and WorkflowUpdateStage (weft/client)', () => {
    expect(ScheduleOverlapPolicy).toEqual({
      SKIP: 'SKIP',
      BUFFER_ONE: 'BUFFER_ONE',
      BUFFER_ALL: 'BUFFER_ALL',
      CANCEL_OTHER: 'CANCEL_OTHER',
      TERMINATE_OTHER: 'TERMINATE_OTHER',
      ALLOW_ALL: 'ALLOW_ALL',
      UNSPECIFIED: undefined,
    });
    expect(WorkflowUpdateStage).toEqual({
      ADMITTED: 'ADMITTED',
      ACCEPTED: 'ACCEPTED',
      COMPLETED: 'COMPLETED',
      UNSPECIFIED: undefined,
    });
  });

  it('the start options take the enum values and their deprecated aliases', async () => {
    const workflowId = uid('shape-reuse');
    await client.workflow.execute('greeting', {
      taskQueue,
      workflowId,
      args: ['a'],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    await expect(
      client.workflow.start('greeting', {
        taskQueue,
        workflowId,
        args: ['b'],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    const again = await client.workflow.start('greeting', {
      taskQueue,
      workflowId,
      args: ['c'],
      workflowIdReusePolicy: WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
    });
    expect(await again.result()).toBe('Hello, c!');

    const runningId = uid('shape-conflict');
    const first = await client.workflow.start('sleepy', { taskQueue, workflowId: runningId });
    const second = await client.workflow.start('sleepy', {
      taskQueue,
      workflowId: runningId,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    });
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await first.terminate();
  });

  it("Temporal's handler and timer options are accepted; workflowInfo().historySize grows with history", async () => {
    const handle = await client.workflow.start('describedHandlers', { taskQueue, workflowId: uid('shape-opts') });
    expect(await handle.executeUpdate(addUpdate, { args: [3] })).toBe(3);
    await handle.signal(finishSignal);
    const r = (await handle.result()) as { atStart: number; later: number; length: number; total: number };
    expect(r.total).toBe(3);
    // the server counts bytes as it writes: the first task (started with the start itself) sees what came before
    expect(r.atStart).toBeGreaterThanOrEqual(0);
    expect(r.later).toBeGreaterThan(r.atStart);
    // the bytes the server counted up to the last WorkflowTaskStarted
    const { events } = await handle.fetchHistory();
    const lastStarted = events.filter((e) => e.eventType === 'WorkflowTaskStarted').at(-1)!;
    expect(lastStarted.eventId).toBe(r.length);
    expect(lastStarted.attributes.historySizeBytes).toBe(r.later);
  });

  it('allHandlersFinished: a workflow waits for its running update handler before it returns', async () => {
    const handle = await client.workflow.start('waitsForHandlers', { taskQueue, workflowId: uid('shape-handlers') });
    expect(await handle.executeUpdate(addUpdate, { args: [7] })).toBe(7);
    expect(await handle.result()).toBe('finished while running: false; handler done: true');
  });

  it('setDefaultSignalHandler and setDefaultQueryHandler take what has no handler of its own', async () => {
    const handle = await client.workflow.signalWithStart('defaultHandlers', {
      taskQueue,
      workflowId: uid('shape-defaults'),
      signal: 'early',
      signalArgs: [1],
    });
    await handle.signal('later', 'x', 2);
    expect(await handle.query('anything', 'q')).toBe('anything asked with ["q"]; seen 2');
    await handle.signal(finishSignal);
    expect(await handle.result()).toEqual(['early:[1]', 'later:["x",2]']);
  });

  it('startUpdate takes WorkflowUpdateStage.ACCEPTED', async () => {
    const handle = await client.workflow.start('adder', { taskQueue, workflowId: uid('shape-update') });
    const update = await handle.startUpdate(addUpdate, { args: [2], waitForStage: WorkflowUpdateStage.ACCEPTED });
    expect(await update.result()).toBe(2);
    // found again by id, in Temporal's two ways
    const runId = (await handle.describe()).runId;
    expect(await handle.getUpdateHandle<number>(update.updateId, { workflowRunId: runId }).result()).toBe(2);
    expect(
      await client.workflow
        .getUpdateHandle<number>(update.updateId, handle.workflowId, { workflowRunId: runId })
        .result(),
    ).toBe(2);
    await handle.signal(finishSignal);
    expect(await handle.result()).toBe(2);
  });
});
