import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../engine/transition.js';
import type { PollResponse, WorkflowTask } from '../protocol/tasks.js';
import { Matching, type Matched, type PollWant } from './matching.js';

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
