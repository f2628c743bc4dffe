/**
 * Schedules over HTTP on a real SQLite file, with a server clock the tests move forward (SkippingClock): actions
 * from intervals and cron, catch-up after the server was down, each overlap policy, pause and unpause, trigger,
 * backfill, and bad input naming the field.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  Connection,
  DAYS_OF_WEEK,
  MONTHS,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type ScheduleOptions,
} from '../src/client/index.js';
import { defineSearchAttributeKey, SearchAttributeType } from '../src/common/typed-search-attributes.js';
import { SkippingClock } from '../src/server/clock.js';
import { startServer, type WeftServer } from '../src/server/index.js';
import { changeSchedule } from '../src/server/service/schedule-runner.js';
import { fixture, startWorker, uid, waitFor } from './helpers.js';

const TQ = 'it-schedules';
const HOUR = 3_600_000;
let dir: string;
let server: WeftServer;
let clock: SkippingClock;
let connection: Connection;
let client: Client;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'weft-sched-'));
  clock = new SkippingClock();
  server = await startServer({ port: 0, db: path.join(dir, 'weft.db'), logLevel: 'warn', clock });
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
  ({ stop: stopWorker } = await startWorker({ connection }, { taskQueue: TQ, workflowsPath: fixture('scheduled.ts') }));
});
afterAll(async () => {
  await stopWorker?.();
  await connection?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const action = (workflowType = 'quick', args: unknown[] = [1]): ScheduleOptions['action'] => ({
  type: 'startWorkflow',
  workflowType,
  taskQueue: TQ,
  args,
});

const workflowsOf = async (scheduleId: string): Promise<Array<{ workflowId: string; status: string }>> => {
  const out: Array<{ workflowId: string; status: string }> = [];
  for await (const e of client.workflow.list({ query: `WorkflowId STARTS_WITH '${scheduleId}-'` }))
    out.push({ workflowId: e.workflowId, status: e.status.name });
  return out.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
};

/** Moves the server clock to just past the next whole hour + `extra`. */
function skipPastHour(extra = 0): number {
  const next = Math.ceil((clock.now() + 1) / HOUR) * HOUR;
  clock.skipTo(next + 1000 + extra);
  return next;
}

