/** `workflowBundle: { codePath }`: a prebuilt bundle saved to disk, for Worker.create and the replay APIs. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker, WorkflowBundleError, bundleWorkflowCode } from '../src/worker/index.js';
import * as activities from './fixtures/activities.js';
import { fixture, quietLogger, startTestServer, uid, type TestServer } from './helpers.js';

describe('workflowBundle: { codePath }', () => {
  let ts: TestServer;
  let codePath: string;

  beforeAll(async () => {
    ts = await startTestServer();
    const { code } = await bundleWorkflowCode({ workflowsPath: fixture('workflows.ts') });
    codePath = path.join(ts.dir, 'workflow-bundle.js');
    writeFileSync(codePath, code);
  });
  afterAll(async () => {
    await ts?.stop();
  });

  it('a worker runs workflows from a bundle file, and its histories replay from it', async () => {
    const worker = await Worker.create({
      connection: ts.connection,
      taskQueue: 'bundle-path',
      workflowBundle: { codePath },
      activities,
      logger: quietLogger,
      handleSignals: false,
    });
    const workflowId = uid();
    const result = await worker.runUntil(
      ts.client.workflow.execute('sequential', { taskQueue: 'bundle-path', workflowId, args: [1] }),
    );
    expect(result).toBe(5);
    const history = await ts.client.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath } }, history);
    // Temporal's older form with a source map path is taken too (Weft's bundles have no separate map)
    await Worker.runReplayHistory({ workflowBundle: { codePath, sourceMapPath: `${codePath}.map` } }, history);
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: { codePath } }, [history])) results.push(r);
    expect(results).toHaveLength(1);
    expect(results[0]?.error).toBeUndefined();
  });

  it('a missing file, or one that is no bundle, fails Worker.create with WorkflowBundleError', async () => {
    const opts = { connection: ts.connection, taskQueue: 'bundle-path-bad', logger: quietLogger };
    await expect(
      Worker.create({ ...opts, workflowBundle: { codePath: path.join(ts.dir, 'missing.js') } }),
    ).rejects.toThrow(WorkflowBundleError);
    const notABundle = path.join(ts.dir, 'not-a-bundle.js');
    writeFileSync(notABundle, 'console.log("hi")');
    await expect(Worker.create({ ...opts, workflowBundle: { codePath: notABundle } })).rejects.toThrow(
      /does not hold a workflow bundle/,
    );
  });
});
