/**
 * Temporal's `workflowFailureErrorTypes` (worker option, by workflow type and '*') and `failureExceptionTypes`
 * (setWorkflowOptions) against a real server: a listed error fails the execution (or the update) instead of the
 * workflow task; an unlisted one still fails the task (retried); 'NondeterminismError' fails the execution on a
 * non-determinism error. Bad option values are TypeErrors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError, WorkflowUpdateFailedError } from 'weft/client';
import { Worker } from 'weft/worker';
import * as activities from './fixtures/activities.js';
import { bad, done, risky } from './fixtures/failure-types.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const taskQueue = 'failure-types';
let ts: TestServer;
let stop: () => Promise<void>;

beforeAll(async () => {
  ts = await startTestServer();
  stop = (
    await startWorker(ts, {
      taskQueue,
      workflowsPath: fixture('failure-types.ts'),
      workflowFailureErrorTypes: { '*': ['CustomError'], failsByName: ['RangeError'] },
    })
  ).stop;
});
afterAll(async () => {
  await stop?.();
  await ts?.stop();
});

const lastStarted: Record<string, string> = {};

async function failureOf(workflowType: string): Promise<{ message: string; type?: string }> {
  const workflowId = (lastStarted[workflowType] = uid(workflowType));
  const err = await ts.client.workflow.execute(workflowType, { taskQueue, workflowId }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as { message: string; type?: string };
  return { message: cause.message, type: cause.type };
}

describe('workflowFailureErrorTypes and failureExceptionTypes', () => {
  it('a listed error fails the execution: by name for its type, by a parent class, by the workflow options', async () => {
    expect(await failureOf('failsByName')).toEqual({ message: 'out of range', type: 'RangeError' });
    expect(await failureOf('failsByParent')).toEqual({ message: 'a sub error', type: 'SubError' });
    expect((await failureOf('byDefinition')).message).toBe('by definition');
    expect(await failureOf('byGetter')).toEqual({ message: 'by getter', type: 'TypeError' });
    // such a history replays with the same option, and not without it (the error then fails the task)
    const history = await ts.client.workflow.getHandle(lastStarted['failsByName']!).fetchHistory();
    const workflowsPath = fixture('failure-types.ts');
    await Worker.runReplayHistory(
      { workflowsPath, workflowFailureErrorTypes: { failsByName: ['RangeError'] } },
      history,
    );
    await expect(Worker.runReplayHistory({ workflowsPath }, history)).rejects.toThrow(/out of range/);
  });

  it('options whose getter throws fail the workflow task; a list entry that is not a class is left out', async () => {
    const handle = await ts.client.workflow.start('badOptions', { taskQueue, workflowId: uid('bad-options') });
    const d = await waitFor(async () => {
      const x = await handle.describe();
      return x.pendingWorkflowTask?.lastFailure ? x : undefined;
    });
    expect(d.pendingWorkflowTask?.lastFailure?.message).toContain('the options getter failed');
    await handle.terminate('done');
    expect(await failureOf('oddList')).toEqual({ message: 'odd list', type: 'RangeError' });
  });

  it('an unlisted error fails the workflow task (retried), as without the option', async () => {
    const handle = await ts.client.workflow.start('notListed', { taskQueue, workflowId: uid('not-listed') });
    const d = await waitFor(async () => {
      const x = await handle.describe();
      return x.pendingWorkflowTask?.lastFailure ? x : undefined;
    });
    expect(d.status.name).toBe('RUNNING');
    expect(d.pendingWorkflowTask?.lastFailure?.message).toContain('not listed');
    await handle.terminate('done');
  });

  it('a signal handler that throws a listed error fails the execution; an update handler, the update only', async () => {
    const h1 = await ts.client.workflow.start('handlers', { taskQueue, workflowId: uid('handlers') });
    const refused = await h1.executeUpdate(risky, { args: ['throw'] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((refused as WorkflowUpdateFailedError).cause as Error).message).toBe('update refused');
    expect(await h1.executeUpdate(risky, { args: ['again'] })).toBe('ok again');
    await h1.signal(done);
    expect(await h1.result()).toBe('finished');

    const h2 = await ts.client.workflow.start('handlers', { taskQueue, workflowId: uid('handlers-bad') });
    await h2.signal(bad, 'no');
    const err = await h2.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as Error).message).toBe('signal: no');
  });

  it("'NondeterminismError' fails the execution when changed code no longer matches its history", async () => {
    const queue = uid('fet-nde');
    const v1 = await startWorker(ts, { taskQueue: queue, workflowsPath: fixture('versioned/v1.ts'), activities });
    const handle = await ts.client.workflow.start('changing', { taskQueue: queue, workflowId: uid('nde'), args: [10] });
    await waitFor(async () => (await handle.describe()).pendingTimers.length === 1, 10_000, 'the timer');
    await v1.stop();
    const v2 = await startWorker(ts, {
      taskQueue: queue,
      workflowsPath: fixture('versioned/v2.ts'),
      activities,
      workflowFailureErrorTypes: { changing: ['NondeterminismError'] },
    });
    try {
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(((err as WorkflowFailedError).cause as Error).message).toMatch(/code produced: +ScheduleActivityTask/);
      const types = (await handle.fetchHistory()).events.map((e) => e.eventType);
      expect(types).not.toContain('WorkflowTaskFailed');
      expect(types.at(-1)).toBe('WorkflowExecutionFailed');
    } finally {
      await v2.stop();
    }
  });

  it('bad values are TypeErrors at Worker.create', async () => {
    for (const value of [['Error'], { '*': 'Error' }, { '*': [''] }, { x: [1] }, null]) {
      await expect(
        Worker.create({
          connection: ts.connection,
          taskQueue,
          workflowsPath: fixture('failure-types.ts'),
          workflowFailureErrorTypes: value as never,
        }),
      ).rejects.toThrow(/workflowFailureErrorTypes/);
    }
  });
});
