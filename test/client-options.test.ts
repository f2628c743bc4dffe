/**
 * Temporal's client options, against real servers: `new Client({ identity })` recorded in history,
 * `list().intoHistories()` fed to the replayer, and `Connection.connect({ apiKey })` with a key function,
 * `connection.setApiKey(key)` and `connectTimeout`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, ServiceError, type HistoryAndWorkflowId } from 'weft/client';
import { Worker } from 'weft/worker';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';
import { advance } from './fixtures/temporal-api-gaps.js';

const taskQueue = 'client-options';
const workflowsPath = fixture('temporal-api-gaps.ts');
let ts: TestServer;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue, workflowsPath }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

describe('Client({ identity })', () => {
  it('is recorded as who started, signalled, updated, cancelled and terminated', async () => {
    const client = new Client({ connection: ts.connection, identity: 'ops-console@host-1' });
    expect(client.identity).toBe('ops-console@host-1');
    const workflowId = uid('identity');
    const handle = await client.workflow.start('memoFlow', { taskQueue, workflowId });
    await handle.signal('unhandled');
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const other = await client.workflow.start('defaultUpdates', { taskQueue, workflowId: uid('identity-2') });
    await other.executeUpdate('anything', { args: [] });
    await other.terminate('enough');

    const identities = async (h: typeof handle, types: string[]): Promise<unknown[]> =>
      (await h.fetchHistory()).events
        .filter((e) => types.includes(e.eventType))
        .map((e) => (e.attributes as { identity?: string }).identity);
    expect(
      await identities(handle, [
        'WorkflowExecutionStarted',
        'WorkflowExecutionSignaled',
        'WorkflowExecutionCancelRequested',
      ]),
    ).toEqual(['ops-console@host-1', 'ops-console@host-1', 'ops-console@host-1']);
    expect(await identities(other, ['WorkflowExecutionUpdateAccepted', 'WorkflowExecutionTerminated'])).toEqual([
      'ops-console@host-1',
      'ops-console@host-1',
    ]);
  });

  it('signal-with-start carries it too; without one nothing changes', async () => {
    const client = new Client({ connection: ts.connection, identity: 'sws-client' });
    const handle = await client.workflow.signalWithStart('memoFlow', {
      taskQueue,
      workflowId: uid('identity-sws'),
      signal: advance,
    });
    await handle.result();
    const started = (await handle.fetchHistory()).events[0]!;
    expect((started.attributes as { identity?: string }).identity).toBe('sws-client');
    expect(new Client({ connection: ts.connection }).identity).toBeUndefined();
  });
});

describe('list().intoHistories()', () => {
  it('yields { workflowId, runId, history } for every listed run, which the replayer takes', async () => {
    const prefix = uid('histories');
    for (let i = 0; i < 3; i++)
      await ts.client.workflow.execute('triggers', { taskQueue, workflowId: `${prefix}-${i}` });
    const query = `WorkflowId STARTS_WITH '${prefix}' ORDER BY WorkflowId ASC`;
    const listed = ts.client.workflow.list({ query });
    const got: HistoryAndWorkflowId[] = [];
    for await (const h of listed.intoHistories({ concurrency: 2 })) got.push(h);
    expect(got.map((h) => h.workflowId)).toEqual([`${prefix}-0`, `${prefix}-1`, `${prefix}-2`]);
    expect(got.every((h) => h.history.events[0]?.eventType === 'WorkflowExecutionStarted')).toBe(true);
    const ids: string[] = [];
    for await (const e of listed) ids.push(e.workflowId); // the list itself still iterates
    expect(ids).toHaveLength(3);

    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath }, listed.intoHistories())) results.push(r);
    expect(results.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
    expect(() => listed.intoHistories({ concurrency: 0 })).toThrow(TypeError);
  });
});

describe('Connection: apiKey functions, setApiKey, connectTimeout', () => {
  const ADMIN = 'client-options-admin-key';
  const OTHER = 'client-options-other-key';
  let auth: TestServer;

  beforeAll(async () => {
    auth = await startTestServer({ apiKeys: [ADMIN, OTHER] });
  });
  afterAll(async () => {
    await auth?.stop();
  });

  const count = (connection: Connection) => new Client({ connection }).workflow.count();

  it('takes a function returning the key (or a promise of it), called for each request', async () => {
    let calls = 0;
    const connection = await Connection.connect({
      address: auth.server.address,
      apiKey: () => (++calls % 2 === 0 ? ADMIN : OTHER),
      connectTimeout: '5s',
    });
    await count(connection);
    await count(connection);
    expect(calls).toBe(2);
    const asyncKey = await Connection.connect({ address: auth.server.address, apiKey: async () => ADMIN });
    expect(await count(asyncKey)).toEqual({ count: 0 });
    await connection.close();
    await asyncKey.close();
  });

  it('setApiKey replaces the key for later requests; bad keys are refused', async () => {
    const connection = await Connection.connect({ address: auth.server.address, apiKey: ADMIN, connectTimeout: 2000 });
    await count(connection);
    connection.setApiKey('not-a-key');
    const err = await count(connection).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe('UNAUTHENTICATED');
    connection.setApiKey(async () => OTHER);
    await count(connection);
    expect(() => connection.setApiKey('')).toThrow(TypeError);
    connection.setApiKey(() => '');
    await expect(count(connection)).rejects.toThrow(/non-empty string/);
    await connection.close();
  });

  it('a connectTimeout that is not a duration is an InvalidDurationError', async () => {
    await expect(Connection.connect({ address: auth.server.address, connectTimeout: 'soon' })).rejects.toMatchObject({
      name: 'InvalidDurationError',
    });
  });
});
