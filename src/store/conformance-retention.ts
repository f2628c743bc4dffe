/** Conformance of retention (purgeClosedRuns, listRunNamespaces): exactly the expired closed runs go, whole. */
import { describe, expect, it } from 'vitest';
import type { ExecutionStatus } from '../protocol/status.js';
import { parseQuery } from '../visibility/query-parser.js';
import type { ConformanceContext } from './conformance.js';
import { currentRun, makeEvents, makeState, NS, startMutation, T0, timer, write } from './conformance-fixtures.js';
import type { Store } from './store.js';

/** A run started at T0 with a custom attribute, closed at `closeTime` unless that is undefined. */
async function run(s: Store, runId: string, closeTime: number | undefined, namespace = NS): Promise<void> {
  const attrs = { Customer: `c-${runId}` };
  const start = startMutation(runId, { namespace, searchAttributes: attrs }, 2);
  start.executions[0]!.searchAttributesChanged = true;
  start.currentRuns = [currentRun(start.executions[0]!.state, null)];
  await s.commit(start);
  if (closeTime === undefined) return;
  const status: ExecutionStatus = 'Completed';
  const state = makeState(runId, { namespace, searchAttributes: attrs, status, closeTime, nextEventId: 4 });
  await s.commit({
    executions: [
      write(state, {
        expectedVersion: 1,
        newEvents: makeEvents(state, 3, 3),
        closed: true,
        tasksRemoved: ['wt:1'],
        // an outbox row (telling a parent, say) outlives its run, as when the run closed
        timersAdded: [timer(runId, 'x:parent', closeTime)],
      }),
    ],
    currentRuns: [{ ...currentRun(state, runId) }],
  });
}

export function describeRetentionConformance(ctx: ConformanceContext): void {
  describe('retention', () => {
    it('deletes the closed runs closed before the cutoff, oldest first, whole; running and newer runs stay', async () => {
      const s = ctx.store();
      for (const ns of [NS, 'other'])
        await s.createSearchAttribute({ namespace: ns, name: 'Customer', type: 'Keyword', createdAt: T0 });
      await run(s, 'old2', T0 + 2000);
      await run(s, 'old1', T0 + 1000);
      await run(s, 'fresh', T0 + 10_000);
      await run(s, 'running', undefined);
      await run(s, 'other-old', T0 + 1000, 'other');
      expect(await s.listRunNamespaces()).toEqual([NS, 'other']);

      expect(await s.purgeClosedRuns(NS, T0 + 5000, 1)).toEqual(['old1']);
      expect(await s.purgeClosedRuns(NS, T0 + 5000, 100)).toEqual(['old2']);
      expect(await s.purgeClosedRuns(NS, T0 + 5000, 100)).toEqual([]);

      for (const id of ['old1', 'old2']) {
        expect(await s.getExecution(id)).toBeUndefined();
        expect(await s.readEvents(id, 1, 100)).toEqual([]);
        expect(await s.getCurrentRun(NS, `wf-${id}`)).toBeUndefined();
        expect(await s.countExecutions(NS, parseQuery(`Customer = 'c-${id}'`))).toBe(0);
      }
      for (const id of ['fresh', 'running']) {
        expect((await s.getExecution(id))?.state.runId).toBe(id);
        expect((await s.readEvents(id, 1, 100)).length).toBeGreaterThan(0);
        expect(await s.countExecutions(NS, parseQuery(`Customer = 'c-${id}'`))).toBe(1);
      }
      expect((await s.getCurrentRun(NS, 'wf-running'))?.runId).toBe('running');
      // another namespace is its own: untouched until purged itself
      expect((await s.getExecution('other-old'))?.state.namespace).toBe('other');
      expect(await s.purgeClosedRuns('other', T0 + 5000, 100)).toEqual(['other-old']);
      expect(await s.listRunNamespaces()).toEqual([NS]);
      // outbox rows outlive their run
      const outbox = (await s.dueTimers(T0 + 100_000, 100)).filter((t) => t.key === 'x:parent').map((t) => t.runId);
      expect(outbox.sort()).toEqual(['fresh', 'old1', 'old2', 'other-old']);
      // the workflow id of a purged run can be used again
      await s.commit(startMutation('old1-again', { workflowId: 'wf-old1' }));
      expect((await s.getCurrentRun(NS, 'wf-old1'))?.runId).toBe('old1-again');
    });

    it('never deletes a running run, however old', async () => {
      const s = ctx.store();
      await run(s, 'ancient', undefined);
      expect(await s.purgeClosedRuns(NS, T0 + 1e12, 100)).toEqual([]);
      expect((await s.getExecution('ancient'))?.state.status).toBe('Running');
    });
  });
}
