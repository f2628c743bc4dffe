/** RunUpdater.update on a stale cached run: in a cluster, a task the copy does not know is looked for in the store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newRunId } from '../common/ids.js';
import { signalWorkflow } from '../engine/requests.js';
import { startRun } from '../engine/start.js';
import { startInput } from '../engine/test-driver.js';
import type { Transition } from '../engine/transition.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { ApiError } from '../common/api-error.js';
import type { Store } from '../store/store.js';
import { makeState, readOnlyStore } from '../store/conformance-fixtures.js';
import { systemClock } from './clock.js';
import { RunCache } from './run-cache.js';
import { NO_WRITE, RunUpdater } from './run-updater.js';

/** A cache holding an older copy of run r1 (attempt 1) than the store has (attempt 2, the task's). */
async function staleSetup(): Promise<{ store: Store & { reads: number }; updater: RunUpdater }> {
  const store = readOnlyStore(new Map([['r1', { state: makeState('r1', { attempt: 2 }), version: 7 }]]));
  const cache = new RunCache(store);
  cache.put('r1', { state: makeState('r1', { attempt: 1 }), version: 6 });
  return { store, updater: new RunUpdater(store, cache, systemClock) };
}

/** What a dispatch or a completion does: the task exists only in the newer state. */
const needsAttempt2 = (t: { state: { attempt: number } }): typeof NO_WRITE => {
  if (t.state.attempt !== 2) throw new ApiError('TASK_NOT_FOUND', 'no such task');
  return NO_WRITE;
};

describe('RunUpdater.update on a stale cached run', () => {
  it('alone on its store (the cache is the truth): TASK_NOT_FOUND, no read', async () => {
    const { store, updater } = await staleSetup();
    await expect(updater.update('r1', needsAttempt2)).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    expect(store.reads).toBe(0);
  });

  it('in a cluster: reads the run again from the store once, and finds the task', async () => {
    const { store, updater } = await staleSetup();
    updater.rereadStaleTasks = true;
    expect(await updater.update('r1', needsAttempt2)).toBe(NO_WRITE);
    expect(store.reads).toBe(1);
  });

  it('in a cluster: a task the store does not have either is TASK_NOT_FOUND after one read', async () => {
    const { store, updater } = await staleSetup();
    updater.rereadStaleTasks = true;
    let calls = 0;
    const missing = (): never => {
      calls++;
      throw new ApiError('TASK_NOT_FOUND', 'no such task');
    };
    await expect(updater.update('r1', missing)).rejects.toMatchObject({ code: 'TASK_NOT_FOUND' });
    expect(calls).toBe(2);
    expect(store.reads).toBe(1);
    // other errors are not retried
    const other = (): never => {
      throw new ApiError('INVALID_ARGUMENT', 'bad');
    };
    await expect(updater.update('r1', other)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(store.reads).toBe(1);
  });
});

describe('a transition built on one that is not committed yet', () => {
  /** Two servers' updaters (each its own cache) on one store; the run started and known to both. */
  async function twoServers(): Promise<{
    store: SqliteStore;
    ours: RunUpdater;
    theirs: RunUpdater;
    runId: string;
    done: () => Promise<void>;
  }> {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-updater-'));
    const store = new SqliteStore({ path: path.join(dir, 'weft.db') });
    await store.init();
    const ours = new RunUpdater(store, new RunCache(store), systemClock);
    const theirs = new RunUpdater(store, new RunCache(store), systemClock);
    for (const u of [ours, theirs]) u.rereadStaleTasks = u.buildOnCommittedOnly = true; // a cluster
    const runId = newRunId();
    const start = startRun(
      {
        namespace: 'default',
        workflowId: `wf-${runId}`,
        runId,
        workflowType: 'w',
        taskQueue: 'q',
        input: [],
        randomnessSeed: 'seed',
      },
      systemClock.now(),
    );
    await ours.commit([{ transition: start, baseVersion: 0 }]);
    await theirs.update(runId, () => NO_WRITE); // their cache holds it too
    return {
      store,
      ours,
      theirs,
      runId,
      done: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  const signal =
    (...names: string[]) =>
    (t: Transition): void => {
      for (const signalName of names) signalWorkflow(t, { signalName, args: [] });
    };

  it('in a cluster: never commits on a base another server replaced, whatever the versions say', async () => {
    const { store, ours, theirs, runId, done } = await twoServers();
    try {
      // another server moves the run on (version 2, one event) while our copy is still at version 1
      await theirs.update(runId, signal('theirs'));
      // ours: two events on the stale copy (its version check fails), and in the same turn one more on top of it
      // (version 2 expected: the store's version, but not the store's run)
      const results = await Promise.allSettled([ours.update(runId, signal('a', 'b')), ours.update(runId, signal('c'))]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
      const stored = await store.getExecution(runId);
      const events = await store.readEvents(runId, 1, 1000);
      // history is whole (ids 1..n, as many as the run counts) and holds each signal once
      expect(events.map((e) => e.eventId)).toEqual(events.map((_, i) => i + 1));
      expect(stored?.state.nextEventId).toBe(events.length + 1);
      const signals = events
        .filter((e) => e.eventType === 'WorkflowExecutionSignaled')
        .map((e) => (e.attributes as { signalName: string }).signalName)
        .sort();
      expect(signals).toEqual(['a', 'b', 'c', 'theirs']);
    } finally {
      await done();
    }
  });
});

describe('RunUpdater.commit when a before-commit hook throws', () => {
  it('tells the hooks that already answered that the commit failed, and writes nothing', async () => {
    const { store, updater } = await staleSetup();
    const told: string[] = [];
    updater.beforeCommit(() => ({
      committed: () => void told.push('committed'),
      failed: () => void told.push('failed'),
    }));
    updater.beforeCommit(() => {
      throw new TypeError('a bug in a hook');
    });
    await expect(
      updater.commit([{ transition: startRun(startInput({ runId: 'r2' }), Date.now()), baseVersion: 0 }]),
    ).rejects.toThrow('a bug in a hook');
    expect(told).toEqual(['failed']);
    expect(store.reads).toBe(0);
  });
});
