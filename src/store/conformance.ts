/**
 * The Store conformance suite: what every dialect must do, written only against the Store interface (no SQL),
 * so each backend runs it unchanged from its own test file:
 *
 *   describeStoreConformance('sqlite', async () => ({ store, reopen, cleanup }));
 *
 * `makeStore` gives a store on a fresh, empty database, not yet initialised; the suite calls init(). `reopen`
 * (optional) gives a new, uninitialised store on the same database; the suite closes the current store first.
 * After each test the suite closes the current store, then calls `cleanup` (which drops the database).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExecutionState } from '../engine/state.js';
import { StoreConflictError, type Mutation, type Store } from './store.js';
import {
  activityState,
  currentRun,
  makeEvents,
  makeState,
  NS,
  startMutation,
  T0,
  task,
  timer,
  write,
} from './conformance-fixtures.js';
import { describeTasksAndTimersConformance } from './conformance-tasks.js';
import { describeVisibilityConformance } from './conformance-visibility.js';
import { describeSchedulesConformance } from './conformance-schedules.js';
import { describeStuckConformance } from './conformance-stuck.js';
import { describeRetentionConformance } from './conformance-retention.js';
import { describeControlRecordsConformance } from './conformance-control.js';

export interface StoreHarness {
  store: Store;
  reopen?: () => Promise<Store>;
  cleanup: () => Promise<void>;
}

export interface ConformanceContext {
  store(): Store;
  /** Closes the current store and opens the same database again; undefined when the harness cannot. */
  reopen(): Promise<Store> | undefined;
}

async function expectConflict(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toBeInstanceOf(StoreConflictError);
}

