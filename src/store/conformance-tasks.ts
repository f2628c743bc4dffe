/** Conformance of the task and timer rows: remove-before-add, replacement, deletion on close, paging, due order. */
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './conformance.js';
import { activityState, makeState, NS, startMutation, T0, task, timer, write } from './conformance-fixtures.js';
import type { ActivityState } from '../engine/state.js';
import type { Store } from './store.js';

export function describeTasksAndTimersConformance(ctx: ConformanceContext): void {
  describe('tasks and timers', () => {
    const keysOf = async (s: Store): Promise<string[]> =>
      (await s.listTasks(0, 1000)).map((t) => `${t.runId}/${t.key}`);

    it('removes before it adds, so one write can remove and re-add a key', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const state = makeState('r1', { nextEventId: 3 });
      await s.commit({ executions: [write(state, { expectedVersion: 1, tasksAdded: [task('r1', 'act:1:1')] })] });
      const moved = task('r1', 'act:1:1', {
        taskQueue: 'other',
        createdAt: T0 + 50,
        kind: 'workflow',
        stickyIdentity: 'w7',
      });
      await s.commit({
        executions: [
          write(state, {
            expectedVersion: 2,
            tasksRemoved: ['act:1:1', 'never-existed'],
            tasksAdded: [moved],
            timersRemoved: ['run-timeout'],
            timersAdded: [timer('r1', 'run-timeout', T0 + 7)],
          }),
        ],
      });
      const tasks = await s.listTasks(0, 100);
      expect(tasks.map((t) => t.key)).toEqual(['wt:1', 'act:1:1']);
      const { rowId, ...row } = tasks[1]!;
      expect(row).toEqual(moved);
      expect(rowId).toBeGreaterThan(tasks[0]!.rowId);
      expect(await s.dueTimers(T0 + 1_000_000, 10)).toEqual([timer('r1', 'run-timeout', T0 + 7)]);
    });

    it("keeps a task's priority key (none: the default)", async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const state = makeState('r1', { nextEventId: 3 });
      await s.commit({
        executions: [
          write(state, {
            expectedVersion: 1,
            tasksAdded: [task('r1', 'act:1:1', { priority: 1 }), task('r1', 'act:2:1', { priority: 5 })],
          }),
        ],
      });
      const tasks = await s.listTasks(0, 100);
      expect(tasks.map((t) => [t.key, t.priority])).toEqual([
        ['wt:1', undefined],
        ['act:1:1', 1],
        ['act:2:1', 5],
      ]);
      expect('priority' in tasks[0]!).toBe(false);
    });

    it('replaces a task or timer added again under the same key', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const state = makeState('r1', { nextEventId: 3 });
      await s.commit({
        executions: [
          write(state, {
            expectedVersion: 1,
            tasksAdded: [task('r1', 'wt:1', { kind: 'workflow', createdAt: T0 + 3 })],
            timersAdded: [timer('r1', 'run-timeout', T0 + 99)],
          }),
        ],
      });
      const tasks = await s.listTasks(0, 100);
      expect(tasks.length).toBe(1);
      expect(tasks[0]).toMatchObject({ key: 'wt:1', createdAt: T0 + 3 });
      expect(await s.dueTimers(T0 + 1_000_000, 10)).toEqual([timer('r1', 'run-timeout', T0 + 99)]);
    });

    it('deletes every task and timer of a run that closes, and only of that run', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      await s.commit(startMutation('r2'));
      const closed = makeState('r1', { nextEventId: 3, status: 'Terminated', closeTime: T0 + 5 });
      await s.commit({
        executions: [
          write(closed, {
            expectedVersion: 1,
            tasksAdded: [task('r1', 'act:1:1')],
            timersAdded: [timer('r1', 'act-stc:1:1', T0 + 1)],
            closed: true,
          }),
        ],
      });
      expect(await keysOf(s)).toEqual(['r2/wt:1']);
      expect((await s.dueTimers(T0 + 1_000_000, 10)).map((t) => t.runId)).toEqual(['r2']);
    });

    it("a started attempt's timeouts: written, or left out and its activity listed (startedActivities)", async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1'));
      const activity = (seq: number, over: Partial<ActivityState>): ActivityState =>
        activityState(seq, {
          startToCloseTimeoutMs: 1000,
          heartbeatTimeoutMs: 300,
          attempt: 2,
          state: 'started',
          startedTime: T0 + 10,
          ...over,
        });
      const started = activity(1, {});
      const waiting = activity(2, { state: 'scheduled', startedTime: undefined });
      const state = makeState('r1', { nextEventId: 3, activities: { 1: started, 2: waiting } });
      await s.commit({
        executions: [
          write(state, {
            expectedVersion: 1,
            activitiesChanged: [1, 2],
            timersAdded: [
              timer('r1', 'act-stc:1:2', T0 + 1010),
              timer('r1', 'act-hb:1:2', T0 + 310),
              timer('r1', 'act-s2s:2:1', T0 + 50),
            ],
          }),
        ],
      });
      const due = (await s.dueTimers(T0 + 1_000_000, 10)).map((t) => t.key);
      if (s.startedActivities) {
        expect(due).toEqual(['act-s2s:2:1', 'run-timeout']);
        expect(await s.startedActivities()).toEqual([{ runId: 'r1', namespace: NS, activity: started }]);
      } else {
        expect(due).toEqual(['act-s2s:2:1', 'act-hb:1:2', 'act-stc:1:2', 'run-timeout']);
      }
      // their removal is left out too: nothing fails, the other rows go
      await s.commit({
        executions: [write(state, { expectedVersion: 2, timersRemoved: ['act-stc:1:2', 'act-hb:1:2', 'act-s2s:2:1'] })],
      });
      expect((await s.dueTimers(T0 + 1_000_000, 10)).map((t) => t.key)).toEqual(['run-timeout']);
    });

    it('lists due timers earliest first, up to and including dueBefore, at most limit', async () => {
      const s = ctx.store();
      await s.commit(startMutation('r1')); // run-timeout at T0 + 60s
      const dues = [500, 100, 300, 200, 400];
      const state = makeState('r1', { nextEventId: 3 });
      await s.commit({
        executions: [
          write(state, { expectedVersion: 1, timersAdded: dues.map((d, i) => timer('r1', `t${i}`, T0 + d)) }),
        ],
      });
      await s.commit({
        executions: [write(makeState('r2', { nextEventId: 1 }), { timersAdded: [timer('r2', 'x', T0 + 250)] })],
      });
      expect((await s.dueTimers(T0 + 300, 100)).map((t) => t.dueAt - T0)).toEqual([100, 200, 250, 300]);
      expect((await s.dueTimers(T0 + 300, 2)).map((t) => t.dueAt - T0)).toEqual([100, 200]);
      expect(await s.dueTimers(T0 + 99, 10)).toEqual([]);
      expect((await s.dueTimers(T0 + 60_000, 100)).length).toBe(7);
      expect((await s.dueTimers(T0 + 250, 100))[2]).toEqual(timer('r2', 'x', T0 + 250));
    });

    it('pages through tasks oldest first by row id', async () => {
      const s = ctx.store();
      const expected: string[] = [];
      for (let r = 0; r < 5; r++) {
        const runId = `r${r}`;
        const added = Array.from({ length: 4 }, (_, i) =>
          task(runId, `act:${i}:1`, i % 2 ? { stickyIdentity: `w${i}`, kind: 'workflow' } : {}),
        );
        await s.commit({ executions: [write(makeState(runId), { tasksAdded: added })] });
        expected.push(...added.map((t) => `${t.runId}/${t.key}`));
      }
      const seen: Array<Awaited<ReturnType<Store['listTasks']>>[number]> = [];
      let after = 0;
      for (;;) {
        const page = await s.listTasks(after, 6);
        expect(page.length).toBeLessThanOrEqual(6);
        if (page.length === 0) break;
        seen.push(...page);
        after = page[page.length - 1]!.rowId;
      }
      expect(seen.map((t) => `${t.runId}/${t.key}`)).toEqual(expected);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.rowId).toBeGreaterThan(seen[i - 1]!.rowId);
      expect(seen[1]).toMatchObject({
        stickyIdentity: 'w1',
        kind: 'workflow',
        namespace: NS,
        taskQueue: 'main',
        createdAt: T0,
      });
      expect('stickyIdentity' in seen[0]!).toBe(false);
    });
  });
}