describe('schedules', () => {
  it('creates, describes (next ten times), lists; a taken id throws ScheduleAlreadyRunning', async () => {
    const scheduleId = uid('sch-describe');
    const h = await client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1h' }] }, action: action() });
    const d = await h.describe();
    expect(d.scheduleId).toBe(scheduleId);
    expect(d.policies).toEqual({
      overlap: 'SKIP',
      catchupWindow: 365 * 24 * HOUR,
      pauseOnFailure: false,
      catchupWindowMs: 365 * 24 * HOUR,
    });
    expect(d.info.nextActionTimes).toHaveLength(10);
    const times = d.info.nextActionTimes.map((t) => t.getTime());
    for (const t of times) expect(t % HOUR).toBe(0);
    expect(times[1]! - times[0]!).toBe(HOUR);
    expect(times[0]).toBeGreaterThan(clock.now());
    await expect(
      client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1h' }] }, action: action() }),
    ).rejects.toBeInstanceOf(ScheduleAlreadyRunning);
    const listed = [];
    for await (const s of client.schedule.list()) listed.push(s);
    const mine = listed.find((s) => s.scheduleId === scheduleId);
    expect(mine).toMatchObject({
      paused: false,
      workflowType: 'quick',
      nextActionTime: d.info.nextActionTimes[0]!.toISOString(),
    });
    await h.delete();
    await expect(h.describe()).rejects.toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
  });

  it('starts a workflow per interval, with an id from the schedule id and the nominal time', async () => {
    const scheduleId = uid('sch-interval');
    const h = await client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1h' }] }, action: action() });
    const due = skipPastHour();
    const workflowId = `${scheduleId}-${new Date(due).toISOString().replace('.000Z', 'Z')}`;
    await waitFor(async () => (await workflowsOf(scheduleId)).length === 1, 10_000, 'the action');
    const r = await client.workflow.getHandle(workflowId).result();
    expect(r).toEqual({ x: 1, workflowId });
    await waitFor(async () => (await h.describe()).info.recentActions[0]?.status.name === 'COMPLETED');
    const d = await h.describe();
    expect(d.info.recentActions).toMatchObject([{ scheduledAt: new Date(due), workflowId }]);
    expect(d.info.numActions).toBe(1);
    await h.delete();
  });

  it('cron in a time zone', async () => {
    const scheduleId = uid('sch-cron');
    const h = await client.schedule.create({
      scheduleId,
      spec: { cronExpressions: ['30 * * * *'], timezone: 'Asia/Kolkata' }, // :30 in Kolkata (UTC+5:30) is :00 UTC
      action: action(),
    });
    const d = await h.describe();
    for (const t of d.info.nextActionTimes) expect(t.getTime() % HOUR).toBe(0);
    await h.delete();
  });

  it('pause stops actions; unpause does not catch up the paused time; trigger acts at once', async () => {
    const scheduleId = uid('sch-pause');
    const h = await client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1h' }] }, action: action() });
    await h.pause('maintenance');
    expect((await h.describe()).state).toMatchObject({ paused: true, note: 'maintenance' });
    expect((await h.describe()).info.nextActionTimes).toEqual([]);
    skipPastHour();
    skipPastHour();
    await new Promise((r) => setTimeout(r, 300));
    expect(await workflowsOf(scheduleId)).toEqual([]);
    await h.unpause();
    await new Promise((r) => setTimeout(r, 300));
    expect(await workflowsOf(scheduleId)).toEqual([]);
    await h.trigger();
    await waitFor(async () => (await workflowsOf(scheduleId)).length === 1, 10_000, 'the triggered action');
    // (the default overlap policy SKIP would skip the next action while the triggered one runs)
    await waitFor(async () => (await h.describe()).info.runningWorkflows.length === 0, 10_000, 'it to close');
    const due = skipPastHour();
    await waitFor(async () => (await workflowsOf(scheduleId)).length === 2, 10_000, 'the next action');
    expect((await workflowsOf(scheduleId)).map((w) => w.workflowId)).toContain(
      `${scheduleId}-${new Date(due).toISOString().replace('.000Z', 'Z')}`,
    );
    await h.delete();
  });

  it('remainingActions: the schedule takes that many actions from its spec, then none', async () => {
    const scheduleId = uid('sch-limited');
    const h = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: action(),
      policies: { overlap: 'ALLOW_ALL' },
      state: { remainingActions: 2 },
    });
    expect((await h.describe()).info.nextActionTimes).toHaveLength(2);
    for (let i = 1; i <= 3; i++) {
      skipPastHour();
      if (i <= 2) await waitFor(async () => (await workflowsOf(scheduleId)).length === i, 10_000, `action ${i}`);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await workflowsOf(scheduleId)).toHaveLength(2);
    const d = await h.describe();
    expect(d.state).toMatchObject({ limitedActions: true, remainingActions: 0 });
    expect(d.info.nextActionTimes).toEqual([]);
    await h.delete();
  });

  it('update(fn) changes what fn returns and keeps the rest (an unchanged update round-trips)', async () => {
    const scheduleId = uid('sch-update');
    const h = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: { ...action(), workflowExecutionTimeout: '1h', workflowTaskTimeout: '5s' },
      policies: { overlap: 'BUFFER_ONE' },
    });
    await h.update((cur) => cur);
    await h.update((cur) => ({ ...cur, spec: { cronExpressions: ['0 12 * * *'] } }));
    const d = await h.describe();
    expect(d.spec).toEqual({ cronExpressions: ['0 12 * * *'] });
    expect(d.action).toMatchObject({ workflowExecutionTimeout: HOUR, workflowTaskTimeout: 5000 });
    expect(d.policies.overlap).toBe('BUFFER_ONE');
    for (const t of d.info.nextActionTimes) expect(new Date(t).getUTCHours()).toBe(12);
    await h.delete();
  });

  it('backfill takes the actions of a past range', async () => {
    const scheduleId = uid('sch-backfill');
    const h = await client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1h' }] }, action: action() });
    const end = Math.floor(clock.now() / HOUR) * HOUR - 10 * HOUR;
    const start = end - 2 * HOUR;
    await h.backfill({ start: new Date(start), end: new Date(end), overlap: 'ALLOW_ALL' }); // Temporal's single Backfill
    await waitFor(async () => (await workflowsOf(scheduleId)).length === 3);
    expect((await workflowsOf(scheduleId)).map((w) => w.workflowId)).toEqual(
      [start, start + HOUR, end].map((t) => `${scheduleId}-${new Date(t).toISOString().replace('.000Z', 'Z')}`),
    );
    await h.delete();
  });

  it("Temporal's create options: the schedule's own memo (kept by updates, in describe and list), triggerImmediately and backfill at create", async () => {
    const scheduleId = uid('sch-initial');
    const end = Math.floor(clock.now() / HOUR) * HOUR - 20 * HOUR;
    const start = end - HOUR;
    const h = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: action(),
      policies: { overlap: 'ALLOW_ALL' },
      memo: { team: 'payments', owner: { name: 'ops' } },
      state: { note: 'made with an initial patch', triggerImmediately: true, backfill: [{ start, end }] },
    });
    // the backfill's two past hours and one action now
    await waitFor(async () => (await workflowsOf(scheduleId)).length === 3, 10_000, 'three actions');
    const d = await h.describe();
    expect(d.memo).toEqual({ team: 'payments', owner: { name: 'ops' } });
    expect(d.state.note).toBe('made with an initial patch');
    await h.update((cur) => ({ ...cur, policies: { overlap: 'SKIP' } }));
    expect((await h.describe()).memo).toEqual({ team: 'payments', owner: { name: 'ops' } });
    let listed: unknown;
    for await (const x of client.schedule.list()) if (x.scheduleId === scheduleId) listed = x.memo;
    expect(listed).toEqual({ team: 'payments', owner: { name: 'ops' } });
    await h.delete();

    // bad initial patches are refused before anything is made
    const bad = await client.schedule
      .create({
        scheduleId: uid('sch-bad-initial'),
        spec: { intervals: [{ every: '1h' }] },
        action: action(),
        state: { backfill: [{ start: end, end: start }] },
      })
      .catch((e: { code?: string; message?: string }) => e);
    expect(bad).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((bad as Error).message).toContain('state.backfill[0].end');
  });
});

