/**
 * Temporal's newer workflow-side options: typed search attributes on children and continue-as-new, the next run's
 * start backoff, `allowEagerDispatch: false`, and the fields Weft accepts and does not use.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SearchAttributeType } from '../src/common/typed-search-attributes.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

let ts: TestServer;
let stop: (() => Promise<void>) | undefined;
let worker: Awaited<ReturnType<typeof startWorker>>['worker'];
const taskQueue = uid('wo');

beforeAll(async () => {
  ts = await startTestServer();
  await ts.client.searchAttributes.create({ name: 'WoTier', type: SearchAttributeType.KEYWORD });
  await ts.client.searchAttributes.create({ name: 'WoRegion', type: SearchAttributeType.KEYWORD });
  ({ worker, stop } = await startWorker(ts, {
    taskQueue,
    workflowsPath: fixture('workflow-options.ts'),
    activities: { ping: async () => 'pong' },
  }));
});
afterAll(async () => {
  await stop?.();
  await ts?.stop();
});

it('a child takes typed search attributes over the plain ones; the metadata fields are accepted', async () => {
  const h = await ts.client.workflow.start('typedChild', { taskQueue, workflowId: uid('child') });
  expect(await h.result()).toEqual({ WoTier: 'typed', WoRegion: 'eu' });
});

it('continue-as-new: backoffStartInterval delays the next run, typedSearchAttributes set its attributes', async () => {
  const workflowId = uid('chain');
  const h = await ts.client.workflow.start('backoffChain', { taskQueue, workflowId, args: [true] });
  expect(await ts.client.workflow.getHandle(workflowId).result()).toEqual({ WoTier: 'next' });
  const next = await ts.client.workflow.getHandle(workflowId).fetchHistory();
  const started = next.events[0]!;
  expect(started.attributes).toMatchObject({
    firstWorkflowTaskBackoffMs: 400,
    continuedExecutionRunId: h.firstExecutionRunId,
  });
  const firstTask = next.events.find((e) => e.eventType === 'WorkflowTaskStarted')!;
  expect(Date.parse(firstTask.eventTime) - Date.parse(started.eventTime)).toBeGreaterThanOrEqual(400);
});

it('allowEagerDispatch: false sends the activity through a poll, never back with the completion', async () => {
  const before = worker.getStatus().tasks;
  expect(await ts.client.workflow.execute('polledPing', { taskQueue, workflowId: uid('polled') })).toBe('pong');
  const mid = worker.getStatus().tasks;
  expect(mid.eagerActivityTasks).toBe(before.eagerActivityTasks);
  expect(mid.polledActivityTasks).toBe(before.polledActivityTasks + 1);
  // the default takes it eagerly
  expect(await ts.client.workflow.execute('eagerPing', { taskQueue, workflowId: uid('eager') })).toBe('pong');
  expect(worker.getStatus().tasks.eagerActivityTasks).toBe(mid.eagerActivityTasks + 1);
});
