import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BufferedEvent, ExecutionState } from '../../engine/state.js';
import { activityState, makeEvents, startMutation, task, timer, write } from '../conformance-fixtures.js';
import { StoreConflictError, type Mutation } from '../store.js';
import { toWire } from '../sqlite/wire-mutation.js';
import { setBatchJson } from './commit-set.js';
import { PgStore } from './pg-store.js';
import { createTestDatabase, describePg } from './test-pg.js';

describe('setBatchJson', () => {
  const start = (id: string): Mutation => startMutation(id);

  it('flattens a batch by table, each row with its run first', () => {
    const json = setBatchJson([toWire(start('r1')), toWire(start('r2'))]);
    const b = JSON.parse(json!) as Record<string, unknown[][]>;
    expect(Object.keys(b).sort()).toEqual(['ci', 'ei', 'ev', 'ma', 'ta']);
    expect(b['ci']).toEqual([
      ['default', 'wf-r1', 'r1', 'Running'],
      ['default', 'wf-r2', 'r2', 'Running'],
    ]);
    expect(b['ev']!.map((r) => [r[0], r[1]])).toEqual([
      ['r1', 1],
      ['r1', 2],
      ['r2', 1],
      ['r2', 2],
    ]);
    expect(b['ta']![0]!.slice(0, 5)).toEqual(['r1', 'wt:1', 'default', 'main', 'workflow']);
  });

  it('leaves to weft_commit a batch with a run or a workflow id twice, or with schedules', () => {
    const again = startMutation('r1');
    again.executions[0]!.expectedVersion = 1;
    again.currentRuns = [];
    expect(setBatchJson([toWire(start('r1')), toWire(again)])).toBeUndefined();
    const sameWorkflow = startMutation('r2', { workflowId: 'wf-r1' });
    expect(setBatchJson([toWire(start('r1')), toWire(sameWorkflow)])).toBeUndefined();
    const schedule: Mutation = {
      executions: [],
      schedules: [{ namespace: 'default', scheduleId: 's', state: {} as never, expectedVersion: 0, wakeAt: null }],
    };
    expect(setBatchJson([toWire(start('r1')), toWire(schedule)])).toBeUndefined();
  });
});

/** Every row of the tables a commit writes, in a fixed order (tasks by id: their queue order, ids left out). */
async function dump(url: string): Promise<unknown> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const q = async (sql: string): Promise<unknown[]> => (await c.query(sql)).rows;
    return {
      executions: await q('SELECT * FROM executions ORDER BY run_id'),
      current: await q('SELECT * FROM current_executions ORDER BY namespace, workflow_id'),
      events: await q('SELECT * FROM history_events ORDER BY run_id, event_id'),
      tasks: await q(
        'SELECT run_id, task_key, namespace, task_queue, kind, sticky_identity, created_at, priority FROM tasks ORDER BY id',
      ),
      timers: await q('SELECT * FROM timers ORDER BY run_id, timer_key'),
      activities: await q('SELECT * FROM activity_infos ORDER BY run_id, seq'),
      buffered: await q('SELECT * FROM buffered_events ORDER BY run_id, idx'),
      searchAttributes: await q('SELECT * FROM search_attribute_values ORDER BY run_id, name, idx'),
    };
  } finally {
    await c.end();
  }
}

const RUNS = 20;
const buffered = (time: number): BufferedEvent => ({
  eventType: 'WorkflowExecutionSignaled',
  time,
  attributes: { signalName: 'go', input: [time] },
});
const runId = (i: number): string => `run-${String(i).padStart(2, '0')}`;