describe('overlap policies (with triggers, while an action still runs)', () => {
  async function withRunning(overlap: string, triggers: number) {
    const scheduleId = uid(`sch-${overlap.toLowerCase()}`);
    const h = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1d' }] },
      action: action('untilReleased', []),
      policies: { overlap: overlap as 'SKIP' },
    });
    await h.trigger();
    await waitFor(async () => (await h.describe()).info.runningWorkflows.length === 1);
    for (let i = 1; i < triggers; i++) await h.trigger();
    return { h, scheduleId };
  }
  const release = async (workflowId: string) => client.workflow.getHandle(workflowId).signal('release');

  it('SKIP: the later actions are skipped and counted', async () => {
    const { h, scheduleId } = await withRunning('SKIP', 3);
    const d = await h.describe();
    expect(d.info.numActionsSkippedOverlap).toBe(2);
    expect(await workflowsOf(scheduleId)).toHaveLength(1);
    await release(d.info.runningWorkflows[0]!.workflowId);
    await h.delete();
  });

  it('BUFFER_ONE: one waits (the rest are dropped) and starts when the running one closes', async () => {
    const { h, scheduleId } = await withRunning('BUFFER_ONE', 3);
    let d = await h.describe();
    expect(d.info).toMatchObject({ bufferSize: 1, bufferDropped: 1 });
    const first = d.info.runningWorkflows[0]!.workflowId;
    await release(first);
    await waitFor(async () => {
      const i = (await h.describe()).info;
      return i.runningWorkflows.length === 1 && i.runningWorkflows[0]!.workflowId !== first;
    });
    d = await h.describe();
    expect(d.info.bufferSize).toBe(0);
    await release(d.info.runningWorkflows[0]!.workflowId);
    await waitFor(async () => (await workflowsOf(scheduleId)).every((w) => w.status === 'COMPLETED'));
    expect(await workflowsOf(scheduleId)).toHaveLength(2);
    await h.delete();
  });

  it('BUFFER_ALL: all wait and start one after another', async () => {
    const { h, scheduleId } = await withRunning('BUFFER_ALL', 3);
    expect((await h.describe()).info.bufferSize).toBe(2);
    for (let i = 0; i < 3; i++) {
      const running = await waitFor(async () => (await h.describe()).info.runningWorkflows[0]);
      await release(running.workflowId);
      await waitFor(async () => (await h.describe()).info.runningWorkflows[0]?.workflowId !== running.workflowId);
    }
    await waitFor(async () => (await workflowsOf(scheduleId)).filter((w) => w.status === 'COMPLETED').length === 3);
    await h.delete();
  });

  it('CANCEL_OTHER: the running one is cancelled, then the new one starts', async () => {
    const { h, scheduleId } = await withRunning('CANCEL_OTHER', 2);
    await waitFor(async () => {
      const w = await workflowsOf(scheduleId);
      return w.length === 2 && w.some((x) => x.status === 'CANCELLED') && w.some((x) => x.status === 'RUNNING');
    });
    await release((await h.describe()).info.runningWorkflows[0]!.workflowId);
    await h.delete();
  });

  it('TERMINATE_OTHER: the running one is terminated and the new one starts at once', async () => {
    const { h, scheduleId } = await withRunning('TERMINATE_OTHER', 2);
    await waitFor(async () => {
      const w = await workflowsOf(scheduleId);
      return w.length === 2 && w.some((x) => x.status === 'TERMINATED') && w.some((x) => x.status === 'RUNNING');
    });
    // the terminated one shows so in the recent actions (its close came after the schedule let go of it)
    const terminated = (await workflowsOf(scheduleId)).find((x) => x.status === 'TERMINATED')!;
    const recentOf = async () =>
      (await h.describe()).info.recentActions.find((a) => a.workflowId === terminated.workflowId);
    await waitFor(async () => (await recentOf())?.status.name === 'TERMINATED', 10_000, 'the recent action');
    await release((await h.describe()).info.runningWorkflows[0]!.workflowId);
    await h.delete();
  });

  it('ALLOW_ALL: every action starts', async () => {
    const { h, scheduleId } = await withRunning('ALLOW_ALL', 3);
    await waitFor(async () => (await workflowsOf(scheduleId)).length === 3);
    for (const r of (await h.describe()).info.runningWorkflows) await release(r.workflowId);
    await h.delete();
  });

  it('pauseOnFailure: a failed action pauses the schedule', async () => {
    const scheduleId = uid('sch-pof');
    const h = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1d' }] },
      action: action('fails', []),
      policies: { pauseOnFailure: true },
    });
    await h.trigger();
    await waitFor(async () => (await h.describe()).state.paused);
    expect((await h.describe()).state.note).toContain('Failed');
    await h.delete();
  });
});

