/** Temporal's typed search attributes: typedSearchAttributes at start, typed upserts, TypedSearchAttributes views. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchAttributeType, TypedSearchAttributes, defineSearchAttributeKey } from 'weft/client';
import { dueKey, priorityKey, tierKey } from './fixtures/typed-search-attributes.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

const TQ = 'it-typed-sa';
let ts: TestServer;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  ts = await startTestServer();
  // Temporal's type names are accepted (and stored as Weft's)
  await ts.client.searchAttributes.create({ name: 'TsaPriority', type: SearchAttributeType.INT });
  await ts.client.searchAttributes.create({ name: 'TsaTier', type: SearchAttributeType.KEYWORD });
  await ts.client.searchAttributes.create({ name: 'TsaDue', type: SearchAttributeType.DATETIME });
  ({ stop: stopWorker } = await startWorker(ts, {
    taskQueue: TQ,
    workflowsPath: fixture('typed-search-attributes.ts'),
    activities: {},
  }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

describe('typed search attributes', () => {
  it('start with typedSearchAttributes; workflow code reads and upserts typed pairs; describe and list see them', async () => {
    const due = new Date('2027-01-02T03:04:05.000Z');
    const workflowId = uid('tsa');
    const handle = await ts.client.workflow.start('typedAttributes', {
      taskQueue: TQ,
      workflowId,
      typedSearchAttributes: [
        { key: priorityKey, value: 5 },
        { key: dueKey, value: due },
      ],
    });
    expect(await handle.result()).toEqual({
      seen: { priority: 5, due: due.toISOString() },
      after: { tier: 'gold', priority: null },
    });
    const d = await handle.describe();
    expect(d.typedSearchAttributes.get(tierKey)).toBe('gold');
    expect(d.typedSearchAttributes.get(priorityKey)).toBeUndefined();
    expect(d.typedSearchAttributes.get(dueKey)).toEqual(due);
    // a key of another type does not read a value of this one
    expect(d.typedSearchAttributes.get(defineSearchAttributeKey('TsaTier', SearchAttributeType.INT))).toBeUndefined();
    expect((await ts.client.workflow.count(`TsaTier = 'gold' AND WorkflowId = '${workflowId}'`)).count).toBe(1);
  });

  it('TypedSearchAttributes: get, getAll, updateCopy, duplicate keys refused', () => {
    const t = new TypedSearchAttributes([
      { key: tierKey, value: 'silver' },
      { key: priorityKey, value: 2 },
    ]);
    expect(t.get(tierKey)).toBe('silver');
    const u = t.updateCopy([
      { key: tierKey, value: 'gold' },
      { key: priorityKey, value: null },
    ]);
    expect(u.get(tierKey)).toBe('gold');
    expect(u.get(priorityKey)).toBeUndefined();
    expect(t.get(priorityKey)).toBe(2); // the copy, not the original, changed
    expect(u.getAll()).toEqual([{ key: { name: 'TsaTier', type: 'KEYWORD' }, value: 'gold' }]);
    expect(
      () =>
        new TypedSearchAttributes([
          { key: tierKey, value: 'a' },
          { key: tierKey, value: 'b' },
        ]),
    ).toThrow(/duplicate/);
  });
});
