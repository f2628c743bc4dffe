/**
 * Search attribute values in Temporal's older untyped form, a list per attribute (`{ CustomIntField: [2] }`),
 * as well as the plain form: at start, in upsertSearchAttributes, in workflowInfo() and describe(), and in queries.
 * Over real HTTP and SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../src/client/index.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

const TQ = 'it-search-attribute-arrays';
let ts: TestServer;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  ts = await startTestServer();
  for (const [name, type] of [
    ['CustomIntField', 'Int'],
    ['CustomKeywordField', 'Keyword'],
    ['CustomBoolField', 'Bool'],
    ['CustomDatetimeField', 'Datetime'],
    ['CustomListField', 'KeywordList'],
  ] as const)
    await ts.client.searchAttributes.create({ name, type });
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('search-attributes.ts') }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

async function ids(query: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of ts.client.workflow.list({ query })) out.push(e.workflowId);
  return out.sort();
}

describe('search attribute values as lists', () => {
  it('start, upsert, workflowInfo, describe and list take and show the untyped form', async () => {
    const workflowId = uid('sa-arr');
    const handle = await ts.client.workflow.start('untypedUpsert', {
      taskQueue: TQ,
      workflowId,
      searchAttributes: {
        CustomIntField: [2],
        CustomKeywordField: ['before'],
        CustomBoolField: [true],
        CustomListField: ['a', 'b'],
      },
    });
    const [before, after, last] = (await handle.result()) as Array<Record<string, unknown>>;
    expect(before).toEqual({
      CustomIntField: [2],
      CustomKeywordField: ['before'],
      CustomBoolField: [true],
      CustomListField: ['a', 'b'],
    });
    expect(after).toEqual({
      CustomIntField: [3],
      CustomKeywordField: ['after'],
      CustomBoolField: [true],
      CustomDatetimeField: ['1970-01-01T00:00:00.000Z'],
      CustomListField: ['a', 'b'],
    });
    expect(last?.['CustomBoolField']).toBeUndefined();
    const d = await handle.describe();
    expect(d.searchAttributes).toEqual({
      CustomIntField: [3],
      CustomKeywordField: ['after'],
      CustomDatetimeField: ['1970-01-01T00:00:00.000Z'],
      CustomListField: ['a', 'b'],
    });
    expect(await ids(`CustomIntField = 3 AND CustomKeywordField = 'after' AND WorkflowId = '${workflowId}'`)).toEqual([
      workflowId,
    ]);
    expect(await ids(`CustomDatetimeField < '1970-01-02' AND WorkflowId = '${workflowId}'`)).toEqual([workflowId]);
  });

  it('the plain form still works beside it, and a list of more than one value for a scalar is a 400', async () => {
    const plain = uid('sa-plain');
    const listed = uid('sa-listed');
    const opts = { taskQueue: TQ }; // no such workflow type: the runs wait (only their attributes matter)
    await ts.client.workflow.start('payOrderNoop', {
      ...opts,
      workflowId: plain,
      searchAttributes: { CustomIntField: 7 },
    });
    await ts.client.workflow.start('payOrderNoop', {
      ...opts,
      workflowId: listed,
      searchAttributes: { CustomIntField: [7] },
    });
    expect(await ids('CustomIntField = 7')).toEqual([listed, plain].sort());
    expect((await ts.client.workflow.getHandle(plain).describe()).searchAttributes).toEqual({ CustomIntField: 7 });
    const err = await ts.client.workflow
      .start('payOrderNoop', { ...opts, workflowId: uid(), searchAttributes: { CustomIntField: [1, 2] } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe('INVALID_SEARCH_ATTRIBUTE');
    expect((err as ServiceError).message).toMatch(/CustomIntField.*one value/);
    const wrong = await ts.client.workflow
      .start('payOrderNoop', { ...opts, workflowId: uid(), searchAttributes: { CustomIntField: ['x'] } })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((wrong as ServiceError).code).toBe('INVALID_SEARCH_ATTRIBUTE');
    await ts.client.workflow.getHandle(plain).terminate();
    await ts.client.workflow.getHandle(listed).terminate();
  });
});