describe("Temporal's schedule errors and calendar names", () => {
  it('every handle call on a schedule that does not exist throws ScheduleNotFoundError naming it', async () => {
    const handle = client.schedule.getHandle(uid('missing'));
    const calls: Array<() => Promise<unknown>> = [
      () => handle.describe(),
      () => handle.delete(),
      () => handle.pause(),
      () => handle.unpause(),
      () => handle.trigger(),
      () => handle.backfill({ start: new Date(0), end: new Date(HOUR) }),
      () => handle.update((d) => d),
    ];
    for (const call of calls) {
      const e = await call().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(ScheduleNotFoundError);
      expect(e).toMatchObject({ scheduleId: handle.scheduleId, code: 'SCHEDULE_NOT_FOUND', status: 404 });
    }
  });

  it('MONTHS and DAYS_OF_WEEK name what calendar specs take', async () => {
    expect(MONTHS).toHaveLength(12);
    expect(DAYS_OF_WEEK[1]).toBe('MONDAY');
    const scheduleId = uid('names');
    const handle = await client.schedule.create({
      scheduleId,
      spec: { calendars: [{ month: MONTHS[0], dayOfWeek: DAYS_OF_WEEK[1], hour: 9 }] },
      action: action(),
    });
    try {
      const next = (await handle.describe()).info.nextActionTimes;
      expect(next.length).toBeGreaterThan(0);
      for (const t of next) {
        expect(t.getUTCMonth()).toBe(0);
        expect(t.getUTCDay()).toBe(1);
      }
    } finally {
      await handle.delete();
    }
  });
});

