/**
 * Activity outcomes of one run in one completion batch are one transition (src/server/service/complete-tasks.ts):
 * the workflow task they cause sees all of them, each outcome is answered on its own (a stale one fails alone),
 * and the history is the one a transition per outcome would write, but for where the workflow task starts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Command } from '../src/protocol/commands.js';
import type { CompleteTasksResponse, PollResponse, TaskCompletion, WorkflowTask } from '../src/protocol/tasks.js';
import { checkHistory } from '../src/engine/test-invariants.js';
import { countTransitions, startTestServer, uid, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

const namespace = 'default';
const identity = 'raw-worker';

async function complete(
  taskQueue: string,
  completions: TaskCompletion[],
  eager: { activity?: number; workflow?: number } = {},
): Promise<CompleteTasksResponse> {
  return ts.connection.transport.call<CompleteTasksResponse>('completeTasks', {
    params: { namespace },
    body: {
      identity,
      taskQueue,
      completions,
      eagerActivitySlots: eager.activity ?? 0,
      eagerWorkflowSlots: eager.workflow ?? 0,
    },
  });
}

const stagger = (seq: number, taskQueue: string): Command => ({
  type: 'ScheduleActivityTask',
  seq,
  activityId: String(seq),
  activityType: 'stagger',
  taskQueue,
  input: [seq],
  startToCloseTimeoutMs: 10_000,
  eager: true,
});

async function pollWorkflowTask(taskQueue: string): Promise<WorkflowTask> {
  const p = await ts.connection.transport.call<PollResponse>('pollTasks', {
    params: { namespace, taskQueue },
    body: { identity, maxWorkflowTasks: 1, maxActivityTasks: 0, timeoutMs: 5000 },
  });
  return p.workflowTasks[0]!;
}

/** A fan-out of three whose activities this raw worker holds (taken eagerly), its run sticky to it. */
async function fanOutOfThree(): Promise<{ taskQueue: string; workflowId: string; runId: string; tokens: string[] }> {
  const taskQueue = uid('outcomes');
  const workflowId = uid('outcomes');
  const handle = await ts.client.workflow.start('fanout', { taskQueue, workflowId, args: [3] });
  const wt = await pollWorkflowTask(taskQueue);
  const res = await complete(
    taskQueue,
    [
      {
        kind: 'workflowTaskCompleted',
        taskToken: wt.taskToken,
        commands: [1, 2, 3].map((seq) => stagger(seq, taskQueue)),
        sticky: true,
      },
    ],
    { activity: 3 },
  );
  expect(res.activityTasks).toHaveLength(3);
  return {
    taskQueue,
    workflowId,
    runId: handle.firstExecutionRunId,
    tokens: res.activityTasks.map((a) => a.taskToken),
  };
}

it('outcomes of one run in one batch: one workflow task sees them all; a stale one fails alone', async () => {
  const f = await fanOutOfThree();
  const stale = f.tokens[2]!.replace(/\.1$/, '.7'); // attempt 7 never ran
  const res = await complete(
    f.taskQueue,
    [
      { kind: 'activityTaskCompleted', taskToken: f.tokens[0]!, result: 1 },
      { kind: 'activityTaskCompleted', taskToken: stale, result: 99 },
      { kind: 'activityTaskCompleted', taskToken: f.tokens[1]!, result: 2 },
    ],
    { workflow: 1 },
  );
  expect(res.results).toEqual([
    { ok: true },
    { ok: false, error: { code: 'TASK_NOT_FOUND', message: expect.any(String) } },
    { ok: true },
  ]);
  // the workflow task handed back eagerly comes after both outcomes: one task for the two
  expect(res.workflowTasks).toHaveLength(1);
  const { events } = await ts.client.workflow.getHandle(f.workflowId).fetchHistory();
  checkHistory(events);
  const types = events.map((e) => e.eventType);
  const completed = types.flatMap((t, i) => (t === 'ActivityTaskCompleted' ? [i] : []));
  expect(completed).toHaveLength(2);
  expect(types.lastIndexOf('WorkflowTaskStarted')).toBeGreaterThan(completed[1]!);
  expect(types.filter((t) => t === 'WorkflowTaskScheduled')).toHaveLength(2);
  const outcomes = events.filter((e) => e.eventType === 'ActivityTaskCompleted').map((e) => e.attributes);
  expect(outcomes).toMatchObject([{ result: 1 }, { result: 2 }]);

  // the last outcome alone completes the workflow's wait (the stale one changed nothing)
  const last = await complete(f.taskQueue, [{ kind: 'activityTaskCompleted', taskToken: f.tokens[2]!, result: 3 }]);
  expect(last.results).toEqual([{ ok: true }]);
});

