/**
 * A batch of task completions of which one cannot be written (the store unavailable for it: here the first
 * write of one run fails, injected around the server's real SQLite store): a worker that sends such a completion
 * again itself (`retriesUnavailable`, as Weft's worker does) gets each completion answered for itself, so the
 * others are applied once and the activities they handed back eagerly reach it. Without the flag the request
 * fails whole (503), as before: the worker sends the batch again, and what had been applied answers
 * TASK_NOT_FOUND; the tasks it started eagerly reached nobody, and are timed out at once (retried), as they are
 * when the request fails on a bug (500).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ServiceError } from '../src/client/errors.js';
import type { CompleteTasksResponse, PollResponse, TaskCompletion, WorkflowTask } from '../src/protocol/tasks.js';
import type { Mutation } from '../src/store/store.js';
import { StoreUnavailableError } from '../src/store/store.js';
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

async function twoFirstTasks(taskQueue: string): Promise<[WorkflowTask, WorkflowTask]> {
  const ids = [uid('partial-a'), uid('partial-b')];
  for (const workflowId of ids) await ts.client.workflow.start('steps', { taskQueue, workflowId, args: [1] });
  const p = await ts.connection.transport.call<PollResponse>('pollTasks', {
    params: { namespace, taskQueue },
    body: { identity, maxWorkflowTasks: 2, maxActivityTasks: 0, timeoutMs: 5000 },
  });
  const byId = (id: string): WorkflowTask => p.workflowTasks.find((t) => t.workflowId === id)!;
  expect(p.workflowTasks).toHaveLength(2);
  return [byId(ids[0]!), byId(ids[1]!)];
}

/** The first write of `runId` from now on fails, as a full disk fails it; the others go through. */
function failFirstWriteOf(runId: string): { restore(): void; failed(): boolean } {
  const store = ts.server.context.store;
  const commit = store.commit.bind(store);
  let failed = false;
  store.commit = (m: Mutation) => {
    if (!failed && m.executions.some((e) => e.state.runId === runId)) {
      failed = true;
      return Promise.reject(new StoreUnavailableError('injected: disk full'));
    }
    return commit(m);
  };
  return { restore: () => (store.commit = commit), failed: () => failed };
}

function complete(taskQueue: string, completions: TaskCompletion[], retriesUnavailable?: boolean) {
  return ts.connection.transport.call<CompleteTasksResponse>(
    'completeTasks',
    {
      params: { namespace },
      body: {
        identity,
        taskQueue,
        completions,
        eagerActivitySlots: 1,
        ...(retriesUnavailable ? { retriesUnavailable } : {}),
      },
    },
    { retryForMs: 0 },
  );
}

const scheduling = (t: WorkflowTask, taskQueue: string): TaskCompletion => ({
  kind: 'workflowTaskCompleted',
  taskToken: t.taskToken,
  commands: [
    {
      type: 'ScheduleActivityTask',
      seq: 1,
      activityId: '1',
      activityType: 'step',
      taskQueue,
      input: [1],
      startToCloseTimeoutMs: 3_600_000,
      eager: true,
    },
  ],
  sticky: false,
});
/** Schedules two activities (not eagerly: they are queued for a poll). */
const schedulingTwo = (t: WorkflowTask, taskQueue: string): TaskCompletion => ({
  ...scheduling(t, taskQueue),
  commands: [1, 2].map((seq) => ({
    type: 'ScheduleActivityTask' as const,
    seq,
    activityId: String(seq),
    activityType: 'step',
    taskQueue,
    input: [seq],
    startToCloseTimeoutMs: 3_600_000,
  })),
});
const closing = (t: WorkflowTask): TaskCompletion => ({
  kind: 'workflowTaskCompleted',
  taskToken: t.taskToken,
  commands: [{ type: 'CompleteWorkflowExecution', result: 'done' }],
  sticky: false,
});

it('answers each completion for itself when one cannot be written; the others keep their eager tasks', async () => {
  const taskQueue = uid('partial');
  const [a, b] = await twoFirstTasks(taskQueue);
  const fault = failFirstWriteOf(b.runId);
  try {
    const res = await complete(taskQueue, [scheduling(a, taskQueue), closing(b)], true);
    expect(fault.failed()).toBe(true);
    expect(res.results[0]).toEqual({ ok: true });
    expect(res.results[1]).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
    // the activity a's completion started for this worker is handed over now, once
    expect(res.activityTasks.map((t) => t.workflowId)).toEqual([a.workflowId]);
    // b sent again alone is applied
    expect((await complete(taskQueue, [closing(b)], true)).results).toEqual([{ ok: true }]);
    expect(await ts.client.workflow.getHandle(b.workflowId).result()).toBe('done');
  } finally {
    fault.restore();
  }
});