export function describeStoreConformance(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`Store conformance: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
      await store.init();
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    const ctx: ConformanceContext = {
      store: () => store,
      reopen: () => {
        const reopenStore = harness.reopen;
        if (!reopenStore) return undefined;
        return (async () => {
          await store.close();
          store = await reopenStore();
          await store.init();
          return store;
        })();
      },
    };

    describeExecutions(ctx);
    describeCurrentRuns(ctx);
    describeGroupCommit(ctx);
    describeTasksAndTimersConformance(ctx);
    describeVisibilityConformance(ctx);
    describeDefinitions(ctx);
    describeSchedulesConformance(ctx);
    describeStuckConformance(ctx);
    describeRetentionConformance(ctx);
    describeControlRecordsConformance(ctx);
    describeReopen(ctx);

    it('is ready once initialised (reachable and migrated)', async () => {
      await expect(store.ready()).resolves.toBeUndefined();
    });

    it('answers ping and names its dialect', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      expect(['sqlite', 'postgres']).toContain(store.dialect);
    });
  });
}

function describeExecutions(ctx: ConformanceContext): void {
  describe('executions', () => {
    it('creates a run and reads back its state, version, current run and events', async () => {
      const s = ctx.store();
      const m = startMutation('r1', { memo: { note: 'ü ✓' } }, 3);
      await s.commit(m);
      const stored = await s.getExecution('r1');
      expect(stored).toEqual({ state: m.executions[0]!.state, version: 1 });
      expect(await s.getCurrentRun(NS, 'wf-r1')).toEqual({
        namespace: NS,
        workflowId: 'wf-r1',
        runId: 'r1',
        status: 'Running',
      });
      expect(await s.readEvents('r1', 1, 3)).toEqual(m.executions[0]!.newEvents);
      expect(await s.getExecution('nope')).toBeUndefined();
      expect(await s.getCurrentRun(NS, 'nope')).toBeUndefined();
      expect(await s.getCurrentRun('other-namespace', 'wf-r1')).toBeUndefined();
    });

    it('updates a run at the version it read and counts the version up', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      let state = makeState('r1', { nextEventId: 3, lastProgressTime: T0 + 5 });
      for (let v = 1; v <= 3; v++) {
        state = { ...state, nextEventId: state.nextEventId + 1, lastProgressTime: T0 + v };
        await s.commit({
          executions: [
            write(state, {
              expectedVersion: v,
              newEvents: makeEvents(state, state.nextEventId - 1, state.nextEventId - 1),
            }),
          ],
        });
        expect(await s.getExecution('r1')).toEqual({ state, version: v + 1 });
      }
      expect((await s.readEvents('r1', 1, 100)).map((e) => e.eventId)).toEqual([1, 2, 3, 4, 5]);
    });

    it('rejects a stale version and writes nothing of that mutation', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const state = makeState('r1', { nextEventId: 4 });
      await s.commit({ executions: [write(state, { expectedVersion: 1, newEvents: makeEvents(state, 3, 3) })] });
      const stale = makeState('r1', { nextEventId: 4, status: 'Completed', closeTime: T0 + 9 });
      await expectConflict(
        s.commit({
          executions: [
            write(stale, {
              expectedVersion: 1,
              tasksAdded: [task('r1', 'act:9:1')],
              timersAdded: [timer('r1', 'x', T0)],
            }),
          ],
        }),
      );
      await expectConflict(s.commit({ executions: [write(stale, { expectedVersion: 7 })] }));
      expect(await s.getExecution('r1')).toEqual({ state, version: 2 });
      expect((await s.listTasks(0, 100)).map((t) => t.key)).toEqual(['wt:1']);
      expect((await s.dueTimers(T0 + 10_000_000, 100)).map((t) => t.key)).toEqual(['run-timeout']);
    });

    it('rejects events whose ids the run already has as a conflict (a stale copy), and writes nothing of it', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const state = makeState('r1', { nextEventId: 4 });
      // the version matches, but event 2 is stored already: whoever wrote this worked from a stale copy of the run
      const stale = makeState('r1', { nextEventId: 4, status: 'Completed', closeTime: T0 + 9 });
      await expectConflict(
        s.commit({
          executions: [
            write(stale, { expectedVersion: 1, newEvents: makeEvents(state, 2, 3), tasksAdded: [task('r1', 'x:1')] }),
          ],
        }),
      );
      expect((await s.getExecution('r1'))?.version).toBe(1);
      expect((await s.readEvents('r1', 1, 100)).map((e) => e.eventId)).toEqual([1, 2]);
      expect((await s.listTasks(0, 100)).map((t) => t.key)).toEqual(['wt:1']);
    });

    it('closing a run deletes its task and timer rows but keeps its outbox rows (x:...)', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const closed = makeState('r1', { nextEventId: 3, status: 'Completed', closeTime: T0 + 5 });
      await s.commit({
        executions: [
          write(closed, {
            expectedVersion: 1,
            closed: true,
            timersAdded: [timer('r1', 'x:parent', T0 + 5), timer('r1', 'timer:1', T0 + 9)],
          }),
        ],
      });
      expect(await s.listTasks(0, 100)).toEqual([]);
      expect((await s.dueTimers(T0 + 10_000_000, 100)).map((t) => t.key)).toEqual(['x:parent']);
      // the effect done: its row goes in a later write of the closed run
      await s.commit({ executions: [write(closed, { expectedVersion: 2, timersRemoved: ['x:parent'] })] });
      expect(await s.dueTimers(T0 + 10_000_000, 100)).toEqual([]);
    });

    it('rejects creating a run that exists, writing none of that mutation', async () => {
      const s = ctx.store();
      const first = startMutation('r1');
      await s.commit(first);
      const again = startMutation('r1', { workflowId: 'wf-other', workflowType: 'changed' }, 5);
      await expectConflict(s.commit(again));
      expect(await s.getExecution('r1')).toEqual({ state: first.executions[0]!.state, version: 1 });
      expect(await s.getCurrentRun(NS, 'wf-other')).toBeUndefined();
      expect((await s.readEvents('r1', 1, 100)).length).toBe(2);
    });

    it('reads events by inclusive ranges, in order', async () => {
      const s = ctx.store();
      const state = makeState('r1', { nextEventId: 5 });
      const first = makeEvents(state, 1, 4);
      await s.commit({ executions: [write(state, { newEvents: first })] });
      const later = makeState('r1', { nextEventId: 11 });
      const second = makeEvents(later, 5, 10);
      await s.commit({ executions: [write(later, { expectedVersion: 1, newEvents: second })] });
      const all = [...first, ...second];
      expect(await s.readEvents('r1', 1, 10)).toEqual(all);
      expect(await s.readEvents('r1', 3, 7)).toEqual(all.slice(2, 7));
      expect(await s.readEvents('r1', 10, 10)).toEqual([all[9]]);
      expect(await s.readEvents('r1', 0, 1000)).toEqual(all);
      expect(await s.readEvents('r1', 11, 20)).toEqual([]);
      expect(await s.readEvents('r1', 6, 5)).toEqual([]);
      expect(await s.readEvents('r2', 1, 10)).toEqual([]);
    });

    it('stores activities one row each: only the changed ones are written, removed ones go, closing drops all', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const act = (seq: number, attempt: number): ExecutionState['activities'][string] =>
        activityState(seq, { attempt });
      const v2 = makeState('r1', { nextEventId: 2, activities: { 1: act(1, 1), 2: act(2, 1), 3: act(3, 1) } });
      await s.commit({ executions: [write(v2, { expectedVersion: 1, activitiesChanged: [1, 2, 3] })] });
      expect((await s.getExecution('r1'))?.state.activities).toEqual(v2.activities);

      // activity 2 changes, 3 ends; the write names only those: activity 1 is left as stored
      const v3 = makeState('r1', { nextEventId: 2, activities: { 1: act(1, 99), 2: act(2, 2) } });
      await s.commit({
        executions: [write(v3, { expectedVersion: 2, activitiesChanged: [2], activitiesRemoved: [3] })],
      });
      expect((await s.getExecution('r1'))?.state.activities).toEqual({ 1: act(1, 1), 2: act(2, 2) });

      const closed = makeState('r1', { nextEventId: 2, status: 'Completed', closeTime: T0 + 5, activities: {} });
      await s.commit({ executions: [write(closed, { expectedVersion: 3, closed: true })] });
      expect((await s.getExecution('r1'))?.state.activities).toEqual({});
    });

    it('stores buffered events one row each: appended, rewritten, dropped on close', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const b = (n: number): ExecutionState['bufferedEvents'][number] => ({
        eventType: 'TimerFired',
        time: T0 + n,
        attributes: { timerId: String(n), startedEventId: n },
      });
      const v2 = makeState('r1', { nextEventId: 2, bufferedEvents: [b(1), b(2)] });
      await s.commit({
        executions: [write(v2, { expectedVersion: 1, bufferedEvents: { appendedFrom: 0, rewritten: false } })],
      });
      const v3 = makeState('r1', { nextEventId: 2, bufferedEvents: [b(1), b(2), b(3)] });
      await s.commit({
        executions: [write(v3, { expectedVersion: 2, bufferedEvents: { appendedFrom: 2, rewritten: false } })],
      });
      expect((await s.getExecution('r1'))?.state.bufferedEvents).toEqual([b(1), b(2), b(3)]);
      const v4 = makeState('r1', { nextEventId: 2, bufferedEvents: [b(3)] });
      await s.commit({ executions: [write(v4, { expectedVersion: 3, bufferedEvents: { rewritten: true } })] });
      expect((await s.getExecution('r1'))?.state.bufferedEvents).toEqual([b(3)]);
      const closed = makeState('r1', { nextEventId: 2, status: 'Failed', closeTime: T0 + 9 });
      await s.commit({ executions: [write(closed, { expectedVersion: 4, closed: true })] });
      expect((await s.getExecution('r1'))?.state.bufferedEvents).toEqual([]);
    });

    it('writes several runs in one mutation atomically (continue-as-new)', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const old = makeState('r1', { nextEventId: 4, status: 'ContinuedAsNew', closeTime: T0 + 10 });
      const next = makeState('r2', { workflowId: 'wf-r1', firstExecutionRunId: 'r1', nextEventId: 2 });
      const mutation = (expectedRunId: string): Mutation => ({
        executions: [
          write(old, { expectedVersion: 1, newEvents: makeEvents(old, 3, 3), closed: true }),
          write(next, { newEvents: makeEvents(next, 1, 1), tasksAdded: [task('r2', 'wt:1', { kind: 'workflow' })] }),
        ],
        currentRuns: [{ ...currentRun(next, expectedRunId) }],
      });
      await expectConflict(s.commit(mutation('r0')));
      expect((await s.getExecution('r1'))?.version).toBe(1);
      expect(await s.getExecution('r2')).toBeUndefined();
      expect(await s.readEvents('r2', 1, 10)).toEqual([]);

      await s.commit(mutation('r1'));
      expect(await s.getExecution('r1')).toEqual({ state: old, version: 2 });
      expect(await s.getExecution('r2')).toEqual({ state: next, version: 1 });
      expect(await s.getCurrentRun(NS, 'wf-r1')).toMatchObject({ runId: 'r2', status: 'Running' });
      expect((await s.listTasks(0, 10)).map((t) => [t.runId, t.key])).toEqual([['r2', 'wt:1']]);
    });
  });
}

function describeCurrentRuns(ctx: ConformanceContext): void {
  describe('current run', () => {
    it('shows the status a run closed with', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const failed = makeState('r1', { nextEventId: 3, status: 'Failed', closeTime: T0 + 1 });
      await s.commit({ executions: [write(failed, { expectedVersion: 1, closed: true })] });
      expect(await s.getCurrentRun(NS, 'wf-r1')).toEqual({
        namespace: NS,
        workflowId: 'wf-r1',
        runId: 'r1',
        status: 'Failed',
      });
    });

    it('rejects expectedRunId null when the workflow id already has a run', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const second = startMutation('r2', { workflowId: 'wf-r1' });
      await expectConflict(s.commit(second));
      expect(await s.getExecution('r2')).toBeUndefined();
      expect(await s.getCurrentRun(NS, 'wf-r1')).toMatchObject({ runId: 'r1' });
    });

    it('rejects a mismatched expectedRunId and moves the pointer on a match', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const closed = makeState('r1', { nextEventId: 3, status: 'Completed', closeTime: T0 + 1 });
      await expectConflict(
        s.commit({ executions: [write(closed, { expectedVersion: 1 })], currentRuns: [currentRun(closed, 'r9')] }),
      );
      await expectConflict(
        s.commit({ executions: [write(closed, { expectedVersion: 1 })], currentRuns: [currentRun(closed, null)] }),
      );
      expect(await s.getCurrentRun(NS, 'wf-r1')).toMatchObject({ runId: 'r1', status: 'Running' });
      expect((await s.getExecution('r1'))?.version).toBe(1);

      await s.commit({
        executions: [write(closed, { expectedVersion: 1, closed: true })],
        currentRuns: [currentRun(closed, 'r1')],
      });
      expect(await s.getCurrentRun(NS, 'wf-r1')).toEqual({
        namespace: NS,
        workflowId: 'wf-r1',
        runId: 'r1',
        status: 'Completed',
      });

      const next = startMutation('r2', { workflowId: 'wf-r1' });
      next.currentRuns = [currentRun(next.executions[0]!.state, 'r1')];
      await s.commit(next);
      expect(await s.getCurrentRun(NS, 'wf-r1')).toEqual({
        namespace: NS,
        workflowId: 'wf-r1',
        runId: 'r2',
        status: 'Running',
      });
    });

    it('keeps workflow ids of different namespaces apart', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      await s.commit(startMutation('r2', { namespace: 'other', workflowId: 'wf-r1' }));
      expect(await s.getCurrentRun(NS, 'wf-r1')).toMatchObject({ runId: 'r1' });
      expect(await s.getCurrentRun('other', 'wf-r1')).toMatchObject({ runId: 'r2', namespace: 'other' });
    });
  });
}

function describeGroupCommit(ctx: ConformanceContext): void {
  describe('many commits at once', () => {
    it('commits the mutations of one tick; a conflicting one fails alone', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r0'));
      // No await between the calls: a group-committing store puts them all in one transaction.
      const results = await Promise.allSettled([
        s.commit(startMutation('r1')),
        s.commit(startMutation('r0', { workflowId: 'wf-dup' })), // run exists
        s.commit(startMutation('r2')),
        s.commit(startMutation('r3', { workflowId: 'wf-r1' })), // workflow id taken by r1 just above
        s.commit(startMutation('r4')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      for (const i of [1, 3]) expect((results[i] as PromiseRejectedResult).reason).toBeInstanceOf(StoreConflictError);
      for (const id of ['r1', 'r2', 'r4']) {
        expect((await s.getExecution(id))?.version).toBe(1);
        expect((await s.readEvents(id, 1, 10)).length).toBe(2);
      }
      expect(await s.getExecution('r3')).toBeUndefined();
      expect(await s.getCurrentRun(NS, 'wf-dup')).toBeUndefined();
      expect((await s.listTasks(0, 100)).map((t) => t.runId)).toEqual(['r0', 'r1', 'r2', 'r4']);
    });

    it('applies same-tick writes to one run in call order: the second at the same version conflicts', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const a = makeState('r1', { nextEventId: 4, lastProgressTime: T0 + 1 });
      const b = makeState('r1', { nextEventId: 4, lastProgressTime: T0 + 2 });
      const c = makeState('r1', { nextEventId: 5, lastProgressTime: T0 + 3 });
      const results = await Promise.allSettled([
        s.commit({ executions: [write(a, { expectedVersion: 1, newEvents: makeEvents(a, 3, 3) })] }),
        s.commit({ executions: [write(b, { expectedVersion: 1, newEvents: makeEvents(b, 3, 3) })] }),
        s.commit({ executions: [write(c, { expectedVersion: 2, newEvents: makeEvents(c, 4, 4) })] }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await s.getExecution('r1')).toEqual({ state: c, version: 3 });
      expect((await s.readEvents('r1', 1, 10)).map((e) => e.eventId)).toEqual([1, 2, 3, 4]);
    });

    it('fails a mutation that cannot be written (not serialisable) alone', async () => {
      const s = ctx.store();
      const bad = startMutation('r2', { memo: { n: 10n as unknown as number } });
      const results = await Promise.allSettled([
        s.commit(startMutation('r1')),
        s.commit(bad),
        s.commit(startMutation('r3')),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await s.getExecution('r2')).toBeUndefined();
      expect(await s.getCurrentRun(NS, 'wf-r2')).toBeUndefined();
      expect((await s.getExecution('r3'))?.version).toBe(1);
    });

    it('commits a thousand concurrent mutations', async () => {
      const s = ctx.store();
      const ids = Array.from({ length: 1000 }, (_, i) => `c${String(i).padStart(4, '0')}`);
      await Promise.all(ids.map((id) => s.commit(startMutation(id))));
      for (const id of [ids[0]!, ids[499]!, ids[999]!]) expect((await s.getExecution(id))?.version).toBe(1);
      expect((await s.listTasks(0, 2000)).length).toBe(1000);
    });
  });
}

function describeDefinitions(ctx: ConformanceContext): void {
  describe('workflow definitions', () => {
    it('puts, gets, lists and updates definitions per namespace', async () => {
      const s = ctx.store();
      const full = {
        namespace: NS,
        workflowType: 'b-order',
        taskQueue: 'main',
        description: 'Orders',
        defaults: { workflowTaskTimeoutMs: 5000, retry: { maximumAttempts: 3 } },
        updatedAt: T0,
      };
      const bare = { namespace: NS, workflowType: 'a-ship', taskQueue: 'ship', updatedAt: T0 + 1 };
      await s.putWorkflowDefinition(full);
      await s.putWorkflowDefinition(bare);
      await s.putWorkflowDefinition({ ...bare, namespace: 'other' });
      expect(await s.getWorkflowDefinition(NS, 'b-order')).toEqual(full);
      expect(await s.getWorkflowDefinition(NS, 'a-ship')).toEqual(bare);
      expect(await s.getWorkflowDefinition(NS, 'missing')).toBeUndefined();
      expect((await s.listWorkflowDefinitions(NS)).map((d) => d.workflowType)).toEqual(['a-ship', 'b-order']);
      const updated = { namespace: NS, workflowType: 'b-order', taskQueue: 'q2', updatedAt: T0 + 9 };
      await s.putWorkflowDefinition(updated);
      expect(await s.getWorkflowDefinition(NS, 'b-order')).toEqual(updated);
      expect(await s.listWorkflowDefinitions('other')).toEqual([{ ...bare, namespace: 'other' }]);
      expect(await s.listWorkflowDefinitions('none')).toEqual([]);
    });
  });
}

function describeReopen(ctx: ConformanceContext): void {
  describe('reopening', () => {
    it('keeps everything', async (t) => {
      let s = ctx.store();
      const m = startMutation('r1', {}, 4);
      await s.commit(m);
      await s.commit(startMutation('r2', { status: 'Completed', closeTime: T0 + 3 }));
      await s.putWorkflowDefinition({ namespace: NS, workflowType: 'order', taskQueue: 'main', updatedAt: T0 });
      const tasks = await s.listTasks(0, 10);
      const timers = await s.dueTimers(T0 + 1_000_000, 10);
      const reopened = ctx.reopen();
      if (!reopened) return t.skip();
      s = await reopened;
      expect(await s.getExecution('r1')).toEqual({ state: m.executions[0]!.state, version: 1 });
      expect(await s.readEvents('r1', 1, 10)).toEqual(m.executions[0]!.newEvents);
      expect(await s.getCurrentRun(NS, 'wf-r2')).toMatchObject({ runId: 'r2', status: 'Completed' });
      expect(await s.listTasks(0, 10)).toEqual(tasks);
      expect(await s.dueTimers(T0 + 1_000_000, 10)).toEqual(timers);
      expect(await s.getWorkflowDefinition(NS, 'order')).toMatchObject({ taskQueue: 'main' });
      const list = await s.listExecutions({ namespace: NS, query: { orderBy: [] }, pageSize: 10 });
      expect(list.executions.map((e) => e.runId).sort()).toEqual(['r1', 'r2']);
      // and keeps working
      await s.commit(startMutation('r3'));
      expect((await s.getExecution('r3'))?.version).toBe(1);
    });

    it('close() commits what is still queued', async (t) => {
      const s = ctx.store();
      const pending = [s.commit(startMutation('r1')), s.commit(startMutation('r2'))];
      const reopened = ctx.reopen(); // closes the store in this same tick
      await Promise.all(pending);
      if (!reopened) return t.skip();
      const again = await reopened;
      expect((await again.getExecution('r1'))?.version).toBe(1);
      expect((await again.getExecution('r2'))?.version).toBe(1);
    });
  });
}
