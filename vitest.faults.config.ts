// The last pass of `npm test`: files that stop or restart the local PostgreSQL. They run alone (one file at a
// time, after the passes that share that PostgreSQL), so no other test sees the outage.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// not mergeConfig: it would append this include list to the base one
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/cluster-crash.test.ts'],
    exclude: [],
    fileParallelism: false,
    maxWorkers: 1,
  },
});
