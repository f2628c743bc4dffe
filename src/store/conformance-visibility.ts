/**
 * Conformance of listExecutions / countExecutions: every query's pages, walked with their tokens, must equal a
 * brute-force filter and sort of the rows the test wrote. Order: the query's columns, then run id as the final
 * tiebreak in the direction of the last column; a missing value (CloseTime of a running run) sorts as the largest.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { ExecutionState } from '../engine/state.js';
import type { ExecutionStatus } from '../protocol/status.js';
import { QuerySyntaxError } from '../visibility/query-ast.js';
import { parseQuery } from '../visibility/query-parser.js';
import type { ConformanceContext } from './conformance.js';
import { CLOSED_STATUSES, makeState, NS, prng, T0, write } from './conformance-fixtures.js';
import type { ExecutionSummary, Mutation, Store } from './store.js';

type SortKey = 'startTime' | 'closeTime' | 'historyLength' | 'workflowType' | 'runId';
type Direction = 'ASC' | 'DESC';

interface Case {
  query: string;
  filter: (e: ExecutionSummary) => boolean;
  order?: Array<[SortKey, Direction]>;
}

const iso = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();
const TYPES = ['order', 'payment', 'ship'];

function compareValues(a: string | number | undefined, b: string | number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1; // missing sorts as the largest
  if (b === undefined) return -1;
  return a < b ? -1 : 1;
}

function expected(rows: ExecutionSummary[], c: Case): ExecutionSummary[] {
  const order = [...(c.order ?? [['startTime', 'DESC']])] as Array<[SortKey, Direction]>;
  order.push(['runId', order[order.length - 1]![1]]);
  return rows.filter(c.filter).sort((x, y) => {
    for (const [key, dir] of order) {
      const d = compareValues(x[key], y[key]);
      if (d !== 0) return dir === 'ASC' ? d : -d;
    }
    return 0;
  });
}

function summaryOf(s: ExecutionState): ExecutionSummary {
  const e: ExecutionSummary = {
    namespace: s.namespace,
    workflowId: s.workflowId,
    runId: s.runId,
    workflowType: s.workflowType,
    taskQueue: s.taskQueue,
    status: s.status,
    startTime: s.startTime,
    historyLength: s.nextEventId - 1,
  };
  if (s.closeTime !== undefined) e.closeTime = s.closeTime;
  if (s.memo !== undefined) e.memo = s.memo;
  if (s.searchAttributes !== undefined) e.searchAttributes = s.searchAttributes;
  if (s.parent !== undefined) e.parent = { workflowId: s.parent.workflowId, runId: s.parent.runId };
  if (s.priority !== undefined) e.priority = s.priority;
  if (s.executionTime !== undefined) e.executionTime = s.executionTime;
  return e;
}

/** Writes 90 runs (10 in another namespace): many equal start and close times, half of them closed by an update. */
async function seed(store: Store): Promise<ExecutionSummary[]> {
  const rand = prng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const ids = new Set<string>();
  while (ids.size < 90)
    ids.add(
      `x${Math.floor(rand() * 0xffffffff)
        .toString(16)
        .padStart(8, '0')}`,
    );
  const states = [...ids].map((runId, i) =>
    makeState(runId, {
      namespace: i < 80 ? NS : 'other',
      workflowId: `wf-${i % 3 === 0 ? 'a' : 'b'}-${runId}`,
      workflowType: pick(TYPES),
      taskQueue: pick(['main', 'slow']),
      startTime: T0 + Math.floor(rand() * 25) * 1000,
      nextEventId: 2 + Math.floor(rand() * 40),
      // list items carry the memo (stored payloads, as they are) and the search attributes
      ...(i % 4 === 1 ? { memo: { note: `n${i}`, nested: { deep: [i, 'ü ✓'] } } } : {}),
      ...(i % 5 === 2 ? { searchAttributes: { CustomerId: `c-${i}` } } : {}),
      ...(i % 6 === 3
        ? { parent: { namespace: NS, workflowId: `parent-${i}`, runId: `parent-run-${i}`, initiatedEventId: 5 } }
        : {}),
      ...(i % 7 === 4 ? { priority: { priorityKey: 1 + (i % 5), fairnessKey: `t${i}` } } : {}),
      // a start delay or a backoff: the first workflow task may run later than the start
      ...(i % 8 === 5 ? { executionTime: T0 + 3_600_000 + i } : {}),
    }),
  );
  await Promise.all(states.map((s) => store.commit({ executions: [write(s)] })));
  const finals = states.map((s): ExecutionState => {
    if (rand() < 0.45) return s;
    const status: ExecutionStatus = pick(CLOSED_STATUSES);
    return { ...s, status, closeTime: s.startTime + Math.floor(rand() * 6) * 500, nextEventId: s.nextEventId + 3 };
  });
  const updates: Mutation[] = finals
    .filter((s) => s.status !== 'Running')
    .map((s) => ({ executions: [write(s, { expectedVersion: 1, closed: true })] }));
  await Promise.all(updates.map((m) => store.commit(m)));
  return finals.map(summaryOf);
}

