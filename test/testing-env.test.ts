/** weft/testing: a real in-process server, with and without time skipping. */
import { describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '../src/testing/index.js';
import { Worker } from '../src/worker/index.js';
import * as activities from './fixtures/activities.js';
import { fixture, quietLogger, uid } from './helpers.js';

describe('TestWorkflowEnvironment', () => {
  it('its namespace exists: a client and a worker of that namespace run a workflow', async () => {
    const env = await TestWorkflowEnvironment.createLocal({ namespace: 'team-tests' });
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        namespace: 'team-tests',
        taskQueue: 'ns-q',
        workflowsPath: fixture('workflows.ts'),
        activities,
        logger: quietLogger,
      });
      const r = await worker.runUntil(
        env.client.workflow.execute('hello', { taskQueue: 'ns-q', workflowId: uid('ns'), args: ['ns'] }),
      );
      expect(r).toContain('ns');
      expect((await env.client.namespaces.describe('team-tests')).state).toBe('Registered');
    } finally {
      await env.teardown();
    }
  });

  it('createLocal: runs workflows on a worker connected with env.nativeConnection', async () => {
    const env = await TestWorkflowEnvironment.createLocal();
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'env-local',
        workflowsPath: fixture('workflows.ts'),
        activities,
        logger: quietLogger,
      });
      const result = await worker.runUntil(
        env.client.workflow.execute('sequential', { taskQueue: 'env-local', workflowId: uid(), args: [1] }),
      );
      expect(result).toBe(5);
      // Temporal's other names for the environment's clients
      expect(env.connection).toBe(env.nativeConnection);
      expect(await env.workflowClient.count()).toMatchObject({ count: 1 });
      expect(env.asyncCompletionClient).toBe(env.client.activity);
      expect(env.supportsTimeSkipping).toBe(false);
      expect(env.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await env.teardown();
    }
  });

  it('createTimeSkipping: a workflow that sleeps for a day completes at once', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping();
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'env-skip',
        workflowsPath: fixture('workflows.ts'),
        activities,
        logger: quietLogger,
      });
      const t0 = Date.now();
      const before = env.currentTimeMs();
      const result = await worker.runUntil(
        env.client.workflow.execute('sleeper', { taskQueue: 'env-skip', workflowId: uid(), args: [24 * 3600 * 1000] }),
      );
      expect(result).toBe('woke');
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(env.currentTimeMs() - before).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    } finally {
      await env.teardown();
    }
  });

  it('env.sleep returns once the work the skipped time triggers has run', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping();
    const recorded: string[] = [];
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'env-skip-work',
        workflowsPath: fixture('time-skipping.ts'),
        activities: { record: async (what: string) => void recorded.push(what) },
        logger: quietLogger,
      });
      await worker.runUntil(async () => {
        const handle = await env.client.workflow.start('sleepThenWork', {
          taskQueue: 'env-skip-work',
          workflowId: uid(),
          args: ['1 day', '2 days'],
        });
        const before = env.currentTimeMs();
        await env.sleep('1 day');
        // the timer fired, the workflow task ran and scheduled the activity, the activity ran
        expect(recorded).toEqual(['after first sleep']);
        expect(env.currentTimeMs() - before).toBeGreaterThanOrEqual(24 * 3_600_000);
        expect(env.currentTimeMs() - before).toBeLessThan(2 * 24 * 3_600_000);
        await env.sleep('3 days');
        expect(recorded).toEqual(['after first sleep', 'after second sleep']);
        await handle.signal('finish');
        await handle.result();
      });
    } finally {
      await env.teardown();
    }
  });

  it('env.sleep moves a time-skipping clock ahead, firing timers that became due', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping();
    try {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue: 'env-skip2',
        workflowsPath: fixture('workflows.ts'),
        activities,
        logger: quietLogger,
      });
      await worker.runUntil(async () => {
        const handle = await env.client.workflow.start('sleeper', {
          taskQueue: 'env-skip2',
          workflowId: uid(),
          args: [3_600_000],
        });
        const before = env.currentTimeMs();
        await env.sleep('2h');
        expect(env.currentTimeMs() - before).toBeGreaterThanOrEqual(2 * 3_600_000);
        expect(await handle.result()).toBe('woke');
      });
    } finally {
      await env.teardown();
    }
  });
});
