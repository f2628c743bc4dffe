/**
 * A query sees every signal acknowledged before it (read-your-writes, as Temporal's consistent queries), over
 * HTTP and SQLite: signals and queries interleaved 1,000 times (20 workflows at once) on a sticky worker, on a
 * worker that caches nothing (every answer is a replay), while a workflow task is in flight on a slow worker (a
 * signal and queries come in while it runs), and once the run has closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '../src/client/index.js';
import * as activities from './fixtures/activities.js';
import { addSignal, finishSignal, totalQuery } from './fixtures/messages.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

/** The local activity of `gatedSummer`: returns at once, unless the test armed it (then it holds its task). */
let gate: { held: () => void; release: Promise<void> } | undefined;
async function queryGate(): Promise<void> {
  const g = gate;
  gate = undefined;
  if (!g) return;
  g.held();
  await g.release;
}

const TQ = uid('rw');
const TQ_NO_CACHE = uid('rw-nocache');
const TQ_GATED = uid('rw-gated');
let ts: TestServer;
const workers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  ts = await startTestServer();
  const workflowsPath = fixture('workflows.ts');
  for (const w of await Promise.all([
    startWorker(ts, { taskQueue: TQ, workflowsPath, activities }),
    startWorker(ts, { taskQueue: TQ_NO_CACHE, workflowsPath, activities, maxCachedWorkflows: 0 }),
    startWorker(ts, {
      taskQueue: TQ_GATED,
      workflowsPath: fixture('query-workflows.ts'),
      activities: { queryGate },
    }),
  ]))
    workers.push(w.stop);
});
afterAll(async () => {
  for (const stop of workers) await stop();
  await ts?.stop();
});

/** Signals 1..n one by one, each awaited, then a query; returns the answers that missed a signal (none, we hope). */
async function interleave(handle: WorkflowHandle, from: number, n: number, sumBefore = 0): Promise<unknown[]> {
  const wrong: unknown[] = [];
  let sum = sumBefore;
  for (let v = from; v < from + n && wrong.length < 5; v++) {
    await handle.signal(addSignal, v);
    sum += v;
    const got = await handle.query(totalQuery);
    if (got !== sum) wrong.push({ signal: v, expected: sum, got });
  }
  return wrong;
}

const sumTo = (n: number): number => (n * (n + 1)) / 2;

describe('a query sees every signal acknowledged before it', () => {
  it('1,000 rounds of signal-then-query: 20 workflows at once, 50 rounds each; then from the closed runs', async () => {
    const handles = await Promise.all(
      Array.from({ length: 20 }, () =>
        ts.client.workflow.start('summer', { taskQueue: TQ, workflowId: uid('rw'), args: [1e9] }),
      ),
    );
    const wrong = await Promise.all(handles.map((h) => interleave(h, 1, 50)));
    expect(wrong.flat()).toEqual([]);
    await Promise.all(handles.map((h) => h.signal(finishSignal)));
    expect(await Promise.all(handles.map((h) => h.result()))).toEqual(handles.map(() => sumTo(50)));
    expect(await Promise.all(handles.map((h) => h.query(totalQuery)))).toEqual(handles.map(() => sumTo(50)));
  });

  it('one workflow, 200 rounds in a row', async () => {
    const handle = await ts.client.workflow.start('summer', { taskQueue: TQ, workflowId: uid('rw'), args: [1e9] });
    expect(await interleave(handle, 1, 200)).toEqual([]);
    await handle.signal(finishSignal);
    expect(await handle.result()).toBe(sumTo(200));
  });

  it('on a worker that caches nothing: every query is answered by replaying the history', async () => {
    const handle = await ts.client.workflow.start('summer', {
      taskQueue: TQ_NO_CACHE,
      workflowId: uid('rw-nocache'),
      args: [1e9],
    });
    expect(await interleave(handle, 1, 100)).toEqual([]);
    await handle.signal(finishSignal);
    expect(await handle.result()).toBe(sumTo(100));
    expect(await handle.query(totalQuery)).toBe(sumTo(100));
  });

  it('while a workflow task is in flight: a query waits for it, and for the next one when a signal came in meanwhile', async () => {
    const handle = await ts.client.workflow.start('gatedSummer', { taskQueue: TQ_GATED, workflowId: uid('rw-gated') });
    const wrong: unknown[] = [];
    let sum = 0;
    for (let round = 0; round < 100 && wrong.length < 5; round++) {
      const a = 2 * round + 1;
      const b = 2 * round + 2;
      let held!: () => void;
      let open!: () => void;
      const isHeld = new Promise<void>((r) => (held = r));
      gate = { held, release: new Promise<void>((r) => (open = r)) };
      await handle.signal(addSignal, a);
      sum += a;
      await isHeld; // the workflow task with signal a runs on the worker, held in its local activity
      const first = handle.query(totalQuery);
      await handle.signal(addSignal, b); // buffered behind the running task, acknowledged
      sum += b;
      const second = handle.query(totalQuery);
      await new Promise((r) => setTimeout(r, 2)); // both queries reach the server while the task still runs
      open();
      const [gotFirst, gotSecond] = await Promise.all([first, second]);
      if (gotFirst !== sum - b && gotFirst !== sum) wrong.push({ round, query: 'first', expected: sum - b, gotFirst });
      if (gotSecond !== sum) wrong.push({ round, query: 'second', expected: sum, gotSecond });
    }
    expect(wrong).toEqual([]);
    await handle.signal(finishSignal);
    expect(await handle.result()).toBe(sumTo(200));
    expect(await handle.query(totalQuery)).toBe(sumTo(200));
  });
});
