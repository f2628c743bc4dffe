/** End to end over HTTP on a real SQLite file: sequential, parallel, deterministic replay, info. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../src/worker/index.js';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-workflows';
let ts: TestServer;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('workflows.ts'), activities }));
});

afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

describe('workflows over HTTP on SQLite', () => {
  it('runs activities in sequence, each using the previous result', async () => {
    const handle = await ts.client.workflow.start('sequential', { taskQueue: TQ, workflowId: uid(), args: [5] });
    expect(await handle.result()).toBe((5 + 1) * 2 + 1);
    const { events } = await handle.fetchHistory();
    const scheduled = events
      .filter((e) => e.eventType === 'ActivityTaskScheduled')
      .map((e) => (e.attributes as { activityType: string }).activityType);
    expect(scheduled).toEqual(['step', 'double', 'step']);
    expect(events.map((e) => e.eventId)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.eventType).toBe('WorkflowExecutionCompleted');
    const d = await handle.describe();
    expect(d.status.name).toBe('COMPLETED');
    expect(d.historyLength).toBe(events.length);
  });

  it('runs 10 activities in parallel with Promise.all', async () => {
    const handle = await ts.client.workflow.start('parallel', { taskQueue: TQ, workflowId: uid(), args: [10] });
    expect(await handle.result()).toBe(45);
    const { events } = await handle.fetchHistory();
    expect(events.filter((e) => e.eventType === 'ActivityTaskScheduled')).toHaveLength(10);
    expect(events.filter((e) => e.eventType === 'ActivityTaskCompleted')).toHaveLength(10);
    // all ten were scheduled by the first workflow task, before any completed
    const firstCompleted = events.findIndex((e) => e.eventType === 'ActivityTaskCompleted');
    const lastScheduled = events.map((e) => e.eventType).lastIndexOf('ActivityTaskScheduled');
    expect(lastScheduled).toBeLessThan(firstCompleted);
  });

  it('execute() starts and waits; workflowInfo() describes the run', async () => {
    const workflowId = uid();
    const info = await ts.client.workflow.execute('info', { taskQueue: TQ, workflowId });
    expect(info).toMatchObject({ workflowId, workflowType: 'info', taskQueue: TQ, attempt: 1 });
    expect(typeof (info as { runId: string }).runId).toBe('string');
  });

  it('gives every attempt of one activity the same idempotency key, and different activities different keys', async () => {
    const [a, b] = (await ts.client.workflow.execute('idempotencyKeys', {
      taskQueue: TQ,
      workflowId: uid(),
    })) as string[];
    expect(a).toMatch(/\/1$/);
    expect(b).toMatch(/\/2$/);
    expect(a).not.toBe(b);
  });

  it('keeps Date.now(), Math.random(), uuid4() and crypto.randomUUID() stable across replay', async () => {
    const workflowId = uid();
    const handle = await ts.client.workflow.start('nondeterministicLooking', { taskQueue: TQ, workflowId });
    const first = (await handle.result()) as Record<string, unknown>;
    expect(first.same).toBe(true);
    expect(first.r1).not.toBe(first.r2);
    // replaying the recorded history in a fresh sandbox produces the same commands (the same result included)
    const history = await handle.fetchHistory();
    await expect(Worker.runReplayHistory({ workflowsPath: fixture('workflows.ts') }, history)).resolves.toBeUndefined();
    const completed = history.events.at(-1);
    expect(completed?.eventType).toBe('WorkflowExecutionCompleted');
    expect((completed?.attributes as { result: unknown }).result).toEqual(first);
  });

  it("a task sticky to a worker that left goes to another after that worker's stickyQueueScheduleToStartTimeout", async () => {
    const queue = `${TQ}-sticky`;
    const a = await startWorker(ts, {
      taskQueue: queue,
      workflowsPath: fixture('workflows.ts'),
      identity: 'sticky-a',
      stickyQueueScheduleToStartTimeout: '300ms',
    });
    const t0 = Date.now();
    const handle = await ts.client.workflow.start('sleeper', { taskQueue: queue, workflowId: uid(), args: [1500] });
    await waitFor(async () => (await handle.describe()).pendingTimers.length === 1, 10_000, 'the timer');
    await a.stop(); // it held the run: the task after the timer is sticky to it
    const b = await startWorker(ts, { taskQueue: queue, workflowsPath: fixture('workflows.ts'), identity: 'sticky-b' });
    try {
      expect(await handle.result()).toBe('woke');
      // the timer's 1.5 s, then 300 ms for worker a (the default would be 5 s)
      expect(Date.now() - t0).toBeLessThan(5000);
      const completed = (await handle.fetchHistory()).events.filter((e) => e.eventType === 'WorkflowTaskCompleted');
      expect(completed.map((e) => (e.attributes as { identity: string }).identity)).toEqual(['sticky-a', 'sticky-b']);
    } finally {
      await b.stop();
    }
  });

  it('replays the same values when every workflow task rebuilds the workflow (no sticky cache)', async () => {
    const { stop } = await startWorker(ts, {
      taskQueue: `${TQ}-nocache`,
      workflowsPath: fixture('workflows.ts'),
      activities,
      maxCachedWorkflows: 0,
    });
    try {
      const r = (await ts.client.workflow.execute('nondeterministicLooking', {
        taskQueue: `${TQ}-nocache`,
        workflowId: uid(),
      })) as {
        t1: number;
        t2: number;
        same: boolean;
      };
      expect(r.same).toBe(true);
      expect(r.t2).toBeGreaterThanOrEqual(r.t1 + 10);
    } finally {
      await stop();
    }
  });

  it('fails the workflow with a WeftFailure thrown by workflow code', async () => {
    const handle = await ts.client.workflow.start('failsWithApplicationFailure', { taskQueue: TQ, workflowId: uid() });
    await expect(handle.result()).rejects.toMatchObject({
      name: 'WorkflowFailedError',
      cause: { message: 'business rule broken', type: 'RuleBroken' },
    });
    expect((await handle.describe()).status.name).toBe('FAILED');
  });

  it('fails the workflow task, not the workflow, on a plain error (a bug), and keeps retrying it', async () => {
    const handle = await ts.client.workflow.start('throwsPlainError', { taskQueue: TQ, workflowId: uid() });
    const d = await waitForPendingTaskFailure(handle);
    expect(d.status.name).toBe('RUNNING');
    expect(d.pendingWorkflowTask?.lastFailure?.message).toContain('a bug in workflow code');
    await handle.terminate('test over');
  });
});

async function waitForPendingTaskFailure(handle: {
  describe(): Promise<import('../src/client/index.js').WorkflowExecutionDescription>;
}) {
  for (let i = 0; i < 100; i++) {
    const d = await handle.describe();
    if (d.pendingWorkflowTask?.lastFailure) return d;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('workflow task never failed');
}
