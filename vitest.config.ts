import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string): string => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  // tests import the package by name (as users do): use the sources, not a possibly stale dist/
  resolve: {
    alias: [
      {
        find: /^weft\/(workflow|activity|worker|client|testing|server|common|codec-server)$/,
        replacement: src('$1/index.ts'),
      },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // they stop and restart PostgreSQL: run alone, last (vitest.faults.config.ts)
    exclude: ['**/node_modules/**', 'test/cluster-crash.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // integration tests start servers and child processes: keep the 2 cores from being oversubscribed
    maxWorkers: 2,
    fileParallelism: true,
  },
});
