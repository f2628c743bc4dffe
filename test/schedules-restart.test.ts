/**
 * Schedules across restarts: a catch-up after the server was down for several intervals (the server's clock is
 * moved forward while it is stopped), and exactly-once actions while the server is killed with SIGKILL again and
 * again (a real child process): every nominal time gets one workflow, none twice, none missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Connection } from '../src/client/index.js';
import { SkippingClock } from '../src/server/clock.js';
import { startServer } from '../src/server/index.js';
import { fixture, waitFor } from './helpers.js';
import { freePort, spawnTs, type Child } from './process-helpers.js';

const HOUR = 3_600_000;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function idsOf(client: Client, scheduleId: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of client.workflow.list({ query: `WorkflowId STARTS_WITH '${scheduleId}-'` }))
    ids.push(e.workflowId);
  return ids.sort();
}

describe('schedules across restarts', () => {
  it('catches up the actions missed inside the catch-up window; older ones are skipped and counted', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-sched-restart-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = path.join(dir, 'weft.db');
    // created a little after a whole hour, so the hours that pass are clear
    const clockA = new SkippingClock();
    clockA.skipTo(Math.ceil(clockA.now() / HOUR) * HOUR + 60_000);
    const a = await startServer({ port: 0, db, logLevel: 'warn', clock: clockA });
    let conn = await Connection.connect({ address: a.address });
    const scheduleId = 'catchup';
    await new Client({ connection: conn }).schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'quick', taskQueue: 'nobody-polls', args: [] },
      policies: { overlap: 'ALLOW_ALL', catchupWindow: '3h' },
    });
    const createdAt = clockA.now();
    await conn.close();
    await a.stop();

    // down for five hours and a half
    const clockB = new SkippingClock();
    clockB.skipTo(createdAt + 5.5 * HOUR);
    const b = await startServer({ port: 0, db, logLevel: 'warn', clock: clockB });
    cleanups.push(() => b.stop());
    conn = await Connection.connect({ address: b.address });
    cleanups.push(() => conn.close());
    const client = new Client({ connection: conn });
    const h = client.schedule.getHandle(scheduleId);
    await waitFor(async () => (await h.describe()).info.numActions === 3, 10_000, 'the catch-up');
    const firstHour = Math.ceil(createdAt / HOUR) * HOUR;
    const inWindow = [firstHour + 2 * HOUR, firstHour + 3 * HOUR, firstHour + 4 * HOUR];
    expect(await idsOf(client, scheduleId)).toEqual(
      inWindow.map((t) => `${scheduleId}-${new Date(t).toISOString().replace('.000Z', 'Z')}`),
    );
    expect((await h.describe()).info.numActionsMissedCatchupWindow).toBe(2);
  });

  it('takes every action exactly once while the server is killed with SIGKILL and restarted', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-sched-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const db = path.join(dir, 'weft.db');
    const port = await freePort();
    let server: Child = await spawnTs(fixture('server-main.ts'), [db, String(port)]);
    cleanups.push(() => server.kill());
    const connection = Connection.lazy({ address: server.ready });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    const scheduleIds = ['every-second-a', 'every-second-b'];
    for (const scheduleId of scheduleIds)
      await client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1s' }] },
        action: { type: 'startWorkflow', workflowType: 'quick', taskQueue: 'nobody-polls', args: [] },
        policies: { overlap: 'ALLOW_ALL' },
      });
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
      await server.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 1200)); // down across at least one action time
      server = await spawnTs(fixture('server-main.ts'), [db, String(port)]);
    }
    await new Promise((r) => setTimeout(r, 1500));
    for (const scheduleId of scheduleIds) await client.schedule.getHandle(scheduleId).pause();
    for (const scheduleId of scheduleIds) {
      const ids = await idsOf(client, scheduleId);
      const seconds = ids.map((id) => Date.parse(id.slice(scheduleId.length + 1)) / 1000);
      expect(seconds.length).toBeGreaterThan(6);
      // one workflow per second from the first to the last: no gap, no second one for any second
      expect(seconds).toEqual(seconds.map((_, i) => seconds[0]! + i));
      const d = await client.schedule.getHandle(scheduleId).describe();
      expect(d.info.numActions).toBe(ids.length);
      expect(d.info.numActionsRefused).toBe(0);
    }
  }, 60_000);
});
