/**
 * Update-with-start (Temporal's WithStartWorkflowOperation): one call updates the running run of a workflow id,
 * or starts a run that gets the update in its first workflow task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  WorkflowUpdateStage,
} from 'weft/client';
import * as activities from './fixtures/activities.js';
import { addItem, done } from './fixtures/updates.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

const TQ = 'it-update-with-start';
let ts: TestServer;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('updates.ts'), activities }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

const op = (workflowId: string, policy: 'USE_EXISTING' | 'FAIL' = 'USE_EXISTING') =>
  new WithStartWorkflowOperation('cart', { workflowId, taskQueue: TQ, workflowIdConflictPolicy: policy });

describe('update-with-start', () => {
  it('starts the workflow with the update in its first workflow task, then updates the running run', async () => {
    const workflowId = uid('uws');
    const first = op(workflowId);
    expect(
      await ts.client.workflow.executeUpdateWithStart(addItem, { args: ['apple'], startWorkflowOperation: first }),
    ).toBe(1);
    const handle = await first.workflowHandle();
    expect(handle.workflowId).toBe(workflowId);
    const runId = handle.firstExecutionRunId;

    const second = op(workflowId);
    expect(
      await ts.client.workflow.executeUpdateWithStart(addItem, { args: ['pear'], startWorkflowOperation: second }),
    ).toBe(2);
    expect((await second.workflowHandle()).firstExecutionRunId).toBe(runId);

    await handle.signal(done);
    expect(await handle.result()).toEqual(['apple', 'pear']);
    const types = (await handle.fetchHistory()).events.map((e) => e.eventType);
    // one run; the first workflow task already accepted and completed the first update
    expect(types.filter((t) => t === 'WorkflowExecutionStarted')).toHaveLength(1);
    expect(types.indexOf('WorkflowExecutionUpdateAccepted')).toBeLessThan(types.indexOf('WorkflowExecutionSignaled'));
    expect(types.slice(0, 5)).toEqual([
      'WorkflowExecutionStarted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionUpdateAccepted',
    ]);
  });

  it('startUpdateWithStart answers at ACCEPTED with an update handle', async () => {
    const workflowId = uid('uws');
    const o = op(workflowId);
    const u = await ts.client.workflow.startUpdateWithStart(addItem, {
      args: ['fig'],
      startWorkflowOperation: o,
      waitForStage: WorkflowUpdateStage.ACCEPTED,
    });
    expect(await u.result()).toBe(1);
    const handle = await o.workflowHandle();
    await handle.signal(done);
    expect(await handle.result()).toEqual(['fig']);
  });

  it('FAIL refuses a running run (and the operation hands out no handle); an operation is used once', async () => {
    const workflowId = uid('uws');
    await ts.client.workflow.executeUpdateWithStart(addItem, { args: ['a'], startWorkflowOperation: op(workflowId) });
    const refused = op(workflowId, 'FAIL');
    await expect(
      ts.client.workflow.executeUpdateWithStart(addItem, { args: ['b'], startWorkflowOperation: refused }),
    ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await expect(refused.workflowHandle()).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await expect(
      ts.client.workflow.executeUpdateWithStart(addItem, { args: ['c'], startWorkflowOperation: refused }),
    ).rejects.toThrow(/used already/);
    await ts.client.workflow.getHandle(workflowId).terminate();
  });

  it("a validator's rejection fails the update; the workflow it started still runs", async () => {
    const workflowId = uid('uws');
    const o = op(workflowId);
    const err = await ts.client.workflow
      .executeUpdateWithStart(addItem, { args: [''], startWorkflowOperation: o })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const handle = await o.workflowHandle();
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate();
  });

  it('without a conflict policy: 400 INVALID_ARGUMENT', async () => {
    const r = await fetch(`${ts.server.address}/api/v1/namespaces/default/update-with-start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        start: { workflowType: 'cart', workflowId: uid('uws'), taskQueue: TQ },
        update: { updateName: 'addItem', args: ['x'] },
      }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('INVALID_ARGUMENT');
  });

  it.each([
    ['startDelay', '1m'],
    ['cronSchedule', '@every 1h'],
  ])('with start.%s: 400 INVALID_ARGUMENT naming it (as Temporal)', async (field, value) => {
    const r = await fetch(`${ts.server.address}/api/v1/namespaces/default/update-with-start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        start: {
          workflowType: 'cart',
          workflowId: uid('uws'),
          taskQueue: TQ,
          workflowIdConflictPolicy: 'USE_EXISTING',
          [field]: value,
        },
        update: { updateName: 'addItem', args: ['x'] },
      }),
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({
      error: { code: 'INVALID_ARGUMENT', details: { field: `start.${field}` } },
    });
  });
});
