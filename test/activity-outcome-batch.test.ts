/**
 * Activity outcomes of one run in one completion batch are one transition (src/server/service/complete-tasks.ts):
 * the workflow task they cause sees all of them, each outcome is answered on its own (a stale one fails alone),
 * and the history is the one a transition per outcome would write, but for where the workflow task starts.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Command } from '../src/protocol/commands.js';
import type { CompleteTasksResponse, PollResponse, TaskCompletion } from '../src/protocol/tasks.js';
import { checkHistory } from '../src/engine/test-invariants.js';
import { startTestServer, uid, type TestServer } from './helpers.js';

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

/** A fan-out of three whose activities this raw worker holds (taken eagerly), its run sticky to it. */
async function fanOutOfThree(): Promise<{ taskQueue: string; workflowId: string; tokens: string[] }> {
  const taskQueue = uid('outcomes');
  const workflowId = uid('outcomes');
  await ts.client.workflow.start('fanout', { taskQueue, workflowId, args: [3] });
  const p = await ts.connection.transport.call<PollResponse>('pollTasks', {
    params: { namespace, taskQueue },
    body: { identity, maxWorkflowTasks: 1, maxActivityTasks: 0, timeoutMs: 5000 },
  });
  const wt = p.workflowTasks[0]!;
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
  return { taskQueue, workflowId, tokens: res.activityTasks.map((a) => a.taskToken) };
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