const CASES: Case[] = [
  { query: '', filter: () => true },
  { query: "WorkflowType = 'order'", filter: (e) => e.workflowType === 'order' },
  {
    query: "WorkflowType = 'payment' AND ExecutionStatus = 'Completed'",
    filter: (e) => e.workflowType === 'payment' && e.status === 'Completed',
  },
  {
    query: `WorkflowType = 'order' AND ExecutionStatus = 'Running' AND StartTime >= '${iso(5000)}' AND StartTime < '${iso(20_000)}'`,
    filter: (e) =>
      e.workflowType === 'order' && e.status === 'Running' && e.startTime >= T0 + 5000 && e.startTime < T0 + 20_000,
  },
  {
    query: `StartTime BETWEEN '${iso(3000)}' AND '${iso(15_000)}' ORDER BY StartTime ASC`,
    filter: (e) => e.startTime >= T0 + 3000 && e.startTime <= T0 + 15_000,
    order: [['startTime', 'ASC']],
  },
  { query: 'ORDER BY CloseTime DESC', filter: () => true, order: [['closeTime', 'DESC']] },
  { query: 'ORDER BY CloseTime ASC', filter: () => true, order: [['closeTime', 'ASC']] },
  {
    query: "ExecutionStatus != 'Running' ORDER BY CloseTime ASC",
    filter: (e) => e.status !== 'Running',
    order: [['closeTime', 'ASC']],
  },
  {
    query: 'HistoryLength > 10 ORDER BY WorkflowType ASC, StartTime DESC',
    filter: (e) => e.historyLength > 10,
    order: [
      ['workflowType', 'ASC'],
      ['startTime', 'DESC'],
    ],
  },
  {
    query: "ExecutionStatus IN ('Failed', 'Terminated') OR WorkflowId STARTS_WITH 'wf-a' ORDER BY StartTime ASC",
    filter: (e) => e.status === 'Failed' || e.status === 'Terminated' || e.workflowId.startsWith('wf-a'),
    order: [['startTime', 'ASC']],
  },
  {
    query: "CloseTime IS NULL AND TaskQueue = 'slow' ORDER BY HistoryLength DESC",
    filter: (e) => e.closeTime === undefined && e.taskQueue === 'slow',
    order: [['historyLength', 'DESC']],
  },
];

async function walk(store: Store, query: string, pageSize: number): Promise<ExecutionSummary[]> {
  const all: ExecutionSummary[] = [];
  let pageToken: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const res = await store.listExecutions({
      namespace: NS,
      query: parseQuery(query),
      pageSize,
      ...(pageToken ? { pageToken } : {}),
    });
    expect(res.executions.length).toBeLessThanOrEqual(pageSize);
    all.push(...res.executions);
    if (res.nextPageToken === undefined) return all;
    expect(res.executions.length).toBe(pageSize);
    pageToken = res.nextPageToken;
  }
  throw new Error('pagination did not end');
}