describe('bad input names the field', () => {
  const create = (over: Record<string, unknown>) =>
    client.schedule
      .create({
        scheduleId: uid('bad'),
        spec: { intervals: [{ every: '1h' }] },
        action: action(),
        ...over,
      } as ScheduleOptions)
      .then(
        () => undefined,
        (e: unknown) => e as { code: string; status: number; details?: { field?: string }; message: string },
      );

  it.each([
    [{ spec: { cronExpressions: ['61 * * * *'] } }, 'spec.cronExpressions[0]'],
    [{ spec: { cronExpressions: ['0 * * * *'], timezone: 'Mars/Olympus' } }, 'spec.timezone'],
    [{ spec: { intervals: [{ every: 'soon' }] } }, 'spec.intervals[0].every'],
    [{ spec: {} }, 'spec'],
    [{ policies: { overlap: 'SOMETIMES' } }, 'policies.overlap'],
  ])('%j -> 400 naming %s', async (over, field) => {
    const e = await create(over);
    expect(e?.status).toBe(400);
    expect(e?.details?.field).toBe(field);
    expect(e?.message).toContain(field);
  });

  it('an action with an unregistered search attribute is refused at create', async () => {
    const e = await create({ action: { ...action(), searchAttributes: { NotRegistered: 1 } } });
    expect(e).toMatchObject({ status: 400, code: 'INVALID_SEARCH_ATTRIBUTE' });
    expect(e?.message).toContain('NotRegistered');
  });

  it("an action's typedSearchAttributes go over its plain ones; its user metadata and priority are kept", async () => {
    await client.searchAttributes.create({ name: 'SchedTier', type: SearchAttributeType.KEYWORD });
    await client.searchAttributes.create({ name: 'SchedRegion', type: SearchAttributeType.KEYWORD });
    const h = await client.schedule.create({
      scheduleId: uid('typed-sa'),
      spec: { intervals: [{ every: '1h' }] },
      action: {
        ...action(),
        searchAttributes: { SchedTier: 'plain', SchedRegion: 'eu' },
        typedSearchAttributes: [{ key: defineSearchAttributeKey('SchedTier', 'KEYWORD'), value: 'typed' }],
        staticSummary: 'hourly',
        staticDetails: 'details',
        priority: { priorityKey: 1 },
      },
    });
    const described = await h.describe();
    expect(described.action.searchAttributes).toEqual({ SchedTier: 'typed', SchedRegion: 'eu' });
    // user metadata and priority are kept, described as create takes them, and given to each started run
    expect(described.action).toMatchObject({
      staticSummary: 'hourly',
      staticDetails: 'details',
      priority: { priorityKey: 1 },
    });
    await h.update((cur) => cur); // a described schedule sent back as it is keeps them
    expect((await h.describe()).action).toMatchObject({ staticSummary: 'hourly', priority: { priorityKey: 1 } });
    await h.trigger();
    const run = await waitFor(async () => (await h.describe()).info.recentActions[0]?.action.workflow, 10_000);
    const started = await client.workflow.getHandle(run.workflowId, run.firstExecutionRunId).describe();
    expect(await started.staticSummary()).toBe('hourly');
    expect(await started.staticDetails()).toBe('details');
    expect(started.priority).toEqual({ priorityKey: 1 });
    await expect(
      client.schedule.create({
        scheduleId: uid('bad-priority'),
        spec: { intervals: [{ every: '1h' }] },
        action: { ...action(), priority: { priorityKey: -1 } },
      }),
    ).rejects.toBeInstanceOf(TypeError);
    await h.delete();
  });

  it('a bad overlap in trigger and a bad backfill range', async () => {
    const scheduleId = uid('bad-ops');
    const h = await client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1h' }] }, action: action() });
    await expect(h.trigger('NEVER' as 'SKIP')).rejects.toMatchObject({ status: 400, details: { field: 'overlap' } });
    await expect(h.backfill([{ start: 'yesterday', end: 'today' }])).rejects.toMatchObject({
      status: 400,
      details: { field: 'backfills[0].start' },
    });
    await expect(client.schedule.getHandle('nope').pause()).rejects.toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
    await h.delete();
  });

  it('times outside the range of dates are refused, and the server stays up', async () => {
    const scheduleId = uid('bad-times');
    const h = await client.schedule.create({ scheduleId, spec: { intervals: [{ every: '1s' }] }, action: action() });
    // a backfill this far out once spun the event loop for good (the interval's next time stopped moving)
    const far = AbortSignal.timeout(5000);
    const res = await fetch(`${server.address}/api/v1/namespaces/default/schedules/${scheduleId}/backfill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ backfills: [{ start: 1e19, end: 2e19 }] }),
      signal: far,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: { code: 'INVALID_ARGUMENT', details: { field: 'backfills[0].start' } },
    });
    await expect(h.backfill([{ start: 8.7e15, end: 8.7e15 + 5000 }])).rejects.toMatchObject({
      status: 400,
      details: { field: 'backfills[0].start' },
    });
    // no zone: refused rather than read in the server's own time zone
    await expect(h.backfill([{ start: '2026-03-01T00:00:00', end: '2026-03-02T00:00:00Z' }])).rejects.toMatchObject({
      status: 400,
      details: { field: 'backfills[0].start' },
    });
    const bad = await client.schedule
      .create({ scheduleId: uid('bad-end'), spec: { intervals: [{ every: '1h' }], endAt: 1e16 }, action: action() })
      .then(
        () => undefined,
        (e: unknown) => e as { status: number; details?: { field?: string } },
      );
    expect(bad).toMatchObject({ status: 400, details: { field: 'spec.endAt' } });
    // an interval whose first time is past the range of dates: no next times, and describe and list still answer
    const huge = uid('sch-huge');
    const hh = await client.schedule.create({
      scheduleId: huge,
      spec: { intervals: [{ every: 8.7e15 }] },
      action: action(),
    });
    expect((await hh.describe()).info.nextActionTimes).toEqual([]);
    for await (const _ of client.schedule.list()) void _;
    expect((await fetch(`${server.address}/healthz`)).status).toBe(200);
    await hh.delete();
    await h.delete();
  });
});

describe('a schedule stored before 6-field cron strings were read as Temporal reads them', () => {
  it('keeps its old reading (second first) through an update that gives the string again', async () => {
    const scheduleId = uid('sch-legacy');
    const h = await client.schedule.create({
      scheduleId,
      spec: { cronExpressions: ['0 0 * * *'] },
      action: action(),
      state: { paused: true },
    });
    // as a schedule written by the older version: the 6-field string stored as given, read second first
    await changeSchedule(server.context, 'default', scheduleId, (s) => {
      s.specInput = { cronExpressions: ['*/20 * * * * *'] };
      s.spec = { ...s.spec, cronExpressions: ['*/20 * * * * *'] };
    });
    await h.update((cur) => ({ ...cur, state: { paused: false } }));
    const d = await h.describe();
    expect(d.spec.cronExpressions).toEqual(['*/20 * * * * * *']);
    const [a, b] = d.info.nextActionTimes.map((t) => new Date(t).getTime());
    expect(b! - a!).toBe(20_000);
    // one that is not even valid the new way (hour 30): the update still goes through, read the old way
    await changeSchedule(server.context, 'default', scheduleId, (s) => {
      s.specInput = { cronExpressions: ['0 30 9 * * *'] };
      s.spec = { ...s.spec, cronExpressions: ['0 30 9 * * *'] };
    });
    await h.update((cur) => ({ ...cur, policies: { ...cur.policies, overlap: 'ALLOW_ALL' } }));
    const again = await h.describe();
    expect(again.spec.cronExpressions).toEqual(['0 30 9 * * * *']);
    for (const t of again.info.nextActionTimes) expect(new Date(t).toISOString()).toMatch(/T09:30:00\.000Z$/);
    await h.delete();
  });
});

describe('action limits, as Temporal', () => {
  it('an update whose state has no remainingActions lifts the limit', async () => {
    const h = await client.schedule.create({
      scheduleId: uid('sch-unlimit'),
      spec: { intervals: [{ every: '1h' }] },
      action: action(),
      state: { remainingActions: 2 },
    });
    await h.update((cur) => cur);
    expect((await h.describe()).state).toMatchObject({ limitedActions: true, remainingActions: 2 });
    await h.update((cur) => ({ ...cur, state: { paused: false } }));
    expect((await h.describe()).state).toMatchObject({ limitedActions: false });
    expect((await h.describe()).info.nextActionTimes).toHaveLength(10);
    await h.delete();
  });

  it('more actions given to a schedule that used up its own do not catch up the time since', async () => {
    const scheduleId = uid('sch-more');
    const h = await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: action(),
      policies: { overlap: 'ALLOW_ALL' },
      state: { remainingActions: 1 },
    });
    skipPastHour();
    await waitFor(async () => (await workflowsOf(scheduleId)).length === 1, 10_000, 'the one action');
    for (let i = 0; i < 5; i++) skipPastHour();
    await h.update((cur) => ({ ...cur, state: { ...cur.state, remainingActions: 3 } }));
    await new Promise((r) => setTimeout(r, 300));
    expect(await workflowsOf(scheduleId)).toHaveLength(1);
    const d = await h.describe();
    expect(d.state).toMatchObject({ limitedActions: true, remainingActions: 3 });
    expect(new Date(d.info.nextActionTimes[0]!).getTime()).toBeGreaterThan(clock.now());
    skipPastHour();
    await waitFor(async () => (await workflowsOf(scheduleId)).length === 2, 10_000, 'the next action');
    await h.delete();
  });
});
