/**
 * A commit that was written but whose answer was lost (as when the SQLite writer thread dies after its COMMIT, or
 * a PostgreSQL connection breaks while the commit runs): the server cannot know what it added to its task queues
 * and timers, so it reads them again from the store. Here a wrapper around the server's real SQLite store writes
 * a mutation, then throws as if its answer were lost: once for a start (its first workflow task), once for the
 * workflow task that starts a timer. Without the reread the first run waits for ever (no queue holds its task)
 * and the second for the timer service's next window (up to 60 s). The tasks such a commit started, and tasks
 * whose events or input could not be read once started, reached no worker: they are timed out at once
 * (server/lost-starts.ts), not at their start-to-close timeout.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StoreUnavailableError, type Mutation } from '../src/store/store.js';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

const TQ = 'it-uncertain-commit';
let ts: TestServer;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('workflows.ts'), activities }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

/** The first mutation `pick` matches is written, and then its commit throws as if the answer were lost. */
function loseAnswerOf(pick: (m: Mutation) => boolean): { restore(): void; lost(): boolean } {
  const store = ts.server.context.store;
  const commit = store.commit.bind(store);
  let lost = false;
  store.commit = async (m: Mutation) => {
    await commit(m);
    if (!lost && pick(m)) {
      lost = true;
      throw new Error('injected: the answer of a written commit was lost');
    }
  };
  return { restore: () => (store.commit = commit), lost: () => lost };
}

const within = <T>(ms: number, p: Promise<T>, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)),
  ]);

it('a start whose answer was lost: its first workflow task is handed out all the same', async () => {
  // no worker polls this queue yet: the task is queued, not handed to a waiting poll in the start's own commit
  const taskQueue = uid('lost-start');
  const workflowId = uid('lost-start');
  const fault = loseAnswerOf((m) =>
    m.executions.some((e) => e.state.workflowId === workflowId && e.expectedVersion === 0),
  );
  let worker: { stop(): Promise<void> } | undefined;
  try {
    // the client hears of a failure (or, sent again, of the run the first attempt started)
    await ts.client.workflow.start('sequential', { taskQueue, workflowId, args: [1] }).catch(() => undefined);
    expect(fault.lost()).toBe(true);
    worker = await startWorker(ts, { taskQueue, workflowsPath: fixture('workflows.ts'), activities });
    expect(await within(10_000, ts.client.workflow.getHandle(workflowId).result(), 'the run')).toBe((1 + 1) * 2 + 1);
  } finally {
    fault.restore();
    await worker?.stop();
  }
});

it('a workflow task completion that started a timer, whose answer was lost: the timer fires on time', async () => {
  const workflowId = uid('lost-timer');
  const fault = loseAnswerOf((m) =>
    m.executions.some(
      (e) => e.state.workflowId === workflowId && e.timersAdded.some((t) => t.key.startsWith('timer:')),
    ),
  );
  try {
    const h = await ts.client.workflow.start('sleeper', { taskQueue: TQ, workflowId, args: [1000] });
    expect(await within(10_000, h.result(), 'the run')).toBeDefined();
    expect(fault.lost()).toBe(true);
  } finally {
    fault.restore();
  }
});

/** The run's history, event types with attributes. */
async function historyOf(
  workflowId: string,
): Promise<Array<{ eventType: string; attributes: Record<string, unknown> }>> {
  const { events } = await ts.client.workflow.getHandle(workflowId).fetchHistory();
  return events as Array<{ eventType: string; attributes: Record<string, unknown> }>;
}

it('a start that handed its first workflow task to a waiting poll, whose answer was lost: the task is retried at once', async () => {
  // the worker of TQ waits in its polls: the start's commit starts the first workflow task for one of them
  const workflowId = uid('lost-handed-task');
  const fault = loseAnswerOf((m) =>
    m.executions.some((e) => e.state.workflowId === workflowId && e.state.workflowTask?.state === 'started'),
  );
  try {
    const started = Date.now();
    await ts.client.workflow.start('sequential', { taskQueue: TQ, workflowId, args: [1] }).catch(() => undefined);
    expect(fault.lost()).toBe(true);
    // not after the workflow task's 10 s timeout: no worker ever had that task
    expect(await within(6_000, ts.client.workflow.getHandle(workflowId).result(), 'the run')).toBe((1 + 1) * 2 + 1);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect((await historyOf(workflowId)).some((e) => e.eventType === 'WorkflowTaskTimedOut')).toBe(true);
  } finally {
    fault.restore();
  }
});

it('a workflow task completion that started its activity eagerly, whose answer was lost: the activity is retried at once', async () => {
  const workflowId = uid('lost-eager-activity');
  const fault = loseAnswerOf((m) =>
    m.executions.some(
      (e) => e.state.workflowId === workflowId && Object.values(e.state.activities).some((a) => a.state === 'started'),
    ),
  );
  try {
    const h = await ts.client.workflow.start('sequential', { taskQueue: TQ, workflowId, args: [1] });
    // not after the activity's 10 s start-to-close timeout: its second attempt follows the first's loss at once
    // (1 s of retry backoff)
    expect(await within(6_000, h.result(), 'the run')).toBe((1 + 1) * 2 + 1);
    expect(fault.lost()).toBe(true);
    const started = (await historyOf(workflowId)).filter((e) => e.eventType === 'ActivityTaskStarted');
    expect(started[0]?.attributes.attempt).toBe(2);
  } finally {
    fault.restore();
  }
});

