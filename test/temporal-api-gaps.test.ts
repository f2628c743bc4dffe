/**
 * Temporal APIs that Weft lacked, used as Temporal code uses them, against a real server and worker: upsertMemo
 * (describe, workflowInfo, replay, payload codecs), setDefaultUpdateHandler and currentUpdateInfo, Trigger and
 * inWorkflowContext.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type Client as ClientType } from 'weft/client';
import { inWorkflowContext } from 'weft/workflow';
import { DeterminismViolationError, Worker } from 'weft/worker';
import { EncryptionCodec } from '../examples/encryption/codec.js';
import type { DataConverter } from '../src/common/payload-codec.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';
import { advance, memoQuery, namedUpdate } from './fixtures/temporal-api-gaps.js';

const taskQueue = 'temporal-api-gaps';
const codedQueue = 'temporal-api-gaps-coded';
const workflowsPath = fixture('temporal-api-gaps.ts');
const dataConverter: DataConverter = { payloadCodecs: [new EncryptionCodec([{ id: 'k', key: randomBytes(32) }])] };
let ts: TestServer;
let client: ClientType;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  ts = await startTestServer();
  client = ts.client;
  stops.push((await startWorker(ts, { taskQueue, workflowsPath })).stop);
  stops.push((await startWorker(ts, { taskQueue: codedQueue, workflowsPath, dataConverter })).stop);
});
afterAll(async () => {
  for (const stop of stops) await stop();
  await ts?.stop();
});

describe('upsertMemo', () => {
  it('merges into the memo and removes undefined/null keys; describe and workflowInfo show it; replay matches', async () => {
    const workflowId = uid('memo');
    const handle = await client.workflow.start('memoFlow', { taskQueue, workflowId, memo: { team: 'a', gone: 'x' } });
    const first = { team: 'a', gone: 'x', stage: 'one', temp: { nested: true } };
    expect(await handle.query(memoQuery)).toEqual(first);
    expect((await handle.describe()).memo).toEqual(first);

    await handle.signal(advance);
    const final = { team: 'a', stage: 'two', count: 2 };
    expect(await handle.result()).toEqual(final);
    expect((await handle.describe()).memo).toEqual(final);
    // list items carry it too, as Temporal's WorkflowExecutionInfo does
    const listed = [];
    for await (const e of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) listed.push(e);
    expect(listed.map((e) => e.memo)).toEqual([final]);

    const history = await handle.fetchHistory();
    const modified = history.events.filter((e) => e.eventType === 'WorkflowPropertiesModified');
    expect(modified.map((e) => e.attributes)).toMatchObject([
      { upsertedMemo: { stage: 'one', temp: { nested: true } } },
      { upsertedMemo: { stage: 'two', temp: null, gone: null, count: 2 } },
    ]);
    await Worker.runReplayHistory({ workflowsPath }, history);

    // a history whose upsert names other keys no longer matches the code
    const changed = structuredClone(history);
    const ev = changed.events.find((e) => e.eventType === 'WorkflowPropertiesModified')!;
    (ev.attributes as { upsertedMemo: Record<string, unknown> }).upsertedMemo = { other: 1 };
    const err = await Worker.runReplayHistory({ workflowsPath }, changed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeterminismViolationError);
    expect(String((err as Error).message)).toMatch(/WorkflowPropertiesModified[\s\S]*ModifyWorkflowProperties/);
  });

  it('with a payload codec the upserted values are stored encoded and reach describe decoded', async () => {
    const coded = new Client({ connection: ts.connection, dataConverter });
    const workflowId = uid('memo-coded');
    const handle = await coded.workflow.start('memoFlow', { taskQueue: codedQueue, workflowId, memo: { team: 'a' } });
    await handle.signal(advance);
    expect(await handle.result()).toEqual({ team: 'a', stage: 'two', count: 2 });
    expect((await handle.describe()).memo).toEqual({ team: 'a', stage: 'two', count: 2 });
    // a list through the codec decodes the memo; without it the values stay encoded
    const query = `WorkflowId = '${workflowId}'`;
    for await (const e of coded.workflow.list({ query })) expect(e.memo).toEqual({ team: 'a', stage: 'two', count: 2 });
    for await (const e of client.workflow.list({ query })) expect(JSON.stringify(e.memo)).not.toContain('two');

    const raw = await client.workflow.getHandle(workflowId).describe();
    expect(JSON.stringify(raw.raw)).not.toContain('two');
    const rawHistory = await client.workflow.getHandle(workflowId).fetchHistory();
    const upserts = rawHistory.events.filter((e) => e.eventType === 'WorkflowPropertiesModified');
    expect(JSON.stringify(upserts)).not.toContain('nested');
    // removals stay plain, so the server can apply them
    expect(upserts[1]?.attributes).toMatchObject({ upsertedMemo: { temp: null, gone: null } });
    await Worker.runReplayHistory({ workflowsPath, dataConverter }, await handle.fetchHistory());
  });
});

describe('setDefaultUpdateHandler, currentUpdateInfo, Trigger, inWorkflowContext', () => {
  it('updates without a handler go to the default one; currentUpdateInfo names the update, after awaits too', async () => {
    const workflowId = uid('default-update');
    const handle = await client.workflow.start('defaultUpdates', { taskQueue, workflowId });
    expect(await handle.executeUpdate(namedUpdate, { args: ['x'], updateId: 'u-named' })).toEqual({
      id: 'u-named',
      name: 'named',
      x: 'x',
    });
    const info = { id: 'u-other', name: 'other' };
    expect(await handle.executeUpdate('other', { args: [1, 2], updateId: 'u-other' })).toEqual({
      name: 'other',
      args: [1, 2],
      before: info,
      after: info,
    });
    await handle.executeUpdate('finish', { args: ['done'], updateId: 'u-finish' });
    expect(await handle.result()).toEqual({ outside: null, inWorkflow: true, finishedWith: 'done' });
    await Worker.runReplayHistory({ workflowsPath }, await handle.fetchHistory());
  });

  it('a Trigger rejects when its scope is cancelled and resolves when resolved', async () => {
    const result = await client.workflow.execute('triggers', { taskQueue, workflowId: uid('trigger') });
    expect(result).toEqual({ cancelled: true, resolved: 42 });
  });

  it('inWorkflowContext() is false outside a workflow', () => {
    expect(inWorkflowContext()).toBe(false);
  });
});
