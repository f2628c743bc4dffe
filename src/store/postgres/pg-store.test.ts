import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { describeStoreConformance } from '../conformance.js';
import { describeVisibilityBruteForce } from '../conformance-visibility-brute-force.js';
import { PgStore } from './pg-store.js';
import { createTestDatabase, describePg } from './test-pg.js';

await describePg('PostgreSQL store', () => {
  describeStoreConformance('postgres', async () => {
    const db = await createTestDatabase();
    return {
      store: new PgStore({ url: db.url, poolSize: 4 }),
      reopen: async () => new PgStore({ url: db.url, poolSize: 4 }),
      cleanup: () => db.drop(),
    };
  });
});

await describePg('PostgreSQL visibility', () => {
  describeVisibilityBruteForce('PostgreSQL', async () => {
    const db = await createTestDatabase();
    return { store: new PgStore({ url: db.url, poolSize: 4 }), cleanup: () => db.drop() };
  });
});

await describePg('PostgreSQL store: migrations and readiness', () => {
  describe('migrations', () => {
    it('servers starting together migrate once (advisory lock); a missing migration makes the store not ready', async () => {
      const db = await createTestDatabase();
      const stores = [0, 1, 2].map(() => new PgStore({ url: db.url, poolSize: 2 }));
      try {
        await Promise.all(stores.map((s) => s.init()));
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          const { rows } = await client.query<{ version: number; n: string }>(
            'SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version',
          );
          expect(rows.length).toBeGreaterThanOrEqual(2);
          expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
          for (const s of stores) await s.ready();
          expect((await stores[0]!.migrate()).applied).toEqual([]);
          await client.query(
            'DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)',
          );
          await expect(stores[1]!.ready()).rejects.toThrow(/lacks migrations \d+ \(\w+\)/);
        } finally {
          await client.end();
        }
      } finally {
        for (const s of stores) await s.close();
        await db.drop();
      }
    });

    it('a database that does not answer is StoreUnavailableError, never a hang', async () => {
      const store = new PgStore({ url: 'postgres://postgres@127.0.0.1:1/none', poolSize: 1 });
      await expect(store.init()).rejects.toMatchObject({ name: 'StoreUnavailableError' });
      await store.close();
    });
  });
});
