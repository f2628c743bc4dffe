/**
 * A rolling restart under load: seq3-shaped workflows are started in waves while each of two workers, with fixed
 * identities as pods have, is shut down gracefully and started again with the same identity, twice. No task may
 * be left to a timeout (a WorkflowTaskTimedOut or an ActivityTaskTimedOut would be a task started for a worker
 * that never ran it), every run completes with its result, and each activity completes once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WorkflowHandle } from '../src/client/index.js';
import { checkHistory } from '../src/engine/test-invariants.js';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

it('loses no task when workers restart one by one under load, with the same identities', async () => {
  const taskQueue = uid('rolling');
  const start = (identity: string) =>
    startWorker(ts, {
      taskQueue,
      identity,
      workflowsPath: fixture('workflows.ts'),
      activities,
      shutdownGraceTime: '5s',
    });
  const workers = { a: await start('pod-a'), b: await start('pod-b') };

  const handles: Array<{ handle: WorkflowHandle; x: number }> = [];
  const starting = (async () => {
    for (let wave = 0; wave < 12; wave++) {
      const xs = Array.from({ length: 40 }, (_, i) => wave * 40 + i);
      const started = await Promise.all(
        xs.map((x) => ts.client.workflow.start('sequential', { taskQueue, workflowId: uid('rolling'), args: [x] })),
      );
      started.forEach((handle, i) => handles.push({ handle, x: xs[i]! }));
      await sleep(100);
    }
  })();
  for (let round = 0; round < 2; round++)
    for (const name of ['a', 'b'] as const) {
      await sleep(150);
      await workers[name].stop();
      workers[name] = await start(`pod-${name}`);
    }
  await starting;
  try {
    // within the workflow task timeout (10 s): a task lost at a shutdown would wait for it
    const results = await Promise.race([
      Promise.all(handles.map(({ handle }) => handle.result())),
      sleep(8000).then(() => {
        throw new Error('not every run completed within 8 s');
      }),
    ]);
    expect(results).toEqual(handles.map(({ x }) => (x + 1) * 2 + 1));
    for (const { handle } of handles) {
      const { events } = await handle.fetchHistory();
      checkHistory(events);
      const types = events.map((e) => e.eventType);
      expect(types).not.toContain('WorkflowTaskTimedOut');
      expect(types).not.toContain('ActivityTaskTimedOut');
      expect(types.filter((t) => t === 'ActivityTaskCompleted')).toHaveLength(3);
    }
  } finally {
    await workers.a.stop();
    await workers.b.stop();
  }
});
