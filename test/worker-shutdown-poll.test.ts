/**
 * A worker shutting down while one of its polls is in flight (src/worker/worker.ts, run): the server has already
 * started that poll's tasks for this worker, so the worker waits for the answer and runs them, rather than
 * cutting the poll and leaving them to their start-to-close timeouts (here a minute).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Connection } from 'weft/client';
import { Worker } from 'weft/worker';
import type { PollResponse } from '../src/protocol/tasks.js';
import type { CallOptions, CallRequest, Transport } from '../src/client/transport.js';
import type { OperationId } from '../src/protocol/routes.js';
import {
  quietLogger,
  rawFirstWorkflowTask,
  scheduleOneActivity,
  startTestServer,
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

/**
 * A transport whose poll answers with tasks arrive late: after the worker has asked the server to stop it. An
 * answer whose poll was cancelled meanwhile is dropped, as the channel's client drops it.
 */
function lateAnswers(inner: Transport): Transport & { tasksTaken: Promise<void> } {
  let stopAsked!: () => void;
  const asked = new Promise<void>((r) => (stopAsked = r));
  let taken!: () => void;
  const tasksTaken = new Promise<void>((r) => (taken = r));
  return {
    tasksTaken,
    async call<T>(op: OperationId, req: CallRequest, opts?: CallOptions): Promise<T> {
      if (op === 'shutdownWorker') stopAsked();
      const { signal, ...rest } = opts ?? {};
      const res = await inner.call<T>(op, req, rest);
      if (op === 'pollTasks' && (res as unknown as PollResponse).activityTasks.length > 0) {
        taken();
        await asked;
        await new Promise((r) => setTimeout(r, 100));
        if (signal?.aborted) throw new Error('the poll was cancelled: its answer is dropped');
      }
      return res;
    },
    health: () => inner.health(),
    close: async () => {},
  };
}

it('runs the tasks of a poll answered after its shutdown began', async () => {
  const taskQueue = uid('shutdown-poll');
  // one activity, queued (not eager), with a minute to run once started
  const { handle, taskToken } = await rawFirstWorkflowTask(ts, taskQueue);
  await scheduleOneActivity(ts, taskQueue, taskToken, 'echo', [7]);

  const ran: number[] = [];
  const transport = lateAnswers(ts.connection.transport);
  const worker = await Worker.create({
    connection: Connection.fromTransport(transport),
    taskQueue,
    activities: {
      echo: async (x: number) => {
        ran.push(x);
        return x;
      },
    },
    handleSignals: false,
    logger: quietLogger,
    maxConcurrentActivityTaskPolls: 1,
  });
  const running = worker.run();
  // the poll has its task (started on the server) and waits to be answered: stop the worker now
  await transport.tasksTaken;
  worker.shutdown();
  await running;

  expect(ran).toEqual([7]);
  const { events } = await handle.fetchHistory();
  const types = events.map((e) => e.eventType);
  expect(types).toContain('ActivityTaskCompleted');
  expect(types).not.toContain('ActivityTaskTimedOut');
});

it('a worker started again with the identity of one that stopped polls on (a container restarted: pid 1 again)', async () => {
  const taskQueue = uid('same-identity');
  const ran: string[] = [];
  const make = (name: string) =>
    Worker.create({
      connection: ts.connection,
      taskQueue,
      identity: '1@pod-0',
      activities: {
        echo: async (x: string) => {
          ran.push(`${name}:${x}`);
          return x;
        },
      },
      handleSignals: false,
      logger: quietLogger,
    });
  const first = await make('first');
  const running = first.run();
  await new Promise((r) => setTimeout(r, 200));
  first.shutdown();
  await running;

  const second = await make('second');
  const again = second.run();
  try {
    // an activity for the queue: the second worker takes it (a stop asked for the first does not stop it)
    const { handle, taskToken } = await rawFirstWorkflowTask(ts, taskQueue);
    await scheduleOneActivity(ts, taskQueue, taskToken, 'echo', ['x']);
    for (let i = 0; i < 100 && ran.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(ran).toEqual(['second:x']);
    expect(second.getState()).toBe('RUNNING');
    expect(handle.workflowId).toBeTruthy();
  } finally {
    second.shutdown();
    await again;
  }
});

/** A worker whose second poll fails on what is neither a connection nor a service error (a bug). */
async function workerWithFailingPoll(): Promise<Worker> {
  const inner = ts.connection.transport;
  let polls = 0;
  return Worker.create({
    connection: Connection.fromTransport({
      async call<T>(op: OperationId, req: CallRequest, opts?: CallOptions): Promise<T> {
        if (op === 'pollTasks' && ++polls === 2) throw new TypeError('injected: a bug');
        return inner.call<T>(op, req, opts);
      },
      health: () => inner.health(),
      close: async () => {},
    }),
    taskQueue: uid('poll-bug'),
    activities: { echo: async (x: number) => x },
    handleSignals: false,
    logger: quietLogger,
    maxConcurrentActivityTaskPolls: 2,
  });
}

it('a poll loop that fails on a bug fails the worker: run() rejects, and its other polls end', async () => {
  const worker = await workerWithFailingPoll();
  await expect(worker.run()).rejects.toThrow('injected: a bug');
  expect(worker.getState()).toBe('FAILED');
});

it('runUntil ends with the error of a worker that failed meanwhile', async () => {
  const worker = await workerWithFailingPoll();
  await expect(worker.runUntil(new Promise<never>(() => {}))).rejects.toThrow('injected: a bug');
  expect(worker.getState()).toBe('FAILED');
});
