/**
 * Several servers on one PostgreSQL database, in this process: any server accepts any request, a worker
 * polling one gets the tasks another made, results, signals, queries and updates cross servers, and timers
 * go on when the server firing them stops; a query sees every signal acknowledged before it, whichever server
 * took each. (test/cluster-crash.test.ts does the same with processes and SIGKILL.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as activities from './fixtures/activities.js';
import { addSignal, finishSignal, totalQuery } from './fixtures/messages.js';
import { addItem, done, slowAdd } from './fixtures/updates.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';
import { createTestDatabase, describePg, type TestDatabase } from '../src/store/postgres/test-pg.js';

const TQ = 'it-cluster';
const TQ_CHILDREN = 'it-cluster-children';
const TQ_UPDATES = 'it-cluster-updates';

await describePg('a cluster: three servers on one PostgreSQL database', () => {
  let db: TestDatabase;
  let servers: TestServer[] = [];
  let stopWorker: (() => Promise<void>) | undefined;
  let stopChildWorker: (() => Promise<void>) | undefined;
  let stopUpdateWorker: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    const started = await Promise.all([0, 1, 2].map(() => startTestServer({ db: db.url })));
    // the worker polls one server only, not the leader (that one is stopped last)
    await waitFor(() => started.some((s) => s.server.context.cluster?.isLeader), 10_000, 'a leader');
    started.sort((a, b) => Number(a.server.context.cluster!.isLeader) - Number(b.server.context.cluster!.isLeader));
    servers = started;
    ({ stop: stopWorker } = await startWorker(servers[0]!, {
      taskQueue: TQ,
      workflowsPath: fixture('workflows.ts'),
      activities,
    }));
    // a second worker, of other workflows, on another server
    ({ stop: stopChildWorker } = await startWorker(servers[1]!, {
      taskQueue: TQ_CHILDREN,
      workflowsPath: fixture('children.ts'),
      activities,
    }));
    ({ stop: stopUpdateWorker } = await startWorker(servers[1]!, {
      taskQueue: TQ_UPDATES,
      workflowsPath: fixture('updates.ts'),
      activities,
    }));
  });
  afterAll(async () => {
    await stopWorker?.();
    await stopChildWorker?.();
    await stopUpdateWorker?.();
    for (const s of servers) await s.stop().catch(() => undefined);
    await db?.drop();
  });

  const leaderIndex = (): number => servers.findIndex((s) => s.server.context.cluster?.isLeader === true);

  it('exactly one server leads (fires timers and schedules)', async () => {
    await waitFor(() => leaderIndex() >= 0, 10_000, 'a leader');
    expect(servers.filter((s) => s.server.context.cluster?.isLeader).length).toBe(1);
  });

  it('a start on one server runs on a worker polling another, and a third answers the result', async () => {
    const workflowId = uid('x');
    await servers[1]!.client.workflow.start('sequential', { taskQueue: TQ, workflowId, args: [3] });
    const started = Date.now();
    expect(await servers[2]!.client.workflow.getHandle(workflowId).result()).toBe(9);
    expect(Date.now() - started).toBeLessThan(5000);
    const { events } = await servers[2]!.client.workflow.getHandle(workflowId).fetchHistory();
    expect(events.filter((e) => e.eventType === 'ActivityTaskCompleted')).toHaveLength(3);
  });

  it('many workflows started across all servers each complete once', async () => {
    const ids = Array.from({ length: 60 }, () => uid('many'));
    await Promise.all(
      ids.map((workflowId, i) =>
        servers[i % 3]!.client.workflow.start('sequential', { taskQueue: TQ, workflowId, args: [i] }),
      ),
    );
    const results = await Promise.all(
      ids.map((workflowId, i) => servers[(i + 1) % 3]!.client.workflow.getHandle(workflowId).result()),
    );
    expect(results).toEqual(ids.map((_, i) => (i + 1) * 2 + 1));
    for (const workflowId of ids.slice(0, 10)) {
      const { events } = await servers[2]!.client.workflow.getHandle(workflowId).fetchHistory();
      expect(events.filter((e) => e.eventType === 'ActivityTaskStarted')).toHaveLength(3);
      expect(events.filter((e) => e.eventType === 'WorkflowExecutionCompleted')).toHaveLength(1);
    }
  });

  it('timers fire, whichever server made them', async () => {
    const handles = await Promise.all(
      [0, 1, 2].map((i) =>
        servers[i]!.client.workflow.start('sleeper', { taskQueue: TQ, workflowId: uid('sleep'), args: [300] }),
      ),
    );
    expect(await Promise.all(handles.map((h) => h.result()))).toEqual(['woke', 'woke', 'woke']);
  });

  it('signals and queries through servers the worker does not poll', async () => {
    const workflowId = uid('sum');
    await servers[1]!.client.workflow.start('summer', { taskQueue: TQ, workflowId, args: [10] });
    const viaB = servers[1]!.client.workflow.getHandle(workflowId);
    const viaC = servers[2]!.client.workflow.getHandle(workflowId);
    for (const v of [1, 2, 3, 4]) await (v % 2 ? viaB : viaC).signal(addSignal, v);
    await waitFor(async () => (await viaC.query(totalQuery)) === 10, 10_000, 'the query to see the signals');
    expect(await viaB.query(totalQuery)).toBe(10);
    await viaC.signal(finishSignal);
    expect(await viaB.result()).toBe(10);
  });

  it('a server whose cached copy of a run lags the store reads the run again before it drops a task as stale', async () => {
    const workflowId = uid('lag');
    const handle = await servers[1]!.client.workflow.start('summer', { taskQueue: TQ, workflowId, args: [1] });
    const runId = handle.firstExecutionRunId;
    const polled = servers[0]!.server.context;
    // the first workflow task ran on the worker polling servers[0], so that server caches the run
    await waitFor(
      async () => (await handle.fetchHistory()).events.some((e) => e.eventType === 'WorkflowTaskCompleted'),
      10_000,
      'the first workflow task',
    );
    const cached = await polled.cache.getCommitted(runId);
    // a copy the next notice cannot replace (as one whose notice was lost or is late): the signal's workflow task
    // reaches that server's queue, but its cached run does not have the task
    cached.version = 1e9;
    await servers[1]!.client.workflow.getHandle(workflowId).signal(addSignal, 5);
    expect(await servers[2]!.client.workflow.getHandle(workflowId).result()).toBe(5);
  });

  it('a query through one server sees every signal acknowledged by another (neither polled by the worker)', async () => {
    const workflowId = uid('rw');
    await servers[1]!.client.workflow.start('summer', { taskQueue: TQ, workflowId, args: [1e9] });
    const viaB = servers[1]!.client.workflow.getHandle(workflowId);
    const viaC = servers[2]!.client.workflow.getHandle(workflowId);
    const wrong: unknown[] = [];
    let sum = 0;
    for (let v = 1; v <= 100 && wrong.length < 5; v++) {
      await viaB.signal(addSignal, v);
      sum += v;
      const got = await viaC.query(totalQuery);
      if (got !== sum) wrong.push({ signal: v, expected: sum, got });
    }
    expect(wrong).toEqual([]);
    await viaC.signal(finishSignal);
    expect(await viaB.result()).toBe(sum);
    // closed: the final state, through any server
    expect(await viaC.query(totalQuery)).toBe(sum);
  });

  it('updates through servers the worker does not poll; its sticky tasks reach it at once', async () => {
    const workflowId = uid('cart');
    await servers[0]!.client.workflow.start('cart', { taskQueue: TQ_UPDATES, workflowId });
    const viaA = servers[0]!.client.workflow.getHandle(workflowId);
    const viaC = servers[2]!.client.workflow.getHandle(workflowId);
    const started = Date.now();
    expect(await viaA.executeUpdate(addItem, { args: ['apple'] })).toBe(1);
    expect(await viaC.executeUpdate(addItem, { args: ['pear'] })).toBe(2);
    // a handler with an activity: the answer comes once the workflow task after the activity completes
    expect(await viaC.executeUpdate(slowAdd, { args: [21] })).toBe(42);
    // each update is a workflow task on the worker's sticky queue, held by server B: a task made on A or C that
    // B did not hear of would wait the 5 s sticky timeout before going to the normal queue
    expect(Date.now() - started).toBeLessThan(4000);
    await viaA.signal(done);
    expect(await viaC.result()).toEqual(['apple', 'pear', '42']);
    const { events } = await viaA.fetchHistory();
    expect(events.filter((e) => e.eventType === 'WorkflowExecutionUpdateCompleted')).toHaveLength(3);
  });

  it('every server knows which workflow types the workers polling another serve', async () => {
    // the worker polls server A and serves 'summer' on TQ; B and C answer from the pollers A recorded
    const served = await servers[1]!.client.workflow.start('summer', {
      taskQueue: TQ,
      workflowId: uid('ts'),
      args: [1],
    });
    const waiting = await servers[2]!.client.workflow.start('typeNobodyServes', {
      taskQueue: TQ,
      workflowId: uid('ts'),
    });
    expect((await servers[2]!.client.workflow.getHandle(served.workflowId).describe()).typeServed).toBe(true);
    expect((await servers[1]!.client.workflow.getHandle(waiting.workflowId).describe()).typeServed).toBe(false);
    await servers[2]!.client.workflow.getHandle(served.workflowId).terminate();
    await servers[0]!.client.workflow.getHandle(waiting.workflowId).terminate();
  });

  it('a child workflow started through another server', async () => {
    const handle = await servers[2]!.client.workflow.start('parentOfOne', {
      taskQueue: TQ_CHILDREN,
      workflowId: uid('parent'),
      args: [41],
    });
    expect((await servers[1]!.client.workflow.getHandle(handle.workflowId).result()) as unknown).toMatchObject({
      result: 42,
    });
  });

  it('every server lists the worker that polls one of them', async () => {
    for (const s of servers) {
      const q = await s.client.taskQueue.describe(TQ);
      expect(q.pollers.length).toBeGreaterThan(0);
    }
  });

  it("a run's tasks go to the worker polling the server that made them; another takes them once that one is gone", async () => {
    const taskQueue = uid('it-cluster-local');
    const w0 = await startWorker(servers[0]!, { taskQueue, workflowsPath: fixture('workflows.ts'), activities });
    const w1 = await startWorker(servers[1]!, { taskQueue, workflowsPath: fixture('workflows.ts'), activities });
    let w0Stopped = false;
    try {
      const identities = async (workflowId: string): Promise<Set<string>> => {
        const { events } = await servers[2]!.client.workflow.getHandle(workflowId).fetchHistory();
        return new Set(
          events
            .filter((e) => e.eventType === 'WorkflowTaskStarted' || e.eventType === 'ActivityTaskStarted')
            .map((e) => String(e.attributes.identity)),
        );
      };
      // both workers poll, server 1's too: without the grace it would win about half of these tasks
      const ids = Array.from({ length: 20 }, () => uid('local'));
      const handles = await Promise.all(
        ids.map((workflowId, i) =>
          servers[0]!.client.workflow.start('sequential', { taskQueue, workflowId, args: [i] }),
        ),
      );
      expect(await Promise.all(handles.map((h) => h.result()))).toEqual(ids.map((_, i) => (i + 1) * 2 + 1));
      for (const workflowId of ids) expect([...(await identities(workflowId))]).toEqual([w0.worker.identity]);

      // server 0's worker leaves (server 0 still believes it polls for a while): server 1's takes over
      await w0.stop();
      w0Stopped = true;
      const workflowId = uid('handover');
      const started = Date.now();
      const h = await servers[0]!.client.workflow.start('sequential', { taskQueue, workflowId, args: [5] });
      expect(await h.result()).toBe(13);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect([...(await identities(workflowId))]).toEqual([w1.worker.identity]);
    } finally {
      if (!w0Stopped) await w0.stop();
      await w1.stop();
    }
  });

  it('when the leader stops, another server fires the timers within seconds', async () => {
    expect(leaderIndex()).toBe(2);
    const handle = await servers[1]!.client.workflow.start('sleeper', {
      taskQueue: TQ,
      workflowId: uid('failover'),
      args: [1500],
    });
    await servers[2]!.stop();
    servers = servers.slice(0, 2);
    const stopped = Date.now();
    await waitFor(() => leaderIndex() >= 0, 5000, 'another leader');
    expect(await handle.result()).toBe('woke');
    expect(Date.now() - stopped).toBeLessThan(5000);
    expect(servers.filter((s) => s.server.context.cluster?.isLeader).length).toBe(1);
  });
});
