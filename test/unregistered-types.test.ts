/**
 * Starting a workflow type no worker has registered yet (as in Temporal): accepted, it waits on its task queue
 * until a worker serving the type arrives; describe, the stuck report and the unserved-types list say so. A
 * server configured to require registered types refuses such starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as activities from './fixtures/logging-activities.js';
import * as testActivities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

async function get<T>(path: string): Promise<T> {
  const r = await fetch(`${ts.server.address}/api/v1/namespaces/default/${path}`);
  expect(r.status).toBe(200);
  return (await r.json()) as T;
}
type Unserved = { types: Array<{ workflowType: string; taskQueue: string; running: number }> };
type Stuck = { executions: Array<{ workflowId: string; typeServed: boolean }> };

describe('starting a workflow type no worker has registered', () => {
  it('is accepted; the run waits, reported as unserved, until a worker serving the type arrives', async () => {
    const tq = uid('unreg');
    const workflowId = uid('wait');
    const handle = await ts.client.workflow.start('loggingWorkflow', { taskQueue: tq, workflowId, args: [5] });
    const d = await handle.describe();
    expect(d.status.name).toBe('RUNNING');
    expect(d.typeServed).toBe(false);
    expect((await get<Unserved>('unserved-workflow-types')).types).toContainEqual({
      workflowType: 'loggingWorkflow',
      taskQueue: tq,
      running: 1,
    });
    // the stuck report (no progress for a while) says why: no worker serves its type
    const listed = await waitFor(
      async () => (await get<Stuck>('stuck-workflows?olderThan=0')).executions.find((e) => e.workflowId === workflowId),
      10_000,
      'the run in the stuck report',
    );
    expect(listed.typeServed).toBe(false);

    // a worker on that queue that serves other types does not count
    const other = await startWorker(ts, {
      taskQueue: tq,
      workflowsPath: fixture('workflows.ts'),
      activities: testActivities,
    });
    try {
      await waitFor(async () => (await ts.client.taskQueue.describe(tq)).pollers.length > 0, 10_000, 'a poller');
      expect((await handle.describe()).typeServed).toBe(false);
    } finally {
      await other.stop();
    }

    // the worker that serves it arrives: the waiting run completes
    const serving = await startWorker(ts, {
      taskQueue: tq,
      workflowsPath: fixture('logging-workflows.ts'),
      activities,
    });
    try {
      expect(await handle.result()).toBe('charged 5');
      const next = await ts.client.workflow.start('loggingWorkflow', {
        taskQueue: tq,
        workflowId: uid('w'),
        args: [1],
      });
      expect((await next.describe()).typeServed).toBe(true);
      await next.result();
      expect((await get<Unserved>('unserved-workflow-types')).types.some((t) => t.taskQueue === tq)).toBe(false);
    } finally {
      await serving.stop();
    }
  });

  it('without a task queue an unregistered type is refused: 400 UNKNOWN_WORKFLOW_TYPE', async () => {
    const r = await fetch(`${ts.server.address}/api/v1/namespaces/default/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflowType: 'neverRegisteredAnywhere', workflowId: uid('nq') }),
    });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('UNKNOWN_WORKFLOW_TYPE');
    expect(body.error.message).toContain('give a taskQueue');
  });

  it('a namespace that requires registered types refuses the start; registered types still start', async () => {
    const strict = await startTestServer({ config: { requireRegisteredTypes: ['default'] } });
    try {
      const refused = await strict.client.workflow
        .start('notRegisteredHere', { taskQueue: 'q', workflowId: uid('s') })
        .catch((e: unknown) => e);
      expect((refused as { code?: string }).code).toBe('UNKNOWN_WORKFLOW_TYPE');
      expect((refused as Error).message).toContain('registered types only');
      await strict.client.workflow.register({ workflowType: 'nowRegistered', taskQueue: 'q' });
      const ok = await strict.client.workflow.start('nowRegistered', { taskQueue: 'q', workflowId: uid('s') });
      expect((await ok.describe()).status.name).toBe('RUNNING');
      await ok.terminate();
    } finally {
      await strict.stop();
    }
  });
});
