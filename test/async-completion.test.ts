/**
 * Asynchronous activity completion (Temporal's AsyncCompletionClient): an activity throws CompleteAsyncError and
 * is completed, failed, heartbeated or reported cancelled later through `client.activity` (by task token or by
 * workflow + activity id) or the CLI, with its timeouts still enforced.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActivityCancelledError, ActivityNotFoundError, CancelledFailure, WorkflowFailedError } from 'weft/client';
import { ApplicationFailure } from 'weft/activity';
import * as activities from './fixtures/async-activities.js';
import * as expenseActivities from '../examples/expense/activities.js';
import { runWeft } from './cli-runner.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-async-completion';
let ts: TestServer;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, {
    taskQueue: TQ,
    workflowsPath: fixture('async-workflows.ts'),
    activities,
  }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

/** Starts `approval` and waits until its activity has published its token (it threw CompleteAsyncError). */
async function startApproval(args: unknown[] = [100], type = 'approval') {
  const workflowId = uid('async');
  const handle = await ts.client.workflow.start(type, { taskQueue: TQ, workflowId, args });
  const first = await waitFor(() => activities.pending.get(workflowId)?.[0], 10_000, 'the activity to start');
  return { handle, workflowId, first };
}

const post = async (path: string, body: unknown): Promise<{ status: number; json: { error?: { code: string } } }> => {
  const r = await fetch(`${ts.server.address}/api/v1/namespaces/default/activities/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as { error?: { code: string } } };
};

describe('asynchronous activity completion', () => {
  it('completes by task token; the attempt stays running until then; a second completion is ActivityNotFoundError', async () => {
    const { handle, first } = await startApproval();
    // the worker sent nothing: the workflow still waits on a running activity
    await new Promise((r) => setTimeout(r, 200));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await ts.client.activity.heartbeat(first.taskToken, { progress: 1 });
    await ts.client.activity.complete(first.taskToken, 'approved by alice');
    expect(await handle.result()).toBe('approved by alice');
    await expect(ts.client.activity.complete(first.taskToken, 'again')).rejects.toBeInstanceOf(ActivityNotFoundError);
    const types = (await handle.fetchHistory()).events.map((e) => e.eventType);
    expect(types.filter((t) => t === 'ActivityTaskCompleted')).toHaveLength(1);
  });

  it('completes by { workflowId, activityId } (the current run) and by the token as text', async () => {
    const a = await startApproval();
    await ts.client.activity.complete({ workflowId: a.workflowId, activityId: a.first.activityId }, 'by id');
    expect(await a.handle.result()).toBe('by id');

    const b = await startApproval();
    await ts.client.activity.complete(new TextDecoder().decode(b.first.taskToken), { ok: true });
    expect(await b.handle.result()).toEqual({ ok: true });
  });

  it('fails by id: the workflow sees the ActivityFailure with its cause; retried per policy when retryable', async () => {
    const a = await startApproval([5, 60_000, 1]);
    await ts.client.activity.fail(
      { workflowId: a.workflowId, runId: a.handle.firstExecutionRunId, activityId: a.first.activityId },
      ApplicationFailure.nonRetryable('over budget', 'Rejected'),
    );
    expect(await a.handle.result()).toBe('rejected: over budget');

    // retryable, two attempts allowed: the second attempt publishes a new token
    const b = await startApproval([5, 60_000, 2]);
    await ts.client.activity.fail(b.first.taskToken, new Error('try again'));
    const second = await waitFor(() => activities.pending.get(b.workflowId)?.[1], 10_000, 'the second attempt');
    expect(second.attempt).toBe(2);
    // the first attempt's token is stale now
    await expect(ts.client.activity.complete(b.first.taskToken, 'late')).rejects.toBeInstanceOf(ActivityNotFoundError);
    await ts.client.activity.complete(second.taskToken, 'second time lucky');
    expect(await b.handle.result()).toBe('second time lucky');
  });

  it('heartbeat throws ActivityCancelledError once the workflow is cancelled; reportCancellation ends it', async () => {
    const a = await startApproval([], 'cancellableApproval');
    // not asked to cancel yet: it cannot report that it did (as Temporal)
    await expect(ts.client.activity.reportCancellation(a.first.taskToken)).rejects.toMatchObject({
      message: expect.stringContaining('was not asked to cancel'),
    });
    await a.handle.cancel();
    await waitFor(
      async () => {
        try {
          await ts.client.activity.heartbeat(a.first.taskToken);
          return false;
        } catch (e) {
          if (e instanceof ActivityCancelledError) return true;
          throw e;
        }
      },
      10_000,
      'the cancellation to reach the heartbeat',
    );
    await ts.client.activity.reportCancellation(a.first.taskToken, { stoppedAt: 'step 2' });
    const err = await a.handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const types = (await a.handle.fetchHistory()).events.map((e) => e.eventType);
    expect(types).toContain('ActivityTaskCanceled');
  });

  it('the start-to-close timeout still applies to an attempt completed asynchronously', async () => {
    const a = await startApproval([1, 300, 1]);
    expect(await a.handle.result()).toBe('failed: TimeoutFailure');
    await expect(ts.client.activity.complete(a.first.taskToken, 'too late')).rejects.toBeInstanceOf(
      ActivityNotFoundError,
    );
  });

  it('bad input: 400 with a code, 404 for an activity that does not exist', async () => {
    expect((await post('complete', {})).json.error?.code).toBe('INVALID_ARGUMENT');
    expect((await post('complete', { workflowId: 'w' })).status).toBe(400);
    expect((await post('complete', { taskToken: 'not-a-token' })).json.error?.code).toBe('INVALID_ARGUMENT');
    expect((await post('fail', { workflowId: 'w', activityId: '1' })).status).toBe(400); // no failure
    const a = await startApproval();
    const both = await post('complete', { taskToken: new TextDecoder().decode(a.first.taskToken), workflowId: 'x' });
    expect(both.json.error?.code).toBe('INVALID_ARGUMENT');
    const missing = await post('complete', { workflowId: a.workflowId, activityId: 'no-such-activity' });
    expect([missing.status, missing.json.error?.code]).toEqual([404, 'TASK_NOT_FOUND']);
    const noWorkflow = await post('heartbeat', { workflowId: uid('none'), activityId: '1' });
    expect(noWorkflow.status).toBe(404);
    await ts.client.activity.complete(a.first.taskToken, 'cleanup');
    await a.handle.result();
  });

  it('the CLI completes and fails an activity: the expense example, approved by a person', async () => {
    const example = await startWorker(ts, {
      taskQueue: 'expense',
      workflowsPath: new URL('../examples/expense/workflows.ts', import.meta.url).pathname,
      activities: expenseActivities,
    });
    try {
      const workflowId = uid('exp');
      const handle = await ts.client.workflow.start('expense', {
        taskQueue: 'expense',
        workflowId,
        args: [workflowId, 120],
      });
      const activity = await waitFor(
        async () => (await handle.describe()).pendingActivities.find((a) => a.state === 'STARTED'),
        10_000,
        'requestApproval to start',
      );
      const ok = await runWeft(ts.server.address, [
        'activity',
        'complete',
        '--workflow-id',
        workflowId,
        '--activity-id',
        activity.activityId,
        '--result',
        '"approved"',
      ]);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain('completed');
      expect(await handle.result()).toBe(`paid 120 for ${workflowId}`);
      const again = await runWeft(ts.server.address, [
        'activity',
        'complete',
        '-w',
        workflowId,
        '--activity-id',
        activity.activityId,
      ]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('(TASK_NOT_FOUND)');
    } finally {
      await example.stop();
    }

    const b = await startApproval();
    const failed = await runWeft(ts.server.address, [
      'activity',
      'fail',
      '--task-token',
      new TextDecoder().decode(b.first.taskToken),
      '--reason',
      'receipt missing',
      '--non-retryable',
      '-o',
      'json',
    ]);
    expect(failed.code).toBe(0);
    expect(JSON.parse(failed.stdout)).toMatchObject({ failed: true });
    expect(await b.handle.result()).toBe('rejected: receipt missing');

    const neither = await runWeft(ts.server.address, ['activity', 'complete']);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('(INVALID_ARGUMENT)');
  });
});
