/**
 * Payload codecs (Temporal's `dataConverter: { payloadCodecs }`) end to end, with the AES-GCM codec of
 * examples/encryption: every kind of payload goes out encoded and comes back decoded (arguments, an undefined one,
 * results, memos, signals, queries, updates, activities, local activities, heartbeats, async completion, failure
 * details, children, signals to children, continue-as-new, signal- and update-with-start, eager start), the history
 * the server keeps holds no plaintext, and a worker without the key fails the task instead of running on ciphertext.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  WithStartWorkflowOperation,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  ApplicationFailure,
  type DataConverter,
} from 'weft/client';
import { TestWorkflowEnvironment } from 'weft/testing';
import { Worker } from 'weft/worker';
import { decodeEvents } from '../src/worker/task-codec.js';
import { EncryptionCodec } from '../examples/encryption/codec.js';
import * as activities from './fixtures/codec-activities.js';
import { waiting } from './fixtures/codec-inbox.js';
import * as exampleActivities from '../examples/encryption/activities.js';
import { approve, openAccount, status } from '../examples/encryption/workflows.js';
import {
  addNote,
  codecAll,
  codecFail,
  codecWaiter,
  failingQuery,
  failingUpdate,
  finish,
  note,
  notes,
} from './fixtures/codec-workflows.js';
import { fixture, quietLogger, uid, waitFor } from './helpers.js';

const TQ = 'it-payload-codec';
const SECRET = 'top-secret-4f1c';
const key = (id: string) => ({ id, key: randomBytes(32) });
const keyA = key('key-a');
const dataConverter: DataConverter = { payloadCodecs: [new EncryptionCodec([keyA])] };

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
/** The same connection with no codec: sees what the server stores. */
let raw: Client;

beforeAll(async () => {
  env = await TestWorkflowEnvironment.createLocal({ dataConverter });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TQ,
    workflowsPath: fixture('codec-workflows.ts'),
    activities,
    dataConverter,
    logger: quietLogger,
    handleSignals: false,
  });
  running = worker.run();
  raw = new Client({ connection: env.nativeConnection });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

/** The secret, anywhere in a JSON text. */
const leaks = (v: unknown): boolean => JSON.stringify(v).includes(SECRET.slice(0, 10));

