/**
 * Custom search attributes end to end over HTTP (real server, SQLite file, worker): register attributes, start
 * workflows with values, a workflow that upserts, list/count by them, lists ordered by them across pages, the
 * CLI's create/list, and bad input
 * (unknown attribute, wrong type, clashing names, a 409 on a type change, positioned query errors).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../src/client/index.js';
import { runWeft, type CliResult } from './cli-runner.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-search-attributes';
let ts: TestServer;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  ts = await startTestServer();
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

async function error(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ServiceError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

/** The CLI from source (tsx), against the test server. */
function weft(args: string[]): Promise<CliResult> {
  return runWeft(ts.server.address, args);
}

describe('search attributes', () => {
  it('registers attributes; the same type again is a no-op, another type a 409; bad names are 400', async () => {
    const sa = ts.client.searchAttributes;
    for (const [name, type] of [
      ['CustomerId', 'Keyword'],
      ['Note', 'Text'],
      ['Amount', 'Int'],
      ['Price', 'Double'],
      ['Paid', 'Bool'],
      ['DueAt', 'Datetime'],
      ['Tags', 'KeywordList'],
    ] as const)
      expect(await sa.create({ name, type })).toMatchObject({ name, type });
    expect(await sa.create({ name: 'Amount', type: 'Int' })).toMatchObject({ name: 'Amount', type: 'Int' });
    const conflict = await error(sa.create({ name: 'Amount', type: 'Keyword' }));
    expect([conflict.status, conflict.code]).toEqual([409, 'SEARCH_ATTRIBUTE_ALREADY_EXISTS']);
    expect(conflict.message).toMatch(/Amount already exists .* type Int/);
    for (const name of ['WorkflowType', 'workflowtype', '1abc', 'has space', 'a-b', 'WeftThing']) {
      const e = await error(sa.create({ name, type: 'Keyword' }));
      expect([e.status, e.code], name).toEqual([400, 'INVALID_SEARCH_ATTRIBUTE']);
    }
    const badType = await error(sa.create({ name: 'X', type: 'Number' as 'Int' }));
    expect(badType.message).toMatch(/unknown search attribute type 'Number'; types: Keyword, Text/);
    const names = (await sa.list()).map((a) => `${a.name}:${a.type}`);
    expect(names).toEqual([
      'Amount:Int',
      'CustomerId:Keyword',
      'DueAt:Datetime',
      'Note:Text',
      'Paid:Bool',
      'Price:Double',
      'Tags:KeywordList',
    ]);
  });

  it('starts with values, upserts from the workflow, and lists and counts by them', async () => {
    const prefix = uid('sa');
    const start = (n: number, searchAttributes: Record<string, unknown>) =>
      ts.client.workflow.start('payOrder', {
        taskQueue: TQ,
        workflowId: `${prefix}-${n}`,
        args: [n * 10],
        searchAttributes,
      });
    const h1 = await start(1, { CustomerId: 'c-1', Note: 'Rush order, gift wrap', Price: 9.5 });
    const h2 = await start(2, { CustomerId: 'c-2', Tags: ['vip'] });
    const h3 = await start(3, { CustomerId: 'c-1' });
    const mine = `WorkflowId STARTS_WITH '${prefix}'`;
    expect(await ids(`${mine} AND CustomerId = 'c-1'`)).toEqual([`${prefix}-1`, `${prefix}-3`]);
    expect(await ids(`${mine} AND Note = 'RUSH'`)).toEqual([`${prefix}-1`]);
    expect(await ids(`${mine} AND Tags IN ('vip')`)).toEqual([`${prefix}-2`]);
    expect(await ids(`${mine} AND Price > 9`)).toEqual([`${prefix}-1`]);
    // the workflow's first upsert: Paid, Amount = 10n, DueAt
    await waitFor(
      async () => (await ts.client.workflow.count(`${mine} AND Paid = true`)).count === 3,
      20_000,
      'upserts',
    );
    expect(await ids(`${mine} AND Amount > 10`)).toEqual([`${prefix}-2`, `${prefix}-3`]);
    expect(await ids(`${mine} AND Amount BETWEEN 10 AND 20 ORDER BY StartTime ASC`)).toEqual([
      `${prefix}-1`,
      `${prefix}-2`,
    ]);
    expect(await ids(`${mine} AND DueAt < '2026-06-02T00:00:00Z' AND CustomerId STARTS_WITH 'c-'`)).toHaveLength(3);
    expect((await ts.client.workflow.count(`${mine} AND Tags IS NULL`)).count).toBe(2);
    // the second upsert replaces Tags and removes Note
    await h1.signal('proceed');
    const result = await h1.result();
    expect(result).toMatchObject({ CustomerId: 'c-1', Paid: true, Amount: 10, Tags: ['shipped', 'gift'] });
    expect(result).not.toHaveProperty('Note');
    expect(await ids(`${mine} AND Tags = 'gift'`)).toEqual([`${prefix}-1`]);
    expect(await ids(`${mine} AND Note IS NOT NULL`)).toEqual([]);
    expect(await ids(`${mine} AND ExecutionStatus = 'Completed' AND Paid = true`)).toEqual([`${prefix}-1`]);
    const history = await h1.fetchHistory();
    const upserts = history.events.filter((e) => e.eventType === 'UpsertWorkflowSearchAttributes');
    expect(upserts.map((e) => Object.keys((e.attributes as { searchAttributes: object }).searchAttributes))).toEqual([
      ['Paid', 'Amount', 'DueAt'],
      ['Tags', 'Note'],
    ]);
    await h2.terminate('done');
    await h3.terminate('done');
  });

  it('lists ordered by a custom Int, Datetime or Keyword attribute across pages (GET /workflows, page tokens)', async () => {
    const prefix = uid('sort');
    // on a queue no worker polls, so the start values stay as they are; n=4 has none of the three
    const values: Array<Record<string, unknown>> = [
      { Amount: 30, DueAt: '2026-03-01T00:00:00Z', CustomerId: 'c-b' },
      { Amount: -5, DueAt: '2026-01-15T12:00:00+02:00', CustomerId: 'c-a' },
      { Amount: 30, DueAt: '2026-02-01T00:00:00Z', CustomerId: 'c-c' },
      { Amount: 7, DueAt: '2025-12-31T23:00:00Z', CustomerId: 'c-a' },
      {},
    ];
    const handles = [];
    for (const [n, searchAttributes] of values.entries())
      handles.push(
        await ts.client.workflow.start('payOrder', {
          taskQueue: `${TQ}-idle`,
          workflowId: `${prefix}-${n}`,
          args: [n],
          searchAttributes,
        }),
      );
    const runIds = handles.map((h) => h.runId!);
    const byRun = (a: number, b: number): number => (runIds[a]! < runIds[b]! ? -1 : 1);
    /** Every page of size 2 over raw HTTP; returns the workflow numbers in order and the page count. */
    const pages = async (order: string): Promise<{ order: number[]; pages: number }> => {
      const out: number[] = [];
      let token: string | undefined;
      let n = 0;
      do {
        const url = new URL(`${ts.server.address}/api/v1/namespaces/default/workflows`);
        url.searchParams.set('query', `WorkflowId STARTS_WITH '${prefix}' ${order}`);
        url.searchParams.set('pageSize', '2');
        if (token) url.searchParams.set('pageToken', token);
        const res = await fetch(url);
        expect(res.status, await res.clone().text()).toBe(200);
        const body = (await res.json()) as { executions: Array<{ workflowId: string }>; nextPageToken?: string };
        out.push(...body.executions.map((e) => Number(e.workflowId.slice(prefix.length + 1))));
        token = body.nextPageToken;
        n++;
      } while (token);
      return { order: out, pages: n };
    };
    // Int: ties (30, 30) by RunId in the direction of the last item; no value sorts last ascending, first descending
    const tie = [0, 2].sort(byRun);
    expect(await pages('ORDER BY Amount')).toEqual({ order: [1, 3, ...tie, 4], pages: 3 });
    expect(await pages('ORDER BY Amount DESC')).toEqual({ order: [4, ...[...tie].reverse(), 3, 1], pages: 3 });
    // Datetime: by the instant (2026-01-15T12:00+02:00 is 10:00Z), whatever the zone it was written in
    expect((await pages('ORDER BY DueAt ASC')).order).toEqual([3, 1, 2, 0, 4]);
    // Keyword, then an Int in the other direction, then the RunId tiebreak
    const a = [1, 3].sort(byRun);
    expect((await pages('ORDER BY CustomerId, StartTime DESC')).order).toEqual([3, 1, 0, 2, 4]);
    expect((await pages('ORDER BY CustomerId DESC, Amount DESC')).order).toEqual([4, 2, 0, 3, 1]);
    expect((await pages('ORDER BY CustomerId DESC')).order).toEqual([4, 2, 0, ...[...a].reverse()]);
    // the client's iterator pages the same way
    const listed: string[] = [];
    for await (const e of ts.client.workflow.list({
      query: `WorkflowId STARTS_WITH '${prefix}' ORDER BY Amount`,
      pageSize: 2,
    }))
      listed.push(e.workflowId);
    expect(listed).toEqual([1, 3, ...tie, 4].map((n) => `${prefix}-${n}`));
    // Text cannot be sorted: a 400 at the ORDER BY item
    const text = await error(ts.client.workflow.count('ORDER BY Note'));
    expect([text.status, text.code, text.details]).toEqual([400, 'INVALID_QUERY', { position: 9 }]);
    const listText = await error(
      ts.client.workflow.list({ query: 'ORDER BY Amount, Note' })[Symbol.asyncIterator]().next(),
    );
    expect([listText.status, listText.details]).toEqual([400, { position: 17 }]);
    for (const h of handles) await h.terminate('done');
  });

  it('rejects a start with an unknown attribute or a wrong value (400 naming it), and bad queries with positions', async () => {
    const bad = async (searchAttributes: Record<string, unknown>) =>
      error(
        ts.client.workflow.start('payOrder', { taskQueue: TQ, workflowId: uid('bad'), args: [1], searchAttributes }),
      );
    const unknown = await bad({ Nope: 'x' });
    expect([unknown.status, unknown.code]).toEqual([400, 'INVALID_SEARCH_ATTRIBUTE']);
    expect(unknown.message).toMatch(/unknown search attribute 'Nope'/);
    expect(unknown.details).toMatchObject({ searchAttribute: 'Nope' });
    for (const [attrs, what] of [
      [{ Amount: 1.5 }, /'Amount': Int needs a safe integer/],
      [{ Paid: 'yes' }, /'Paid': Bool needs true or false/],
      [{ DueAt: 'tomorrow' }, /'DueAt': Datetime needs an ISO 8601 time/],
      [{ Tags: 'a' }, /'Tags': KeywordList needs an array of strings/],
    ] as const) {
      const e = await bad(attrs);
      expect(e.code).toBe('INVALID_SEARCH_ATTRIBUTE');
      expect(e.message).toMatch(what);
    }
    const q = await error(ts.client.workflow.count("CustomerId = 'c-1' AND Missing = 1"));
    expect([q.status, q.code, q.details]).toEqual([400, 'INVALID_QUERY', { position: 23 }]);
    const t = await error(ts.client.workflow.count("Amount > 'x'"));
    expect([t.code, t.details]).toEqual(['INVALID_QUERY', { position: 9 }]);
  });

  it('an upsert of an unknown attribute or a wrong type fails the workflow task with a clear error', async () => {
    await ts.client.searchAttributes.create({ name: 'Amount', type: 'Int' });
    for (const [type, what] of [
      ['badUpsert', /unknown search attribute 'NotRegistered'/],
      ['wrongType', /search attribute 'Amount': Int needs a safe integer, got "ten"/],
    ] as const) {
      const h = await ts.client.workflow.start(type, { taskQueue: TQ, workflowId: uid(type) });
      const failed = await waitFor(async () => {
        const events = (await h.fetchHistory()).events;
        return events.find((e) => e.eventType === 'WorkflowTaskFailed');
      });
      expect((failed.attributes as { failure: { message: string } }).failure.message).toMatch(what);
      expect((await h.describe()).status.name).toBe('RUNNING');
      await h.terminate('done');
    }
  });

  it('weft search-attribute create and list', async () => {
    const created = await weft(['search-attribute', 'create', '--name', 'Region', '--type', 'Keyword']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Search attribute Region \(Keyword\) is registered/);
    const listed = await weft(['search-attribute', 'list', '--output', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toContainEqual(expect.objectContaining({ name: 'Region', type: 'Keyword' }));
    const table = await weft(['search-attribute', 'list']);
    expect(table.stdout).toMatch(/Region\s*│?\s*Keyword/);
    const clash = await weft(['search-attribute', 'create', '--name', 'Region', '--type', 'Int']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toMatch(/^Error: .*Region already exists.*\(SEARCH_ATTRIBUTE_ALREADY_EXISTS\)/m);
    const badType = await weft(['search-attribute', 'create', '--name', 'X', '--type', 'Float']);
    expect(badType.code).toBe(1);
    expect(badType.stderr).toMatch(/INVALID_ARGUMENT/);
    const badName = await weft(['search-attribute', 'create', '--name', 'StartTime', '--type', 'Int']);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/clashes with the built-in field StartTime \(INVALID_SEARCH_ATTRIBUTE\)/);
  });

  it('weft workflow start --search-attributes and --memo; bad values exit non-zero', async () => {
    const workflowId = uid('sa-cli');
    const started = await weft([
      'workflow',
      'start',
      '--type',
      'payOrder',
      '--task-queue',
      'nobody-polls',
      '--workflow-id',
      workflowId,
      '--input',
      '[5]',
      '--search-attributes',
      '{"CustomerId":"c-cli"}',
      '--memo',
      '{"note":"from the CLI"}',
    ]);
    expect(started.code, started.stderr).toBe(0);
    expect(await ids(`CustomerId = 'c-cli'`)).toEqual([workflowId]);
    expect((await ts.client.workflow.getHandle(workflowId).describe()).memo).toEqual({ note: 'from the CLI' });
    const notObject = await weft(['workflow', 'start', '--type', 'payOrder', '--task-queue', 'q', '--memo', '[1]']);
    expect(notObject.code).toBe(1);
    expect(notObject.stderr).toMatch(/--memo must be a JSON object.*\(INVALID_ARGUMENT\)/);
    const badJson = await weft([
      'workflow',
      'start',
      '--type',
      'payOrder',
      '--task-queue',
      'q',
      '--search-attributes',
      '{x',
    ]);
    expect(badJson.code).toBe(1);
    expect(badJson.stderr).toMatch(/--search-attributes is not valid JSON.*\(INVALID_JSON\)/);
    const unknown = await weft([
      'workflow',
      'start',
      '--type',
      'payOrder',
      '--task-queue',
      'q',
      '--search-attributes',
      '{"Nope":1}',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Nope.*\(INVALID_SEARCH_ATTRIBUTE\)/);
    await ts.client.workflow.getHandle(workflowId).terminate();
  });
});
