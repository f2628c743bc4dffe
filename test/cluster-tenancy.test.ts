/**
 * Namespaces and API keys across servers on one PostgreSQL database: a key made on one server works on the
 * other, a key revoked on one stops working on the other within a second, a namespace created or deleted on one
 * is seen so by the other within a second.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, Connection } from '../src/client/index.js';
import { startTestServer, waitFor, type TestServer } from './helpers.js';
import { createTestDatabase, describePg, type TestDatabase } from '../src/store/postgres/test-pg.js';

const ADMIN = 'cluster-tenancy-static-admin';

await describePg('namespaces and API keys on two servers sharing a database', () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  let adminA: Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    [a, b] = await Promise.all([0, 1].map(() => startTestServer({ db: db.url, apiKeys: [ADMIN] })));
    adminA = new Client({ connection: await Connection.connect({ address: a!.server.address, apiKey: ADMIN }) });
  });
  afterAll(async () => {
    await adminA?.connection.close();
    await a?.stop().catch(() => undefined);
    await b?.stop().catch(() => undefined);
    await db?.drop();
  });

  const list = (server: TestServer, key: string, namespace = 'default') =>
    fetch(`${server.server.address}/api/v1/namespaces/${namespace}/workflows`, {
      headers: { authorization: `Bearer ${key}` },
    }).then((r) => r.status);

  it('a key made on one server works on the other at once; revoked on one, refused by the other within a second', async () => {
    const { key } = await adminA.apiKeys.create({ name: 'roaming-reader', role: 'reader', namespaces: ['*'] });
    expect(await list(b, key)).toBe(200); // unknown to b a moment ago: b reloads on a miss
    await adminA.apiKeys.revoke('roaming-reader');
    const revokedAt = Date.now();
    await waitFor(async () => (await list(b, key)) === 401, 5_000, 'server b to refuse the revoked key');
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
  });

  it('a namespace made on one server is usable on the other within a second; deleted, refused within a second', async () => {
    await adminA.namespaces.create({ name: 'crossing' });
    const madeAt = Date.now();
    await waitFor(async () => (await list(b, ADMIN, 'crossing')) === 200, 5_000, 'server b to know the namespace');
    expect(Date.now() - madeAt).toBeLessThan(1_500);
    await adminA.namespaces.delete('crossing');
    const deletedAt = Date.now();
    await waitFor(async () => (await list(b, ADMIN, 'crossing')) === 404, 5_000, 'server b to refuse it');
    expect(Date.now() - deletedAt).toBeLessThan(1_500);
  });
});
