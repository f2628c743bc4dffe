/**
 * Temporal's test environment set-ups: createLocal({ server: { searchAttributes, namespace, ... } }) in the
 * DevServerConfig shape, and createFromExistingServer({ address, namespace }) against a real server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchAttributeType, defineSearchAttributeKey } from 'weft/client';
import { TestWorkflowEnvironment } from 'weft/testing';
import { Worker } from 'weft/worker';
import { fixture, quietLogger, startTestServer, uid, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

describe('TestWorkflowEnvironment', () => {
  it('createLocal registers server.searchAttributes in server.namespace', async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        namespace: 'dev-ns',
        searchAttributes: [
          defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD),
          defineSearchAttributeKey('OrderTotal', SearchAttributeType.DOUBLE),
        ],
        ui: false,
        log: { format: 'pretty', level: 'warn' },
        extraArgs: ['--ignored'],
      },
    });
    try {
      expect(env.namespace).toBe('dev-ns');
      const attrs = await env.client.searchAttributes.list();
      expect(attrs.map((a) => [a.name, a.type])).toEqual(
        expect.arrayContaining([
          ['CustomerId', 'Keyword'],
          ['OrderTotal', 'Double'],
        ]),
      );
    } finally {
      await env.teardown();
    }
  });

  it('createFromExistingServer uses a running server and leaves it running', async () => {
    const env = await TestWorkflowEnvironment.createFromExistingServer({
      address: ts.server.address,
      namespace: 'default',
    });
    expect(env.address).toBe(ts.server.address);
    expect(env.supportsTimeSkipping).toBe(false);
    const taskQueue = uid('existing');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: fixture('start-options.ts'),
      handleSignals: false,
      logger: quietLogger,
    });
    const workflowId = uid('existing');
    await worker.runUntil(env.client.workflow.execute('notes', { taskQueue, workflowId }));
    await env.teardown();
    // the server still answers, and has the run
    expect((await ts.client.workflow.getHandle(workflowId).describe()).status.name).toBe('COMPLETED');
  });
});
