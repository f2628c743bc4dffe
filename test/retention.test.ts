/**
 * Retention: a server deletes closed runs once they are older than its retention period, with their history and
 * search attributes; running runs stay, however old; the workflow id is free again. (Store level, both stores:
 * src/store/conformance-retention.ts.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

let ts: TestServer;
let stopWorker: () => Promise<void>;
const taskQueue = 'retention';

beforeAll(async () => {
  // sweeps every 100 ms, keeps closed runs 1 s
  ts = await startTestServer({ config: { retentionMs: 1000, retentionSweepEveryMs: 100 } });
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue, workflowsPath: fixture('workflows.ts'), activities }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

it('deletes a closed run after the retention period, whole; a running one stays; the id is free again', async () => {
  const done = uid('kept-a-second');
  const waiting = uid('still-running');
  const h = await ts.client.workflow.start('sequential', { taskQueue, workflowId: done, args: [1] });
  expect(await h.result()).toBe(5);
  const w = await ts.client.workflow.start('sleeper', { taskQueue, workflowId: waiting, args: [600_000] });

  // within the period it is all there
  expect((await h.describe()).status.name).toBe('COMPLETED');
  const { events } = await h.fetchHistory();
  expect(events.length).toBeGreaterThan(5);

  const deadline = Date.now() + 10_000;
  for (;;) {
    const n = (await ts.client.workflow.count(`WorkflowId = '${done}'`)).count;
    if (n === 0) break;
    if (Date.now() > deadline) throw new Error('the closed run was not deleted within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  await expect(h.describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
  await expect(h.fetchHistory()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
  expect(ts.server.context.retention.deleted).toBeGreaterThanOrEqual(1);

  // the running run is as old, and stays
  expect((await w.describe()).status.name).toBe('RUNNING');
  // the id can start a new run
  const again = await ts.client.workflow.start('sequential', { taskQueue, workflowId: done, args: [2] });
  expect(await again.result()).toBe(7);
  await w.terminate('test over');
});
