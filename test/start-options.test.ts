/**
 * Temporal's newer start options against a real server: startDelay (the first workflow task waits; history
 * shows it as WorkflowExecutionStarted's firstWorkflowTaskBackoffMs; not with cron; signal-with-start records
 * the signal at once; no signal cuts the delay short, as in Temporal's server), and priority, staticSummary, staticDetails, accepted and checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from 'weft/client';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';
import { delayedService, finish, note, ping } from './fixtures/start-options.js';

const taskQueue = 'start-options';
let ts: TestServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ts = await startTestServer();
  stop = (await startWorker(ts, { taskQueue, workflowsPath: fixture('start-options.ts') })).stop;
});
afterAll(async () => {
  await stop?.();
  await ts?.stop();
});

describe('startDelay', () => {
  it('schedules the first workflow task only after the delay, and history records it', async () => {
    const t0 = Date.now();
    const handle = await ts.client.workflow.start('notes', {
      taskQueue,
      workflowId: uid('delay'),
      startDelay: '1500ms',
      requestEagerStart: true,
    });
    expect(handle.eagerlyStarted).toBe(false);
    expect(await handle.result()).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    const [started] = (await handle.fetchHistory()).events;
    expect(started).toMatchObject({
      eventType: 'WorkflowExecutionStarted',
      attributes: { firstWorkflowTaskBackoffMs: 1500 },
    });
  });

  it('signal-with-start records the signal at once; the workflow sees it in its first task, after the delay', async () => {
    const t0 = Date.now();
    const handle = await ts.client.workflow.signalWithStart('notes', {
      taskQueue,
      workflowId: uid('delay-signal'),
      startDelay: '1s',
      signal: note,
      signalArgs: ['hi'],
    });
    const early = (await handle.fetchHistory()).events.map((e) => e.eventType);
    expect(early).toContain('WorkflowExecutionSignaled');
    expect(early).not.toContain('WorkflowTaskStarted');
    expect(await handle.result()).toEqual(['hi']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('a plain signal during the delay does not cut it short (as Temporal: only the delay ends it)', async () => {
    const t0 = Date.now();
    const handle = await ts.client.workflow.start('notes', {
      taskQueue,
      workflowId: uid('delay-plain'),
      startDelay: '1s',
    });
    await handle.signal(note, 'early');
    await new Promise((r) => setTimeout(r, 300));
    expect((await handle.fetchHistory()).events.map((e) => e.eventType)).not.toContain('WorkflowTaskStarted');
    expect(await handle.result()).toEqual(['early']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('an update, or a signal-with-start to the waiting run, ends the delay at once (Temporal)', async () => {
    const updated = await ts.client.workflow.start(delayedService, {
      taskQueue,
      workflowId: uid('delay-update'),
      startDelay: '10m',
    });
    expect(await updated.executeUpdate(ping, { args: ['a'] })).toBe('pong a');
    await updated.signal(finish);
    expect(await updated.result()).toEqual([]);

    const workflowId = uid('delay-sws');
    const signalled = await ts.client.workflow.start(delayedService, { taskQueue, workflowId, startDelay: '10m' });
    await ts.client.workflow.signalWithStart(delayedService, {
      taskQueue,
      workflowId,
      signal: note,
      signalArgs: ['via signal-with-start'],
    });
    await waitFor(async () =>
      (await signalled.fetchHistory()).events.some((e) => e.eventType === 'WorkflowTaskCompleted'),
    );
    await signalled.signal(finish);
    expect(await signalled.result()).toEqual(['via signal-with-start']);
  });

  it('is refused with cronSchedule, and a bad duration is INVALID_DURATION', async () => {
    const cron = ts.client.workflow.start('notes', {
      taskQueue,
      workflowId: uid('delay-cron'),
      startDelay: '1s',
      cronSchedule: '@every 1m',
    });
    await expect(cron).rejects.toBeInstanceOf(ServiceError);
    await expect(cron).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(
      ts.client.workflow.start('notes', { taskQueue, workflowId: uid('delay-bad'), startDelay: 'later' }),
    ).rejects.toMatchObject({ code: 'INVALID_DURATION' });
  });
});

describe('accepted start options', () => {
  it('takes priority, staticSummary and staticDetails; a bad priority is a TypeError', async () => {
    const handle = await ts.client.workflow.start('notes', {
      taskQueue,
      workflowId: uid('accepted'),
      priority: { priorityKey: 1, fairnessKey: 'tenant-a', fairnessWeight: 2 },
      staticSummary: 'a summary',
      staticDetails: 'details',
    });
    expect(await handle.result()).toEqual([]);
    await expect(
      ts.client.workflow.start('notes', { taskQueue, workflowId: uid('bad'), priority: { priorityKey: 1.5 } }),
    ).rejects.toBeInstanceOf(TypeError);
  });
});
