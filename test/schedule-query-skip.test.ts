/**
 * Temporal's `client.schedule.list({ query })` and `ScheduleSpec.skip`, over HTTP on a real server: the list
 * filters on ScheduleId, WorkflowType, TaskQueue and TemporalSchedulePaused (paging through the matches), a bad
 * query is 400 INVALID_QUERY, and skipped times are left out of a schedule's next action times.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError, type Client } from 'weft/client';
import { runWeft } from './cli-runner.js';
import { startTestServer, uid, type TestServer } from './helpers.js';

let ts: TestServer;
let client: Client;
const HOUR = 3_600_000;

beforeAll(async () => {
  ts = await startTestServer();
  client = ts.client;
});
afterAll(async () => {
  await ts?.stop();
});

const action = (workflowType: string, taskQueue: string) => ({
  type: 'startWorkflow' as const,
  workflowType,
  taskQueue,
});

async function listIds(query: string, pageSize?: number): Promise<string[]> {
  const ids: string[] = [];
  for await (const s of client.schedule.list({ query, ...(pageSize ? { pageSize } : {}) })) ids.push(s.scheduleId);
  return ids;
}

describe('client.schedule.list({ query })', () => {
  it('lists the schedules that match, paging through them', async () => {
    const prefix = uid('sq');
    const spec = { intervals: [{ every: '1d' }] };
    for (let i = 0; i < 5; i++)
      await client.schedule.create({
        scheduleId: `${prefix}-${i}`,
        spec,
        action: action(i % 2 === 0 ? 'invoice' : 'report', 'sq-queue'),
        ...(i === 4 ? { state: { paused: true } } : {}),
      });
    await client.schedule.create({ scheduleId: uid('other'), spec, action: action('invoice', 'elsewhere') });

    expect(await listIds(`ScheduleId STARTS_WITH '${prefix}'`)).toHaveLength(5);
    expect(await listIds(`ScheduleId STARTS_WITH '${prefix}' AND WorkflowType = 'invoice'`, 1)).toEqual([
      `${prefix}-0`,
      `${prefix}-2`,
      `${prefix}-4`,
    ]);
    expect(await listIds(`TaskQueue = 'sq-queue' AND TemporalSchedulePaused = true`)).toEqual([`${prefix}-4`]);
    expect(await listIds(`TaskQueue = 'sq-queue' AND TemporalSchedulePaused = false`, 2)).toHaveLength(4);
  });

  it('a malformed query or an unknown field is 400 INVALID_QUERY with its position', async () => {
    const err = await listIds("WorkflowId = 'x'").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceError);
    expect(err).toMatchObject({ code: 'INVALID_QUERY', status: 400, details: { position: 0 } });
    const res = await fetch(
      `${ts.server.address}/api/v1/namespaces/default/schedules?query=${encodeURIComponent('ScheduleId =')}`,
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('INVALID_QUERY');
  });
});

describe('weft schedule list --query', () => {
  it('prints the matching schedules; a bad query exits 1 with INVALID_QUERY', async () => {
    const scheduleId = uid('cli-sq');
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1d' }] },
      action: action('cliType', 'q'),
    });
    const r = await runWeft(ts.server.address, [
      'schedule',
      'list',
      '--query',
      "WorkflowType = 'cliType'",
      '--output',
      'json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Array<{ scheduleId: string }>).map((s) => s.scheduleId)).toEqual([scheduleId]);
    const bad = await runWeft(ts.server.address, ['schedule', 'list', '--query', 'Nope = 1']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/INVALID_QUERY/);
  }, 60_000);
});

describe('spec.skip', () => {
  it("drops the matching times from the schedule's next action times; describe shows the skip as given", async () => {
    const scheduleId = uid('skip');
    const skip = [{ hour: '*', minute: '*', second: '*', dayOfWeek: ['SATURDAY', 'SUNDAY'], comment: 'weekends' }];
    const h = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '6h' }], skip },
      action: action('invoice', 'sq-queue'),
    });
    const d = await h.describe();
    expect(d.spec.skip).toEqual(skip);
    expect(d.info.nextActionTimes).toHaveLength(10);
    for (const t of d.info.nextActionTimes) {
      expect([0, 6]).not.toContain(t.getUTCDay());
      expect(t.getTime() % (6 * HOUR)).toBe(0);
    }
    const bad = await client.schedule
      .create({
        scheduleId: uid('skip-bad'),
        spec: { intervals: [{ every: '1h' }], skip: [{ hour: 30 }] },
        action: action('x', 'y'),
      })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(String((bad as Error).message)).toMatch(/spec\.skip\[0\]\.hour/);
  });
});
