/**
 * Nondeterminism: replaying a history against changed code is detected and reported side by side; a live
 * workflow hit by an incompatible deploy keeps its state (its workflow task fails and is retried) and goes
 * on once fixed code is deployed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeterminismViolationError, Worker } from '../src/worker/index.js';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

describe('determinism', () => {
  it('replay of a v1 history against v2 code throws DeterminismViolationError with both commands side by side', async () => {
    const { stop } = await startWorker(ts, {
      taskQueue: 'det-v1',
      workflowsPath: fixture('versioned/v1.ts'),
      activities,
    });
    const workflowId = uid('det');
    let history;
    try {
      const handle = await ts.client.workflow.start('changing', { taskQueue: 'det-v1', workflowId, args: [3] });
      expect(await handle.result()).toBe(8);
      history = await handle.fetchHistory();
    } finally {
      await stop();
    }
    await expect(
      Worker.runReplayHistory({ workflowsPath: fixture('versioned/v1.ts') }, history),
    ).resolves.toBeUndefined();
    const err = await Worker.runReplayHistory({ workflowsPath: fixture('versioned/v2.ts') }, history).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DeterminismViolationError);
    const d = err as DeterminismViolationError;
    const scheduled = history.events.find((e) => e.eventType === 'ActivityTaskScheduled')!;
    expect(d.eventId).toBe(scheduled.eventId);
    expect(d.workflowId).toBe(workflowId);
    expect(d.expected).toMatchObject({ kind: 'ActivityTaskScheduled', seq: 1 });
    expect(d.produced).toMatchObject({ kind: 'ScheduleActivityTask', seq: 1 });
    expect(d.message).toContain(`workflow "${workflowId}"`);
    expect(d.message).toMatch(/history recorded: +ActivityTaskScheduled seq=1 activityType=step/);
    expect(d.message).toMatch(/code produced: +ScheduleActivityTask seq=1 activityType=double/);

    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: fixture('versioned/v2.ts') }, [
      history,
      { workflowId: 'other', history },
    ]))
      results.push(r);
    expect(results.map((r) => r.error instanceof DeterminismViolationError)).toEqual([true, true]);
    expect(results[1]!.workflowId).toBe('other');
  });

  it('a live run hit by an incompatible deploy is not corrupted, and completes once fixed code is back', async () => {
    const queue = uid('det-live');
    const v1 = await startWorker(ts, { taskQueue: queue, workflowsPath: fixture('versioned/v1.ts'), activities });
    const handle = await ts.client.workflow.start('changing', { taskQueue: queue, workflowId: uid('det'), args: [10] });
    // v1 ran the first activity and is sleeping
    await waitFor(async () => (await handle.describe()).pendingTimers.length === 1, 10_000, 'the timer');
    await v1.stop();

    // v2 picks the workflow up when the timer fires, replays, and finds the history does not match its code
    const v2 = await startWorker(ts, { taskQueue: queue, workflowsPath: fixture('versioned/v2.ts'), activities });
    const failed = await waitFor(
      async () => {
        const d = await handle.describe();
        return d.pendingWorkflowTask?.lastFailure ? d : undefined;
      },
      15_000,
      'the workflow task to fail',
    );
    await v2.stop();
    expect(failed.status.name).toBe('RUNNING');
    expect(failed.pendingWorkflowTask?.lastFailure?.message).toContain('Nondeterminism');
    expect(failed.pendingWorkflowTask?.lastFailure?.message).toMatch(
      /code produced: +ScheduleActivityTask seq=1 activityType=double/,
    );
    const before = await handle.fetchHistory();
    expect(before.events.filter((e) => e.eventType === 'WorkflowTaskFailed')).toHaveLength(1);
    expect(before.events.filter((e) => e.eventType === 'WorkflowTaskFailed')[0]?.attributes).toMatchObject({
      cause: 'NON_DETERMINISTIC',
    });

    // the fixed code (v1 again) is deployed: the run goes on from where it was and completes correctly
    const fixed = await startWorker(ts, { taskQueue: queue, workflowsPath: fixture('versioned/v1.ts'), activities });
    try {
      expect(await handle.result()).toBe(22);
    } finally {
      await fixed.stop();
    }
    const { events } = await handle.fetchHistory();
    const types = events
      .filter((e) => e.eventType === 'ActivityTaskScheduled')
      .map((e) => (e.attributes as { activityType: string }).activityType);
    expect(types).toEqual(['step', 'double']);
    await expect(
      Worker.runReplayHistory({ workflowsPath: fixture('versioned/v1.ts') }, { events }),
    ).resolves.toBeUndefined();
  }, 60_000);
});
