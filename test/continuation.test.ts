/**
 * Continued workflow tasks (docs/architecture.md): a worker that ran an activity of a workflow it holds cached
 * runs the next workflow task at once and sends it with the activity's completion; the server commits both in
 * one transition when history is as the worker predicted, and drops the continuation otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../src/protocol/commands.js';
import type { HistoryEvent } from '../src/protocol/events.js';
import type { CompleteTasksResponse, PollResponse, TaskCompletion } from '../src/protocol/tasks.js';
import { checkHistory } from '../src/engine/test-invariants.js';
import { Connection } from '../src/client/index.js';
import type { Transport } from '../src/client/transport.js';
import { Worker } from '../src/worker/index.js';
import type { Seen } from './fixtures/continuation-workflows.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

const activities = {
  step: async (v: number): Promise<number> => v + 1,
  gate: async (key: string): Promise<string> => key,
  stagger: async (i: number): Promise<number> => {
    await new Promise((r) => setTimeout(r, 40 * i));
    return i + 1;
  },
};
const workflowsPath = fixture('continuation-workflows.ts');

function eventTypes(events: readonly HistoryEvent[]): string[] {
  return events.map((e) => e.eventType);
}

describe('continued workflow tasks through a worker', () => {
  it('run sequential workflows one commit per step; each task saw what its WorkflowTaskStarted says', async () => {
    const taskQueue = uid('cont');
    const w = await startWorker(ts, { taskQueue, workflowsPath, activities });
    try {
      const handles = await Promise.all(
        Array.from({ length: 10 }, () =>
          ts.client.workflow.start('steps', { taskQueue, workflowId: uid(), args: [4] }),
        ),
      );
      const results = (await Promise.all(handles.map((h) => h.result()))) as Array<{ total: number; seen: Seen[] }>;
      for (const r of results) expect(r.total).toBe(4 + 1 + 4 + 2);
      const { continuedWorkflowTasks } = w.worker.getStatus().tasks;
      // 10 workflows, 5 activity steps each (the timer's task and the first are not continuations)
      expect(continuedWorkflowTasks).toBeGreaterThanOrEqual(10 * 3);

      for (const [i, h] of handles.entries()) {
        const history = await h.fetchHistory();
        checkHistory(history.events);
        const started = history.events.filter((e) => e.eventType === 'WorkflowTaskStarted');
        // what the workflow saw at each step (its clock, workflowInfo()) is what a replay reads from history
        for (const s of results[i]!.seen) {
          const ev = started.find((e) => e.eventId === s.historyLength);
          expect(ev, `a WorkflowTaskStarted at event ${s.historyLength}`).toBeDefined();
          expect(Date.parse(ev!.eventTime)).toBe(s.now);
          expect(ev!.attributes).toMatchObject({ historySizeBytes: s.historySize });
        }
        // the hint never claims more than the history held before the task
        for (const ev of started) {
          const before = history.events
            .filter((e) => e.eventId < ev.eventId)
            .reduce((n, e) => n + JSON.stringify(e).length, 0);
          expect((ev.attributes as { historySizeBytes: number }).historySizeBytes).toBeLessThanOrEqual(before);
        }
        // the workflow's clock never goes back from one task to the next
        const times = started.map((e) => Date.parse(e.eventTime));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        await Worker.runReplayHistory({ workflowsPath }, history);
      }

      // the same workflow without continuations writes the same history, event for event
      const plainQueue = uid('plain');
      const plain = await startWorker(ts, {
        taskQueue: plainQueue,
        workflowsPath,
        activities,
        continueWorkflowTasks: false,
      });
      try {
        const h = await ts.client.workflow.start('steps', { taskQueue: plainQueue, workflowId: uid(), args: [4] });
        await h.result();
        expect(plain.worker.getStatus().tasks.continuedWorkflowTasks).toBe(0);
        expect(eventTypes((await h.fetchHistory()).events)).toEqual(
          eventTypes((await handles[0]!.fetchHistory()).events),
        );
      } finally {
        await plain.stop();
      }
    } finally {
      await w.stop();
    }
  });

  it('an SDK flag first used in a continued task is recorded in its WorkflowTaskCompleted, and replays', async () => {
    const taskQueue = uid('cont-flag');
    const w = await startWorker(ts, { taskQueue, workflowsPath, activities });
    try {
      const h = await ts.client.workflow.start('flagAfterActivity', { taskQueue, workflowId: uid() });
      expect(await h.result()).toBe(2);
      expect(w.worker.getStatus().tasks.continuedWorkflowTasks).toBe(1);
      const history = await h.fetchHistory();
      const completed = history.events.filter((e) => e.eventType === 'WorkflowTaskCompleted');
      expect(completed.map((e) => (e.attributes as { sdkFlags?: number[] }).sdkFlags)).toEqual([undefined, [4]]);
      await Worker.runReplayHistory({ workflowsPath }, history);
    } finally {
      await w.stop();
    }
  });

  it('a fan-out continues only after its last open activity, never once per outcome', async () => {
    const taskQueue = uid('cont-fan');
    const w = await startWorker(ts, { taskQueue, workflowsPath, activities });
    try {
      const handles = await Promise.all(
        Array.from({ length: 5 }, () =>
          ts.client.workflow.start('fanout', { taskQueue, workflowId: uid(), args: [8] }),
        ),
      );
      for (const h of handles) expect(await h.result()).toBe(36); // 1 + 2 + ... + 8
      expect(w.worker.getStatus().tasks.continuedWorkflowTasks).toBeLessThanOrEqual(handles.length);
      for (const h of handles) checkHistory((await h.fetchHistory()).events);
    } finally {
      await w.stop();
    }
  });

  it('a server that does not say it takes continuations never gets one (an older server)', async () => {
    // the poll answers without the flag, as a server from before continued tasks answers
    const inner = ts.connection.transport;
    const seen: TaskCompletion[] = [];
    const transport: Transport = {
      async call<T>(...args: Parameters<Transport['call']>): Promise<T> {
        const [op, req] = args;
        if (op === 'completeTasks') seen.push(...(req.body as { completions: TaskCompletion[] }).completions);
        const res = await inner.call<T>(...args);
        if (op !== 'pollTasks') return res;
        const answer: PollResponse = { ...(res as PollResponse) };
        delete answer.continuations;
        return answer as T;
      },
      health: () => inner.health(),
      close: async () => {},
    };
    const taskQueue = uid('cont-old');
    const w = await startWorker(
      { connection: Connection.fromTransport(transport) },
      { taskQueue, workflowsPath, activities },
    );
    try {
      const h = await ts.client.workflow.start('steps', { taskQueue, workflowId: uid(), args: [3] });
      expect(((await h.result()) as { total: number }).total).toBe(3 + 1 + 3 + 2);
      expect(w.worker.getStatus().tasks.continuedWorkflowTasks).toBe(0);
      expect(seen.some((c) => c.kind === 'activityTaskCompleted')).toBe(true);
      expect(seen.some((c) => c.kind === 'activityTaskCompleted' && c.continuation !== undefined)).toBe(false);
    } finally {
      await w.stop();
    }
  });

  it('signals that arrive while an activity runs reach the workflow (the continuation gives way)', async () => {
    const taskQueue = uid('cont-sig');
    let signal: (() => Promise<void>) | undefined;
    const w = await startWorker(ts, {
      taskQueue,
      workflowsPath,
      activities: {
        ...activities,
        // the signal is in history before this activity completes
        gate: async (key: string) => {
          await signal?.();
          return key;
        },
      },
    });
    try {
      const handles = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          ts.client.workflow.start('gated', { taskQueue, workflowId: uid('gated'), args: [`g${i}`] }),
        ),
      );
      signal = async () => {
        await Promise.all(handles.map((h) => h.signal('note', 'hi').catch(() => undefined)));
      };
      for (const [i, h] of handles.entries()) {
        const r = (await h.result()) as { gate: string; signals: string[] };
        expect(r.gate).toBe(`g${i}`);
        expect(r.signals.length).toBeGreaterThanOrEqual(1);
        checkHistory((await h.fetchHistory()).events);
      }
    } finally {
      await w.stop();
    }
  });
});

describe('continued workflow tasks on the wire', () => {
  const namespace = 'default';
  const identity = 'raw-worker';

  async function poll(taskQueue: string): Promise<PollResponse> {
    return ts.connection.transport.call<PollResponse>('pollTasks', {
      params: { namespace, taskQueue },
      body: { identity, maxWorkflowTasks: 1, maxActivityTasks: 1, timeoutMs: 5000 },
    });
  }

  async function complete(taskQueue: string, c: TaskCompletion, eager = 0): Promise<CompleteTasksResponse> {
    return ts.connection.transport.call<CompleteTasksResponse>('completeTasks', {
      params: { namespace },
      body: { identity, taskQueue, completions: [c], eagerActivitySlots: eager, eagerWorkflowSlots: 1 },
    });
  }

  const scheduleStep = (seq: number): Command => ({
    type: 'ScheduleActivityTask',
    seq,
    activityId: String(seq),
    activityType: 'step',
    taskQueue: '',
    input: [seq],
    startToCloseTimeoutMs: 10_000,
    eager: true,
  });

  /** A run whose first task (by this raw worker, sticky) scheduled activity 1, now running on this worker. */
  async function atActivity(): Promise<{ taskQueue: string; workflowId: string; token: string; claimBase: number }> {
    const taskQueue = uid('raw');
    const workflowId = uid('raw');
    await ts.client.workflow.start('steps', { taskQueue, workflowId, args: [1] });
    const p = await poll(taskQueue);
    expect(p.continuations).toBe(true); // the server says it takes continuations
    const wt = p.workflowTasks[0]!;
    const res = await complete(
      taskQueue,
      {
        kind: 'workflowTaskCompleted',
        taskToken: wt.taskToken,
        commands: [{ ...scheduleStep(1), taskQueue }],
        sticky: true,
      },
      1,
    );
    const act = res.activityTasks[0]!;
    expect(act.scheduledEventId).toBe(wt.startedEventId + 2);
    return { taskQueue, workflowId, token: act.taskToken, claimBase: wt.startedEventId };
  }

  const claim = (base: number, commands: Command[]) => ({
    basedOnEventId: base,
    lastEventId: base + 2, // WorkflowTaskCompleted, ActivityTaskScheduled
    startedTime: Date.now(),
    historySizeBytes: 0,
    commands,
    sticky: true,
  });

  it('completed: one request, one commit, the workflow task and its commands in history', async () => {
    const a = await atActivity();
    const res = await complete(a.taskQueue, {
      kind: 'activityTaskCompleted',
      taskToken: a.token,
      result: 2,
      continuation: claim(a.claimBase, [{ type: 'CompleteWorkflowExecution', result: 'done' }]),
    });
    expect(res.results).toEqual([{ ok: true, continuation: 'completed' }]);
    expect(res.workflowTasks).toEqual([]);
    const h = ts.client.workflow.getHandle(a.workflowId);
    expect(await h.result()).toBe('done');
    const { events } = await h.fetchHistory();
    checkHistory(events);
    expect(eventTypes(events).slice(a.claimBase + 2)).toEqual([
      'ActivityTaskStarted',
      'ActivityTaskCompleted',
      'WorkflowTaskScheduled',
      'WorkflowTaskStarted',
      'WorkflowTaskCompleted',
      'WorkflowExecutionCompleted',
    ]);
  });

  it('dropped when a signal came first: the task is scheduled as usual and handed back with the answer', async () => {
    const a = await atActivity();
    await ts.client.workflow.getHandle(a.workflowId).signal('note', 'first');
    // the signal's task, sticky to this worker, is waiting: history is not what the continuation assumed
    const res = await complete(a.taskQueue, {
      kind: 'activityTaskCompleted',
      taskToken: a.token,
      result: 2,
      continuation: claim(a.claimBase, [{ type: 'CompleteWorkflowExecution', result: 'too early' }]),
    });
    expect(res.results).toEqual([{ ok: true, continuation: 'dropped' }]);
    const { events } = await ts.client.workflow.getHandle(a.workflowId).fetchHistory();
    checkHistory(events);
    expect(eventTypes(events)).toContain('WorkflowExecutionSignaled');
    expect(eventTypes(events)).not.toContain('WorkflowExecutionCompleted');
    expect(eventTypes(events)).toContain('ActivityTaskCompleted'); // the activity's own outcome is kept
  });

  it('dropped when the claim does not match history (wrong last event)', async () => {
    const a = await atActivity();
    const res = await complete(a.taskQueue, {
      kind: 'activityTaskCompleted',
      taskToken: a.token,
      result: 2,
      continuation: { ...claim(a.claimBase, []), lastEventId: a.claimBase + 3 },
    });
    expect(res.results).toEqual([{ ok: true, continuation: 'dropped' }]);
    // the usual workflow task, eagerly handed back (this worker is sticky)
    expect(res.workflowTasks).toHaveLength(1);
  });

  it('rejected when its commands are invalid: the task fails as a plain completion would', async () => {
    const a = await atActivity();
    const res = await complete(a.taskQueue, {
      kind: 'activityTaskCompleted',
      taskToken: a.token,
      result: 2,
      // a closing command that is not the last one
      continuation: claim(a.claimBase, [
        { type: 'CompleteWorkflowExecution', result: 'x' },
        { ...scheduleStep(2), taskQueue: a.taskQueue },
      ]),
    });
    expect(res.results).toEqual([{ ok: true, continuation: 'rejected' }]);
    const { events } = await ts.client.workflow.getHandle(a.workflowId).fetchHistory();
    checkHistory(events);
    expect(eventTypes(events)).toContain('WorkflowTaskFailed');
  });

  it('a malformed continuation is refused with 400 and a stable code', async () => {
    const a = await atActivity();
    const err = await complete(a.taskQueue, {
      kind: 'activityTaskCompleted',
      taskToken: a.token,
      continuation: { basedOnEventId: -1 } as never,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
  });

  it('a sticky schedule-to-start timeout out of range (1 ms to a day) is refused with 400', async () => {
    const taskQueue = uid('raw');
    await ts.client.workflow.start('steps', { taskQueue, workflowId: uid('raw'), args: [1] });
    const wt = (await poll(taskQueue)).workflowTasks[0]!;
    for (const ms of [0, 86_400_001, 1.5]) {
      const err = await complete(taskQueue, {
        kind: 'workflowTaskCompleted',
        taskToken: wt.taskToken,
        commands: [],
        sticky: true,
        stickyScheduleToStartTimeoutMs: ms,
      }).catch((e: unknown) => e);
      expect(err, String(ms)).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    }
  });
});
