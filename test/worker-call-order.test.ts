/**
 * The order of a worker's calls and of the server's answers on a workflow's critical path (docs/speed-plan.md,
 * "The order of calls"): a worker sends a workflow task's completion before its next poll, the server hands a new
 * run's first task to the waiting worker before it answers the start, and a wait for one run's result is answered
 * without waiting for the rest of the server's turn.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Connection } from 'weft/client';
import { Worker } from 'weft/worker';
import { CHANNEL_PATH, CHANNEL_PROTOCOL, type ChannelAnswer } from '../src/protocol/channel.js';
import type { WaitResultsResponse } from '../src/protocol/api.js';
import type { PollResponse } from '../src/protocol/tasks.js';
import type { CallOptions, CallRequest, Transport } from '../src/client/transport.js';
import type { OperationId } from '../src/protocol/routes.js';
import { fixture, quietLogger, startTestServer, uid, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

interface Logged {
  op: OperationId;
  at: 'sent' | 'answered';
  workflowTasks?: number;
  seq: number;
}

/** A transport that records when each call goes out and when its answer comes back. */
function recording(inner: Transport, log: Logged[]): Transport {
  let seq = 0;
  return {
    async call<T>(op: OperationId, req: CallRequest, opts?: CallOptions): Promise<T> {
      log.push({ op, at: 'sent', seq: seq++ });
      const res = await inner.call<T>(op, req, opts);
      const workflowTasks = (res as { workflowTasks?: unknown[] } | undefined)?.workflowTasks?.length;
      log.push({ op, at: 'answered', seq: seq++, ...(workflowTasks !== undefined ? { workflowTasks } : {}) });
      return res;
    },
    health: () => inner.health(),
    close: async () => {},
  };
}

it("sends a workflow task's completion before the poll that replaces the one that brought the task", async () => {
  const taskQueue = uid('call-order');
  const log: Logged[] = [];
  // a workflow-only worker (no activities, so no activity polls), one poller: every call after a task is its own
  const worker = await Worker.create({
    connection: Connection.fromTransport(recording(ts.connection.transport, log)),
    taskQueue,
    workflowsPath: fixture('workflows.ts'),
    handleSignals: false,
    logger: quietLogger,
    maxConcurrentWorkflowTaskPolls: 1,
  });
  await worker.runUntil(async () => {
    for (let i = 0; i < 5; i++) await ts.client.workflow.execute('info', { taskQueue, workflowId: uid('call-order') });
  });
  const polled = log.filter((l) => l.op === 'pollTasks' && l.at === 'answered' && (l.workflowTasks ?? 0) > 0);
  expect(polled.length).toBeGreaterThanOrEqual(5);
  for (const p of polled) {
    const next = log.find((l) => l.seq > p.seq && l.at === 'sent');
    expect(next?.op).toBe('completeTasks');
  }
});

/** A raw channel: frames sent as given, the ids of the answers in the order they arrive. */
async function rawChannel(): Promise<{
  send(id: number, op: OperationId, params: Record<string, string>, body: unknown): void;
  answer<T>(id: number): Promise<T>;
  order: number[];
  close(): void;
}> {
  const ws = new WebSocket(ts.server.address.replace(/^http/, 'ws') + CHANNEL_PATH, CHANNEL_PROTOCOL);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const order: number[] = [];
  const answers = new Map<number, ChannelAnswer>();
  const waiting = new Map<number, (a: ChannelAnswer) => void>();
  ws.on('message', (data) => {
    const a = JSON.parse(String(data)) as ChannelAnswer;
    order.push(a.id);
    answers.set(a.id, a);
    waiting.get(a.id)?.(a);
  });
  return {
    send: (id, op, params, body) => ws.send(JSON.stringify({ id, op, params, body })),
    answer: async <T>(id: number): Promise<T> => {
      const a = answers.get(id) ?? (await new Promise<ChannelAnswer>((r) => waiting.set(id, r)));
      if (a.status !== 200) throw new Error(`answer ${id}: ${a.status} ${JSON.stringify(a.body)}`);
      return a.body as T;
    },
    order,
    close: () => ws.close(),
  };
}

const namespace = 'default';

it('hands the first workflow task to the waiting poll before it answers the start', async () => {
  const ch = await rawChannel();
  try {
    for (let i = 0; i < 5; i++) {
      const taskQueue = uid('call-order');
      const id = 10 * i;
      ch.send(
        id + 1,
        'pollTasks',
        { namespace, taskQueue },
        { identity: 'raw', maxWorkflowTasks: 1, maxActivityTasks: 0 },
      );
      await new Promise((r) => setTimeout(r, 50)); // the poll waits at the server
      ch.send(id + 2, 'startWorkflow', { namespace }, { workflowId: uid('call-order'), workflowType: 'x', taskQueue });
      const polled = await ch.answer<PollResponse>(id + 1);
      await ch.answer(id + 2);
      expect(polled.workflowTasks).toHaveLength(1);
      expect(ch.order.slice(-2)).toEqual([id + 1, id + 2]);
    }
  } finally {
    ch.close();
  }
});

it("answers a wait for a run's result before the completion that closed the run", async () => {
  const ch = await rawChannel();
  try {
    for (let i = 0; i < 5; i++) {
      const taskQueue = uid('call-order');
      const workflowId = uid('call-order');
      const id = 10 * i;
      ch.send(id + 1, 'startWorkflow', { namespace }, { workflowId, workflowType: 'x', taskQueue });
      await ch.answer(id + 1);
      ch.send(
        id + 2,
        'pollTasks',
        { namespace, taskQueue },
        { identity: 'raw', maxWorkflowTasks: 1, maxActivityTasks: 0 },
      );
      const [task] = (await ch.answer<PollResponse>(id + 2)).workflowTasks;
      ch.send(id + 3, 'waitWorkflowResults', { namespace }, { runs: [{ workflowId }] });
      await new Promise((r) => setTimeout(r, 50)); // the wait is registered
      ch.send(
        id + 4,
        'completeTasks',
        { namespace },
        {
          identity: 'raw',
          taskQueue,
          completions: [
            {
              kind: 'workflowTaskCompleted',
              taskToken: task!.taskToken,
              commands: [{ type: 'CompleteWorkflowExecution', result: i }],
            },
          ],
        },
      );
      const waited = await ch.answer<WaitResultsResponse>(id + 3);
      await ch.answer(id + 4);
      expect(waited.results[0]?.outcome?.result).toBe(i);
      expect(ch.order.slice(-2)).toEqual([id + 3, id + 4]);
    }
  } finally {
    ch.close();
  }
});
