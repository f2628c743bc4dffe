/**
 * The streaming channel (src/client/channel.ts, src/server/api/channel.ts, docs/channel.md): a connection's calls
 * go over one WebSocket, answered and failed exactly as the HTTP routes answer; without a channel (an older
 * server, the channel off, a refused key) calls go over HTTP as before; the frames' protocol and its bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Client, Connection, ServiceError } from '../src/client/index.js';
import type { HttpTransport, Transport } from '../src/client/transport.js';
import { exchange, rawRequest } from './raw-http.js';
import { CHANNEL_PATH, CHANNEL_PROTOCOL, type ChannelAnswer } from '../src/protocol/channel.js';
import {
  fixture,
  httpRequestsDuring,
  metric,
  startTestServer,
  startWorker,
  uid,
  upgradeRefusal,
  waitFor,
  type TestServer,
} from './helpers.js';

const transportOf = (c: Connection): HttpTransport =>
  (c.transport as unknown as { inner: Transport }).inner as HttpTransport;

/** The error a call ends in, as code, status and message. */
async function failure(p: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ServiceError)) throw e;
    return { code: e.code, status: e.status, message: e.message };
  }
  throw new Error('expected the call to fail');
}

describe('calls over the channel', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ config: { resultWaitMs: 5000 } });
  });
  afterAll(() => ts?.stop());

  it('a worker and a client run sequential workflows with no HTTP request; the server counts the frames', async () => {
    const connection = await Connection.connect({ address: ts.server.address });
    const client = new Client({ connection });
    const w = await startWorker(
      { connection },
      {
        taskQueue: 'channel-seq',
        workflowsPath: fixture('workflows.ts'),
        activities: await import('./fixtures/activities.js'),
      },
    );
    try {
      const before = await metric(ts.server.address, 'weft_channel_requests_total');
      let results: number[] = [];
      const paths = await httpRequestsDuring(async () => {
        // the first call opens the channel; after it, polls, completions, starts and results are frames
        await client.workflow.count();
        const handles = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            client.workflow.start('sequential', { taskQueue: 'channel-seq', workflowId: uid('ch'), args: [i] }),
          ),
        );
        results = await Promise.all(handles.map((h) => h.result()));
      });
      expect(results).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * 2 + 1));
      expect(paths).toEqual([]);
      expect(transportOf(connection).channel?.isOpen).toBe(true);
      // count, the batched starts, result waits, polls and (batched) completions
      expect((await metric(ts.server.address, 'weft_channel_requests_total')) - before).toBeGreaterThanOrEqual(5);
      expect(await metric(ts.server.address, 'weft_channels_open')).toBeGreaterThanOrEqual(1);
    } finally {
      await w.stop();
      await connection.close();
    }
  });

  it('fails each call with the error HTTP answers: same code, status and message', async () => {
    const overChannel = await Connection.connect({ address: ts.server.address });
    const overHttp = await Connection.connect({ address: ts.server.address, channel: false });
    try {
      const cases: Array<(t: Transport) => Promise<unknown>> = [
        (t) => t.call('describeWorkflow', { params: { namespace: 'default', workflowId: 'no-such-workflow' } }),
        (t) => t.call('startWorkflow', { params: { namespace: 'default' }, body: { workflowType: 'x' } }),
        (t) => t.call('describeWorkflow', { params: { namespace: 'no-such-namespace', workflowId: 'w' } }),
        (t) => t.call('listWorkflows', { params: { namespace: 'default' }, query: { query: 'Nope = 1' } }),
        (t) => t.call('listWorkflows', { params: { namespace: 'default' }, query: { pageSize: -1 } }),
      ];
      for (const call of cases) {
        const viaChannel = await failure(call(overChannel.transport));
        const viaHttp = await failure(call(overHttp.transport));
        expect(viaChannel).toEqual(viaHttp);
        expect(viaChannel.status).toBeGreaterThanOrEqual(400);
      }
      expect(transportOf(overChannel).channel?.isOpen).toBe(true);
    } finally {
      await overChannel.close();
      await overHttp.close();
    }
  });

  it("a call's abort signal ends its long poll at once, and the channel goes on", async () => {
    const connection = await Connection.connect({ address: ts.server.address });
    const client = new Client({ connection });
    try {
      const handle = await client.workflow.start('nobody', { taskQueue: 'no-worker', workflowId: uid('abort') });
      const ac = new AbortController();
      const waiting = connection.withAbortSignal(ac.signal, () => handle.result());
      await new Promise((r) => setTimeout(r, 100));
      const t0 = Date.now();
      ac.abort(new Error('enough'));
      const err = await waiting.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).code).toBe('CANCELLED');
      expect(Date.now() - t0).toBeLessThan(1000);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(transportOf(connection).channel?.isOpen).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it('a poll cancelled over the channel takes no task: the next poller gets it', async () => {
    const ws = await openRaw(ts.server.address);
    try {
      const taskQueue = uid('tq');
      const poll = { identity: 'raw', maxWorkflowTasks: 1, maxActivityTasks: 0, timeoutMs: 30_000 };
      ws.send(JSON.stringify({ id: 1, op: 'pollTasks', params: { namespace: 'default', taskQueue }, body: poll }));
      await new Promise((r) => setTimeout(r, 100));
      ws.send(JSON.stringify({ cancel: 1 }));
      await new Promise((r) => setTimeout(r, 100));
      // were the cancelled poll still waiting, the start's task would go to it (and wait for its timeout)
      const handle = await ts.client.workflow.start('hello', {
        taskQueue,
        workflowId: uid('cancelled-poll'),
        args: ['x'],
      });
      const w = await startWorker(ts, {
        taskQueue,
        workflowsPath: fixture('workflows.ts'),
        activities: await import('./fixtures/activities.js'),
      });
      try {
        const t0 = Date.now();
        await handle.result();
        expect(Date.now() - t0).toBeLessThan(5000);
      } finally {
        await w.stop();
      }
    } finally {
      ws.close();
    }
  });
});

