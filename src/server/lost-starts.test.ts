/**
 * timeOutIfStillStarted: a task is timed out only when the store shows it started by the very transition whose
 * commit's answer was lost, not by the same request sent again and written (same worker, maybe the same time).
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import type { ActivityState, ExecutionState } from '../engine/state.js';
import { activityState, makeState } from '../store/conformance-fixtures.js';
import { StoreUnavailableError, type Mutation, type Store } from '../store/store.js';
import { systemClock } from './clock.js';
import type { ServerContext } from './context.js';
import { LostStarts, timeOutIfStillStarted } from './lost-starts.js';
import { RunCache } from './run-cache.js';
import { RunUpdater } from './run-updater.js';

const T = Date.UTC(2026, 0, 1);

const startedActivity = (startId: string): ActivityState =>
  activityState(2, {
    activityType: 'double',
    startToCloseTimeoutMs: 60_000,
    state: 'started',
    startedTime: T,
    identity: 'worker-1',
    startId,
  });

const runWith = (startId: string): ExecutionState =>
  makeState('r1', { nextEventId: 7, needsWorkflowTask: false, activities: { 2: startedActivity(startId) } });

/** A context over a store holding `stored` (version 4), recording what is committed. */
function contextOver(
  stored: ExecutionState,
  readFailures = 0,
): { ctx: ServerContext; commits: Mutation[]; rereads: () => number } {
  const commits: Mutation[] = [];
  let failures = readFailures;
  let rereads = 0;
  const store = {
    getExecution: (runId: string) => {
      if (failures-- > 0) return Promise.reject(new StoreUnavailableError('injected: the store is away'));
      return Promise.resolve(runId === 'r1' ? { state: structuredClone(stored), version: 4 } : undefined);
    },
    commit: (m: Mutation) => {
      commits.push(m);
      return Promise.resolve();
    },
  } as unknown as Store;
  const ctx = {
    updater: new RunUpdater(store, new RunCache(store), systemClock),
    shutdown: new AbortController(),
    log: createLogger('silent', 'test'),
    reread: { request: () => void rereads++ },
  } as unknown as ServerContext;
  return { ctx, commits, rereads: () => rereads };
}

describe('timeOutIfStillStarted', () => {
  const task = { kind: 'activity', seq: 2, attempt: 1 } as const;

  it('times out the attempt the lost commit started, when the store holds that start', async () => {
    const { ctx, commits } = contextOver(runWith('a.1'));
    await timeOutIfStillStarted(ctx, runWith('a.1'), task);
    expect(commits).toHaveLength(1);
    const written = commits[0]!.executions[0]!;
    // attempt 1 timed out (start-to-close): attempt 2 waits out its retry backoff
    expect(written.state.activities[2]).toMatchObject({ attempt: 2, state: 'backoff' });
  });

  it('leaves alone the same start written by the request sent again (another transition)', async () => {
    const { ctx, commits } = contextOver(runWith('b.7'));
    await timeOutIfStillStarted(ctx, runWith('a.1'), task);
    expect(commits).toEqual([]);
  });

  it('leaves alone a task the store does not hold started (the commit was not written)', async () => {
    const stored = makeState('r1', { nextEventId: 6, needsWorkflowTask: false });
    const { ctx, commits } = contextOver(stored);
    await timeOutIfStillStarted(ctx, runWith('a.1'), task);
    expect(commits).toEqual([]);
  });

  it('LostStarts: a check the store does not answer stays, and is made by a later reread', async () => {
    const { ctx, commits, rereads } = contextOver(runWith('a.1'), 2);
    const lost = new LostStarts(ctx);
    lost.add(runWith('a.1'), task);
    expect(rereads()).toBe(1); // the reread that makes the check is asked for
    await expect(lost.run()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(lost.run()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(commits).toEqual([]);
    await lost.run(); // the store answers again
    expect(commits).toHaveLength(1);
    await lost.run(); // done: nothing left to check
    expect(commits).toHaveLength(1);
  });

  it('LostStarts: a task its own transition also ended is not checked', () => {
    const { ctx, rereads } = contextOver(runWith('a.1'));
    const ended = makeState('r1', { nextEventId: 9, needsWorkflowTask: false });
    new LostStarts(ctx).add(ended, task);
    expect(rereads()).toBe(0);
  });
});
