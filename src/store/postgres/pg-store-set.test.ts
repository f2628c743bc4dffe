import { describeStoreConformance } from '../conformance.js';
import { PgStore } from './pg-store.js';
import { createTestDatabase, describePg } from './test-pg.js';

// The conformance suite again with every batch, one mutation or many, sent set-based first (weft_commit_set,
// commit-set.ts): whatever it writes, or leaves to weft_commit when a check fails, must pass the same tests.
await describePg('PostgreSQL store, set-based batches', () => {
  describeStoreConformance('postgres, set-based batches', async () => {
    const db = await createTestDatabase();
    return {
      store: new PgStore({ url: db.url, poolSize: 4, setBatchMin: 1 }),
      reopen: async () => new PgStore({ url: db.url, poolSize: 4, setBatchMin: 1 }),
      cleanup: () => db.drop(),
    };
  });
});
