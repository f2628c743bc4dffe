import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../engine/transition.js';
import type { PollResponse, WorkflowTask } from '../protocol/tasks.js';
import { ACTIVITY_LIMIT_TTL_MS, Matching, type Matched, type PollWant } from './matching.js';

const want = (over: Partial<PollWant> = {}): PollWant => ({
  namespace: 'default',
  taskQueue: 'q',
  identity: 'w1',
  maxWorkflowTasks: 16,
  maxActivityTasks: 0,
  ...over,
});
const row = (runId: string, over: Partial<TaskRow> = {}): TaskRow => ({
  runId,
  key: 'wt:1',
  namespace: 'default',
  taskQueue: 'q',
  kind: 'workflow',
  createdAt: 0,
  ...over,
});
/** A started task as sync match hands it over (only its run id matters here). */
const ready = (runId: string): PollResponse => ({
  workflowTasks: [{ runId } as WorkflowTask],
  activityTasks: [],
});
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
const runsOf = (m: Matched): string[] => (m.ready?.workflowTasks ?? []).map((t) => t.runId);

describe('sync match: a waiting poll takes every task of the same turn it has room for', () => {
  it('answers once the turn has ended and each reservation is delivered, with all of them', async () => {
    const m = new Matching();
    let answer: Matched | undefined;
    void m.wait(want(), new AbortController().signal).then((x) => (answer = x));
    const a = m.reserve(row('a'))!;
    const b = m.reserve(row('b'))!;
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    a.deliver(ready('a'));
    await turn();
    expect(answer).toBeUndefined(); // b has not committed yet
    b.deliver(ready('b'));
    await turn();
    expect(runsOf(answer!)).toEqual(['a', 'b']);
  });

  it('takes no more than the poll asked for, and nothing after its turn', async () => {
    const m = new Matching();
    const answer = m.wait(want({ maxWorkflowTasks: 2 }), new AbortController().signal);
    const a = m.reserve(row('a'))!;
    const b = m.reserve(row('b'))!;
    expect(m.reserve(row('c'))).toBeUndefined(); // no room left, and no other poll waits
    a.deliver(ready('a'));
    b.deliver(ready('b'));
    expect(runsOf(await answer)).toEqual(['a', 'b']);
    // the next turn: the poll is gone
    const late = new Matching();
    void late.wait(want(), new AbortController().signal);
    late.reserve(row('x'))!.deliver(ready('x'));
    await turn();
    expect(late.reserve(row('y'))).toBeUndefined();
  });

  it('answers with what committed; empty (so it polls again) when nothing did', async () => {
    const m = new Matching();
    const one = m.wait(want(), new AbortController().signal);
    m.reserve(row('a'))!.release();
    m.reserve(row('b'))!.deliver(ready('b'));
    expect(runsOf(await one)).toEqual(['b']);
    const none = m.wait(want(), new AbortController().signal);
    m.reserve(row('c'))!.release();
    expect(await none).toEqual({ workflowTasks: [], activityTasks: [] });
  });

  it("a sticky task joins only its worker's poll; a task of another queue joins none", async () => {
    const m = new Matching();
    const w1 = m.wait(want({ identity: 'w1' }), new AbortController().signal);
    const w2 = m.wait(want({ identity: 'w2' }), new AbortController().signal);
    m.reserve(row('a'))!.deliver(ready('a')); // the first waiting poll (w1) collects
    m.reserve(row('s', { stickyIdentity: 'w2' }))!.deliver(ready('s'));
    expect(m.reserve(row('o', { taskQueue: 'other' }))).toBeUndefined();
    expect(runsOf(await w1)).toEqual(['a']);
    expect(runsOf(await w2)).toEqual(['s']);
  });
});

