/** Workflow updates over HTTP: validation, results, failures, deduplication by update id, replay. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateStage } from '../src/client/index.js';
import { ApplicationFailure } from '../src/common/failure.js';
import * as activities from './fixtures/activities.js';
import { addItem, bump, done, failingUpdate, go, guarded, ping, restart, slowAdd } from './fixtures/updates.js';
import { runWeft } from './cli-runner.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-updates';
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

const startCart = () => ts.client.workflow.start('cart', { taskQueue: TQ, workflowId: uid('cart') });

describe('updates', () => {
  it('executeUpdate returns the handler result; history records Accepted and Completed', async () => {
    const h = await startCart();
    expect(await h.executeUpdate(addItem, { args: ['apple'] })).toBe(1);
    expect(await h.executeUpdate('addItem', { args: ['pear'] })).toBe(2);
    await h.signal(done);
    expect(await h.result()).toEqual(['apple', 'pear']);
    const { events } = await h.fetchHistory();
    const accepted = events.filter((e) => e.eventType === 'WorkflowExecutionUpdateAccepted');
    const completed = events.filter((e) => e.eventType === 'WorkflowExecutionUpdateCompleted');
    expect(accepted.map((e) => (e.attributes as { input: unknown[] }).input)).toEqual([['apple'], ['pear']]);
    expect(completed.map((e) => (e.attributes as { result: unknown }).result)).toEqual([1, 2]);
  });

  it("a validator's rejection throws WorkflowUpdateFailedError and records nothing about the update", async () => {
    const h = await startCart();
    await h.executeUpdate(addItem, { args: ['apple'] });
    const err = await h.executeUpdate(addItem, { args: ['apple'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err as WorkflowUpdateFailedError).cause).toBeInstanceOf(ApplicationFailure);
    expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('Duplicate');
    const empty = await h.executeUpdate(addItem, { args: [''] }).catch((e: unknown) => e);
    expect(((empty as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('InvalidItem');
    await h.signal(done);
    expect(await h.result()).toEqual(['apple']);
    const { events } = await h.fetchHistory();
    expect(events.filter((e) => e.eventType === 'WorkflowExecutionUpdateAccepted')).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain('InvalidItem');
  });

  it('a handler that throws fails the update, not the workflow', async () => {
    const h = await startCart();
    const err = await h.executeUpdate(failingUpdate).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((err as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('UpdateFailed');
    expect((await h.describe()).status.name).toBe('RUNNING');
    const unknown = await h.executeUpdate('nope').catch((e: unknown) => e);
    expect(((unknown as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('UpdateNotRegistered');
    await h.terminate();
  });

  it('an update id seen before returns the first outcome and runs nothing', async () => {
    const h = await startCart();
    const updateId = uid('upd');
    expect(await h.executeUpdate(addItem, { args: ['apple'], updateId })).toBe(1);
    expect(await h.executeUpdate(addItem, { args: ['banana'], updateId })).toBe(1);
    // many at once with one id: one runs
    const again = uid('upd');
    const results = await Promise.all(
      Array.from({ length: 5 }, () => h.executeUpdate(addItem, { args: ['cherry'], updateId: again })),
    );
    expect(results).toEqual([2, 2, 2, 2, 2]);
    await h.signal(done);
    expect(await h.result()).toEqual(['apple', 'cherry']);
  });

  it('startUpdate returns once accepted; the handle waits for a handler that runs an activity', async () => {
    const h = await startCart();
    const u = await h.startUpdate(slowAdd, { args: [21], waitForStage: WorkflowUpdateStage.ACCEPTED });
    expect(u.workflowId).toBe(h.workflowId);
    expect(await u.result()).toBe(42);
    expect(await h.getUpdateHandle<number>(u.updateId).result()).toBe(42);
    await h.signal(done);
    expect(await h.result()).toEqual(['42']);
  });

  it('updates of many clients at once are each applied once, and the history replays', async () => {
    const h = await startCart();
    const names = Array.from({ length: 30 }, (_, i) => `item-${i}`);
    const counts = await Promise.all(names.map((n) => h.executeUpdate(addItem, { args: [n] })));
    expect([...counts].sort((a, b) => a - b)).toEqual(names.map((_, i) => i + 1));
    await h.signal(done);
    expect([...((await h.result()) as string[])].sort()).toEqual([...names].sort());
    const { Worker } = await import('../src/worker/index.js');
    await Worker.runReplayHistory({ workflowsPath: fixture('updates.ts') }, await h.fetchHistory());
  });

  it('an update to a closed workflow is refused; an unknown update id is UPDATE_NOT_FOUND', async () => {
    const h = await startCart();
    await h.signal(done);
    await h.result();
    const late = await h.executeUpdate(addItem, { args: ['late'] }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(WorkflowNotFoundError); // as Temporal; Weft's code says why
    expect(late).toMatchObject({ code: 'WORKFLOW_NOT_RUNNING' });
    await expect(h.getUpdateHandle('no-such-update', h.runId).result()).rejects.toMatchObject({
      code: 'UPDATE_NOT_FOUND',
    });
  });

  it('update ids are any string: ones that name members of Object.prototype are ordinary ids', async () => {
    const h = await startCart();
    for (const updateId of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      expect(await h.executeUpdate(addItem, { args: [updateId], updateId })).toBeGreaterThan(0);
    expect(await h.executeUpdate(addItem, { args: ['again'], updateId: 'constructor' })).toBe(1); // deduplicated
    await expect(h.getUpdateHandle('valueOf', h.runId).result()).rejects.toMatchObject({ code: 'UPDATE_NOT_FOUND' });
    await h.signal(done);
    expect(await h.result()).toEqual(['constructor', 'toString', '__proto__', 'hasOwnProperty']);
  });

  it('continueAsNew from an update handler continues the run; the start handle follows it', async () => {
    const h = await ts.client.workflow.start('restartable', { taskQueue: TQ, workflowId: uid('restart') });
    await h.startUpdate(restart, { args: [1] }).catch(() => undefined); // its run closes before it completes
    await waitFor(async () => (await h.describe()).runId !== h.runId, 10_000, 'the next run');
    expect((await ts.client.workflow.getHandle(h.workflowId, h.runId).describe()).status.name).toBe('CONTINUED_AS_NEW');
    await h.signal(done);
    expect(await h.result()).toEqual({ round: 1, pinged: [], v2: true });
  });

  it('an update its run closed on without taking (continue-as-new) goes to the next run, as in Temporal', async () => {
    const h = await ts.client.workflow.start('busyContinuer', { taskQueue: TQ, workflowId: uid('busy') });
    await h.signal(go);
    await new Promise((r) => setTimeout(r, 150)); // the long task that continues as new is running now
    expect(await h.executeUpdate(bump)).toBe(101);
    expect(await h.result()).toBe(1);
    const first = await ts.client.workflow.getHandle(h.workflowId, h.runId).fetchHistory();
    expect(first.events.some((e) => e.eventType === 'WorkflowExecutionUpdateAccepted')).toBe(false);
  });

  it('patched() in a validator is refused before it records anything, so the run replays', async () => {
    const h = await ts.client.workflow.start('restartable', { taskQueue: TQ, workflowId: uid('guard') });
    const err = await h.executeUpdate(guarded, { args: [5] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(String((err as WorkflowUpdateFailedError).cause?.message)).toContain('update validator');
    expect(await h.executeUpdate(guarded, { args: [1] })).toBe('guarded 1');
    // signals that wait for a handler: one that removes itself leaves the rest buffered (no task failure)
    await h.signal(ping, 'a');
    await h.signal(ping, 'b');
    await h.signal(done);
    expect(await h.result()).toEqual({ round: 0, pinged: ['a'], v2: true });
    const history = await h.fetchHistory();
    expect(history.events.filter((e) => e.eventType === 'WorkflowTaskFailed')).toHaveLength(0);
    expect(history.events.filter((e) => e.eventType === 'MarkerRecorded')).toHaveLength(1); // the main code's
    const { Worker } = await import('../src/worker/index.js');
    await Worker.runReplayHistory({ workflowsPath: fixture('updates.ts') }, history);
  });
});

describe('weft workflow update', () => {
  const cli = (...args: string[]) => runWeft(ts.server.address, args);

  it('prints the result; a rejection exits 1 with UPDATE_FAILED; a missing workflow with WORKFLOW_NOT_FOUND', async () => {
    const h = await startCart();
    const ok = await cli(
      'workflow',
      'update',
      '-w',
      h.workflowId,
      '--name',
      'addItem',
      '-i',
      '"apple"',
      '--output',
      'json',
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ workflowId: h.workflowId, update: 'addItem', result: 1 });
    const dup = await cli('workflow', 'update', '-w', h.workflowId, '--name', 'addItem', '-i', '["apple"]');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(
      /^Error: update addItem on workflow .+ failed: .*apple is in the cart.* \(UPDATE_FAILED\)$/m,
    );
    const missing = await cli('workflow', 'update', '-w', 'no-such-wf', '--name', 'addItem', '-i', '"x"');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('(WORKFLOW_NOT_FOUND)');
    const noName = await cli('workflow', 'update', '-w', h.workflowId);
    expect(noName.code).not.toBe(0);
    await h.terminate();
  }, 60_000);
});