it('a batch whose outcomes are all stale writes nothing', async () => {
  const f = await fanOutOfThree();
  const before = (await ts.client.workflow.getHandle(f.workflowId).fetchHistory()).events.length;
  const res = await complete(f.taskQueue, [
    { kind: 'activityTaskCompleted', taskToken: f.tokens[0]!.replace(/\.1$/, '.5'), result: 1 },
    {
      kind: 'activityTaskFailed',
      taskToken: f.tokens[1]!.replace(/\.1$/, '.5'),
      failure: { kind: 'application', message: 'x' },
    },
  ]);
  expect(res.results.map((r) => r.ok)).toEqual([false, false]);
  expect((await ts.client.workflow.getHandle(f.workflowId).fetchHistory()).events.length).toBe(before);
});

it("outcomes batched with their run's workflow task completion are one transition too, buffered for that task", async () => {
  const f = await fanOutOfThree();
  // the first outcome alone: its workflow task comes back at once and is now running on this worker
  const first = await complete(f.taskQueue, [{ kind: 'activityTaskCompleted', taskToken: f.tokens[0]!, result: 1 }], {
    workflow: 1,
  });
  const wt = first.workflowTasks[0]!;
  expect(wt).toBeDefined();
  // that task's completion (the workflow still waits for two) and the other two outcomes, in one batch
  const transitions = countTransitions(ts, () => f.runId);
  let res: CompleteTasksResponse;
  try {
    res = await complete(
      f.taskQueue,
      [
        { kind: 'workflowTaskCompleted', taskToken: wt.taskToken, commands: [], sticky: true },
        { kind: 'activityTaskCompleted', taskToken: f.tokens[1]!, result: 2 },
        { kind: 'activityTaskCompleted', taskToken: f.tokens[2]!, result: 3 },
      ],
      { workflow: 1 },
    );
  } finally {
    transitions.stop();
  }
  expect(res.results.map((r) => r.ok)).toEqual([true, true, true]);
  expect(transitions.count).toBe(2); // the task's completion, and the two outcomes together (one each before)
  // the outcomes were buffered while the task ran and come after its completion, in one new workflow task
  const { events } = await ts.client.workflow.getHandle(f.workflowId).fetchHistory();
  checkHistory(events);
  const types = events.map((e) => e.eventType);
  const wtCompleted = types.lastIndexOf('WorkflowTaskCompleted');
  const outcomes = types.flatMap((t, i) => (t === 'ActivityTaskCompleted' ? [i] : []));
  expect(outcomes).toHaveLength(3);
  expect(outcomes[1]!).toBeGreaterThan(wtCompleted);
  expect(types.slice(wtCompleted + 1).filter((t) => t === 'WorkflowTaskScheduled')).toHaveLength(1);
  // the workflow ends with the sum of the three once that task completes
  const last = res.workflowTasks[0] ?? (await pollWorkflowTask(f.taskQueue));
  const done = await complete(f.taskQueue, [
    {
      kind: 'workflowTaskCompleted',
      taskToken: last.taskToken,
      commands: [{ type: 'CompleteWorkflowExecution', result: 6 }],
    },
  ]);
  expect(done.results).toEqual([{ ok: true }]);
  expect(await ts.client.workflow.getHandle(f.workflowId).result()).toBe(6);
});