export function describeVisibilityConformance(ctx: ConformanceContext): void {
  describe('visibility list and count', () => {
    let rows: ExecutionSummary[];
    beforeEach(async () => {
      rows = (await seed(ctx.store())).filter((e) => e.namespace === NS);
    });

    for (const c of CASES) {
      it(`lists and counts: ${c.query || '(everything)'}`, async () => {
        const s = ctx.store();
        const want = expected(rows, c);
        expect(want.length).toBeGreaterThan(0);
        expect(await s.countExecutions(NS, parseQuery(c.query))).toBe(want.length);
        expect(await walk(s, c.query, 7)).toEqual(want);
        const one = await s.listExecutions({ namespace: NS, query: parseQuery(c.query), pageSize: want.length + 1 });
        expect(one).toEqual({ executions: want });
      });
    }

    it('list items carry the memo, search attributes, parent, priority and execution time of their run', async () => {
      const listed = await walk(ctx.store(), '', 50);
      expect(listed.filter((e) => e.memo !== undefined).length).toBeGreaterThan(5);
      expect(listed.filter((e) => e.searchAttributes !== undefined).length).toBeGreaterThan(5);
      expect(listed.filter((e) => e.parent !== undefined).length).toBeGreaterThan(5);
      expect(listed.filter((e) => e.priority !== undefined).length).toBeGreaterThan(5);
      expect(listed.filter((e) => e.executionTime !== undefined).length).toBeGreaterThan(5);
      const byRun = new Map(rows.map((r) => [r.runId, r]));
      for (const e of listed) {
        expect(e.memo).toEqual(byRun.get(e.runId)!.memo);
        expect(e.searchAttributes).toEqual(byRun.get(e.runId)!.searchAttributes);
        expect(e.parent).toEqual(byRun.get(e.runId)!.parent);
        expect(e.priority).toEqual(byRun.get(e.runId)!.priority);
        expect(e.executionTime).toBe(byRun.get(e.runId)!.executionTime);
      }
    });

    it('walks pages of one row', async () => {
      const c = CASES[5]!; // CloseTime DESC: missing values first, then ties
      expect((await walk(ctx.store(), c.query, 1)).map((e) => e.runId)).toEqual(expected(rows, c).map((e) => e.runId));
    });

    it('refuses a page token that is malformed or belongs to another order', async () => {
      const s = ctx.store();
      const first = await s.listExecutions({ namespace: NS, query: parseQuery('ORDER BY StartTime ASC'), pageSize: 5 });
      expect(first.nextPageToken).toBeDefined();
      await expect(
        s.listExecutions({ namespace: NS, query: parseQuery(''), pageSize: 5, pageToken: 'not a token' }),
      ).rejects.toThrow();
      await expect(
        s.listExecutions({
          namespace: NS,
          query: parseQuery('ORDER BY CloseTime DESC'),
          pageSize: 5,
          pageToken: first.nextPageToken!,
        }),
      ).rejects.toThrow();
    });

    it('rejects unknown fields with QuerySyntaxError', async () => {
      const s = ctx.store();
      const q = parseQuery("Colour = 'red'");
      await expect(s.listExecutions({ namespace: NS, query: q, pageSize: 5 })).rejects.toBeInstanceOf(QuerySyntaxError);
      await expect(s.countExecutions(NS, q)).rejects.toBeInstanceOf(QuerySyntaxError);
    });

    it('keeps namespaces apart', async () => {
      const s = ctx.store();
      expect(await s.countExecutions('other', parseQuery(''))).toBe(10);
      expect(await s.countExecutions('nobody', parseQuery(''))).toBe(0);
      expect(await s.listExecutions({ namespace: 'nobody', query: parseQuery(''), pageSize: 5 })).toEqual({
        executions: [],
      });
    });
  });
}
