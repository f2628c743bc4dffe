/**
 * Temporal's newer start options against a real server: startDelay (the first workflow task waits; history
 * shows it as WorkflowExecutionStarted's firstWorkflowTaskBackoffMs; not with cron; signal-with-start records
 * the signal at once; no signal cuts the delay short, as in Temporal's server), and priority, staticSummary and
 * staticDetails, kept with the run: describe, history, workflowInfo(), children, continue-as-new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from 'weft/client';
import { Worker } from 'weft/worker';
import { runWeft } from './cli-runner.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';
import { delayedService, finish, note, ping } from './fixtures/start-options.js';

const taskQueue = 'start-options';
let ts: TestServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ts = await startTestServer();
  stop = (
    await startWorker(ts, {
      taskQueue,
      workflowsPath: fixture('start-options.ts'),
      activities: { shout: async (s: string) => `${s}!` },
    })
  ).stop;
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
    // Temporal's executionTime: when the first workflow task may run, in describe and in list items
    const d = await handle.describe();
    expect(d.executionTime!.getTime() - d.startTime.getTime()).toBe(1500);
    const listed = [];
    for await (const e of ts.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) listed.push(e);
    expect(listed.map((e) => e.executionTime!.getTime() - e.startTime.getTime())).toEqual([1500]);
    // without a delay it is the start time
    const plain = await ts.client.workflow.start('notes', { taskQueue, workflowId: uid('no-delay') });
    await plain.result();
    const pd = await plain.describe();
    expect(pd.executionTime).toEqual(pd.startTime);
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

describe('priority, staticSummary, staticDetails (kept with the run)', () => {
  it('describe answers them, history records them, the workflow sees its priority; a bad priority is a TypeError', async () => {
    const priority = { priorityKey: 1, fairnessKey: 'tenant-a', fairnessWeight: 2 };
    const handle = await ts.client.workflow.start('priorityOf', {
      taskQueue,
      workflowId: uid('kept'),
      priority,
      staticSummary: 'a summary',
      staticDetails: 'details\nover two lines',
    });
    expect(await handle.result()).toEqual(priority);
    const d = await handle.describe();
    expect(await d.staticSummary()).toBe('a summary');
    expect(await d.staticDetails()).toBe('details\nover two lines');
    expect(d.priority).toEqual(priority);
    const listed = [];
    for await (const e of ts.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) listed.push(e);
    expect(listed.map((e) => e.priority)).toEqual([priority]);
    const [started] = (await handle.fetchHistory()).events;
    expect(started?.attributes).toMatchObject({
      userMetadata: { summary: 'a summary', details: 'details\nover two lines' },
      priority,
    });
    // none given: none kept
    const plain = await ts.client.workflow.start('priorityOf', { taskQueue, workflowId: uid('plain') });
    expect(await plain.result()).toBeNull();
    const pd = await plain.describe();
    expect(await pd.staticSummary()).toBeUndefined();
    expect(pd.priority).toBeUndefined();
    await expect(
      ts.client.workflow.start('notes', { taskQueue, workflowId: uid('bad'), priority: { priorityKey: 1.5 } }),
    ).rejects.toBeInstanceOf(TypeError);
  });

  it('signal-with-start keeps them too', async () => {
    const handle = await ts.client.workflow.signalWithStart('notes', {
      taskQueue,
      workflowId: uid('kept-sws'),
      signal: note,
      signalArgs: ['x'],
      staticSummary: 'by signal',
      priority: { priorityKey: 2 },
    });
    expect(await handle.result()).toEqual(['x']);
    const d = await handle.describe();
    expect(await d.staticSummary()).toBe('by signal');
    expect(await d.staticDetails()).toBeUndefined();
    expect(d.priority).toEqual({ priorityKey: 2 });
  });

  it("continue-as-new keeps the chain's priority, not the first start's user metadata (as Temporal)", async () => {
    const workflowId = uid('kept-can');
    const handle = await ts.client.workflow.start('continuesOnce', {
      taskQueue,
      workflowId,
      args: [true],
      priority: { priorityKey: 4 },
      staticSummary: 'first run',
    });
    expect(await handle.result()).toEqual({ priorityKey: 4 });
    const last = await ts.client.workflow.getHandle(workflowId).describe();
    expect(last.runId).not.toBe(handle.firstExecutionRunId);
    expect(last.priority).toEqual({ priorityKey: 4 });
    expect(await last.staticSummary()).toBeUndefined();
  });

  it("a child keeps its own user metadata and priority; without a priority it takes its parent's", async () => {
    const workflowId = uid('kept-parent');
    const handle = await ts.client.workflow.start('parentOfTwo', {
      taskQueue,
      workflowId,
      priority: { priorityKey: 2 },
    });
    expect(await handle.result()).toEqual([{ priorityKey: 2 }, { priorityKey: 5 }]);
    const inherits = await ts.client.workflow.getHandle(`${workflowId}-inherits`).describe();
    expect(await inherits.staticSummary()).toBe('child summary');
    expect(await inherits.staticDetails()).toBe('child details');
    expect(inherits.priority).toEqual({ priorityKey: 2 });
    const own = await ts.client.workflow.getHandle(`${workflowId}-own`).describe();
    expect(own.priority).toEqual({ priorityKey: 5 });
    expect(await own.staticSummary()).toBeUndefined();
  });

  it('weft workflow start --static-summary, --static-details, --priority-key ...; describe prints them', async () => {
    const workflowId = uid('kept-cli');
    const weft = (args: string[]) => runWeft(ts.server.address, args);
    const started = await weft([
      ...['workflow', 'start', '--type', 'notes', '--task-queue', taskQueue, '--workflow-id', workflowId],
      ...['--static-summary', 'from the CLI', '--static-details', 'more', '--priority-key', '3'],
      ...['--fairness-key', 'tenant-b', '--fairness-weight', '1.5', '--start-delay', '100ms'],
    ]);
    expect(started.code, started.stderr).toBe(0);
    const d = await ts.client.workflow.getHandle(workflowId).describe();
    expect(await d.staticSummary()).toBe('from the CLI');
    expect(await d.staticDetails()).toBe('more');
    expect(d.priority).toEqual({ priorityKey: 3, fairnessKey: 'tenant-b', fairnessWeight: 1.5 });
    const described = await weft(['workflow', 'describe', '--workflow-id', workflowId]);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/StaticSummary\s+from the CLI/);
    expect(described.stdout).toMatch(/StaticDetails\s+more/);
    expect(described.stdout).toContain('"priorityKey":3');
    // --start-delay: the execution time is 100 ms after the start
    expect(d.executionTime!.getTime() - d.startTime.getTime()).toBe(100);
    expect(described.stdout).toMatch(/ExecutionTime\s+\d{4}-/);
    for (const [flag, value] of [
      ['--priority-key', '-1'],
      ['--priority-key', 'high'],
      ['--fairness-weight', '0'],
    ] as const) {
      const bad = await weft(['workflow', 'start', '--type', 'notes', '--task-queue', taskQueue, flag, value]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(flag);
      expect(bad.stderr).toContain('INVALID_ARGUMENT');
    }
    const badDelay = await weft([
      ...['workflow', 'start', '--type', 'notes', '--task-queue', taskQueue, '--start-delay', 'later'],
    ]);
    expect(badDelay.code).toBe(1);
    expect(badDelay.stderr).toMatch(/startDelay: invalid duration "later".*\(INVALID_DURATION\)/);
  });

  it('bad input over HTTP: a 400 naming the field, nothing started', async () => {
    for (const [body, field] of [
      [{ priority: { priorityKey: -1 } }, 'priority'],
      [{ priority: { priorityKey: 1, urgent: true } }, 'priority'],
      [{ priority: { fairnessWeight: 0 } }, 'priority'],
      [{ userMetadata: { summary: 'x', title: 'y' } }, 'userMetadata'],
      [{ userMetadata: 'a summary' }, 'userMetadata'],
    ] as const) {
      const workflowId = uid('kept-bad');
      const res = await fetch(`${ts.server.address}/api/v1/namespaces/default/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ workflowId, workflowType: 'notes', taskQueue, ...body }),
      });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain(field);
      await expect(ts.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(ServiceError);
    }
  });
});

describe("activity and timer summaries (Temporal's user metadata)", () => {
  it('are kept on ActivityTaskScheduled and TimerStarted; none given, none kept; not a string: a TypeError', async () => {
    const handle = await ts.client.workflow.start('summaries', { taskQueue, workflowId: uid('summaries') });
    const out = await handle.result();
    expect(out.result).toBe('hi!');
    expect(out.refused).toEqual([
      'sleep: summary must be a string',
      'condition: summary must be a string',
      'proxyActivities: summary must be a string',
    ]);
    const { events } = await handle.fetchHistory();
    const timers = events.filter((e) => e.eventType === 'TimerStarted').map((e) => e.attributes);
    expect(timers.map((a) => (a as { userMetadata?: unknown }).userMetadata)).toEqual([
      { summary: 'a short nap' },
      { summary: 'waits for nothing' },
      undefined,
    ]);
    const scheduled = events.find((e) => e.eventType === 'ActivityTaskScheduled');
    expect(scheduled?.attributes).toMatchObject({ activityType: 'shout', userMetadata: { summary: 'shout it' } });
    // the history replays (a summary is for people: replay does not compare it)
    await Worker.runReplayHistory({ workflowsPath: fixture('start-options.ts') }, { events });
  });
});
