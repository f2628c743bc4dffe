/**
 * A parent that closes while the server is starting its child: the child gets the parent close policy once it
 * exists (the parent's close could not apply it: the child had no run yet). That policy must survive a store
 * failure, as every outbox effect does: here the first write of the child's termination fails, and the child is
 * still terminated when the retry comes. Real server over HTTP, real SQLite file; the race and the failure are
 * made with a wrapper around the server's store.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Mutation } from '../src/store/store.js';
import { StoreUnavailableError } from '../src/store/store.js';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-child-start-race';
let ts: TestServer;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('children.ts'), activities }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

it('a child started as its parent closes gets the close policy, even when applying it fails once', async () => {
  const parentId = uid('race-parent');
  const childId = uid('race-child');
  const store = ts.server.context.store;
  const commit = store.commit.bind(store);
  let terminatedParent = false;
  let failedOnce = false;
  store.commit = async (m: Mutation) => {
    const child = m.executions.find((e) => e.state.workflowId === childId);
    // the child's termination: its first write fails (nothing of it is committed)
    if (child && child.state.status === 'Terminated' && !failedOnce) {
      failedOnce = true;
      throw new StoreUnavailableError('injected: the store is unavailable');
    }
    await commit(m);
    // the child's start is durable; before the server tells the parent, the parent is terminated
    if (child && child.expectedVersion === 0 && !terminatedParent) {
      terminatedParent = true;
      await ts.client.workflow.getHandle(parentId).terminate('closed while its child starts');
    }
  };
  try {
    const parent = await ts.client.workflow.start('parentLeavesChild', {
      taskQueue: TQ,
      workflowId: parentId,
      args: ['TERMINATE', childId],
    });
    expect(await waitFor(async () => (await parent.describe()).status.name === 'TERMINATED')).toBe(true);
    const statusOfChild = async (): Promise<string> =>
      (await ts.client.workflow.getHandle(childId).describe()).status.name;
    expect(await waitFor(async () => failedOnce && (await statusOfChild()) === 'TERMINATED', 10_000)).toBe(true);
    expect(terminatedParent).toBe(true);
    // the parent never heard of its child: it closed first
    const { events } = await parent.fetchHistory();
    expect(events.map((e) => e.eventType)).not.toContain('ChildWorkflowExecutionStarted');
  } finally {
    store.commit = commit;
  }
}, 30_000);

/**
 * Makes the parent's record of its child's start (the outbox entry removed with it) fail once, so the start effect
 * repeats about a second later; `failed()` tells whether it did. `restore()` puts the store's commit back.
 */
function failStartRecordOnce(parentId: string): { failed: () => boolean; restore: () => void } {
  const store = ts.server.context.store;
  const commit = store.commit.bind(store);
  let failedOnce = false;
  store.commit = async (m: Mutation) => {
    const parent = m.executions.find((e) => e.state.workflowId === parentId);
    if (parent && !failedOnce && parent.newEvents.some((e) => e.eventType === 'ChildWorkflowExecutionStarted')) {
      failedOnce = true;
      throw new StoreUnavailableError('injected: the store is unavailable');
    }
    await commit(m);
  };
  return { failed: () => failedOnce, restore: () => void (store.commit = commit) };
}

const runsOf = async (workflowId: string): Promise<string[]> => {
  const runs: string[] = [];
  for await (const e of ts.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(e.status.name);
  return runs.sort();
};

it('a child start repeated after the child went on to later runs starts nothing new and fails nothing', async () => {
  const parentId = uid('repeat-parent');
  // the repeat comes when the child chain has continued as new and closed
  const injected = failStartRecordOnce(parentId);
  try {
    const parent = await ts.client.workflow.start('parentOfContinuingChildThenWaits', {
      taskQueue: TQ,
      workflowId: parentId,
    });
    expect(await parent.result()).toMatchObject({ n: 2 });
    expect(injected.failed()).toBe(true);
    // one chain of three runs: no second child started by the repeat
    expect(await runsOf(`${parentId}-child`)).toEqual(['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
    const types = (await parent.fetchHistory()).events.map((e) => e.eventType);
    expect(types).not.toContain('StartChildWorkflowExecutionFailed');
    expect(types.filter((t) => t === 'ChildWorkflowExecutionStarted')).toHaveLength(1);
  } finally {
    injected.restore();
  }
}, 30_000);

it('a child start repeated after the child closed (reported to the parent) and its id was reused starts nothing', async () => {
  const parentId = uid('reuse-parent');
  const childId = uid('reuse-child');
  // the repeat comes when the first child has closed (its close recorded the start too) and a second took its id
  const injected = failStartRecordOnce(parentId);
  try {
    const parent = await ts.client.workflow.start('parentOfTwoChildrenSameId', {
      taskQueue: TQ,
      workflowId: parentId,
      args: [childId],
    });
    expect(await parent.result()).toEqual([2, 3]);
    expect(injected.failed()).toBe(true);
    expect(await runsOf(childId)).toEqual(['COMPLETED', 'COMPLETED']);
  } finally {
    injected.restore();
  }
}, 30_000);
