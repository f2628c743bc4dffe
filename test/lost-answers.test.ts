/**
 * Waits that cannot hang: a long poll whose answer is lost on the way (a half-open connection, a dropped frame)
 * is given up after its bound and sent again (CallOptions.timeoutMs, used by result waits and worker polls), and a
 * result wait whose close notice went unheard (a stale cached run) finds the close in the store after one wait.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { ConnectionError, WorkflowFailedError } from '../src/client/index.js';
import { HttpTransport } from '../src/client/transport.js';
import { CHANNEL_PROTOCOL, type ChannelRequest } from '../src/protocol/channel.js';
import { startTestServer, uid, type TestServer } from './helpers.js';

/** A server that swallows the first `lost` requests (HTTP or channel frames) and answers the rest. */
async function lossyServer(lost: number): Promise<{
  address: string;
  requests: () => number;
  cancels: () => number;
  close(): Promise<void>;
}> {
  let requests = 0;
  let cancels = 0;
  const answer = { results: [] };
  const http: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      if (++requests <= lost) return; // never answered
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  const wss = new WebSocketServer({ server: http, handleProtocols: () => CHANNEL_PROTOCOL });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as ChannelRequest & { cancel?: number };
      if (f.cancel !== undefined) return void cancels++;
      if (++requests <= lost) return;
      ws.send(JSON.stringify({ id: f.id, status: 200, body: answer }));
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    address: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    requests: () => requests,
    cancels: () => cancels,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    },
  };
}

const wait = { params: { namespace: 'default' }, body: { runs: [{ workflowId: 'w' }], waitMs: 1000 } };

describe.each([
  ['over HTTP', false],
  ['over the channel', true],
])('a long poll whose answer is lost (%s)', (_, channel) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('is given up after timeoutMs with a ConnectionError (and, on the channel, cancelled)', async () => {
    const server = await lossyServer(Infinity);
    const transport = new HttpTransport(server.address, { channel });
    cleanups.push(
      () => transport.close(),
      () => server.close(),
    );
    const started = Date.now();
    const err = await transport
      .call('waitWorkflowResults', wait, { retryForMs: 0, timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(
      /no answer from the Weft server at .* within 300 ms \(waitWorkflowResults\)/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(server.requests()).toBe(1);
    if (channel) await expect.poll(() => server.cancels()).toBe(1);
  });

  it('is sent again when the call may retry, and the second answer is taken', async () => {
    const server = await lossyServer(1);
    const transport = new HttpTransport(server.address, { channel });
    cleanups.push(
      () => transport.close(),
      () => server.close(),
    );
    const res = await transport.call('waitWorkflowResults', wait, { retryForMs: 10_000, timeoutMs: 300 });
    expect(res).toEqual({ results: [] });
    expect(server.requests()).toBe(2);
  });

  it("the caller's own abort still ends the call with its reason, not a ConnectionError", async () => {
    const server = await lossyServer(Infinity);
    const transport = new HttpTransport(server.address, { channel });
    cleanups.push(
      () => transport.close(),
      () => server.close(),
    );
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stopped by the caller')), 100);
    const err = await transport
      .call('waitWorkflowResults', wait, { retryForMs: 0, timeoutMs: 5000, signal: ac.signal })
      .catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ConnectionError);
  });
});

describe('a result wait whose close notice went unheard', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ config: { resultWaitMs: 300 } });
  });
  afterAll(() => ts?.stop());

  /** Closes a run, then puts its running state back into the server's cache, as a lost notice would leave it. */
  async function closedBehindTheCache(): Promise<string> {
    const workflowId = uid('unheard');
    const handle = await ts.client.workflow.start('noSuchWorkerServesThis', { taskQueue: uid('tq'), workflowId });
    const { cache } = ts.server.context;
    const running = await cache.getCommitted(handle.firstExecutionRunId);
    await handle.terminate('closed elsewhere');
    cache.put(handle.firstExecutionRunId, { state: { ...running.state, status: 'Running' }, version: running.version });
    return workflowId;
  }

  it('result() (one wait for many runs) answers the close after one wait, from the store', async () => {
    const workflowId = await closedBehindTheCache();
    const err = await ts.client.workflow
      .getHandle(workflowId)
      .result()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
  });

  it('the single-run result route does too, and the cache holds the close from then on', async () => {
    const workflowId = await closedBehindTheCache();
    const res = await fetch(`${ts.server.address}/api/v1/namespaces/default/workflows/${workflowId}/result?waitMs=200`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'Terminated' });
    expect((await ts.client.workflow.getHandle(workflowId).describe()).status.name).toBe('TERMINATED');
  });
});
