/**
 * How many activity tasks a worker's poll asks for (src/worker/worker.ts, pollLoop): at most 16 while the queue
 * has no backlog (a waiting poll holds its slots, and the rest stay free for activities handed back eagerly), and
 * every free slot after a poll came back full, so a backlog is taken in large batches: fewer, larger transitions
 * per run (docs/speed-plan.md, fanout100 +10 %).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Connection } from 'weft/client';
import { Worker } from 'weft/worker';
import type { Command } from '../src/protocol/commands.js';
import type { PollResponse } from '../src/protocol/tasks.js';
import type { CallOptions, CallRequest, Transport } from '../src/client/transport.js';
import type { OperationId } from '../src/protocol/routes.js';
import { quietLogger, startTestServer, uid, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

const namespace = 'default';
const ACTIVITIES = 120;

/** A transport that records the activity tasks each poll asked for and how many it got. */
function recording(inner: Transport, polls: Array<{ asked: number; got: number }>): Transport {
  return {
    async call<T>(op: OperationId, req: CallRequest, opts?: CallOptions): Promise<T> {
      const res = await inner.call<T>(op, req, opts);
      const asked = (req.body as { maxActivityTasks?: number } | undefined)?.maxActivityTasks;
      if (op === 'pollTasks' && asked)
        polls.push({ asked, got: (res as unknown as PollResponse).activityTasks.length });
      return res;
    },
    health: () => inner.health(),
    close: async () => {},
  };
}

it('asks for at most 16 activity tasks a poll, and for every free slot while the queue has a backlog', async () => {
  const taskQueue = uid('backlog');
  // a fan-out of ACTIVITIES activities queued (none eager) by a raw worker completing the first workflow task
  const handle = await ts.client.workflow.start('fanout', { taskQueue, workflowId: uid('backlog'), args: [] });
  const p = await ts.connection.transport.call<PollResponse>('pollTasks', {
    params: { namespace, taskQueue },
    body: { identity: 'raw', maxWorkflowTasks: 1, maxActivityTasks: 0, timeoutMs: 5000 },
  });
  const commands = Array.from({ length: ACTIVITIES }, (_, i): Command => ({
    type: 'ScheduleActivityTask',
    seq: i + 1,
    activityId: String(i + 1),
    activityType: 'echo',
    taskQueue,
    input: [i],
    startToCloseTimeoutMs: 10_000,
  }));
  await ts.connection.transport.call('completeTasks', {
    params: { namespace },
    body: {
      identity: 'raw',
      taskQueue,
      completions: [{ kind: 'workflowTaskCompleted', taskToken: p.workflowTasks[0]!.taskToken, commands }],
      eagerActivitySlots: 0,
    },
  });
  expect(handle.workflowId).toBeTruthy();

  // an activity-only worker: 100 slots (Temporal's default), one poller, so each poll follows the last
  const polls: Array<{ asked: number; got: number }> = [];
  let done = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((r) => (allDone = r));
  const worker = await Worker.create({
    connection: Connection.fromTransport(recording(ts.connection.transport, polls)),
    taskQueue,
    activities: {
      echo: async (x: number) => {
        if (++done === ACTIVITIES) allDone();
        return x;
      },
    },
    handleSignals: false,
    logger: quietLogger,
    maxConcurrentActivityTaskPolls: 1,
  });
  const running = worker.run();
  try {
    await finished;
  } finally {
    worker.shutdown();
    await running;
  }
  // the first poll asks for 16 and comes back full; the next asks for every free slot and takes the rest
  expect(polls[0]).toEqual({ asked: 16, got: 16 });
  expect(polls[1]!.asked).toBeGreaterThan(16);
  expect(polls[1]!.got).toBe(Math.min(polls[1]!.asked, ACTIVITIES - 16));
  // once a poll comes back short (no backlog), polls ask for 16 at most again
  const short = polls.findIndex((x) => x.got < x.asked);
  expect(short).toBeGreaterThan(0);
  for (const x of polls.slice(short + 1)) expect(x.asked).toBeLessThanOrEqual(16);
});
