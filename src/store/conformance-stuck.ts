/** Conformance of stuck-execution lookups: running runs with no progress since a time, per namespace. */
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './conformance.js';
import { makeState, NS, startMutation, T0, write } from './conformance-fixtures.js';
import type { ExecutionState } from '../engine/state.js';

export function describeStuckConformance(ctx: ConformanceContext): void {
  describe('stuck executions', () => {
    const start = (runId: string, lastProgressTime: number, over: Partial<ExecutionState> = {}) =>
      ctx.store().commit(startMutation(runId, { lastProgressTime, ...over }));

    it('lists running runs with no progress since the cutoff, least recent first, at most limit', async () => {
      const s = ctx.store();
      await start('r1', T0 + 30_000);
      await start('r2', T0 + 10_000, { workflowType: 'billing', taskQueue: 'q2', startTime: T0 - 5000 });
      await start('r3', T0 + 20_000);
      await start('r4', T0 + 90_000); // recent
      await start('r5', T0 + 1000, { namespace: 'other' });

      const all = await s.listStuckExecutions(NS, T0 + 60_000, 10);
      expect(all.map((e) => e.runId)).toEqual(['r2', 'r3', 'r1']);
      expect(all[0]).toEqual({
        namespace: NS,
        workflowId: 'wf-r2',
        runId: 'r2',
        workflowType: 'billing',
        taskQueue: 'q2',
        status: 'Running',
        startTime: T0 - 5000,
        lastProgressTime: T0 + 10_000,
      });
      expect((await s.listStuckExecutions(NS, T0 + 60_000, 2)).map((e) => e.runId)).toEqual(['r2', 'r3']);
      expect((await s.listStuckExecutions('other', T0 + 60_000, 10)).map((e) => e.runId)).toEqual(['r5']);
      expect(await s.listStuckExecutions('nobody', T0 + 60_000, 10)).toEqual([]);
      expect(await s.countStuckExecutions(T0 + 60_000)).toEqual([
        { namespace: NS, count: 3 },
        { namespace: 'other', count: 1 },
      ]);
      expect(await s.countStuckExecutions(T0)).toEqual([]);
    });

    it('counts running runs by workflow type and task queue, most first', async () => {
      const s = ctx.store();
      await start('r1', T0);
      await start('r2', T0, { workflowType: 'billing', taskQueue: 'q2' });
      await start('r3', T0);
      await start('r4', T0, { workflowType: 'billing' });
      await start('r5', T0, { namespace: 'other' });
      const closed = makeState('r3', { nextEventId: 4, status: 'Completed', closeTime: T0 + 1 });
      await s.commit({ executions: [write(closed, { expectedVersion: 1, closed: true })] });
      await start('r6', T0);
      const base = makeState('r1');
      expect(await s.runningWorkflowTypes(NS, 10)).toEqual([
        { workflowType: base.workflowType, taskQueue: base.taskQueue, running: 2 },
        { workflowType: 'billing', taskQueue: base.taskQueue, running: 1 },
        { workflowType: 'billing', taskQueue: 'q2', running: 1 },
      ]);
      expect(await s.runningWorkflowTypes(NS, 1)).toHaveLength(1);
      expect(await s.runningWorkflowTypes('nobody', 10)).toEqual([]);
    });

    it('forgets a run once it progresses or closes', async () => {
      const s = ctx.store();
      await start('r1', T0);
      await start('r2', T0);
      const r1 = makeState('r1', { nextEventId: 4, lastProgressTime: T0 + 120_000 });
      const r2 = makeState('r2', { nextEventId: 4, status: 'Completed', closeTime: T0 + 1, lastProgressTime: T0 });
      await s.commit({ executions: [write(r1, { expectedVersion: 1 })] });
      await s.commit({ executions: [write(r2, { expectedVersion: 1, closed: true })] });
      expect(await s.listStuckExecutions(NS, T0 + 60_000, 10)).toEqual([]);
      expect((await s.listStuckExecutions(NS, T0 + 180_000, 10)).map((e) => e.runId)).toEqual(['r1']);
      expect(await s.countStuckExecutions(T0 + 60_000)).toEqual([]);
    });

    it('never lists a run early: progress at or after the cutoff is not stuck', async () => {
      const s = ctx.store();
      await start('r1', T0 + 1500);
      expect(await s.listStuckExecutions(NS, T0 + 1500, 10)).toEqual([]);
      expect(await s.listStuckExecutions(NS, T0 + 1000, 10)).toEqual([]);
      // a store may round progress up (to the second): listed at most a second late
      const later = await s.listStuckExecutions(NS, T0 + 2501, 10);
      expect(later.map((e) => [e.runId, e.lastProgressTime])).toEqual([['r1', T0 + 1500]]);
    });
  });
}
