/**
 * An answer that carries started tasks but reaches nobody (server/lost-starts.ts, undelivered()): the worker's
 * poll was cancelled, its channel closed, or its HTTP request hung up while the server was committing the start
 * of the task it had matched to that poll. The task is timed out at once and runs on another worker, instead of
 * waiting out its start-to-close timeout (10 s for a workflow task). A wrapper around the server's real store
 * holds that commit until the poll is gone.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Connection } from 'weft/client';
import type { Mutation } from '../src/store/store.js';
import type { PollResponse } from '../src/protocol/tasks.js';
import * as activities from './fixtures/activities.js';
import {
  fixture,
  rawFirstWorkflowTask,
  scheduleOneActivity,
  startTestServer,
  startWorker,
  uid,
  type TestServer,
} from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

const namespace = 'default';

/** Holds the first commit `pick` matches until released. */
function holdCommitOf(pick: (m: Mutation) => boolean): { reached: Promise<void>; release(): void; restore(): void } {
  const store = ts.server.context.store;
  const commit = store.commit.bind(store);
  let reached!: () => void;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let held = false;
  store.commit = async (m: Mutation) => {
    if (!held && pick(m)) {
      held = true;
      reached();
      await gate;
    }
    return commit(m);
  };
  return {
    reached: new Promise<void>((r) => (reached = r)),
    release: () => release(),
    restore: () => (store.commit = commit),
  };
}

const within = <T>(ms: number, p: Promise<T>, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
  ]);

/**
 * A poll for one task of `kind` by a worker ('gone') on a connection of its own, waiting on the server by the time
 * this resolves; `ac` cancels it. The poll's outcome is whatever it ended with (an answer or an error).
 */
async function waitingPoll(
  taskQueue: string,
  kind: 'workflow' | 'activity',
  channel: boolean,
): Promise<{ gone: Connection; ac: AbortController; poll: Promise<unknown> }> {
  const gone = await Connection.connect({ address: ts.server.address, channel });
  const ac = new AbortController();
  const poll = gone.transport
    .call<PollResponse>(
      'pollTasks',
      {
        params: { namespace, taskQueue },
        body: {
          identity: 'gone',
          maxWorkflowTasks: kind === 'workflow' ? 1 : 0,
          maxActivityTasks: kind === 'activity' ? 1 : 0,
          timeoutMs: 10_000,
        },
      },
      { signal: ac.signal, retryForMs: 0 },
    )
    .catch((e: unknown) => e);
  await new Promise((r) => setTimeout(r, 200));
  return { gone, ac, poll };
}

const cases: Array<{ name: string; channel: boolean; close?: boolean }> = [
  { name: 'a poll cancelled on the channel', channel: true },
  { name: 'a channel closed', channel: true, close: true },
  { name: 'an HTTP poll whose caller hung up', channel: false },
];

for (const c of cases)
  it(`${c.name} while its task's start commits: the task is timed out at once`, async () => {
    const taskQueue = uid('undelivered');
    const workflowId = uid('undelivered');
    // a poll waits on the queue: the start hands it its first workflow task in the start's own commit
    const { gone, ac, poll } = await waitingPoll(taskQueue, 'workflow', c.channel);
    const hold = holdCommitOf((m) =>
      m.executions.some(
        (e) => e.state.workflowId === workflowId && e.newEvents.some((ev) => ev.eventType === 'WorkflowTaskStarted'),
      ),
    );
    let worker: { stop(): Promise<void> } | undefined;
    try {
      const started = ts.client.workflow.start('sequential', { taskQueue, workflowId, args: [1] });
      await hold.reached;
      if (c.close) await gone.close();
      else ac.abort();
      await poll;
      await new Promise((r) => setTimeout(r, 500)); // the cancel or the hang-up reaches the server
      hold.release();
      await started;
      worker = await startWorker(ts, { taskQueue, workflowsPath: fixture('workflows.ts'), activities });
      // without the timeout at once, the task would wait for its start-to-close timeout (10 s)
      expect(await within(5000, ts.client.workflow.getHandle(workflowId).result(), 'the run')).toBe(5);
      const { events } = await ts.client.workflow.getHandle(workflowId).fetchHistory();
      const types = events.map((e) => e.eventType);
      expect(types.filter((t) => t === 'WorkflowTaskTimedOut')).toHaveLength(1);
      expect(types.indexOf('WorkflowTaskTimedOut')).toBe(types.indexOf('WorkflowTaskStarted') + 1);
    } finally {
      hold.restore();
      hold.release();
      await worker?.stop();
      if (!c.close) await gone.close();
    }
  });

it('an activity poll cancelled while its attempt starts: the attempt is timed out at once and retried', async () => {
  const taskQueue = uid('undelivered-act');
  const workflowId = uid('undelivered-act');
  const { handle, taskToken } = await rawFirstWorkflowTask(ts, taskQueue, workflowId);
  const { gone, ac, poll } = await waitingPoll(taskQueue, 'activity', true);
  const hold = holdCommitOf((m) =>
    m.executions.some(
      (e) => e.state.workflowId === workflowId && Object.values(e.state.activities).some((a) => a.state === 'started'),
    ),
  );
  let worker: { stop(): Promise<void> } | undefined;
  try {
    // one activity with a minute to run once started; the waiting poll takes it as the completion commits
    const completed = scheduleOneActivity(ts, taskQueue, taskToken, 'echo', [7]);
    await hold.reached;
    ac.abort();
    await poll;
    await new Promise((r) => setTimeout(r, 500));
    hold.release();
    await completed;
    const attempts: number[] = [];
    worker = await startWorker(ts, {
      taskQueue,
      activities: {
        echo: async (x: number) => {
          attempts.push(x);
          return x;
        },
      },
    });
    await within(
      5000,
      (async () => {
        for (;;) {
          const { events } = await handle.fetchHistory();
          if (events.some((e) => e.eventType === 'ActivityTaskCompleted')) return;
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      'the activity',
    );
    expect(attempts).toEqual([7]);
    const { events } = await handle.fetchHistory();
    const started = events.find((e) => e.eventType === 'ActivityTaskStarted');
    expect((started?.attributes as { attempt?: number } | undefined)?.attempt).toBe(2);
  } finally {
    hold.restore();
    hold.release();
    await worker?.stop();
    await gone.close();
  }
});
