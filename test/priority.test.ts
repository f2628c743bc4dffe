/**
 * Temporal's priority against a real server: a task queue hands out its tasks by priority key (1 first; none:
 * the workflow's, else 3), first in, first out within a key; the order survives a server restart (the key is kept
 * in the task's row). Workflow tasks are ordered the same way by the run's priority.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Connection } from '../src/client/index.js';
import { startServer } from '../src/server/index.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';
import { freePort } from './process-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** An activity worker taking one task at a time, recording the order it ran them in. */
async function recorder(connection: Connection, taskQueue: string): Promise<string[]> {
  const order: string[] = [];
  const w = await startWorker(
    { connection },
    {
      taskQueue,
      activities: { record: async (name: string) => (order.push(name), name) },
      maxConcurrentActivityTaskExecutions: 1,
    },
  );
  cleanups.push(() => w.stop());
  return order;
}

const ITEMS: Array<[string, number | null]> = [
  ['low-a', 5],
  ['inherited-a', null],
  ['high-a', 1],
  ['default-a', 3],
  ['low-b', 5],
  ['high-b', 1],
  ['inherited-b', null],
];

describe('priority', () => {
  it("hands out a queue's activity tasks by priority key; an activity without one takes its workflow's", async () => {
    const ts: TestServer = await startTestServer();
    cleanups.push(() => ts.stop());
    const wf = await startWorker(ts, { taskQueue: 'prio-wf', workflowsPath: fixture('priority.ts') });
    cleanups.push(() => wf.stop());
    const acts = `prio-acts-${uid()}`;
    // the workflow's own priority is 2: its activities without one come after key 1, before the default 3
    const handle = await ts.client.workflow.start('prioritized', {
      taskQueue: 'prio-wf',
      workflowId: uid('prio'),
      args: [acts, ITEMS],
      priority: { priorityKey: 2 },
    });
    await waitFor(async () => (await handle.describe()).pendingActivities.length === ITEMS.length);
    const order = await recorder(ts.connection, acts);
    expect(await handle.result()).toEqual(ITEMS.map(([n]) => n));
    expect(order).toEqual(['high-a', 'high-b', 'inherited-a', 'inherited-b', 'default-a', 'low-a', 'low-b']);
    const { events } = await handle.fetchHistory();
    const scheduled = events.filter((e) => e.eventType === 'ActivityTaskScheduled').map((e) => e.attributes);
    expect(scheduled[0]).toMatchObject({ priority: { priorityKey: 5 } });
    expect(scheduled[1]).not.toHaveProperty('priority');
  });

  it('keeps the order across a server restart: the key is in the task rows the queues are rebuilt from', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-prio-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const port = await freePort();
    const db = path.join(dir, 'weft.db');
    let server = await startServer({ port, db, logLevel: 'warn' });
    const first = await Connection.connect({ address: server.address });
    const wf = await startWorker(
      { connection: first },
      { taskQueue: 'prio-wf', workflowsPath: fixture('priority.ts') },
    );
    const acts = `prio-acts-${uid()}`;
    const workflowId = uid('prio-restart');
    const client = new Client({ connection: first });
    const handle = await client.workflow.start('prioritized', {
      taskQueue: 'prio-wf',
      workflowId,
      args: [acts, ITEMS],
    });
    await waitFor(async () => (await handle.describe()).pendingActivities.length === ITEMS.length);
    await wf.stop();
    await first.close();
    await server.stop();

    server = await startServer({ port, db, logLevel: 'warn' });
    cleanups.push(() => server.stop());
    const connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const wf2 = await startWorker({ connection }, { taskQueue: 'prio-wf', workflowsPath: fixture('priority.ts') });
    cleanups.push(() => wf2.stop());
    const order = await recorder(connection, acts);
    expect(await new Client({ connection }).workflow.getHandle(workflowId).result()).toEqual(ITEMS.map(([n]) => n));
    // no workflow priority here: the activities without a key of their own have the default, 3
    expect(order).toEqual(['high-a', 'high-b', 'inherited-a', 'default-a', 'inherited-b', 'low-a', 'low-b']);
  });

  it("hands out a queue's workflow tasks by their run's priority", async () => {
    const ts: TestServer = await startTestServer();
    cleanups.push(() => ts.stop());
    const taskQueue = `prio-first-${uid()}`;
    const keys = [5, undefined, 1, 4, 2, 1];
    const runs = new Map<string, number>();
    for (const [i, k] of keys.entries()) {
      const h = await ts.client.workflow.start('ownPriority', {
        taskQueue,
        workflowId: uid(`prio-wft-${i}`),
        ...(k !== undefined ? { priority: { priorityKey: k } } : {}),
      });
      runs.set(h.firstExecutionRunId, k ?? 3);
    }
    // one poll for all of them, as a worker's: the answer lists them in the order the queue hands them out
    const res = await fetch(`${ts.server.address}/api/v1/namespaces/default/task-queues/${taskQueue}/poll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identity: 'prio-poller', maxWorkflowTasks: 10, maxActivityTasks: 0, timeoutMs: 1000 }),
    });
    expect(res.status).toBe(200);
    const { workflowTasks } = (await res.json()) as { workflowTasks: Array<{ runId: string }> };
    expect(workflowTasks.map((t) => runs.get(t.runId))).toEqual([1, 1, 2, 3, 4, 5]);
    // within a key, first in, first out: the two runs of key 1 in the order they were started
    const firsts = [...runs].filter(([, k]) => k === 1).map(([runId]) => runId);
    expect(workflowTasks.slice(0, 2).map((t) => t.runId)).toEqual(firsts);
  });
});
