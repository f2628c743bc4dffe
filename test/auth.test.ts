/**
 * API keys and roles (docs/security.md): every route of the OpenAPI document against every role, a key for
 * another namespace, no key, a wrong or revoked key; the key's name as the identity in history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../src/client/index.js';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';
import { EXPECTED } from './role-table.js';

const ADMIN = 'static-admin-secret-for-tests';
let ts: TestServer;
let admin: Client;
const keys: Record<string, string> = {};

const ROLES = ['reader', 'writer', 'worker', 'admin'] as const;

async function call(
  method: string,
  path: string,
  key: string | undefined,
  body?: unknown,
): Promise<{ status: number; json: { error?: { code: string; message: string } } & Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers['authorization'] = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${ts.server.address}${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('json') && text ? (JSON.parse(text) as never) : {};
  return { status: res.status, json: json as never };
}

const PARAMS: Record<string, string> = {
  workflowId: 'wf-none',
  scheduleId: 'sched-none',
  taskQueue: 'tq-none',
  updateId: 'upd-none',
  keyId: 'no-such-key',
};
const fill = (path: string, namespace: string): string =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'namespace' ? namespace : PARAMS[name]!));

beforeAll(async () => {
  ts = await startTestServer({
    apiKeys: [ADMIN],
    config: { pollTimeoutMs: 200, resultWaitMs: 200, queryTimeoutMs: 200 },
  });
  admin = new Client({ connection: await Connection.connect({ address: ts.server.address, apiKey: ADMIN }) });
  await admin.namespaces.create({ name: 'a', description: 'team a' });
  await admin.namespaces.create({ name: 'b' });
  for (const role of ROLES)
    keys[role] = (await admin.apiKeys.create({ name: `${role}-a`, role, namespaces: ['a'] })).key;
  // a running workflow in each namespace (no worker: it waits), so neither can be deleted by the table below
  for (const namespace of ['a', 'b'])
    await call('POST', `/api/v1/namespaces/${namespace}/workflows`, ADMIN, {
      workflowId: 'keep-me',
      workflowType: 'nobody',
      taskQueue: 'nowhere',
    });
});
afterAll(async () => {
  await admin?.connection.close();
  await ts?.stop();
});

describe('roles against every route of the OpenAPI document', () => {
  it('the expectations cover exactly the documented operations', async () => {
    const doc = (await call('GET', '/api/v1/openapi.json', ADMIN)).json as unknown as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const ids = Object.values(doc.paths)
      .flatMap((ops) => Object.values(ops).map((o) => o.operationId))
      .filter((id): id is string => id !== undefined)
      .sort();
    expect(ids).toEqual(Object.keys(EXPECTED).sort());
  });

  it('each role may call what it is allowed, and gets 403 PERMISSION_DENIED for the rest', async () => {
    const doc = (await call('GET', '/api/v1/openapi.json', ADMIN)).json as unknown as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const problems: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const id = op.operationId;
        if (!id) continue;
        const hasBody = method === 'post' || method === 'put';
        for (const role of ROLES) {
          const allowed = EXPECTED[id]!.includes(role);
          const r = await call(method.toUpperCase(), fill(path, 'a'), keys[role], hasBody ? {} : undefined);
          const denied = r.status === 403 && r.json.error?.code === 'PERMISSION_DENIED';
          if (r.status >= 500 || r.status === 401) problems.push(`${role} ${id}: ${r.status} ${r.json.error?.code}`);
          else if (allowed === denied) problems.push(`${role} ${id}: ${allowed ? 'denied' : `allowed (${r.status})`}`);
          // a key for namespace a gets nothing of namespace b, allowed role or not
          if (path.includes('{namespace}')) {
            const other = await call(method.toUpperCase(), fill(path, 'b'), keys[role], hasBody ? {} : undefined);
            if (other.status !== 403) problems.push(`${role} ${id} in b: ${other.status} ${other.json.error?.code}`);
          }
        }
        // the admin key for every namespace may do it all ('admin*' included)
        if (EXPECTED[id]!.includes('admin*')) {
          const r = await call(method.toUpperCase(), fill(path, 'zz-none'), ADMIN, hasBody ? {} : undefined);
          if (r.status === 403 || r.status === 401 || r.status >= 500)
            problems.push(`admin* ${id}: ${r.status} ${r.json.error?.code}`);
        }
      }
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('no key, a malformed, unknown or wrong key: 401 UNAUTHENTICATED on every route but health and the UI', async () => {
    const good = keys['reader']!;
    const wrongSecret = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const key of [undefined, '', 'nonsense', 'weft_0000000000000000_' + 'A'.repeat(43), wrongSecret]) {
      for (const [method, path] of [
        ['GET', '/api/v1/namespaces/a/workflows'],
        ['GET', '/api/v1/namespaces/a/workflows/bad%20id!'],
        ['POST', '/api/v1/namespaces/a/workflows'],
        ['GET', '/api/v1/namespaces'],
        ['GET', '/api/v1/openapi.json'],
        ['GET', '/metrics'],
      ] as const) {
        const r = await call(method, path, key, method === 'POST' ? { not: 'valid' } : undefined);
        expect([r.status, r.json.error?.code], `${method} ${path} with ${key}`).toEqual([401, 'UNAUTHENTICATED']);
      }
    }
    expect((await fetch(`${ts.server.address}/healthz`)).status).toBe(200);
    expect((await fetch(`${ts.server.address}/readyz`)).status).toBe(200);
  });

  it('metrics need a key for every namespace', async () => {
    expect((await call('GET', '/metrics', keys['admin'])).status).toBe(403);
    expect((await call('GET', '/metrics', ADMIN)).status).toBe(200);
  });
});

describe('keys', () => {
  it('are listed without secrets; a revoked key stops working at once', async () => {
    const made = await admin.apiKeys.create({ name: uid('temp'), role: 'reader', namespaces: ['*'] });
    expect(made.key).toMatch(/^weft_[a-z0-9]{16}_/);
    const listed = await admin.apiKeys.list();
    expect(listed.find((k) => k.name === made.apiKey.name)).toMatchObject({ role: 'reader', namespaces: ['*'] });
    expect(JSON.stringify(listed)).not.toContain(made.key.slice('weft_'.length + 17));
    expect((await call('GET', '/api/v1/namespaces/b/workflows', made.key)).status).toBe(200);
    const who = new Client({ connection: await Connection.connect({ address: ts.server.address, apiKey: made.key }) });
    expect(await who.apiKeys.whoAmI()).toEqual({
      authEnabled: true,
      name: made.apiKey.name,
      role: 'reader',
      namespaces: ['*'],
    });
    const revoked = await admin.apiKeys.revoke(made.apiKey.name);
    expect(revoked.revokedAt).toBeDefined();
    const r = await call('GET', '/api/v1/namespaces/b/workflows', made.key);
    expect([r.status, r.json.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(r.json.error?.message).toContain('revoked');
    await who.connection.close();
  });

  it('bad key requests are 4xx: a taken name, a bad role, no namespaces, an unknown key to revoke', async () => {
    for (const body of [
      { name: 'reader-a', role: 'reader', namespaces: ['a'] },
      { name: 'x', role: 'root', namespaces: ['a'] },
      { name: 'x', role: 'reader', namespaces: [] },
      { name: 'bad name!', role: 'reader', namespaces: ['a'] },
      { name: 'x', role: 'reader', namespaces: ['no spaces allowed'] },
    ]) {
      const r = await call('POST', '/api/v1/api-keys', ADMIN, body);
      expect(r.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    const r = await call('POST', '/api/v1/api-keys/nobody/revoke', ADMIN);
    expect([r.status, r.json.error?.code]).toEqual([404, 'API_KEY_NOT_FOUND']);
  });

  it("the key's name is the identity of what it does in history", async () => {
    const writer = new Client({
      connection: await Connection.connect({ address: ts.server.address, apiKey: keys['writer'] }),
      namespace: 'a',
    });
    const workflowId = uid('identity');
    const h = await writer.workflow.start('nobody', { taskQueue: 'nowhere', workflowId });
    await h.signal('poke', 1);
    await h.terminate('done');
    const { events } = await h.fetchHistory();
    const identities = events
      .filter((e) =>
        ['WorkflowExecutionStarted', 'WorkflowExecutionSignaled', 'WorkflowExecutionTerminated'].includes(e.eventType),
      )
      .map((e) => (e.attributes as { identity?: string }).identity);
    expect(identities).toEqual(['writer-a', 'writer-a', 'writer-a']);
    // starts sent together (one startWorkflows request) record the key's name too, whatever their bodies say
    const batch = await Promise.all(
      [1, 2, 3].map((i) => writer.workflow.start('nobody', { taskQueue: 'nowhere', workflowId: uid(`identity-${i}`) })),
    );
    for (const b of batch) {
      const started = (await b.fetchHistory()).events[0]!;
      expect((started.attributes as { identity?: string }).identity).toBe('writer-a');
      await b.terminate('done');
    }
    await writer.connection.close();
  });

  it('a worker with a worker key runs workflows a writer key starts; a reader key reads the result', async () => {
    const as = async (role: string) => Connection.connect({ address: ts.server.address, apiKey: keys[role] });
    const workerConnection = await as('worker');
    const worker = await startWorker(
      { connection: workerConnection },
      { namespace: 'a', taskQueue: 'auth-q', workflowsPath: fixture('workflows.ts'), activities },
    );
    const writer = new Client({ connection: await as('writer'), namespace: 'a' });
    const reader = new Client({ connection: await as('reader'), namespace: 'a' });
    try {
      const h = await writer.workflow.start('sequential', {
        taskQueue: 'auth-q',
        workflowId: uid('auth-seq'),
        args: [2],
      });
      expect(await reader.workflow.getHandle(h.workflowId).result()).toBe(7);
      await expect(
        reader.workflow.start('sequential', { taskQueue: 'auth-q', workflowId: uid('no') }),
      ).rejects.toMatchObject({
        code: 'PERMISSION_DENIED',
      });
      // the worker's key may not start workflows either
      const asWorker = new Client({ connection: workerConnection, namespace: 'a' });
      await expect(
        asWorker.workflow.start('sequential', { taskQueue: 'auth-q', workflowId: uid('no') }),
      ).rejects.toMatchObject({
        code: 'PERMISSION_DENIED',
      });
      const running = await writer.workflow.start('nobody', { taskQueue: 'nowhere', workflowId: uid('to-cancel') });
      await running.cancel();
      const { events } = await running.fetchHistory();
      const cancel = events.find((e) => e.eventType === 'WorkflowExecutionCancelRequested');
      expect((cancel?.attributes as { identity?: string }).identity).toBe('writer-a');
      await running.terminate();
    } finally {
      await worker.stop();
      await workerConnection.close();
      await writer.connection.close();
      await reader.connection.close();
    }
  });
});
