/**
 * The codec server (`weft/codec-server`, Temporal's `POST /encode` and `POST /decode`): round trips, CORS for the
 * web UI, bad input answered 4xx with a JSON error (the server keeps serving), `RemotePayloadCodec` as a client's
 * codec, and the CLI's `--codec-endpoint` showing decoded payloads that are stored encrypted.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'weft/client';
import { RemotePayloadCodec, startCodecServer, type CodecServer } from 'weft/codec-server';
import { EncryptionCodec } from '../examples/encryption/codec.js';
import * as activities from './fixtures/codec-activities.js';
import { codecWaiter, note } from './fixtures/codec-workflows.js';
import { runWeft } from './cli-runner.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

const SECRET = 'codec-server-secret-91b2';
const TQ = 'it-codec-server';
const codec = new EncryptionCodec([{ id: 'k1', key: randomBytes(32) }]);
const dataConverter = { payloadCodecs: [codec] };
const UI = 'http://127.0.0.1:7411';

let codecServer: CodecServer;
let open: CodecServer;
let ts: TestServer;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  codecServer = await startCodecServer({
    codecs: [codec],
    allowedOrigins: [UI],
    maxBodyBytes: 64 * 1024,
    authorize: ({ headers }) => {
      if (headers.authorization === 'Bearer broken') throw new Error('the authorizer broke');
      return headers.authorization !== 'Bearer nobody';
    },
  });
  open = await startCodecServer({ codecs: [codec] });
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, {
    taskQueue: TQ,
    workflowsPath: fixture('codec-workflows.ts'),
    activities,
    dataConverter,
  }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
  await codecServer?.stop();
  await open?.stop();
});

const json = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');
const plainPayload = (v: unknown) => ({
  metadata: { encoding: Buffer.from('json/plain').toString('base64') },
  data: json(v),
});

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  base = codecServer.address,
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('codec server', () => {
  it('encodes and decodes payloads in Temporal codec-server JSON', async () => {
    const payload = plainPayload({ secret: SECRET });
    const enc = await post('/encode', { payloads: [payload, plainPayload(1)] });
    expect(enc.status).toBe(200);
    expect(enc.body.payloads).toHaveLength(2);
    const encoding = Buffer.from(enc.body.payloads[0].metadata.encoding, 'base64').toString();
    expect(encoding).toBe('binary/encrypted');
    expect(Buffer.from(enc.body.payloads[0].metadata['encryption-key-id'], 'base64').toString()).toBe('k1');
    expect(JSON.stringify(enc.body)).not.toContain(json({ secret: SECRET }));
    const dec = await post('/decode', { payloads: enc.body.payloads }, { 'x-namespace': 'default' });
    expect(dec.status).toBe(200);
    expect(dec.body.payloads[0]).toEqual(payload);
    // a payload that is not encrypted passes through decode; an empty list is an empty list
    expect((await post('/decode', { payloads: [payload] })).body.payloads).toEqual([payload]);
    expect((await post('/decode', { payloads: [] })).body).toEqual({ payloads: [] });
  });

  it('answers CORS preflights; allows listed origins with credentials, any origin when none are listed', async () => {
    const pre = await fetch(`${codecServer.address}/decode`, {
      method: 'OPTIONS',
      headers: { origin: UI, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-namespace' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(UI);
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-namespace');
    const other = await post('/decode', { payloads: [] }, { origin: 'https://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const any = await post('/decode', { payloads: [] }, { origin: 'https://anywhere.example' }, open.address);
    expect(any.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('answers bad input with a 4xx JSON error and keeps serving', async () => {
    const cases: Array<[string, unknown, number, string, Record<string, string>?]> = [
      ['/decode', '{not json', 400, 'INVALID_JSON'],
      ['/decode', 'null', 400, 'INVALID_ARGUMENT'],
      ['/decode', { payloads: 'x' }, 400, 'INVALID_ARGUMENT'],
      ['/decode', { payloads: [42] }, 400, 'INVALID_ARGUMENT'],
      ['/decode', { payloads: [{ metadata: { encoding: 7 } }] }, 400, 'INVALID_ARGUMENT'],
      ['/decode', { payloads: [{ metadata: {}, data: 'not base64!' }] }, 400, 'INVALID_ARGUMENT'],
      ['/encode', { payloads: [{ metadata: [] }] }, 400, 'INVALID_ARGUMENT'],
      ['/elsewhere', { payloads: [] }, 404, 'NOT_FOUND'],
      ['/decode', { payloads: [] }, 403, 'PERMISSION_DENIED', { authorization: 'Bearer nobody' }],
      ['/decode', { payloads: [] }, 500, 'INTERNAL', { authorization: 'Bearer broken' }],
      ['/decode', { payloads: ['x'.repeat(70 * 1024)] }, 413, 'PAYLOAD_TOO_LARGE'],
    ];
    for (const [path, body, status, code, headers] of cases) {
      const r = await post(path, body, headers);
      expect([path, JSON.stringify(body).slice(0, 60), r.status, r.body?.error?.code]).toEqual([
        path,
        JSON.stringify(body).slice(0, 60),
        status,
        code,
      ]);
      expect(typeof r.body.error.message).toBe('string');
    }
    // a payload encrypted with a key this server does not have
    const stranger = new EncryptionCodec([{ id: 'k9', key: randomBytes(32) }]);
    const [foreign] = await stranger.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('1') },
    ]);
    const metadata = Object.fromEntries(
      Object.entries(foreign!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    const unknownKey = await post('/decode', {
      payloads: [{ metadata, data: Buffer.from(foreign!.data!).toString('base64') }],
    });
    expect(unknownKey.status).toBe(422);
    expect(unknownKey.body.error).toMatchObject({ code: 'CODEC_FAILED', message: expect.stringContaining('k9') });
    const get = await fetch(`${codecServer.address}/decode`);
    expect(get.status).toBe(405);
    // a body cut off half way
    const { port } = new URL(codecServer.address);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write('POST /decode HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\n{"payloads":');
        setTimeout(() => socket.destroy(), 50);
      });
      socket.on('close', () => resolve());
    });
    // still serving
    expect((await post('/decode', { payloads: [] })).status).toBe(200);
  });

  it('RemotePayloadCodec: a client whose codec is the codec server reads what the worker encrypted', async () => {
    const client = new Client({
      connection: ts.connection,
      dataConverter: { payloadCodecs: [new RemotePayloadCodec({ endpoint: codecServer.address })] },
    });
    const handle = await client.workflow.start(codecWaiter, {
      taskQueue: TQ,
      workflowId: uid('remote'),
      args: [SECRET],
    });
    await handle.signal(note, 'go');
    expect(await handle.result()).toEqual({ secret: SECRET, received: ['go'] });
    const refused = new RemotePayloadCodec({
      endpoint: codecServer.address,
      headers: { authorization: 'Bearer nobody' },
    });
    await expect(refused.decode([{ metadata: {} }])).rejects.toThrow(/403.*not allowed to decode/);
  });
});

describe('weft workflow ... --codec-endpoint', () => {
  it('shows the payloads decoded by the codec server; without it they stay ciphertext', async () => {
    const client = new Client({ connection: ts.connection, dataConverter });
    const workflowId = uid('cli-codec');
    const handle = await client.workflow.start(codecWaiter, {
      taskQueue: TQ,
      workflowId,
      args: [{ secret: SECRET }],
      memo: { note: SECRET },
    });
    const weft = (args: string[]) => runWeft(ts.server.address, ['workflow', ...args, '-w', workflowId]);
    const withCodec = ['--codec-endpoint', codecServer.address];

    const query = await weft([
      'query',
      '--name',
      'notes',
      '--input',
      JSON.stringify({ q: SECRET }),
      '-o',
      'json',
      ...withCodec,
    ]);
    expect(query.code).toBe(0);
    expect(JSON.parse(query.stdout).result).toEqual([{ secret: SECRET }, { q: SECRET }]);

    const described = await weft(['describe', '-o', 'json', ...withCodec]);
    expect(JSON.parse(described.stdout).execution.memo).toEqual({ note: SECRET });
    expect((await weft(['describe', '-o', 'json'])).stdout).not.toContain(SECRET);

    await handle.signal(note, { signalled: SECRET });
    const result = await weft(['result', '-o', 'json', ...withCodec]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).result).toEqual({
      secret: { secret: SECRET },
      received: [{ signalled: SECRET }],
      memo: { note: SECRET },
    });
    const plainResult = await weft(['result', '-o', 'json']);
    expect(plainResult.stdout).not.toContain(SECRET);
    expect(JSON.parse(plainResult.stdout).result).toMatchObject({ $weft: 'payload' });

    const history = await weft(['history', '-o', 'json', ...withCodec]);
    const events = JSON.parse(history.stdout).events as Array<{ eventType: string; attributes: any }>;
    expect(events[0]!.attributes.input).toEqual([{ secret: SECRET }]);
    expect(events.find((e) => e.eventType === 'WorkflowExecutionSignaled')!.attributes.input).toEqual([
      { signalled: SECRET },
    ]);
    const table = await weft(['history', ...withCodec]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(SECRET);
    expect((await weft(['history', '-o', 'json'])).stdout).not.toContain(SECRET);
  });

  it('weft schedule describe --codec-endpoint shows the action arguments and memo decoded', async () => {
    const client = new Client({ connection: ts.connection, dataConverter });
    const scheduleId = uid('cli-codec-schedule');
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: {
        type: 'startWorkflow',
        workflowType: 'codecWaiter',
        taskQueue: TQ,
        args: [{ secret: SECRET }],
        memo: { note: SECRET },
      },
    });
    const describe = (extra: string[]) =>
      runWeft(ts.server.address, ['schedule', 'describe', '--schedule-id', scheduleId, '-o', 'json', ...extra]);
    const plain = await describe([]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain(SECRET);
    const decoded = await describe(['--codec-endpoint', codecServer.address]);
    expect(decoded.code).toBe(0);
    expect(decoded.stdout).toContain(SECRET);
    const shown = JSON.stringify(JSON.parse(decoded.stdout));
    expect(shown).toContain(JSON.stringify({ secret: SECRET }));
    expect(shown).toContain(JSON.stringify({ note: SECRET }));
    await client.schedule.getHandle(scheduleId).delete();
  });

  it('a bad or unreachable --codec-endpoint is an error', async () => {
    const bad = await runWeft(ts.server.address, ['workflow', 'describe', '-w', 'x', '--codec-endpoint', 'ftp://h']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--codec-endpoint');
    const client = new Client({ connection: ts.connection, dataConverter });
    const workflowId = uid('cli-codec-down');
    await client.workflow.start(codecWaiter, { taskQueue: TQ, workflowId, args: [SECRET] });
    const down = await runWeft(ts.server.address, [
      'workflow',
      'history',
      '-w',
      workflowId,
      '--codec-endpoint',
      'http://127.0.0.1:1',
    ]);
    expect(down.code).not.toBe(0);
    expect(down.stderr).toContain('codec server');
  });
});
