/**
 * Workflow primitives at the edges, as Temporal has them: negative timer durations wait 1 ms, a scope timeout of
 * 0 is none (SDK flag 3), a timer "forever" keeps describe working, workflowInfo().searchAttributes is {} when
 * the start set none, a signal in the same task as a condition's timer fire counts (SDK flag 4), and a workflow
 * module's top level may call weft/workflow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as activities from './fixtures/activities.js';
import { finishSignal } from './fixtures/messages.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-workflow-primitives';
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

describe('timer durations', () => {
  it('negative durations wait 1 ms and a scope timeout of 0 is none; the first task records SDK flag 3', async () => {
    const h = await ts.client.workflow.start('timerDurations', { taskQueue: TQ, workflowId: uid('durations') });
    expect(await h.result()).toEqual(['slept', 'condition timed out', 'no timeout']);
    const { events } = await h.fetchHistory();
    const started = events.filter((e) => e.eventType === 'TimerStarted');
    expect(
      started.slice(0, 2).map((e) => (e.attributes as { startToFireTimeoutMs: number }).startToFireTimeoutMs),
    ).toEqual([1, 1]);
    const flags = events.flatMap((e) => (e.eventType === 'WorkflowTaskCompleted' ? (e.attributes.sdkFlags ?? []) : []));
    expect(flags).toContain(3);
  });

  it('a timer "forever" keeps describe working; searchAttributes is {} when the start set none', async () => {
    const h = await ts.client.workflow.start('sleepsForever', { taskQueue: TQ, workflowId: uid('forever') });
    await waitFor(
      async () => (await h.fetchHistory()).events.some((e) => e.eventType === 'TimerStarted'),
      10_000,
      'the timer started',
    );
    expect((await h.describe()).status.name).toBe('RUNNING');
    await h.signal(finishSignal);
    expect(await h.result()).toEqual({});
  });

  it("a signal in the same workflow task as a condition's timer fire counts (Temporal's order: messages first)", async () => {
    const queue = uid('approval');
    let worker = await startWorker(ts, { taskQueue: queue, workflowsPath: fixture('workflows.ts'), activities });
    const h = await ts.client.workflow.start('approvalWithTimeout', { taskQueue: queue, workflowId: uid('approval') });
    await waitFor(
      async () => (await h.fetchHistory()).events.some((e) => e.eventType === 'TimerStarted'),
      10_000,
      'the timer started',
    );
    await worker.stop();
    await new Promise((r) => setTimeout(r, 1300)); // the timer fires with no worker
    await h.signal(finishSignal); // and the signal comes after it, into the same pending task
    worker = await startWorker(ts, { taskQueue: queue, workflowsPath: fixture('workflows.ts'), activities });
    try {
      expect(await h.result()).toBe('approved');
      const types = (await h.fetchHistory()).events.map((e) => e.eventType);
      expect(types.indexOf('TimerFired')).toBeLessThan(types.indexOf('WorkflowExecutionSignaled'));
    } finally {
      await worker.stop();
    }
  });
});

describe('workflow modules', () => {
  it('their top level may call weft/workflow, and sees the run it is loaded for', async () => {
    const queue = uid('module-level');
    const worker = await startWorker(ts, { taskQueue: queue, workflowsPath: fixture('module-level.ts'), activities });
    try {
      for (const workflowId of [uid('ml-a'), uid('ml-b')])
        expect(await ts.client.workflow.execute('moduleLevel', { taskQueue: queue, workflowId })).toBe(
          `${workflowId}:ready`,
        );
    } finally {
      await worker.stop();
    }
  });
});
