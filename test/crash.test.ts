/**
 * Crash tests with real processes: the server is killed with SIGKILL while 200 workflows are in flight and
 * restarted on the same SQLite file; a worker is killed in the middle of an activity.
 */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Connection } from '../src/client/index.js';
import { checkHistory } from '../src/engine/test-invariants.js';
import { Worker } from '../src/worker/index.js';
import * as crashActivities from './fixtures/crash-activities.js';
import { fixture, metric, quietLogger, startTestServer, uid, waitFor } from './helpers.js';
import { freePort, spawnTs, type Child } from './process-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('crash: server killed with SIGKILL', () => {
  it('loses none of 200 in-flight workflows and completes none twice', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    process.env.WEFT_TEST_LEDGER_DIR = dir;
    const db = path.join(dir, 'weft.db');
    const port = await freePort();
    let server: Child = await spawnTs(fixture('server-main.ts'), [db, String(port)]);
    cleanups.push(() => server.kill());
    const address = server.ready;

    const connection = Connection.lazy({ address });
    cleanups.push(() => connection.close());
    const worker = await Worker.create({
      connection,
      taskQueue: 'crash',
      workflowsPath: fixture('crash-workflows.ts'),
      activities: crashActivities,
      logger: quietLogger,
      handleSignals: false,
      maxConcurrentActivityTaskExecutions: 50,
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
    const client = new Client({ connection });

    const N = 200;
    const ids = Array.from({ length: N }, (_, i) => `crash-${i}-${uid()}`);
    const handles = await Promise.all(
      ids.map((workflowId, i) =>
        client.workflow.start('threeSteps', { taskQueue: 'crash', workflowId, args: [i * 10] }),
      ),
    );
    const results = handles.map((h) => h.result());

    // kill the server once some workflows are done and many are mid-way
    const ledger = path.join(dir, 'ledger.txt');
    await waitFor(
      () => existsSync(ledger) && readFileSync(ledger, 'utf8').split('\n').length > 150,
      30_000,
      'activities to run',
    );
    // the worker was continuing workflow tasks after their activities when the server died, and its calls were
    // frames of the streaming channel (many: completions and polls are batched, so not one per activity; a slow
    // CI machine batched 150 activities into 49 frames)
    expect(worker.getStatus().tasks.continuedWorkflowTasks).toBeGreaterThan(0);
    expect(await metric(address, 'weft_channels_open')).toBeGreaterThanOrEqual(1);
    expect(await metric(address, 'weft_channel_requests_total')).toBeGreaterThan(20);
    await server.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    server = await spawnTs(fixture('server-main.ts'), [db, String(port)]);

    const values = await Promise.all(results);
    expect(values).toEqual(ids.map((_, i) => i * 10 + 3));
    // the channel was opened again on the new server, and carried the rest
    expect(await metric(address, 'weft_channel_requests_total')).toBeGreaterThan(0);

    // each workflow id has exactly one run, closed Completed, with a dense history of 3 completed activities
    expect((await client.workflow.count(`ExecutionStatus = 'Completed' AND TaskQueue = 'crash'`)).count).toBe(N);
    expect((await client.workflow.count(`TaskQueue = 'crash'`)).count).toBe(N);
    for (const h of handles.slice(0, 50)) {
      const { events } = await client.workflow.getHandle(h.workflowId).fetchHistory();
      expect(events.map((e) => e.eventId)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e) => e.eventType === 'WorkflowExecutionCompleted')).toHaveLength(1);
      expect(events.filter((e) => e.eventType === 'ActivityTaskCompleted')).toHaveLength(3);
    }
    for (const h of handles.slice(0, 50))
      checkHistory((await client.workflow.getHandle(h.workflowId).fetchHistory()).events);
    // the independent ledger: every workflow ran each of its three activities at least once
    const lines = readFileSync(ledger, 'utf8').trim().split('\n');
    for (const id of ids)
      for (const activityId of ['1', '2', '3'])
        expect(lines.some((l) => l.startsWith(`${id} ${activityId} `))).toBe(true);
  }, 120_000);
});

describe('crash: worker killed with SIGKILL mid-activity', () => {
  it('runs the activity again after its timeout, on another worker, and the workflow completes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ts = await startTestServer();
    cleanups.push(() => ts.stop());
    const env = { WEFT_TEST_LEDGER_DIR: dir };
    const first = await spawnTs(fixture('worker-main.ts'), [ts.server.address, 'crash-worker'], env);
    cleanups.push(() => first.kill());

    const workflowId = uid('worker-crash');
    const handle = await ts.client.workflow.start('survivesWorkerCrash', { taskQueue: 'crash-worker', workflowId });
    await waitFor(() => existsSync(path.join(dir, `started-${workflowId}`)), 20_000, 'the activity to start');
    await first.kill('SIGKILL');

    const second = await spawnTs(fixture('worker-main.ts'), [ts.server.address, 'crash-worker'], env);
    cleanups.push(() => second.kill());
    expect(await handle.result()).toBe(2);
    const { events } = await handle.fetchHistory();
    const started = events.find((e) => e.eventType === 'ActivityTaskStarted');
    expect(started?.attributes).toMatchObject({
      attempt: 2,
      lastFailure: { kind: 'timeout', timeoutType: 'START_TO_CLOSE' },
    });
    const ledger = readFileSync(path.join(dir, 'ledger.txt'), 'utf8').trim().split('\n');
    expect(ledger).toEqual([`${workflowId} hangOnce 1`, `${workflowId} hangOnce 2`]);
  }, 60_000);
});

