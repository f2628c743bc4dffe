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
import { handOverFailed, LostStarts, lostStartOf, timeOutIfStillStarted, type LostStart } from './lost-starts.js';
import { RunCache } from './run-cache.js';
import { NO_WRITE, RunUpdater } from './run-updater.js';

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
function contextOver(stored: ExecutionState, readFailures = 0): { ctx: ServerContext; commits: Mutation[] } {
  const commits: Mutation[] = [];
  let failures = readFailures;
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
  } as unknown as ServerContext;
  return { ctx, commits };
}

describe('timeOutIfStillStarted', () => {
  const task = { kind: 'activity', seq: 2, attempt: 1 } as const;
  /** The check for the attempt a lost commit (transition a.1) started. */
  const lostA1: LostStart = { runId: 'r1', task, startId: 'a.1' };

  it('times out the attempt the lost commit started, when the store holds that start', async () => {
    const { ctx, commits } = contextOver(runWith('a.1'));
    await timeOutIfStillStarted(ctx, lostA1);
    expect(commits).toHaveLength(1);
    const written = commits[0]!.executions[0]!;
    // attempt 1 timed out (start-to-close): attempt 2 waits out its retry backoff
    expect(written.state.activities[2]).toMatchObject({ attempt: 2, state: 'backoff' });
  });

  it('leaves alone the same start written by the request sent again (another transition)', async () => {
    const { ctx, commits } = contextOver(runWith('b.7'));
    await timeOutIfStillStarted(ctx, lostA1);
    expect(commits).toEqual([]);
  });

  it('leaves alone a task the store does not hold started (the commit was not written)', async () => {
    const stored = makeState('r1', { nextEventId: 6, needsWorkflowTask: false });
    const { ctx, commits } = contextOver(stored);
    await timeOutIfStillStarted(ctx, lostA1);
    expect(commits).toEqual([]);
  });

  it('reads the run from the store, not from a cached copy older than the commit', async () => {
    const { ctx, commits } = contextOver(runWith('a.1'));
    // this server's cache holds the run as it was before the lost commit landed (the attempt not started)
    await ctx.updater.update('r1', () => NO_WRITE);
    ctx.updater['cache'].put('r1', {
      state: makeState('r1', { nextEventId: 6, needsWorkflowTask: false }),
      version: 3,
    });
    await timeOutIfStillStarted(ctx, lostA1);
    expect(commits).toHaveLength(1);
  });

  it('LostStarts: a check the store does not answer stays, and is made by a later reread', async () => {
    const { ctx, commits } = contextOver(runWith('a.1'), 2);
    const lost = new LostStarts(ctx);
    lost.add([lostA1, lostA1]); // the same start added twice is checked once
    await expect(lost.run()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(lost.run()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(commits).toEqual([]);
    await lost.run(); // the store answers again
    expect(commits).toHaveLength(1);
    await lost.run(); // done: nothing left to check
    expect(commits).toHaveLength(1);
  });

  it('a task its own transition also ended (a continued workflow task) gives no check', () => {
    expect(lostStartOf(makeState('r1', { nextEventId: 9, needsWorkflowTask: false }), task)).toBeUndefined();
    expect(lostStartOf(runWith('a.1'), task)).toEqual(lostA1);
  });

  it('handOverFailed: a hand-over the store failed is checked; any other failure is left to the timeout', () => {
    const added: LostStart[][] = [];
    let rereads = 0;
    const ctx = {
      lostStarts: { add: (c: LostStart[]) => void added.push(c) },
      reread: { request: () => void rereads++ },
    } as unknown as ServerContext;
    handOverFailed(ctx, runWith('a.1'), task, new StoreUnavailableError('injected: the store is away'));
    expect(added).toEqual([[lostA1]]);
    expect(rereads).toBe(1);
    // an error that would come back every time (a missing event): timing out at once would start it again and
    // again without a pause
    handOverFailed(ctx, runWith('a.1'), task, new Error('event 5 is not ActivityTaskScheduled'));
    expect(added).toHaveLength(1);
    expect(rereads).toBe(1);
  });
});
