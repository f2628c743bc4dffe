/**
 * Signals survive crashes: while signals flow into running workflows, the server is killed with SIGKILL and
 * restarted on the same SQLite file, and the worker is killed and replaced. Every signal is applied once and
 * in the order it was sent (the client retries a signal that got no answer with the same request id).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Connection } from '../src/client/index.js';
import { fixture } from './helpers.js';
import { freePort, spawnTs, type Child } from './process-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('crash: signals across server and worker kills', () => {
  it('applies every signal once and in order', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-sig-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = path.join(dir, 'weft.db');
    const port = await freePort();
    const env = { WEFT_TEST_LEDGER_DIR: dir };
    let server: Child = await spawnTs(fixture('server-main.ts'), [db, String(port)]);
    cleanups.push(() => server.kill());
    const address = server.ready;
    let worker: Child = await spawnTs(fixture('worker-main.ts'), [address, 'sig-crash'], env);
    cleanups.push(() => worker.kill());

    const connection = Connection.lazy({ address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });

    const WORKFLOWS = 5;
    const SIGNALS = 60;
    const handles = await Promise.all(
      Array.from({ length: WORKFLOWS }, (_, i) =>
        client.workflow.start('signalSum', {
          taskQueue: 'sig-crash',
          workflowId: `sig-crash-${i}-${Date.now()}`,
          args: [SIGNALS],
        }),
      ),
    );

    let sent = 0;
    let crashes: Promise<void> | undefined;
    const crash = async (): Promise<void> => {
      await server.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      server = await spawnTs(fixture('server-main.ts'), [db, String(port)]);
      await worker.kill('SIGKILL');
      worker = await spawnTs(fixture('worker-main.ts'), [address, 'sig-crash'], env);
    };
    // each workflow gets 1..SIGNALS, one after another; the crashes come a third of the way in
    await Promise.all(
      handles.map(async (h) => {
        for (let v = 1; v <= SIGNALS; v++) {
          await h.signal('add', v);
          if (++sent === Math.floor((WORKFLOWS * SIGNALS) / 3)) crashes = crash();
        }
      }),
    );
    await crashes;

    const expected = Array.from({ length: SIGNALS }, (_, i) => i + 1);
    for (const h of handles) {
      const r = (await h.result()) as { total: number; order: number[] };
      expect(r.order).toEqual(expected);
      expect(r.total).toBe((SIGNALS * (SIGNALS + 1)) / 2);
      const { events } = await h.fetchHistory();
      const signalled = events.filter((e) => e.eventType === 'WorkflowExecutionSignaled');
      expect(signalled.map((e) => (e.attributes as { input: number[] }).input[0])).toEqual(expected);
    }
  }, 120_000);
});
