/**
 * The rest of the contract of this slice: id reuse and conflict policies, list and count, the OpenAPI document,
 * conditions and scopes, the bundler's sandbox guard, workers seen by the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowExecutionAlreadyStartedError } from '../src/client/index.js';
import { WorkflowBundleError, bundleWorkflowCode } from '../src/worker/index.js';
import { operations } from '../src/server/api/operations.js';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-api';
let ts: TestServer;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, {
    taskQueue: TQ,
    workflowsPath: fixture('workflows.ts'),
    activities,
    buildId: 'build-7',
  }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

describe('workflow id reuse and conflict policies', () => {
  it('FAIL (default) rejects a second start while running; USE_EXISTING returns the running run', async () => {
    const workflowId = uid('pol');
    const first = await ts.client.workflow.start('sleeper', { taskQueue: TQ, workflowId, args: [60_000] });
    await expect(ts.client.workflow.start('sleeper', { taskQueue: TQ, workflowId, args: [1] })).rejects.toBeInstanceOf(
      WorkflowExecutionAlreadyStartedError,
    );
    const again = await ts.client.workflow.start('sleeper', {
      taskQueue: TQ,
      workflowId,
      args: [1],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(again.runId).toBe(first.runId);
    await first.terminate();
  });

  it('a retried start (same request id) returns the run it started; racing starts of a new id: one run', async () => {
    const workflowId = uid('pol');
    const post = (body: object): Promise<Response> =>
      fetch(`${ts.server.address}/api/v1/namespaces/default/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ workflowType: 'sleeper', taskQueue: TQ, workflowId, args: [60_000], ...body }),
      });
    const first = (await (await post({ requestId: 'req-1' })).json()) as { runId: string; started: boolean };
    expect(first.started).toBe(true);
    const retried = (await (await post({ requestId: 'req-1' })).json()) as { runId: string; started: boolean };
    expect(retried).toEqual({ runId: first.runId, started: false });
    const other = await post({ requestId: 'req-2' });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('WORKFLOW_ALREADY_STARTED');
    await ts.client.workflow.getHandle(workflowId).terminate();

    const raceId = uid('race');
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        fetch(`${ts.server.address}/api/v1/namespaces/default/workflows`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ workflowType: 'sleeper', taskQueue: TQ, workflowId: raceId, args: [60_000] }),
        }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    await ts.client.workflow.getHandle(raceId).terminate();
  });

  it('TERMINATE_EXISTING terminates the running run and starts a new one', async () => {
    const workflowId = uid('pol');
    const first = await ts.client.workflow.start('sleeper', { taskQueue: TQ, workflowId, args: [60_000] });
    const second = await ts.client.workflow.start('sleeper', {
      taskQueue: TQ,
      workflowId,
      args: [10],
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    });
    expect(second.runId).not.toBe(first.runId);
    expect((await ts.client.workflow.getHandle(workflowId, first.runId).describe()).status.name).toBe('TERMINATED');
    expect(await second.result()).toBe('woke');
    expect((await ts.client.workflow.getHandle(workflowId).describe()).runId).toBe(second.runId);
  });

  it('closed runs: ALLOW_DUPLICATE starts again, REJECT_DUPLICATE refuses, ALLOW_DUPLICATE_FAILED_ONLY only after a failure', async () => {
    const workflowId = uid('pol');
    await ts.client.workflow.execute('sleeper', { taskQueue: TQ, workflowId, args: [1] });
    await expect(
      ts.client.workflow.start('sleeper', {
        taskQueue: TQ,
        workflowId,
        args: [1],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await expect(
      ts.client.workflow.start('sleeper', {
        taskQueue: TQ,
        workflowId,
        args: [1],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    const again = await ts.client.workflow.start('sleeper', { taskQueue: TQ, workflowId, args: [1] });
    await again.terminate();
    const third = await ts.client.workflow.start('sleeper', {
      taskQueue: TQ,
      workflowId,
      args: [1],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
    });
    expect(await third.result()).toBe('woke');
    expect((await ts.client.workflow.count(`WorkflowId = '${workflowId}'`)).count).toBe(3);
  });
});

describe('list and count', () => {
  it('filters by type, status, task queue and time; pages through results', async () => {
    const queue = uid('listq');
    const { stop } = await startWorker(ts, { taskQueue: queue, workflowsPath: fixture('workflows.ts'), activities });
    const since = new Date(Date.now() - 1000).toISOString();
    try {
      const done = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          ts.client.workflow.execute('sequential', { taskQueue: queue, workflowId: uid(`list${i}`), args: [i] }),
        ),
      );
      expect(done).toHaveLength(5);
      const running = await ts.client.workflow.start('sleeper', {
        taskQueue: queue,
        workflowId: uid('listrun'),
        args: [60_000],
      });
      const q = `TaskQueue = '${queue}' AND StartTime > '${since}'`;
      expect((await ts.client.workflow.count(q)).count).toBe(6);
      expect(
        (await ts.client.workflow.count(`${q} AND ExecutionStatus = 'Completed' AND WorkflowType = 'sequential'`))
          .count,
      ).toBe(5);
      expect((await ts.client.workflow.count(`${q} AND ExecutionStatus != 'Completed'`)).count).toBe(1);
      const listed = [];
      for await (const e of ts.client.workflow.list({ query: `${q} AND ExecutionStatus = 'Completed'`, pageSize: 2 }))
        listed.push(e);
      expect(listed).toHaveLength(5);
      expect(new Set(listed.map((e) => e.runId)).size).toBe(5);
      expect(
        listed.every((e) => e.type === 'sequential' && e.status.name === 'COMPLETED' && e.closeTime instanceof Date),
      ).toBe(true);
      // newest first
      const starts = listed.map((e) => e.startTime.getTime());
      expect([...starts].sort((a, b) => b - a)).toEqual(starts);
      await running.terminate();
      expect((await ts.client.workflow.count(`${q} AND ExecutionStatus = 'Terminated'`)).count).toBe(1);
    } finally {
      await stop();
    }
  });
});

describe('conditions and cancellation scopes', () => {
  it('condition() waits for state and times out', async () => {
    expect(await ts.client.workflow.execute('conditions', { taskQueue: TQ, workflowId: uid() })).toEqual([true, false]);
  });

  it('CancellationScope.withTimeout cancels what runs inside it', async () => {
    expect(await ts.client.workflow.execute('scopeTimeout', { taskQueue: TQ, workflowId: uid() })).toBe('timed out');
  });

  it('a scope the workflow cancels itself cancels its timer', async () => {
    const handle = await ts.client.workflow.start('cancelOwnScope', { taskQueue: TQ, workflowId: uid() });
    expect(await handle.result()).toBe('cancelled');
    const types = (await handle.fetchHistory()).events.map((e) => e.eventType);
    expect(types).toContain('TimerStarted');
    expect(types).toContain('TimerCanceled');
  });
});

describe('the sandbox guard', () => {
  it('fails the bundle on a Node built-in and names the import chain', async () => {
    const err = await bundleWorkflowCode({ workflowsPath: fixture('bad-imports/workflows.ts') }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowBundleError);
    expect((err as Error).message).toContain("cannot import 'node:fs'");
    expect((err as Error).message).toMatch(/bad-imports\/workflows\.ts -> .*bad-imports\/helper\.ts -> node:fs/);
  });

  it('fails the bundle on weft/client', async () => {
    const err = await bundleWorkflowCode({ workflowsPath: fixture('bad-imports/imports-client.ts') }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain("cannot import 'weft/client'");
  });
});

describe('server surface', () => {
  it('the OpenAPI document lists every route', async () => {
    const doc = (await (await fetch(`${ts.server.address}/api/v1/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    for (const op of operations) {
      const path = `/api/v1${op.path.replace(/:(\w+)/g, '{$1}')}`;
      expect(doc.paths[path], path).toBeDefined();
      expect(doc.paths[path]![op.method.toLowerCase()], `${op.method} ${path}`).toBeDefined();
    }
    expect(doc.paths['/healthz']).toBeDefined();
  });

  it('the page at / answers', async () => {
    const res = await fetch(`${ts.server.address}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Weft');
  });

  it('taskQueue.describe shows the polling worker with its build id; registered types are listed', async () => {
    const d = await waitFor(async () => {
      const x = await ts.client.taskQueue.describe(TQ);
      return x.pollers.length > 0 ? x : undefined;
    });
    expect(d.pollers[0]).toMatchObject({ buildId: 'build-7', polling: true });
    expect(Date.now() - d.pollers[0]!.lastAccessTime.getTime()).toBeLessThan(120_000);
    const types = await ts.client.workflow.listRegistered();
    expect(types.find((t) => t.workflowType === 'sequential')).toMatchObject({ taskQueue: expect.any(String) });
    const handle = await ts.client.workflow.start('sequential', { taskQueue: TQ, workflowId: uid(), args: [1] });
    await handle.result();
    expect((await handle.describe()).lastBuildId).toBe('build-7');
    // and the list of task queues has this one, with its worker
    const listed = (await ts.client.taskQueue.list()).find((q) => q.taskQueue === TQ);
    expect(listed?.pollers[0]).toMatchObject({ buildId: 'build-7' });
    expect(listed?.pollers[0]?.lastAccessTime).toBeInstanceOf(Date);
  });

  it('register keeps a definition whose task queue and timeouts are the defaults of a start', async () => {
    const type = 'hello';
    await ts.client.workflow.register({
      workflowType: type,
      taskQueue: TQ,
      description: 'says hello',
      defaults: { workflowRunTimeout: '1h' },
    });
    const def = (await ts.client.workflow.listRegistered()).find((t) => t.workflowType === type);
    expect(def).toMatchObject({ taskQueue: TQ, description: 'says hello', defaults: { workflowRunTimeout: '1h' } });
    // no task queue given: the registered one is used
    const handle = await ts.client.workflow.start(type, { workflowId: uid(), args: ['defaults'] });
    expect(await handle.result()).toBe('Hello, defaults!');
    expect((await handle.describe()).taskQueue).toBe(TQ);
    const started = (await handle.fetchHistory()).events[0]!;
    expect(started.attributes).toMatchObject({ workflowRunTimeoutMs: 3_600_000 });
  });
});