describe('without a channel', () => {
  it('a server with the channel off: calls go over HTTP, the client never tries it again', async () => {
    const ts = await startTestServer({ config: { channel: false } });
    try {
      const connection = await Connection.connect({ address: ts.server.address });
      const client = new Client({ connection });
      const handle = await client.workflow.start('nobody', { taskQueue: 'q', workflowId: uid('nochannel') });
      expect((await handle.describe()).status.name).toBe('RUNNING');
      const channel = transportOf(connection).channel!;
      expect(channel.unsupported).toBe(true);
      expect(channel.isOpen).toBe(false);
      const paths = await httpRequestsDuring(() => handle.describe());
      expect(paths).toHaveLength(1);
      await connection.close();
    } finally {
      await ts.stop();
    }
  });

  it('API keys: no channel without a valid key (the HTTP answer says why); a revoked key stops its channel', async () => {
    const ADMIN = 'static-admin-secret-for-channel-tests';
    const ts = await startTestServer({ apiKeys: [ADMIN] });
    try {
      const anonymous = await Connection.connect({ address: ts.server.address });
      const err = await failure(new Client({ connection: anonymous }).workflow.count());
      expect(err).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
      expect(transportOf(anonymous).channel?.isOpen).toBe(false);
      await anonymous.close();

      const admin = new Client({ connection: await Connection.connect({ address: ts.server.address, apiKey: ADMIN }) });
      const made = await admin.apiKeys.create({ name: uid('ch-key'), role: 'reader', namespaces: ['default'] });
      const other = await admin.apiKeys.create({ name: uid('ch-other'), role: 'reader', namespaces: ['default'] });
      const reader = await Connection.connect({ address: ts.server.address, apiKey: made.key });
      const caller = (c: Connection): Promise<{ name: string }> => c.transport.call('describeCaller', { params: {} });
      expect((await caller(reader)).name).toBe(made.apiKey.name);
      expect(transportOf(reader).channel?.isOpen).toBe(true);
      // another key: a new channel opened with it
      reader.setApiKey(other.key);
      expect((await caller(reader)).name).toBe(other.apiKey.name);
      await admin.apiKeys.revoke(other.apiKey.name);
      expect(await failure(caller(reader))).toMatchObject({ code: 'UNAUTHENTICATED', status: 401 });
      await reader.close();
      await admin.connection.close();
    } finally {
      await ts.stop();
    }
  });
});

