// The second pass of `npm test`: the end-to-end files again, each server on a fresh PostgreSQL database
// (WEFT_TEST_STORE=postgres, test/helpers.ts). The store's own suites (src/store/postgres) run in the first pass.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// not mergeConfig: it would append this include list to the base one
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/workflows.test.ts',
      'test/signals-queries.test.ts',
      'test/children.test.ts',
      'test/updates.test.ts',
      'test/cancel-terminate.test.ts',
      'test/retries-timeouts.test.ts',
      'test/saga.test.ts',
      'test/schedules.test.ts',
      'test/search-attributes.test.ts',
      'test/bad-input.test.ts',
      'test/api-surface.test.ts',
      'test/retention.test.ts',
      'test/namespaces.test.ts',
      'test/auth.test.ts',
    ],
    env: { WEFT_TEST_STORE: 'postgres' },
  },
});