describe('crash: server and worker killed with SIGKILL mid-activity', () => {
  // SQLite does not write a started attempt's start-to-close timer (Store.startedActivities): the restarted
  // server rebuilds it from the activity's state, and it fires when it was due
  it("the restarted server times the attempt out from its state, and a new worker's retry completes it", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = path.join(dir, 'weft.db');
    const port = await freePort();
    let server: Child = await spawnTs(fixture('server-main.ts'), [db, String(port)]);
    cleanups.push(() => server.kill());
    const address = server.ready;
    const env = { WEFT_TEST_LEDGER_DIR: dir };
    const first = await spawnTs(fixture('worker-main.ts'), [address, 'crash-worker'], env);
    cleanups.push(() => first.kill());

    const connection = Connection.lazy({ address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    const workflowId = uid('server-worker-crash');
    const handle = await client.workflow.start('survivesWorkerCrash', { taskQueue: 'crash-worker', workflowId });
    await waitFor(() => existsSync(path.join(dir, `started-${workflowId}`)), 20_000, 'the activity to start');
    await first.kill('SIGKILL');
    await server.kill('SIGKILL');
    server = await spawnTs(fixture('server-main.ts'), [db, String(port)]);
    const second = await spawnTs(fixture('worker-main.ts'), [address, 'crash-worker'], env);
    cleanups.push(() => second.kill());

    // without the rebuilt timer the attempt is never timed out: the workflow waits forever
    const timedOut = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the first attempt was not timed out after the restart')), 20_000).unref(),
    );
    expect(await Promise.race([handle.result(), timedOut])).toBe(2);
    const { events } = await handle.fetchHistory();
    const started = events.find((e) => e.eventType === 'ActivityTaskStarted');
    expect(started?.attributes).toMatchObject({
      attempt: 2,
      lastFailure: { kind: 'timeout', timeoutType: 'START_TO_CLOSE' },
    });
    checkHistory(events);
    const ledger = readFileSync(path.join(dir, 'ledger.txt'), 'utf8').trim().split('\n');
    expect(ledger).toEqual([`${workflowId} hangOnce 1`, `${workflowId} hangOnce 2`]);
  }, 60_000);
});

describe('crash: worker killed with SIGKILL mid-stream', () => {
  // the worker takes its activities and its cached runs' next workflow tasks eagerly, in the answers to its
  // completions (the default): killed, what it held comes back by timeouts, and a new worker finishes the work
  it('a second worker finishes 200 in-flight three-step workflows: none lost, no activity completed twice', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ts = await startTestServer();
    cleanups.push(() => ts.stop());
    const env = { WEFT_TEST_LEDGER_DIR: dir };
    const taskQueue = 'crash-stream';
    const first = await spawnTs(fixture('worker-main.ts'), [ts.server.address, taskQueue], env);
    cleanups.push(() => first.kill());

    const N = 200;
    const ids = Array.from({ length: N }, (_, i) => `stream-${i}-${uid()}`);
    const handles = await Promise.all(
      ids.map((workflowId, i) => ts.client.workflow.start('threeSteps', { taskQueue, workflowId, args: [i * 10] })),
    );
    const results = handles.map((h) => h.result());
    const ledger = path.join(dir, 'ledger.txt');
    await waitFor(
      () => existsSync(ledger) && readFileSync(ledger, 'utf8').split('\n').length > 150,
      30_000,
      'activities to run',
    );
    // the worker was taking the fast paths: eager tasks and workflow tasks continued after their activity, over
    // the streaming channel (the test's client and the worker: two channels). The worker prints its count every
    // 50 ms, and under load the ledger can fill before the first continued task is answered: wait for the line
    await waitFor(() => /CONTINUED [1-9]/.test(first.output()), 10_000, 'a continued workflow task');
    expect(first.output()).toMatch(/CONTINUED [1-9]/);
    expect(await metric(ts.server.address, 'weft_channels_open')).toBeGreaterThanOrEqual(2);
    await first.kill('SIGKILL');
    // with no worker nothing moves: this is what was complete when the worker died
    const completedAtKill = (
      await ts.client.workflow.count(`ExecutionStatus = 'Completed' AND TaskQueue = '${taskQueue}'`)
    ).count;
    expect(completedAtKill).toBeLessThan(N);
    const second = await spawnTs(fixture('worker-main.ts'), [ts.server.address, taskQueue], env);
    cleanups.push(() => second.kill());

    expect(await Promise.all(results)).toEqual(ids.map((_, i) => i * 10 + 3));
    expect((await ts.client.workflow.count(`ExecutionStatus = 'Completed' AND TaskQueue = '${taskQueue}'`)).count).toBe(
      N,
    );
    let retried = 0;
    for (const h of handles) {
      const { events } = await ts.client.workflow.getHandle(h.workflowId).fetchHistory();
      expect(events.map((e) => e.eventId)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e) => e.eventType === 'WorkflowExecutionCompleted')).toHaveLength(1);
      expect(events.filter((e) => e.eventType === 'ActivityTaskCompleted')).toHaveLength(3);
      retried += events.filter((e) => e.eventType === 'ActivityTaskStarted' && Number(e.attributes.attempt) > 1).length;
    }
    // the kill landed mid-activity: activities the dead worker held ran again after their timeout, once each in
    // history; the ledger (every execution) has each of the 600 at least once
    expect(retried).toBeGreaterThan(0);
    const lines = readFileSync(ledger, 'utf8').trim().split('\n');
    for (const id of ids)
      for (const activityId of ['1', '2', '3'])
        expect(lines.some((l) => l.startsWith(`${id} ${activityId} `))).toBe(true);
  }, 120_000);
});