describe('the frames (docs/channel.md)', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(() => ts?.stop());

  it('refuses another protocol version with 400 and the versions it speaks, and another path with 404', async () => {
    const refused = await upgradeRefusal(ts.server.address, CHANNEL_PATH, 'weft.channel.v99');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: { code: 'INVALID_ARGUMENT', details: { supported: [CHANNEL_PROTOCOL] } },
    });
    expect(refused.body.error.message).toContain('weft.channel.v99');
    const elsewhere = await upgradeRefusal(ts.server.address, '/api/v1/elsewhere', CHANNEL_PROTOCOL);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('answers a request asking for another upgrade (curl --http2: h2c) as a plain request; one with a body: 400', async () => {
    const upgrade = {
      Connection: 'Upgrade, HTTP2-Settings',
      Upgrade: 'h2c',
      'HTTP2-Settings': 'AAMAAABkAAQCAAAAAAIAAAAA',
    };
    const get = await exchange(ts.server.port, [rawRequest('GET', '/healthz', upgrade)]);
    expect(get.responses[0]?.status).toBe(200);
    expect(JSON.parse(get.responses[0]!.body)).toMatchObject({ status: 'ok' });
    const post = await exchange(ts.server.port, [
      rawRequest(
        'POST',
        '/api/v1/namespaces/default/workflow-count',
        { ...upgrade, 'Content-Type': 'application/json' },
        '{}',
      ),
    ]);
    expect(post.responses[0]?.status).toBe(400);
    expect(JSON.parse(post.responses[0]!.body)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(post.closed).toBe(true);
  });

  it('answers each request by id; an unknown operation and bad input are errors of that request', async () => {
    const ws = await openRaw(ts.server.address);
    try {
      const answers = collect(ws);
      ws.send(JSON.stringify({ id: 1, op: 'noSuchOperation' }));
      ws.send(JSON.stringify({ id: 2, op: 'describeWorkflow', params: { namespace: 'default', workflowId: 'none' } }));
      ws.send(JSON.stringify({ id: 3, op: 'startWorkflow', params: { namespace: 'default' }, body: { bad: true } }));
      ws.send(JSON.stringify({ id: 4, op: 'countWorkflows', params: { namespace: 'default' } }));
      await waitFor(() => answers.size === 4, 5000, 'four answers');
      expect(answers.get(1)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
      expect(answers.get(2)).toMatchObject({ status: 404, body: { error: { code: 'WORKFLOW_NOT_FOUND' } } });
      expect(answers.get(3)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_ARGUMENT' } } });
      expect(answers.get(4)).toMatchObject({ status: 200, body: { count: expect.any(Number) } });
    } finally {
      ws.close();
    }
  });

  it.each([
    ['a frame that is not JSON', 'not json', 1007],
    ['a JSON array', '[1]', 1007],
    ['a request without an id', JSON.stringify({ op: 'countWorkflows' }), 1008],
    ['a request whose id is not a positive integer', JSON.stringify({ id: 1.5, op: 'countWorkflows' }), 1008],
  ])('closes the channel on %s, with the reason', async (_what, frame, code) => {
    const ws = await openRaw(ts.server.address);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (c, r) => resolve({ code: c, reason: r.toString() })),
    );
    ws.send(frame);
    const c = await closed;
    expect(c.code).toBe(code);
    expect(c.reason.length).toBeGreaterThan(0);
  });

  it('closes the channel on a request id used again while the first is in flight', async () => {
    const ws = await openRaw(ts.server.address);
    const closed = new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    const poll = { identity: 'raw', maxWorkflowTasks: 1, maxActivityTasks: 0, timeoutMs: 10_000 };
    const frame = JSON.stringify({
      id: 7,
      op: 'pollTasks',
      params: { namespace: 'default', taskQueue: uid('q') },
      body: poll,
    });
    ws.send(frame);
    ws.send(frame);
    expect(await closed).toBe(1008);
  });
});

/** A raw channel to the server, open. */
async function openRaw(address: string): Promise<WebSocket> {
  const ws = new WebSocket(address.replace(/^http/, 'ws') + CHANNEL_PATH, CHANNEL_PROTOCOL);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

/** The answers a raw channel receives, by request id. */
function collect(ws: WebSocket): Map<number, ChannelAnswer> {
  const answers = new Map<number, ChannelAnswer>();
  ws.on('message', (data) => {
    const a = JSON.parse(String(data)) as ChannelAnswer;
    answers.set(a.id, a);
  });
  return answers;
}