it('fails the whole request (503) when no completion of it could be written, or for a worker without the flag', async () => {
  const taskQueue = uid('partial');
  const [a, b] = await twoFirstTasks(taskQueue);
  // without the flag: one unwritable completion fails the request, though the other was applied
  let fault = failFirstWriteOf(b.runId);
  try {
    const e = await complete(taskQueue, [scheduling(a, taskQueue), closing(b)]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ServiceError);
    expect((e as ServiceError).status).toBe(503);
    expect((e as ServiceError).code).toBe('STORE_UNAVAILABLE');
  } finally {
    fault.restore();
  }
  // the activity a's completion started for this worker reached nobody: timed out at once, retried after 1 s
  expect(await retriedActivity(taskQueue)).toEqual([a.workflowId, 2]);
  // sent again whole: a was applied before (TASK_NOT_FOUND now), b is applied
  const again = await complete(taskQueue, [scheduling(a, taskQueue), closing(b)], true);
  expect(again.results[0]).toMatchObject({ ok: false, error: { code: 'TASK_NOT_FOUND' } });
  expect(again.results[1]).toEqual({ ok: true });
  // with the flag, a batch of which nothing could be written fails whole too
  const [c] = await twoFirstTasks(taskQueue);
  fault = failFirstWriteOf(c.runId);
  try {
    const e = await complete(taskQueue, [closing(c)], true).catch((x: unknown) => x);
    expect((e as ServiceError).status).toBe(503);
  } finally {
    fault.restore();
  }
});

it('a completion that fails on a bug fails the request (500); the eager tasks of the others are timed out at once', async () => {
  const taskQueue = uid('partial');
  const [a, b] = await twoFirstTasks(taskQueue);
  // b's completion throws what no store or check throws: a bug
  const updater = ts.server.context.updater;
  const update = updater.update.bind(updater);
  updater.update = (async (runId: string, apply: never) => {
    if (runId === b.runId) throw new Error('injected: a bug');
    return update(runId, apply);
  }) as typeof updater.update;
  try {
    const e = await complete(taskQueue, [scheduling(a, taskQueue), closing(b)], true).catch((x: unknown) => x);
    expect((e as ServiceError).status).toBe(500);
  } finally {
    updater.update = update;
  }
  // a's completion was applied and started its activity for this worker, which never heard of it
  expect(await retriedActivity(taskQueue)).toEqual([a.workflowId, 2]);
});

/** The next activity task of the queue a poll gets within 5 s: its workflow id and attempt. */
async function retriedActivity(taskQueue: string): Promise<[string, number] | undefined> {
  const p = await ts.connection.transport.call<PollResponse>('pollTasks', {
    params: { namespace, taskQueue },
    body: { identity, maxWorkflowTasks: 0, maxActivityTasks: 1, timeoutMs: 5000 },
  });
  const t = p.activityTasks[0];
  return t && [t.workflowId, t.attempt];
}

it('a run whose activity outcomes (grouped in one transition) cannot be written fails alone, not the batch', async () => {
  const taskQueue = uid('partial');
  const [a, b] = await twoFirstTasks(taskQueue);
  // a schedules two activities (queued), and a poll takes both
  expect((await complete(taskQueue, [schedulingTwo(a, taskQueue)], true)).results).toEqual([{ ok: true }]);
  const p = await ts.connection.transport.call<PollResponse>('pollTasks', {
    params: { namespace, taskQueue },
    body: { identity, maxWorkflowTasks: 0, maxActivityTasks: 2, timeoutMs: 5000 },
  });
  expect(p.activityTasks).toHaveLength(2);
  const done = p.activityTasks.map((t): TaskCompletion => ({
    kind: 'activityTaskCompleted',
    taskToken: t.taskToken,
    result: 1,
  }));
  // both outcomes of a go in one transition, whose write fails; b's completion is applied
  const fault = failFirstWriteOf(a.runId);
  try {
    const res = await complete(taskQueue, [...done, scheduling(b, taskQueue)], true);
    expect(fault.failed()).toBe(true);
    expect(res.results[0]).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
    expect(res.results[1]).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
    expect(res.results[2]).toEqual({ ok: true });
    // the activity b's completion started for this worker is handed over now
    expect(res.activityTasks.map((t) => t.workflowId)).toEqual([b.workflowId]);
    // a's outcomes sent again are applied
    expect((await complete(taskQueue, done, true)).results).toEqual([{ ok: true }, { ok: true }]);
  } finally {
    fault.restore();
  }
});

it('a poll that starts two activities of one run, one of whose input cannot be read: the other is handed over', async () => {
  const taskQueue = uid('partial');
  const [a] = await twoFirstTasks(taskQueue);
  expect((await complete(taskQueue, [schedulingTwo(a, taskQueue)], true)).results).toEqual([{ ok: true }]);
  // the first read of an activity's input (its ActivityTaskScheduled event) fails, as if the store went away
  const updater = ts.server.context.updater;
  const read = updater.readEvents.bind(updater);
  let failedRead = false;
  updater.readEvents = async (runId: string, from: number, to: number) => {
    if (!failedRead && runId === a.runId && from === to) {
      failedRead = true;
      throw new StoreUnavailableError('injected: the store went away');
    }
    return read(runId, from, to);
  };
  try {
    const p = await ts.connection.transport.call<PollResponse>('pollTasks', {
      params: { namespace, taskQueue },
      body: { identity, maxWorkflowTasks: 0, maxActivityTasks: 2, timeoutMs: 5000 },
    });
    expect(failedRead).toBe(true);
    expect(p.activityTasks).toHaveLength(1);
    // the other was started and reached nobody: it is timed out at once, its next attempt waiting out its backoff
    const other = p.activityTasks[0]!.activityId === '1' ? 2 : 1;
    await expect
      .poll(async () => (await ts.server.context.store.getExecution(a.runId))?.state.activities[other]?.attempt, {
        timeout: 5000,
      })
      .toBe(2);
  } finally {
    updater.readEvents = read;
  }
});
