import { describe, expect, it } from 'vitest';
import { startRun } from '../engine/start.js';
import { startWorkflowTask, failWorkflowTask } from '../engine/workflow-task.js';
import type { Store } from '../store/store.js';
import { Matching } from './matching.js';
import { MAX_LABEL_VALUES, ServerMetrics } from './metrics.js';

const store = { countStuckExecutions: async () => [{ namespace: 'ns', count: 2 }] } as unknown as Store;
const clock = { now: () => 1_000_000, at: () => () => {} };
const metrics = () =>
  new ServerMetrics({ matching: new Matching(), store, clock, stuckAfterMs: 60_000, processMetrics: false });
const start = (runId: string, workflowType = 'order') =>
  startRun(
    { namespace: 'ns', workflowId: `wf-${runId}`, runId, workflowType, taskQueue: 'q', input: [], randomnessSeed: 's' },
    1000,
  );

async function series(m: ServerMetrics, name: string): Promise<Array<{ labels: object; value: number }>> {
  const got = await m.registry.getSingleMetric(name)!.get();
  return got.values.map((v) => ({ labels: v.labels, value: v.value }));
}

describe('ServerMetrics', () => {
  it('counts only the transitions it is given (the committed ones), with nondeterminism apart', async () => {
    const m = metrics();
    const t1 = start('r1');
    start('r2'); // never committed: never recorded
    m.recordCommitted([t1]);
    expect(await series(m, 'weft_workflows_started_total')).toEqual([
      { labels: { namespace: 'ns', workflow_type: 'order' }, value: 1 },
    ]);
    const t = start('r3');
    const id = t.state.workflowTask!.id;
    startWorkflowTask(t, id, 'w1');
    failWorkflowTask(t, {
      id,
      cause: 'NON_DETERMINISTIC',
      failure: { kind: 'application', message: 'x' },
      identity: 'w1',
    });
    m.recordCommitted([t]);
    expect(await series(m, 'weft_workflow_nondeterminism_total')).toEqual([
      { labels: { namespace: 'ns', workflow_type: 'order' }, value: 1 },
    ]);
    expect(await series(m, 'weft_workflow_task_failures_total')).toEqual([
      { labels: { namespace: 'ns', workflow_type: 'order', cause: 'NON_DETERMINISTIC' }, value: 1 },
    ]);
    expect(
      (await series(m, 'weft_schedule_to_start_seconds')).find(
        (s) => 'le' in s.labels && (s.labels as { le: number }).le === 0.001,
      )?.value,
    ).toBe(1);
  });

  it('keeps label values bounded', async () => {
    const m = metrics();
    for (let i = 0; i < MAX_LABEL_VALUES + 5; i++) m.recordCommitted([start(`r${i}`, `type-${i}`)]);
    const s = await series(m, 'weft_workflows_started_total');
    expect(s).toHaveLength(MAX_LABEL_VALUES + 1);
    expect(s.find((x) => (x.labels as { workflow_type: string }).workflow_type === '_other')?.value).toBe(5);
  });

  it('reads the stuck count from the store when scraped, and keeps a namespace at 0 once it has none', async () => {
    let rows = [{ namespace: 'ns', count: 2 }];
    const s = { countStuckExecutions: async () => rows } as unknown as Store;
    const m = new ServerMetrics({
      matching: new Matching(),
      store: s,
      clock,
      stuckAfterMs: 60_000,
      processMetrics: false,
    });
    expect(await m.registry.metrics()).toMatch(/^weft_stuck_workflows\{namespace="ns"\} 2$/m);
    rows = [];
    expect(await m.registry.metrics()).toMatch(/^weft_stuck_workflows\{namespace="ns"\} 0$/m);
  });
});