describe('payload codecs through a real server', () => {
  it('every kind of payload of a run arrives decoded, and none is stored in plaintext', async () => {
    const workflowId = uid('codec');
    const handle = await env.client.workflow.start(codecAll, {
      taskQueue: TQ,
      workflowId,
      args: [SECRET, undefined],
      memo: { secret: SECRET },
    });
    // queries, updates and signals while round 0 waits for the async completion
    const token = await waitFor(() => waiting.get(workflowId), 20_000, 'the async activity');
    expect(await handle.query(notes, { q: SECRET })).toEqual([{ q: SECRET }]);
    const queryError = await handle.query(failingQuery, SECRET).catch((e: unknown) => e);
    expect(queryError).toBeInstanceOf(ApplicationFailure);
    expect((queryError as ApplicationFailure).details).toEqual([{ s: SECRET }]);
    await handle.signal(note, { signal: SECRET });
    expect(await handle.executeUpdate(addNote, { args: [{ update: SECRET }] })).toEqual([
      { signal: SECRET },
      { update: SECRET },
    ]);
    const updateError = await handle.executeUpdate(failingUpdate, { args: [SECRET] }).catch((e: unknown) => e);
    expect(updateError).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((updateError as WorkflowUpdateFailedError).cause as ApplicationFailure).details).toEqual([{ s: SECRET }]);

    // async completion: a heartbeat by the client, seen in describe(), then the result
    await env.client.activity.heartbeat(token, { progress: SECRET });
    const described = await handle.describe();
    expect(described.memo).toEqual({ secret: SECRET });
    expect(described.pendingActivities[0]?.heartbeatDetails).toEqual({ progress: SECRET });
    const rawDescribed = await raw.workflow.getHandle(workflowId).describe();
    expect(leaks(rawDescribed.raw)).toBe(false);
    await env.client.activity.complete(token, { later: SECRET });
    await handle.signal(finish);

    const result = await handle.result();
    expect(result).toEqual({
      round: 1,
      nothingIsUndefined: true,
      memo: { secret: SECRET, next: SECRET },
      seen: {
        echoed: { secret: SECRET },
        localEchoed: { secret: SECRET, local: true },
        activityFailureDetails: [{ secret: SECRET }],
        heartbeatSeen: { secret: SECRET, attempt: 1 },
        completedLater: { later: SECRET },
        childResult: { secret: SECRET, memo: { childSecret: SECRET }, signalled: { toChild: SECRET } },
        received: [{ signal: SECRET }, { update: SECRET }],
      },
    });

    // what the server holds: payloads, no plaintext, in every run's history
    for (const h of [
      handle,
      env.client.workflow.getHandle(workflowId, undefined),
      raw.workflow.getHandle(`${workflowId}-child`),
    ]) {
      const history = await h.fetchHistory();
      expect(leaks(history)).toBe(false);
      expect(JSON.stringify(history)).toContain('"$weft":"payload"');
    }
    // an activity's and a timer's summaries went encoded through the worker's commands (the leak check above);
    // the codec decodes them where it decodes history (as a worker replaying it does)
    const stored = (await raw.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory()).events;
    const decoded = await decodeEvents(dataConverter.payloadCodecs ?? [], stored);
    const summaryOf = (type: string) =>
      (decoded.find((e) => e.eventType === type)?.attributes as { userMetadata?: { summary?: unknown } }).userMetadata
        ?.summary;
    expect(summaryOf('ActivityTaskScheduled')).toBe(SECRET);
    expect(summaryOf('TimerStarted')).toBe(SECRET);
    // the child's user metadata went encoded through the worker's command and is decoded by describe
    expect(await (await env.client.workflow.getHandle(`${workflowId}-child`).describe()).staticSummary()).toBe(SECRET);
    const firstRun = await raw.workflow.getHandle(workflowId, handle.firstExecutionRunId).fetchHistory();
    expect(leaks(firstRun)).toBe(false);
    expect(firstRun.events.map((e) => e.eventType)).toContain('MarkerRecorded'); // the local activity's result

    // the history replays against the code once decoded
    await Worker.runReplayHistory({ workflowsPath: fixture('codec-workflows.ts'), dataConverter }, firstRun);
  });

  it('failure details of a failed workflow are decoded for the caller', async () => {
    const err = await env.client.workflow
      .execute(codecFail, { taskQueue: TQ, workflowId: uid('codec-fail'), args: [SECRET] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(((err as WorkflowFailedError).cause as ApplicationFailure).details).toEqual([{ secret: SECRET }]);
  });

  it('staticSummary and staticDetails are payloads: stored encoded, decoded by describe', async () => {
    const workflowId = uid('codec-metadata');
    const handle = await env.client.workflow.start(codecFail, {
      taskQueue: TQ,
      workflowId,
      args: ['x'],
      staticSummary: `summary ${SECRET}`,
      staticDetails: `details ${SECRET}`,
    });
    await handle.result().catch(() => undefined);
    const d = await handle.describe();
    expect(await d.staticSummary()).toBe(`summary ${SECRET}`);
    expect(await d.staticDetails()).toBe(`details ${SECRET}`);
    const stored = raw.workflow.getHandle(workflowId);
    expect(leaks((await stored.describe()).raw)).toBe(false);
    expect(leaks(await stored.fetchHistory())).toBe(false);
    // a client without the codec does not get a summary it cannot read as text
    expect(await (await stored.describe()).staticSummary()).toBeUndefined();
  });

  it('signal-with-start, update-with-start and an eager start', async () => {
    const h1 = await env.client.workflow.signalWithStart(codecWaiter, {
      taskQueue: TQ,
      workflowId: uid('codec-sws'),
      args: [SECRET],
      memo: { m: SECRET },
      signal: note,
      signalArgs: [{ sws: SECRET }],
    });
    expect(await h1.result()).toEqual({ secret: SECRET, received: [{ sws: SECRET }], memo: { m: SECRET } });

    const op = new WithStartWorkflowOperation(codecWaiter, {
      taskQueue: TQ,
      workflowId: uid('codec-uws'),
      args: [SECRET],
      workflowIdConflictPolicy: 'FAIL',
    });
    const updated = await env.client.workflow.executeUpdateWithStart(addNote, {
      args: [{ uws: SECRET }],
      startWorkflowOperation: op,
    });
    expect(updated).toEqual([{ uws: SECRET }]);
    expect(await (await op.workflowHandle()).result()).toMatchObject({ secret: SECRET, received: [{ uws: SECRET }] });

    const h3 = await env.client.workflow.start(codecWaiter, {
      taskQueue: TQ,
      workflowId: uid('codec-eager'),
      args: [{ eager: SECRET }],
      requestEagerStart: true,
    });
    expect(h3.eagerlyStarted).toBe(true);
    await h3.signal(note, 'go');
    expect(await h3.result()).toEqual({ secret: { eager: SECRET }, received: ['go'] });
  });

  it('a schedule keeps its action arguments and memo encoded; the started run gets them decoded', async () => {
    const scheduleId = uid('codec-schedule');
    const handle = await env.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'codecWaiter',
        taskQueue: TQ,
        args: [{ scheduled: SECRET }],
        memo: { m: SECRET },
        workflowId: scheduleId,
        staticSummary: `summary ${SECRET}`,
      },
      state: { paused: true },
    });
    const described = await handle.describe();
    expect(described.action.args).toEqual([{ scheduled: SECRET }]);
    expect(described.action.memo).toEqual({ m: SECRET });
    expect(described.action.staticSummary).toBe(`summary ${SECRET}`);
    expect(leaks((await raw.schedule.getHandle(scheduleId).describe()).raw)).toBe(false);
    await handle.trigger();
    const run = await waitFor(async () => {
      for await (const e of env.client.workflow.list({ query: `WorkflowType = 'codecWaiter'` }))
        if (e.workflowId.startsWith(scheduleId)) return e;
      return undefined;
    });
    const wf = env.client.workflow.getHandle(run.workflowId, run.runId);
    expect(await (await wf.describe()).staticSummary()).toBe(`summary ${SECRET}`);
    await wf.signal(note, 'go');
    expect(await wf.result()).toEqual({ secret: { scheduled: SECRET }, received: ['go'], memo: { m: SECRET } });
    await handle.delete();
  });

  it('a worker without the key fails the task (PayloadCodecError), and the workflow runs once a worker has it', async () => {
    const keyB = key('key-b');
    const client = new Client({
      connection: env.nativeConnection,
      dataConverter: { payloadCodecs: [new EncryptionCodec([keyA, keyB])] }, // encodes with key-b, the newest
    });
    const workflowId = uid('codec-rotated');
    const handle = await client.workflow.start(codecWaiter, { taskQueue: TQ, workflowId, args: [SECRET] });
    const failure = await waitFor(async () => {
      const d = await client.workflow.getHandle(workflowId).describe();
      return d.pendingWorkflowTask?.lastFailure;
    });
    expect(failure.message).toMatch(/payload codec failed to decode.*no encryption key with id "key-b"/);
    // a rotated worker on another task queue would be the fix; here: one knowing both keys takes over
    worker.shutdown();
    await running;
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: TQ,
      workflowsPath: fixture('codec-workflows.ts'),
      activities,
      dataConverter: { payloadCodecs: [new EncryptionCodec([keyA, keyB])] },
      logger: quietLogger,
      handleSignals: false,
    });
    running = worker.run();
    await handle.signal(note, 'go');
    expect(await handle.result()).toEqual({ secret: SECRET, received: ['go'] });
  });
});

describe('the example (examples/encryption)', () => {
  it('opens an account with every payload encrypted; the stored input is ciphertext', async () => {
    const w = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'encryption',
      workflowsPath: new URL('../examples/encryption/workflows.ts', import.meta.url).pathname,
      activities: exampleActivities,
      dataConverter,
      logger: quietLogger,
      handleSignals: false,
    });
    await w.runUntil(async () => {
      const handle = await env.client.workflow.start(openAccount, {
        taskQueue: 'encryption',
        workflowId: uid('account'),
        args: [{ name: 'Ada Lovelace', taxId: 'GB-1815-12-10' }],
        memo: { channel: 'branch office 7' },
      });
      await waitFor(async () => (await handle.query(status)) === 'waiting for approval');
      await handle.signal(approve, 'approved by J. Smith');
      expect(await handle.result()).toMatch(/^account-2-10 .* for Ada Lovelace \(approved by J\. Smith\)$/);
      const history = JSON.stringify(await handle.fetchHistory());
      for (const plain of ['Ada Lovelace', 'GB-1815', 'J. Smith', 'branch office'])
        expect(history).not.toContain(plain);
    });
  });
});
