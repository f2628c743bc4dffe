/**
 * A poll that takes several activity tasks of one run starts them in one transition (dispatchRunActivityTaskRows in
 * src/server/service/dispatch.ts): each row gets its own task, a stale row is left out alone, and the history is
 * the one a transition per task would write.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Command } from '../src/protocol/commands.js';
import type { CompleteTasksResponse, PollResponse, TaskCompletion } from '../src/protocol/tasks.js';
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

function call<T>(op: 'pollTasks' | 'completeTasks', params: Record<string, string>, body: unknown): Promise<T> {
  return ts.connection.transport.call<T>(op, { params, body });
}

const complete = (taskQueue: string, completions: TaskCompletion[]): Promise<CompleteTasksResponse> =>
  call('completeTasks', { namespace }, { identity, taskQueue, completions, eagerActivitySlots: 0 });

const pollActivities = (taskQueue: string, max: number): Promise<PollResponse> =>
  call('pollTasks', { namespace, taskQueue }, { identity, maxWorkflowTasks: 0, maxActivityTasks: max, timeoutMs: 300 });

const stagger = (seq: number, taskQueue: string, over: Partial<Command> = {}): Command =>
  ({
    type: 'ScheduleActivityTask',
    seq,
    activityId: String(seq),
    activityType: 'stagger',
    taskQueue,
    input: [seq],
    startToCloseTimeoutMs: 10_000,
    ...over,
  }) as Command;

/** A fan-out whose first workflow task this raw worker completes with `commands`, none taken eagerly. */
async function scheduled(
  commands: (taskQueue: string) => Command[],
): Promise<{ taskQueue: string; workflowId: string; runId: string }> {
  const taskQueue = uid('dispatch');
  const workflowId = uid('dispatch');
  const handle = await ts.client.workflow.start('fanout', { taskQueue, workflowId, args: [3] });
  const p = await call<PollResponse>(
    'pollTasks',
    { namespace, taskQueue },
    { identity, maxWorkflowTasks: 1, maxActivityTasks: 0, timeoutMs: 5000 },
  );
  const wt = p.workflowTasks[0]!;
  await complete(taskQueue, [
    { kind: 'workflowTaskCompleted', taskToken: wt.taskToken, commands: commands(taskQueue) },
  ]);
  return { taskQueue, workflowId, runId: handle.firstExecutionRunId };
}

it("a poll's activity tasks of one run start in one transition, each with its own task", async () => {
  const { taskQueue, workflowId, runId } = await scheduled((q) => [1, 2, 3].map((seq) => stagger(seq, q)));
  const transitions = countTransitions(ts, () => runId);
  let polled: PollResponse;
  try {
    polled = await pollActivities(taskQueue, 3);
  } finally {
    transitions.stop();
  }
  expect(transitions.count).toBe(1);
  expect(polled.activityTasks.map((a) => [a.activityId, a.attempt, a.input])).toEqual([
    ['1', 1, [1]],
    ['2', 1, [2]],
    ['3', 1, [3]],
  ]);
  expect(new Set(polled.activityTasks.map((a) => a.taskToken)).size).toBe(3);
  // each completes on its own token, and the history is whole
  const res = await complete(
    taskQueue,
    polled.activityTasks.map((a, i) => ({ kind: 'activityTaskCompleted', taskToken: a.taskToken, result: i + 1 })),
  );
  expect(res.results.map((r) => r.ok)).toEqual([true, true, true]);
  const { events } = await ts.client.workflow.getHandle(workflowId, runId).fetchHistory();
  checkHistory(events);
  expect(events.filter((e) => e.eventType === 'ActivityTaskStarted')).toHaveLength(3);
});

for (const reread of [false, true])
  it(`a stale row among them is left out alone; the others start${reread ? ' (as in a cluster)' : ''}`, async () => {
    // activity 3 must start within 100 ms; it times out while its row waits in the queue
    const { taskQueue, workflowId, runId } = await scheduled((q) => [
      stagger(1, q),
      stagger(2, q),
      stagger(3, q, { scheduleToStartTimeoutMs: 100 }),
    ]);
    const { events: before } = await ts.client.workflow.getHandle(workflowId, runId).fetchHistory();
    expect(before.some((e) => e.eventType === 'ActivityTaskTimedOut')).toBe(false);
    await new Promise((r) => setTimeout(r, 600));
    // in a cluster a row stale on this server's copy of the run is read again from the store, alone
    ts.server.context.updater.rereadStaleTasks = reread;
    try {
      const polled = await pollActivities(taskQueue, 3);
      expect(polled.activityTasks.map((a) => a.activityId)).toEqual(['1', '2']);
      // nothing is left queued: the stale row was dropped, the started ones are not handed out again
      expect((await pollActivities(taskQueue, 3)).activityTasks).toEqual([]);
    } finally {
      ts.server.context.updater.rereadStaleTasks = false;
    }
    const { events } = await ts.client.workflow.getHandle(workflowId, runId).fetchHistory();
    expect(events.some((e) => e.eventType === 'ActivityTaskTimedOut')).toBe(true);
  });