/** The first read of events `pick` matches fails as if the store went away (after the task's start committed). */
function failReadOnce(pick: (from: number, to: number) => boolean): { restore(): void; failed(): boolean } {
  const updater = ts.server.context.updater;
  const read = updater.readEvents.bind(updater);
  let failed = false;
  updater.readEvents = async (runId: string, from: number, to: number) => {
    if (!failed && pick(from, to)) {
      failed = true;
      throw new StoreUnavailableError('injected: the store went away');
    }
    return read(runId, from, to);
  };
  return { restore: () => (updater.readEvents = read), failed: () => failed };
}

it('a workflow task started for a poll whose events could not be read then: retried at once', async () => {
  const workflowId = uid('unread-task');
  // a new run's first task reads its history from event 1 (a sticky one reads only what is new)
  const fault = failReadOnce((from) => from === 1);
  try {
    const started = Date.now();
    const h = await ts.client.workflow.start('sequential', { taskQueue: TQ, workflowId, args: [1] });
    // not after the workflow task's 10 s timeout
    expect(await within(6_000, h.result(), 'the run')).toBe((1 + 1) * 2 + 1);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(fault.failed()).toBe(true);
    expect((await historyOf(workflowId)).some((e) => e.eventType === 'WorkflowTaskTimedOut')).toBe(true);
  } finally {
    fault.restore();
  }
});

it('an activity attempt started for a poll whose input could not be read then: retried at once', async () => {
  const workflowId = uid('unread-input');
  const key = uid('unread-input-key');
  const h = await ts.client.workflow.start('retrying', { taskQueue: TQ, workflowId, args: [key, 2] });
  // attempt 1 goes out eagerly with the workflow task's answer (its input from the command) and fails; attempt 2
  // reads its input from its ActivityTaskScheduled event (the only reads of one event), and that read fails
  const fault = failReadOnce((from, to) => from === to);
  try {
    // attempt 3 follows at once (200 ms of backoff), not after attempt 2's 5 s start-to-close timeout
    expect(await within(3_000, h.result(), 'the run')).toBe(3);
    expect(fault.failed()).toBe(true);
  } finally {
    fault.restore();
  }
  expect(await activities.attemptsOf(key)).toEqual([1, 3]);
});

it('a workflow task handed back eagerly with a completion, whose events could not be read then: retried at once', async () => {
  const workflowId = uid('unread-eager');
  // the run's first task reads from event 1; the next one, started for this worker with its activities'
  // completions, reads only what is new since its last task
  const fault = failReadOnce((from, to) => from > 1 && to > from);
  try {
    const started = Date.now();
    const h = await ts.client.workflow.start('parallel', { taskQueue: TQ, workflowId, args: [2] });
    expect(await within(6_000, h.result(), 'the run')).toBe(1);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(fault.failed()).toBe(true);
  } finally {
    fault.restore();
  }
});

it('a start whose commit lands only after its failure was reported (a statement that ran on): handed out all the same', async () => {
  // as PostgreSQL does with a statement whose connection broke: it runs on, and commits, after the caller heard of
  // the failure and the server reread its queues. Here the store says such a commit settles within 400 ms.
  const taskQueue = uid('late-start');
  const workflowId = uid('late-start');
  const store = ts.server.context.store as typeof ts.server.context.store & { unknownOutcomeSettlesWithinMs?: number };
  const commit = store.commit.bind(store);
  let late: Promise<void> | undefined;
  store.unknownOutcomeSettlesWithinMs = 400;
  store.commit = async (m: Mutation) => {
    if (!late && m.executions.some((e) => e.state.workflowId === workflowId && e.expectedVersion === 0)) {
      late = new Promise((r) => setTimeout(r, 150)).then(() => commit(m));
      throw new StoreUnavailableError('injected: the connection broke while the commit ran', { outcomeUnknown: true });
    }
    await commit(m);
  };
  let worker: { stop(): Promise<void> } | undefined;
  try {
    // sent once (a client would send it again, and its second start would find or make the run)
    const sent = ts.connection.transport.call(
      'startWorkflow',
      { params: { namespace: 'default' }, body: { workflowId, workflowType: 'sequential', taskQueue, args: [1] } },
      { retryForMs: 0 },
    );
    await expect(sent).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await late;
    worker = await startWorker(ts, { taskQueue, workflowsPath: fixture('workflows.ts'), activities });
    expect(await within(5_000, ts.client.workflow.getHandle(workflowId).result(), 'the run')).toBe((1 + 1) * 2 + 1);
  } finally {
    store.commit = commit;
    delete store.unknownOutcomeSettlesWithinMs;
    await worker?.stop();
  }
});

it('a closing commit whose answer was lost: a caller waiting for the result hears of the close at once', async () => {
  const workflowId = uid('lost-close');
  const fault = loseAnswerOf((m) =>
    m.executions.some((e) => e.state.workflowId === workflowId && e.state.status !== 'Running'),
  );
  try {
    const h = await ts.client.workflow.start('sequential', { taskQueue: TQ, workflowId, args: [1] });
    // the result's long-poll waits (up to 60 s) for the close's notice, which the lost answer never gives
    const started = Date.now();
    expect(await within(6_000, h.result(), 'the result')).toBe((1 + 1) * 2 + 1);
    expect(fault.lost()).toBe(true);
    expect(Date.now() - started).toBeLessThan(6_000);
  } finally {
    fault.restore();
  }
});