describe("a task queue's activity dispatch limit (maxTaskQueueActivitiesPerSecond)", () => {
  const act = (runId: string): TaskRow => row(runId, { kind: 'activity', key: 'at:1' });
  const actWant = (over: Partial<PollWant> = {}): PollWant =>
    want({ maxWorkflowTasks: 0, maxActivityTasks: 10, ...over });
  const idsOf = (m: Matched): string[] => m.activityTasks.map((r) => r.runId);

  it('hands polls no more activity tasks than there are tokens, and the rest as tokens come', async () => {
    const m = new Matching();
    m.setActivityLimit('default', 'q', 20); // 20 a second, 20 saved up
    m.add(Array.from({ length: 25 }, (_, i) => act(`r${i}`)));
    expect(idsOf(m.take(actWant()))).toHaveLength(10);
    expect(idsOf(m.take(actWant()))).toHaveLength(10);
    expect(idsOf(m.take(actWant()))).toHaveLength(0); // the bucket is empty; 5 wait
    // a waiting poll gets the next ones as tokens come (one each 50 ms), without another task being added
    const started = Date.now();
    const next = await m.wait(actWant(), new AbortController().signal);
    expect(idsOf(next).length).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(30);
    // workflow tasks are not limited
    m.add([row('w1'), row('w2')]);
    expect(m.take(want()).workflowTasks).toHaveLength(2);
    // another queue is not limited
    m.add(Array.from({ length: 15 }, (_, i) => act(`o${i}`)).map((r) => ({ ...r, taskQueue: 'other' })));
    expect(idsOf(m.take(actWant({ taskQueue: 'other', maxActivityTasks: 100 })))).toHaveLength(15);
  });

  it('sync match takes a poll for an activity only with a token; without one the task waits in the queue', async () => {
    const m = new Matching();
    m.setActivityLimit('default', 'q', 1); // one a second, one saved up
    void m.wait(actWant(), new AbortController().signal);
    void m.wait(actWant({ identity: 'w2' }), new AbortController().signal);
    expect(m.reserve(act('a'))).toBeDefined();
    expect(m.reserve(act('b'))).toBeUndefined(); // a poll waits, but the token is spent
    void m.wait(want({ identity: 'w3' }), new AbortController().signal);
    expect(m.reserve(row('w'))).toBeDefined(); // workflow tasks are not limited
  });

  it('the latest value wins, and a limit no poll has carried for a while is dropped', async () => {
    const m = new Matching();
    m.setActivityLimit('default', 'q', 2);
    expect(m.activityLimit('default', 'q')).toBe(2);
    m.setActivityLimit('default', 'q', 50);
    expect(m.activityLimit('default', 'q')).toBe(50);
    m.add(Array.from({ length: 60 }, (_, i) => act(`r${i}`)));
    expect(idsOf(m.take(actWant({ maxActivityTasks: 100 })))).toHaveLength(50);
    const realNow = Date.now;
    Date.now = () => realNow() + ACTIVITY_LIMIT_TTL_MS + 1000;
    try {
      expect(m.activityLimit('default', 'q')).toBeUndefined();
      expect(idsOf(m.take(actWant({ maxActivityTasks: 100 })))).toHaveLength(10);
    } finally {
      Date.now = realNow;
    }
  });
});

describe('priority: a queue hands out its tasks by priority key, first in, first out within a key', () => {
  it('takes key 1 before the default (3) before 5, each in the order it came, sticky and activity queues too', () => {
    const m = new Matching();
    m.add([
      row('low-1', { priority: 5 }),
      row('default-1'),
      row('high-1', { priority: 1 }),
      row('default-2'),
      row('high-2', { priority: 1 }),
      row('low-2', { priority: 5 }),
    ]);
    expect(m.take(want({ maxWorkflowTasks: 3 })).workflowTasks.map((r) => r.runId)).toEqual([
      'high-1',
      'high-2',
      'default-1',
    ]);
    m.add([row('high-3', { priority: 1 })]);
    expect(m.take(want()).workflowTasks.map((r) => r.runId)).toEqual(['high-3', 'default-2', 'low-1', 'low-2']);
    expect(m.backlog('default', 'q')).toEqual({ workflowTasks: 0, activityTasks: 0 });

    const act = (runId: string, priority?: number): TaskRow =>
      row(runId, { kind: 'activity', key: 'act:1:1', ...(priority !== undefined ? { priority } : {}) });
    m.add([act('a-default'), act('a-low', 4), act('a-high', 2)]);
    expect(m.backlog('default', 'q')).toEqual({ workflowTasks: 0, activityTasks: 3 });
    const taken = m.take(want({ maxWorkflowTasks: 0, maxActivityTasks: 10 })).activityTasks.map((r) => r.runId);
    expect(taken).toEqual(['a-high', 'a-default', 'a-low']);

    m.add([row('s-default', { stickyIdentity: 'w1' }), row('s-high', { stickyIdentity: 'w1', priority: 1 })]);
    expect(m.take(want()).workflowTasks.map((r) => r.runId)).toEqual(['s-high', 's-default']);
  });
});

describe('rereading the queues from the store (reloadTasks)', () => {
  it('keeps a row queued while the store was read that the read passed, and queues a task read twice once', () => {
    const m = new Matching();
    m.add([row('old')]);
    const reload = m.beginReload();
    // committed while the read runs: one after the read passed its row id, one before
    m.add([row('missed'), row('both')]);
    m.replaceQueues(reload, [row('read'), row('both')]);
    expect(m.take(want()).workflowTasks.map((r) => r.runId)).toEqual(['read', 'both', 'missed']);
    // after the reread, rows are queued as usual and no longer remembered
    m.add([row('after')]);
    expect(m.take(want()).workflowTasks.map((r) => r.runId)).toEqual(['after']);
    expect(reload.map((r) => r.runId)).toEqual(['missed', 'both']);
  });
});
