import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeStoreConformance } from '../conformance.js';
import { describeVisibilityBruteForce } from '../conformance-visibility-brute-force.js';
import { PgStore } from './pg-store.js';
import { createTestDatabase, describePg, type TestDatabase } from './test-pg.js';

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
