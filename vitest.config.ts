import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // integration tests start servers and child processes: keep the 2 cores from being oversubscribed
    maxWorkers: 2,
    fileParallelism: true,
  },
});
