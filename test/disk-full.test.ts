/**
 * A full disk under a real `weft server start` on SQLite (a tmpfs of a few MiB, filled with a filler file):
 * starts answer 503 STORE_UNAVAILABLE, /healthz and reads answer, the process stays up, and once the filler is
 * deleted the same server writes again with every earlier result intact. Needs root to mount (CI has it).
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, Connection } from '../src/client/index.js';
import { describeSmallDisk, mountSmallDisk, type SmallDisk } from '../src/store/sqlite/test-tmpfs.js';
import * as activities from './fixtures/activities.js';
import { spawnWeft, type CliProcess } from './cli-runner.js';
import { Worker } from '../src/worker/index.js';
import { fixture, quietLogger, startWorker, uid } from './helpers.js';

const TQ = 'it-disk-full';
const LISTENING = /listening on (http:\/\/[\d.]+:\d+)/;

describeSmallDisk('disk full (SQLite)', () => {
  let disk: SmallDisk;
  let server: CliProcess;
  let address: string;
  let connection: Connection;
  let client: Client;
  let stopWorker: (() => Promise<void>) | undefined;
  let db: string;

  beforeAll(async () => {
    disk = mountSmallDisk(16);
    db = path.join(disk.dir, 'weft.db');
    server = spawnWeft(['server', 'start', '--db', db, '--port', '0', '--headless', '--log-level', 'warn']);
    address = (await server.waitForOutput(LISTENING, 30_000))[1]!;
    connection = await Connection.connect({ address });
    client = new Client({ connection });
    ({ stop: stopWorker } = await startWorker(
      { connection },
      { taskQueue: TQ, workflowsPath: fixture('workflows.ts'), activities },
    ));
  });

  afterAll(async () => {
    await stopWorker?.();
    await connection?.close();
    await server?.kill();
    disk?.unmount();
  });

  const startOverHttp = (workflowId: string, args: unknown[]): Promise<Response> =>
    fetch(`${address}/api/v1/namespaces/default/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflowId, workflowType: 'sequential', taskQueue: TQ, args }),
    });

  it('answers 503 STORE_UNAVAILABLE while the disk is full, stays up, and writes again once space returns', async () => {
    const early = await Promise.all(
      [1, 2, 3, 4, 5].map(async (x) => {
        const workflowId = uid('early');
        return {
          workflowId,
          x,
          result: await client.workflow.execute('sequential', { taskQueue: TQ, workflowId, args: [x] }),
        };
      }),
    );
    for (const e of early) expect(e.result).toBe((e.x + 1) * 2 + 1);

    expect(disk.fill()).toBeGreaterThan(0);
    // a start that needs space it cannot have (a payload of 256 KiB), then small ones
    const refused: string[] = [];
    for (const size of [256 * 1024, 10, 10, 10]) {
      const workflowId = uid('refused');
      const res = await startOverHttp(workflowId, [size, 'x'.repeat(size)]);
      const body = (await res.json()) as { error?: { code: string; message: string } };
      expect(res.status, JSON.stringify(body)).toBe(503);
      expect(body.error?.code).toBe('STORE_UNAVAILABLE');
      expect(body.error?.message).toContain('disk full');
      refused.push(workflowId);
    }
    // the process lives, answers its health check, and reads go on
    expect(server.running).toBe(true);
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    expect((await fetch(`${address}/readyz`)).status).toBe(200);
    const described = await client.workflow.getHandle(early[0]!.workflowId).describe();
    expect(described.status.name).toBe('COMPLETED');
    const listed: string[] = [];
    for await (const w of client.workflow.list({ query: `TaskQueue = '${TQ}'` })) listed.push(w.workflowId);
    expect(listed.sort()).toEqual(early.map((e) => e.workflowId).sort());

    disk.free();
    for (const workflowId of refused) expect((await startOverHttp(workflowId, [7])).status).toBe(200);
    for (const workflowId of refused)
      expect(await client.workflow.getHandle(workflowId).result()).toBe((7 + 1) * 2 + 1);
    // nothing acknowledged before the disk filled was lost
    for (const e of early) expect(await client.workflow.getHandle(e.workflowId).result()).toBe((e.x + 1) * 2 + 1);
    expect(server.running).toBe(true);
  }, 30_000);

  it('hands out again the tasks a poll took while their start could not be written', async () => {
    // runs queued with no worker on their queue; then the disk fills and a worker arrives: its polls take the
    // queued tasks from the server's queues, and writing their start fails
    const tq = `${TQ}-backlog`;
    const ids = [1, 2, 3].map(() => uid('backlog'));
    await Promise.all(
      ids.map((workflowId, i) => client.workflow.start('sequential', { taskQueue: tq, workflowId, args: [i] })),
    );
    // the worker is made (its workflow types registered: a write) before the disk fills, and polls after
    const worker = await Worker.create({
      connection,
      handleSignals: false,
      logger: quietLogger,
      shutdownGraceTime: '2s',
      taskQueue: tq,
      workflowsPath: fixture('workflows.ts'),
      activities,
    });
    expect(disk.fill()).toBeGreaterThan(0);
    const running = worker.run();
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect(server.running).toBe(true);
      disk.free();
      // once space returns the same tasks go out again (a task lost from the queues would wait for ever: a
      // workflow task that was never started has no timeout)
      const results = await Promise.race([
        Promise.all(ids.map((workflowId) => client.workflow.getHandle(workflowId).result())),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('runs still waiting 15 s after the disk freed')), 15_000),
        ),
      ]);
      expect(results).toEqual([0, 1, 2].map((x) => (x + 1) * 2 + 1));
    } finally {
      worker.shutdown();
      await running;
    }
  }, 60_000);
});
