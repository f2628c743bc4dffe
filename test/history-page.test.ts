/**
 * A run's history is read from the store, page by page: a server whose cached copy of the run lags (in a cluster,
 * until a notice or a resync drops it) still answers every committed event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryResponse } from '../src/protocol/api.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

let ts: TestServer;
let stop: () => Promise<void>;
beforeAll(async () => {
  ts = await startTestServer();
  stop = (
    await startWorker(ts, {
      taskQueue: 'history-page',
      workflowsPath: fixture('workflows.ts'),
      activities: await import('./fixtures/activities.js'),
    })
  ).stop;
});
afterAll(async () => {
  await stop?.();
  await ts?.stop();
});

const page = async (workflowId: string, from: number, max: number): Promise<HistoryResponse> => {
  const res = await fetch(
    `${ts.server.address}/api/v1/namespaces/default/workflows/${workflowId}/history?fromEventId=${from}&maxEvents=${max}`,
  );
  expect(res.status).toBe(200);
  return (await res.json()) as HistoryResponse;
};

describe('history pages', () => {
  it('come from the store: a lagging cached copy of the run does not cut the history short', async () => {
    const workflowId = uid('history');
    const handle = await ts.client.workflow.start('sequential', { taskQueue: 'history-page', workflowId, args: [1] });
    await handle.result();
    const all = (await handle.fetchHistory()).events;
    expect(all.at(-1)?.eventType).toBe('WorkflowExecutionCompleted');
    // as a server that missed the close would hold it: the run still running, five events in
    const cache = ts.server.context.cache;
    const current = cache.peek(handle.firstExecutionRunId) ?? (await cache.get(handle.firstExecutionRunId));
    cache.put(handle.firstExecutionRunId, {
      state: { ...current.state, status: 'Running', nextEventId: 6 },
      version: current.version - 1,
    });
    expect((await handle.fetchHistory()).events).toEqual(all);

    // pages of 4 events: each full page says where the next starts, and together they are the whole history
    const seen = [];
    let from: number | undefined = 1;
    while (from !== undefined) {
      const p: HistoryResponse = await page(workflowId, from, 4);
      expect(p.events.length).toBeLessThanOrEqual(4);
      seen.push(...p.events);
      from = p.nextEventId;
    }
    expect(seen).toEqual(all);
  });

  it('the last page of a closed run says nothing more when it ends on the last event', async () => {
    const workflowId = uid('history-exact');
    const handle = await ts.client.workflow.start('sequential', { taskQueue: 'history-page', workflowId, args: [2] });
    await handle.result();
    const n = (await handle.fetchHistory()).events.length;
    const whole = await page(workflowId, 1, n);
    expect(whole.events).toHaveLength(n);
    expect(whole.nextEventId).toBeUndefined();
    const first = await page(workflowId, 1, n - 1);
    expect(first.nextEventId).toBe(n);
  });
});