/** Three rounds of one mutation per run, touching every table weft_commit_set writes. */
function rounds(): Array<(i: number) => Mutation> {
  const states: ExecutionState[] = [];
  const next = (i: number, over: Partial<ExecutionState>): ExecutionState => {
    const s = { ...states[i]!, ...over };
    states[i] = s;
    return s;
  };
  return [
    (i) => {
      const m = startMutation(
        runId(i),
        i % 3 === 0
          ? { searchAttributes: { CustomKeywordField: [`k${i}`], CustomIntField: i, CustomDoubleField: i + 0.5 } }
          : {},
      );
      states[i] = m.executions[0]!.state;
      return m;
    },
    (i) => {
      const s = next(i, {
        nextEventId: 6,
        activities: { 1: activityState(1), 2: activityState(2, { state: 'started', startedTime: 5 }) },
        bufferedEvents: [buffered(7)],
      });
      return {
        executions: [
          write(s, {
            expectedVersion: 1,
            newEvents: makeEvents(s, 3, 5),
            tasksRemoved: ['wt:1'],
            tasksAdded: [task(s.runId, 'act:1:1'), task(s.runId, 'wt:2', { kind: 'workflow', priority: 1 })],
            timersRemoved: ['run-timeout'],
            timersAdded: [timer(s.runId, 'act-stc:2:1', 9_000), timer(s.runId, 'x:outbox', 8_000)],
            activitiesChanged: [1, 2],
            bufferedEvents: { rewritten: false, appendedFrom: 0 },
          }),
        ],
        notices: [`notice ${i}`],
      };
    },
    (i) => {
      const closed = i % 2 === 0;
      const s = next(i, {
        nextEventId: 8,
        activities: { 2: activityState(2, { state: 'started', startedTime: 5, attempt: 2 }) },
        // rewritten: one row left on the runs that stay open
        bufferedEvents: closed ? [] : [buffered(8)],
        ...(closed ? { status: 'Completed', closeTime: 99 } : {}),
        ...(i % 3 === 0 ? { searchAttributes: { CustomKeywordField: [`k${i}`, 'again'] } } : {}),
      });
      return {
        executions: [
          write(s, {
            expectedVersion: 2,
            newEvents: makeEvents(s, 6, 7),
            tasksRemoved: ['act:1:1'],
            tasksAdded: [task(s.runId, 'wt:2', { kind: 'workflow' })],
            timersAdded: [timer(s.runId, 'act-stc:2:1', 10_000)],
            activitiesChanged: [2],
            activitiesRemoved: [1],
            bufferedEvents: { rewritten: true },
            searchAttributesChanged: i % 3 === 0,
            closed,
          }),
        ],
        currentRuns: closed
          ? []
          : [
              {
                namespace: s.namespace,
                workflowId: s.workflowId,
                runId: s.runId,
                status: 'Running',
                expectedRunId: s.runId,
              },
            ],
      };
    },
  ];
}

await describePg('PostgreSQL: set-based batches (weft_commit_set)', () => {
  let setWay: { store: PgStore; url: string; drop: () => Promise<void> };
  let oneByOne: { store: PgStore; url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    const a = await createTestDatabase();
    const b = await createTestDatabase();
    setWay = { store: new PgStore({ url: a.url, poolSize: 2, setBatchMin: 1 }), url: a.url, drop: a.drop };
    oneByOne = { store: new PgStore({ url: b.url, poolSize: 2, setBatchMin: Infinity }), url: b.url, drop: b.drop };
    await setWay.store.init();
    await oneByOne.store.init();
  });
  afterAll(async () => {
    for (const s of [setWay, oneByOne]) {
      await s?.store.close();
      await s?.drop();
    }
  });

  it('writes, batch for batch, exactly the rows weft_commit writes', async () => {
    // another "server" listens on the set-based store's database: its batches lock rows in order first and
    // publish their notices (migrations 0007, 0009)
    const listener = new pg.Client({ connectionString: setWay.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query('LISTEN weft_changes');
    await listener.query('INSERT INTO weft_listeners (pid) VALUES (pg_backend_pid())');
    for (const store of [setWay.store, oneByOne.store])
      for (const round of rounds())
        // one event-loop turn: one batch of RUNS mutations
        await Promise.all(Array.from({ length: RUNS }, (_, i) => store.commit(round(i))));
    expect(setWay.store.setBatchStats).toEqual({ applied: 3, fellBack: 0 });
    await listener.query('SELECT 1'); // notifications arrive before the answer of a later query
    await listener.end();
    expect(heard.sort()).toEqual(Array.from({ length: RUNS }, (_, i) => `notice ${i}`).sort());
    expect(oneByOne.store.setBatchStats).toEqual({ applied: 0, fellBack: 0 });
    const [got, want] = [await dump(setWay.url), await dump(oneByOne.url)];
    expect(got).toEqual(want);
    // every table has rows to compare
    for (const [table, rows] of Object.entries(want as Record<string, unknown[]>))
      expect(rows.length, table).toBeGreaterThan(0);
    expect((want as { events: unknown[] }).events).toHaveLength(RUNS * 7);
  });

  it('a batch with one failed check is written by weft_commit: that mutation alone is refused', async () => {
    const store = setWay.store;
    const before = { ...store.setBatchStats };
    const outcomes = await Promise.allSettled(
      Array.from({ length: RUNS }, (_, i) => {
        const m = startMutation(`late-${i}`);
        // the same workflow id as run-03: its current-run check fails
        if (i === 7) m.currentRuns![0]!.workflowId = `wf-${runId(3)}`;
        if (i === 7) m.executions[0]!.state.workflowId = `wf-${runId(3)}`;
        return store.commit(m);
      }),
    );
    expect(store.setBatchStats).toEqual({ applied: before.applied, fellBack: before.fellBack + 1 });
    const refused = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [[i, o.reason]] : []));
    expect(refused).toHaveLength(1);
    expect(refused[0]![0]).toBe(7);
    expect(refused[0]![1]).toBeInstanceOf(StoreConflictError);
    expect(await store.getExecution('late-7')).toBeUndefined();
    expect((await store.getExecution('late-8'))?.version).toBe(1);
  });
});
