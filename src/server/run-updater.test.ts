/** RunUpdater.update on a stale cached run: in a cluster, a task the copy does not know is looked for in the store. */
import { describe, expect, it } from 'vitest';
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
