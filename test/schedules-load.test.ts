/**
 * A bounded load test: 500 schedules, each firing every second, for 30 seconds, against one in-process server
 * over HTTP with a worker running the started workflows. No action may be missed or doubled. The lateness of
 * each action (its workflow's start time minus its nominal time) is reported, and written to
 * test-artifacts/schedules-load.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, fixture, startTestServer, startWorker, type TestServer } from './helpers.js';

const SCHEDULES = Number(process.env.WEFT_LOAD_SCHEDULES ?? 500);
const SECONDS = Number(process.env.WEFT_LOAD_SECONDS ?? 30);
const TQ = 'load-schedules';
let ts: TestServer;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('scheduled.ts') }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

describe('schedules under load', () => {
  it(`${SCHEDULES} schedules every second for ${SECONDS} s: none missed, none doubled`, async () => {
    const ids = Array.from({ length: SCHEDULES }, (_, i) => `load-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < ids.length; i += 50)
      await Promise.all(
        ids.slice(i, i + 50).map((scheduleId) =>
          ts.client.schedule.create({
            scheduleId,
            spec: { intervals: [{ every: '1s' }] },
            action: { type: 'startWorkflow', workflowType: 'quick', taskQueue: TQ, args: [] },
            policies: { overlap: 'ALLOW_ALL' },
          }),
        ),
      );
    const from = Math.ceil(Date.now() / 1000) * 1000 + 1000; // the first whole second every schedule waits for
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const until = Math.floor(Date.now() / 1000) * 1000 - 2000; // actions due by then must all start
    const expected = Array.from({ length: (until - from) / 1000 + 1 }, (_, i) => from + i * 1000);

    // read what started; on a slow machine the last actions may still be on their way: look again for a while
    const collect = async (): Promise<{ started: Map<string, number[]>; lateness: number[] }> => {
      const started = new Map<string, number[]>();
      const lateness: number[] = [];
      for await (const e of ts.client.workflow.list({ query: `WorkflowId STARTS_WITH 'load-'`, pageSize: 1000 })) {
        const scheduleId = e.workflowId.slice(0, 8);
        const nominal = Date.parse(e.workflowId.slice(9));
        started.set(scheduleId, [...(started.get(scheduleId) ?? []), nominal]);
        if (nominal >= from && nominal <= until) lateness.push(e.startTime.getTime() - nominal);
      }
      return { started, lateness };
    };
    let seen = await collect();
    for (const deadline = Date.now() + 30_000; seen.lateness.length < expected.length * SCHEDULES;) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 1000));
      seen = await collect();
    }
    for (let i = 0; i < ids.length; i += 50)
      await Promise.all(ids.slice(i, i + 50).map((scheduleId) => ts.client.schedule.getHandle(scheduleId).pause()));
    const { started, lateness } = seen;
    for (const scheduleId of ids) {
      const times = (started.get(scheduleId) ?? []).sort((a, b) => a - b);
      expect(new Set(times).size, `${scheduleId}: doubled`).toBe(times.length);
      const inRange = times.filter((t) => t >= from && t <= until);
      expect(inRange, `${scheduleId}: missed`).toEqual(expected);
    }
    lateness.sort((a, b) => a - b);
    const report = {
      schedules: SCHEDULES,
      seconds: SECONDS,
      actions: lateness.length,
      lateness_ms: { p50: pct(lateness, 50), p99: pct(lateness, 99), max: lateness[lateness.length - 1] },
    };
    console.log(`schedules load: ${JSON.stringify(report)}`);
    const out = path.join(path.dirname(FIXTURES), '..', 'test-artifacts');
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'schedules-load.json'), JSON.stringify(report, null, 2));
    expect(lateness.length).toBe(expected.length * SCHEDULES);
  }, 180_000);
});
