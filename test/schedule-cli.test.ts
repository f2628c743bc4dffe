/**
 * `weft schedule ...` end to end: a real server over HTTP on a SQLite file (real clock), a worker running the
 * scheduled.ts workflows, and the CLI as child processes (from the sources, through tsx). Schedules whose actions
 * the tests count are created paused (or with specs that are not due during the test), so only triggers and
 * backfills act.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleDescription, ScheduleSummary } from '../src/protocol/schedule-api.js';
import { runWeft, type CliResult } from './cli-runner.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const STACK_LINE = /^\s+at .+/m;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TQ = uid('sched-cli-q');

type Result = CliResult;

let ts: TestServer;
let stopWorker: () => Promise<void>;

/** Runs `weft ...args` to its end against the test server. */
function weft(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return runWeft(ts.server.address, args, timeoutMs);
}

/** `weft schedule ...args`, expected to succeed. */
async function ok(args: string[]): Promise<string> {
  const r = await weft(['schedule', ...args]);
  expect(r.stderr, r.stdout).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

async function okJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  return JSON.parse(await ok([...args, '--output', 'json'])) as T;
}

const describeJson = (scheduleId: string): Promise<ScheduleDescription> => okJson(['describe', '-s', scheduleId]);

/** An expected failure: exit 1, one `Error: ... (CODE)` line, no stack trace, nothing on stdout. */
function expectError(r: Result, code: string, message: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^Error: .+ \\(${code}\\)\\n$`));
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.stdout).toBe('');
}

/** Runs the jobs at most `width` at a time (each is a CLI process; the machine has 2 cores). */
async function pooled<T>(jobs: Array<() => Promise<T>>, width = 4): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

async function workflowsOf(prefix: string): Promise<Array<{ workflowId: string; status: string }>> {
  const out: Array<{ workflowId: string; status: string }> = [];
  for await (const e of ts.client.workflow.list({ query: `WorkflowId STARTS_WITH '${prefix}-'` }))
    out.push({ workflowId: e.workflowId, status: e.status.name });
  return out.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
}

/** The `Label  value` line of table output. */
const field = (label: string, value: string): RegExp =>
  new RegExp(`^ {2}${label} +${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm');

const idOf = (prefix: string, t: number): string => `${prefix}-${new Date(t).toISOString().replace('.000Z', 'Z')}`;

beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('scheduled.ts') }));
}, 60_000);

afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
}, 30_000);

describe('weft schedule create / describe / list', () => {
  it('a cron in a time zone: describe as table and JSON (next ten times, policies), list', async () => {
    const scheduleId = uid('cron');
    const created = await ok([
      'create',
      '-s',
      scheduleId,
      '--cron',
      '30 9 * * *', // 09:30 in Kolkata (UTC+5:30, no DST) is 04:00 UTC
      '--timezone',
      'Asia/Kolkata',
      '--type',
      'quick',
      '-t',
      TQ,
      '--input',
      '[1, "two"]',
      '--overlap-policy',
      'buffer-one',
      '--catchup-window',
      '2h',
      '--pause-on-failure',
    ]);
    expect(created).toMatch(new RegExp(`^Created schedule ${scheduleId}\\n`));
    expect(created).toMatch(field('Spec', "cron '30 9 * * *' (Asia/Kolkata)"));
    expect(created).toMatch(/^ {2}NextAction +\d{4}-\d\d-\d\dT04:00:00\.000Z$/m);

    const d = await describeJson(scheduleId);
    expect(d).toMatchObject({
      scheduleId,
      spec: { cronExpressions: ['30 9 * * *'], timezone: 'Asia/Kolkata' },
      specDescription: "cron '30 9 * * *' (Asia/Kolkata)",
      action: { type: 'startWorkflow', workflowType: 'quick', taskQueue: TQ, args: [1, 'two'] },
      policies: { overlap: 'BUFFER_ONE', catchupWindowMs: 2 * HOUR, pauseOnFailure: true },
      state: { paused: false, limitedActions: false },
      info: { numActions: 0, recentActions: [], runningWorkflows: [] },
    });
    const times = d.info.nextActionTimes.map((t) => Date.parse(t));
    expect(times).toHaveLength(10);
    expect(times[0]).toBeGreaterThan(Date.now() - 5000);
    for (const [i, t] of times.entries()) {
      expect(new Date(t).toISOString().slice(11)).toBe('04:00:00.000Z');
      if (i > 0) expect(t - times[i - 1]!).toBe(DAY);
    }

    const table = await ok(['describe', '--schedule-id', scheduleId]);
    expect(table).toMatch(field('ScheduleId', scheduleId));
    expect(table).toMatch(field('Spec', "cron '30 9 * * *' (Asia/Kolkata)"));
    expect(table).toMatch(field('State', 'active'));
    expect(table).toMatch(field('WorkflowType', 'quick'));
    expect(table).toMatch(field('TaskQueue', TQ));
    expect(table).toMatch(field('WorkflowIdPrefix', scheduleId));
    expect(table).toMatch(field('Input', '[1,"two"]'));
    expect(table).toMatch(field('OverlapPolicy', 'BUFFER_ONE'));
    expect(table).toMatch(field('CatchupWindow', '2h'));
    expect(table).toMatch(field('PauseOnFailure', 'true'));
    expect(table).toMatch(field('Actions', '0'));
    expect(table).toContain(`Next action times:\n${d.info.nextActionTimes.map((t) => `  ${t}\n`).join('')}\n`);
    expect(table).toMatch(/Recent actions:\n\(none\)\n\nRunning workflows:\n\(none\)\n$/);

    const listed = await okJson<ScheduleSummary[]>(['list']);
    const mine = listed.find((s) => s.scheduleId === scheduleId);
    expect(mine).toMatchObject({ paused: false, workflowType: 'quick', specDescription: d.specDescription });
    expect(d.info.nextActionTimes.slice(0, 2)).toContain(mine?.nextActionTime);
    const listTable = await ok(['list']);
    expect(listTable).toMatch(/Schedule id .*State .*Workflow type .*Spec .*Next run .*Last action/);
    expect(listTable).toMatch(
      new RegExp(`│ ${scheduleId} +│ active +│ quick +│ cron '30 9 \\* \\* \\*' \\(Asia/Kolkata\\) +│ \\S+T04:00:00`),
    );
  }, 120_000);

  it('intervals with offsets (repeatable) and a calendar', async () => {
    const scheduleId = uid('interval');
    expect(
      await okJson([
        'create',
        '-s',
        scheduleId,
        '--interval',
        '1h/15m',
        '--interval',
        '1h/45m',
        '--type',
        'quick',
        '--task-queue',
        TQ,
      ]),
    ).toEqual({ scheduleId, created: true });
    const d = await describeJson(scheduleId);
    expect(d.spec).toEqual({
      intervals: [
        { every: '1h', offset: '15m' },
        { every: '1h', offset: '45m' },
      ],
    });
    expect(d.specDescription).toBe('every 1h offset 15m; every 1h offset 45m');
    const times = d.info.nextActionTimes.map((t) => Date.parse(t));
    expect(times).toHaveLength(10);
    for (const [i, t] of times.entries()) {
      expect([15, 45]).toContain((t % HOUR) / 60_000);
      if (i > 0) expect(t - times[i - 1]!).toBe(HOUR / 2);
    }

    const calendarId = uid('calendar');
    await ok([
      'create',
      '-s',
      calendarId,
      '--calendar',
      '{"hour": 12, "minute": 30, "dayOfWeek": "MONDAY", "comment": "weekly"}',
      '--type',
      'quick',
      '-t',
      TQ,
    ]);
    const c = await describeJson(calendarId);
    expect(c.specDescription).toBe("calendar second 0, minute 30, hour 12, dayOfWeek MON 'weekly' (UTC)");
    for (const t of c.info.nextActionTimes) {
      expect(new Date(t).getUTCDay()).toBe(1);
      expect(t.slice(11)).toBe('12:30:00.000Z');
    }
    expect(Date.parse(c.info.nextActionTimes[1]!) - Date.parse(c.info.nextActionTimes[0]!)).toBe(7 * DAY);
  }, 120_000);
});

describe('weft schedule pause / unpause / trigger / backfill', () => {
  it('pause and unpause change the state, shown by describe and list', async () => {
    const scheduleId = uid('pause');
    await ok(['create', '-s', scheduleId, '--interval', '1d', '--type', 'quick', '-t', TQ]);
    expect(await ok(['pause', '-s', scheduleId, '--note', 'maintenance window'])).toBe(
      `Paused schedule ${scheduleId}\n`,
    );
    let d = await describeJson(scheduleId);
    expect(d.state).toMatchObject({ paused: true, note: 'maintenance window' });
    expect(d.info.nextActionTimes).toEqual([]);
    const table = await ok(['describe', '-s', scheduleId]);
    expect(table).toMatch(field('State', 'paused'));
    expect(table).toMatch(field('Note', 'maintenance window'));
    expect(table).toContain('Next action times:\n  (none while paused)\n');
    expect(await ok(['list'])).toMatch(new RegExp(`│ ${scheduleId} +│ paused +│ quick +│ every 1d +│ +│`));

    expect(await okJson(['unpause', '-s', scheduleId])).toEqual({ scheduleId, paused: false });
    d = await describeJson(scheduleId);
    expect(d.state).toMatchObject({ paused: false, note: 'unpaused' });
    expect(d.info.nextActionTimes).toHaveLength(10);
    const mine = (await okJson<ScheduleSummary[]>(['list'])).find((s) => s.scheduleId === scheduleId);
    expect(mine).toMatchObject({ paused: false, nextActionTime: d.info.nextActionTimes[0] });
    expect(await okJson(['pause', '-s', scheduleId])).toEqual({ scheduleId, paused: true });
    expect((await describeJson(scheduleId)).state).toMatchObject({ paused: true, note: 'paused' });
  }, 120_000);

  it('trigger starts a workflow at once, also while paused, with the id prefix; describe shows it', async () => {
    const scheduleId = uid('trigger');
    const prefix = uid('nightly');
    await ok([
      'create',
      '-s',
      scheduleId,
      '--cron',
      '0 0 1 1 *',
      '--paused',
      '--note',
      'manual only',
      '--type',
      'quick',
      '-t',
      TQ,
      '--workflow-id',
      prefix,
      '--input',
      '{"n": 1}',
    ]);
    expect(await ok(['trigger', '-s', scheduleId])).toBe(`Triggered schedule ${scheduleId}\n`);
    const [started] = await waitFor(
      async () => {
        const w = await workflowsOf(prefix);
        return w.length === 1 && w[0]!.status === 'COMPLETED' ? w : undefined;
      },
      20_000,
      'the triggered workflow to complete',
    );
    expect(started!.workflowId).toMatch(
      new RegExp(`^${prefix}-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{3})?Z$`),
    );
    expect(await ts.client.workflow.getHandle(started!.workflowId).result()).toEqual({
      x: { n: 1 },
      workflowId: started!.workflowId,
    });
    const d = await waitFor(async () => {
      const x = await describeJson(scheduleId);
      return x.info.recentActions[0]?.status === 'Completed' ? x : undefined;
    });
    expect(d.state).toMatchObject({ paused: true, note: 'manual only' });
    expect(d.info.numActions).toBe(1);
    expect(d.info.recentActions).toEqual([expect.objectContaining({ workflowId: started!.workflowId })]);
    const table = await ok(['describe', '-s', scheduleId]);
    expect(table).toMatch(field('WorkflowIdPrefix', prefix));
    expect(table).toMatch(new RegExp(`│ \\S+ +│ \\S+ +│ ${started!.workflowId} +│ Completed +│`));

    // a workflow that keeps running: describe lists it under running workflows
    const longId = uid('trigger-long');
    await ok(['create', '-s', longId, '--interval', '1d', '--paused', '--type', 'untilReleased', '-t', TQ]);
    expect(await okJson(['trigger', '-s', longId, '--overlap-policy', 'allow_all'])).toEqual({
      scheduleId: longId,
      triggered: true,
      overlap: 'ALLOW_ALL',
    });
    const running = await waitFor(async () => (await describeJson(longId)).info.runningWorkflows[0]);
    expect(running.workflowId.startsWith(`${longId}-`)).toBe(true);
    const longTable = await ok(['describe', '-s', longId]);
    expect(longTable).toMatch(new RegExp(`Running workflows:\\n[^]*│ ${running.workflowId} +│ ${running.runId} +│`));
    expect(await ok(['list'])).toMatch(new RegExp(`│ ${longId} +│ paused +│ untilReleased +│ .*│ \\S+ Running +│`));
    await ts.client.workflow.getHandle(running.workflowId).signal('release');
    await waitFor(async () => (await describeJson(longId)).info.runningWorkflows.length === 0);
  }, 120_000);

  it('backfill takes the actions of a past range: one workflow per nominal time', async () => {
    const scheduleId = uid('backfill');
    await ok(['create', '-s', scheduleId, '--interval', '1h', '--paused', '--type', 'quick', '-t', TQ]);
    const end = Math.floor(Date.now() / HOUR) * HOUR - DAY;
    const start = end - 2 * HOUR;
    const [startIso, endIso] = [new Date(start).toISOString(), new Date(end).toISOString()];
    expect(
      await okJson([
        'backfill',
        '-s',
        scheduleId,
        '--start',
        startIso,
        '--end',
        endIso,
        '--overlap-policy',
        'ALLOW_ALL',
      ]),
    ).toEqual({ scheduleId, backfill: { start: startIso, end: endIso, overlap: 'ALLOW_ALL' } });
    const expected = [start, start + HOUR, end].map((t) => idOf(scheduleId, t));
    await waitFor(
      async () => {
        const w = await workflowsOf(scheduleId);
        return w.length === 3 && w.every((x) => x.status === 'COMPLETED');
      },
      20_000,
      'three backfilled workflows',
    );
    expect((await workflowsOf(scheduleId)).map((w) => w.workflowId)).toEqual(expected);
    const d = await waitFor(async () => {
      const x = await describeJson(scheduleId);
      return x.info.recentActions.filter((a) => a.status === 'Completed').length === 3 ? x : undefined;
    });
    expect(d.info.recentActions.map((a) => [a.scheduledAt, a.workflowId])).toEqual(
      [start, start + HOUR, end].map((t) => [new Date(t).toISOString(), idOf(scheduleId, t)]),
    );
    const table = await ok(['describe', '-s', scheduleId]);
    for (const id of expected) expect(table).toMatch(new RegExp(`│ ${id} +│ Completed +│`));
    // a range of the past with the table output, and the schedule's own overlap policy (SKIP): one more workflow
    const one = end - 5 * HOUR;
    const r = await ok([
      'backfill',
      '-s',
      scheduleId,
      '--start',
      new Date(one - 60_000).toISOString(),
      '--end',
      new Date(one + 60_000).toISOString(),
    ]);
    expect(r).toMatch(new RegExp(`^Backfill of schedule ${scheduleId} from .* requested\\n$`));
    await waitFor(async () => (await workflowsOf(scheduleId)).some((w) => w.workflowId === idOf(scheduleId, one)));
  }, 120_000);
});

describe('weft schedule update / delete', () => {
  it('update replaces what is given and keeps the rest', async () => {
    const scheduleId = uid('update');
    const prefix = uid('report');
    await ok([
      'create',
      '-s',
      scheduleId,
      '--cron',
      '0 3 * * *',
      '--timezone',
      'Europe/Berlin',
      '--type',
      'quick',
      '-t',
      TQ,
      '-w',
      prefix,
      '--input',
      '[7]',
      '--execution-timeout',
      '1h',
      '--overlap-policy',
      'BUFFER_ALL',
      '--catchup-window',
      '1d',
      '--note',
      'v1',
    ]);
    const before = await describeJson(scheduleId);
    const updated = await ok(['update', '-s', scheduleId, '--cron', '0 5 * * *']);
    expect(updated).toMatch(new RegExp(`^Updated schedule ${scheduleId}\\n`));
    expect(updated).toMatch(field('Spec', "cron '0 5 * * *' (Europe/Berlin)"));
    const after = await describeJson(scheduleId);
    expect(after.spec).toEqual({ cronExpressions: ['0 5 * * *'], timezone: 'Europe/Berlin' });
    expect(after.action).toEqual(before.action);
    expect(after.action).toMatchObject({ workflowId: prefix, args: [7], workflowExecutionTimeoutMs: HOUR });
    expect(after.policies).toEqual({ overlap: 'BUFFER_ALL', catchupWindowMs: DAY, pauseOnFailure: false });
    expect(after.state).toMatchObject({ paused: false, note: 'v1' });
    const berlinHour = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      hour: '2-digit',
      minute: '2-digit',
    });
    for (const t of after.info.nextActionTimes) expect(berlinHour.format(new Date(t))).toBe('05:00');

    // a trigger kind replaces the triggers; other flags replace their own field
    expect(
      await okJson([
        'update',
        '-s',
        scheduleId,
        '--interval',
        '2h',
        '--input',
        '"eight"',
        '--overlap-policy',
        'skip',
        '--pause-on-failure',
        '--remaining-actions',
        '2',
      ]),
    ).toEqual({ scheduleId, updated: true });
    const third = await describeJson(scheduleId);
    expect(third.spec).toEqual({ intervals: [{ every: '2h' }], timezone: 'Europe/Berlin' });
    expect(third.action).toEqual({ ...before.action, args: ['eight'] });
    expect(third.policies).toEqual({ overlap: 'SKIP', catchupWindowMs: DAY, pauseOnFailure: true });
    expect(third.state).toMatchObject({ limitedActions: true, remainingActions: 2 });
    expect(third.info.nextActionTimes).toHaveLength(2);
    expect(await ok(['describe', '-s', scheduleId])).toMatch(field('State', 'active, 2 actions left'));

    await ok(['update', '-s', scheduleId, '--no-pause-on-failure', '--type', 'untilReleased', '--timezone', 'UTC']);
    // a note alone sends the state: the limit goes with it (a state without remainingActions lifts it)
    await ok(['update', '-s', scheduleId, '--note', 'noted']);
    const fourth = await describeJson(scheduleId);
    expect(fourth.state).toMatchObject({ note: 'noted', limitedActions: true, remainingActions: 2 });
    expect(fourth.policies.pauseOnFailure).toBe(false);
    expect(fourth.action).toMatchObject({ workflowType: 'untilReleased', args: ['eight'], workflowId: prefix });
    expect(fourth.spec).toEqual({ intervals: [{ every: '2h' }], timezone: 'UTC' });
  }, 120_000);

  it('delete removes the schedule', async () => {
    const scheduleId = uid('delete');
    await ok(['create', '-s', scheduleId, '--interval', '1d', '--type', 'quick', '-t', TQ]);
    expect(await ok(['delete', '-s', scheduleId])).toBe(`Deleted schedule ${scheduleId}\n`);
    const [gone, again, listed] = await Promise.all([
      weft(['schedule', 'describe', '-s', scheduleId]),
      weft(['schedule', 'delete', '-s', scheduleId, '-o', 'json']),
      okJson<ScheduleSummary[]>(['list']),
    ]);
    expectError(gone, 'SCHEDULE_NOT_FOUND', new RegExp(`schedule "${scheduleId}" not found`));
    expectError(again, 'SCHEDULE_NOT_FOUND', new RegExp(scheduleId));
    expect(listed.map((s) => s.scheduleId)).not.toContain(scheduleId);
    const other = uid('delete-json');
    await ok(['create', '-s', other, '--interval', '1d', '--type', 'quick', '-t', TQ]);
    expect(await okJson(['delete', '-s', other])).toEqual({ scheduleId: other, deleted: true });
  }, 120_000);
});

describe('weft schedule: bad input', () => {
  it('each exits 1 with the code and names the flag and the field; nothing is created', async () => {
    const existing = uid('exists');
    await ok(['create', '-s', existing, '--interval', '1d', '--paused', '--type', 'quick', '-t', TQ]);
    const bad = uid('bad');
    const create = (...more: string[]) => ['schedule', 'create', '-s', bad, '--type', 'quick', '-t', TQ, ...more];
    const cases: Array<[string[], string, RegExp]> = [
      [
        ['schedule', 'create', '--cron', '0 * * * *', '--type', 'quick', '-t', TQ],
        'INVALID_ARGUMENT',
        /required option '-s, --schedule-id <id>' not specified/,
      ],
      [
        ['schedule', 'create', '-s', bad, '--cron', '0 * * * *', '-t', TQ],
        'INVALID_ARGUMENT',
        /required option '--type <name>'/,
      ],
      [create(), 'INVALID_ARGUMENT', /at least one of --cron, --interval or --calendar/],
      [create('--interval', '1h', '--input', '{not json'), 'INVALID_JSON', /--input is not valid JSON/],
      [
        create('--interval', '1h/15m/5s'),
        'INVALID_ARGUMENT',
        /--interval: expected EVERY or EVERY\/OFFSET, like '1h' or '1h\/15m', got "1h\/15m\/5s"/,
      ],
      [create('--interval', '/15m'), 'INVALID_ARGUMENT', /--interval: expected EVERY or EVERY\/OFFSET/],
      [create('--calendar', '{"hour": 9'), 'INVALID_JSON', /--calendar #1 is not valid JSON/],
      [create('--calendar', '[1]'), 'INVALID_ARGUMENT', /--calendar #1: expected a JSON object/],
      [
        create('--cron', '61 * * * *'),
        'INVALID_ARGUMENT',
        /--cron: spec\.cronExpressions\[0\]: invalid cron expression "61 \* \* \* \*"/,
      ],
      [
        create('--cron', '0 * * * *', '--cron', 'every day'),
        'INVALID_ARGUMENT',
        /--cron: spec\.cronExpressions\[1\]: invalid cron expression "every day"/,
      ],
      [
        create('--cron', '0 9 * * *', '--timezone', 'Mars/Olympus'),
        'INVALID_ARGUMENT',
        /--timezone: spec\.timezone: unknown time zone "Mars\/Olympus"/,
      ],
      [create('--interval', 'soon'), 'INVALID_ARGUMENT', /--interval: spec\.intervals\[0\]\.every: invalid duration/],
      [
        create('--interval', '500ms'),
        'INVALID_ARGUMENT',
        /spec\.intervals\[0\]\.every: "500ms" is shorter than 1000ms/,
      ],
      [create('--interval', '1h/2h'), 'INVALID_ARGUMENT', /spec\.intervals\[0\]\.offset: "2h" must be shorter/],
      [
        create('--calendar', '{"hour": 25}'),
        'INVALID_ARGUMENT',
        /--calendar: spec\.calendars\[0\]\.hour: invalid hour/,
      ],
      [
        create('--interval', '1h', '--overlap-policy', 'SOMETIMES'),
        'INVALID_ARGUMENT',
        /--overlap-policy: policies\.overlap: invalid overlap policy "SOMETIMES"; valid: SKIP, BUFFER_ONE/,
      ],
      [
        create('--interval', '1h', '--catchup-window', 'forever'),
        'INVALID_DURATION',
        /--catchup-window: policies\.catchupWindow: invalid duration "forever"/,
      ],
      [
        create('--interval', '1h', '--start-at', 'tomorrow'),
        'INVALID_ARGUMENT',
        /--start-at: spec\.startAt: invalid time/,
      ],
      [create('--interval', '1h', '--jitter', 'a bit'), 'INVALID_ARGUMENT', /--jitter: spec\.jitter: invalid duration/],
      [
        create('--interval', '1h', '--execution-timeout', 'long'),
        'INVALID_DURATION',
        /--execution-timeout: action\.workflowExecutionTimeout: invalid duration "long"/,
      ],
      [
        create('--interval', '1h', '--remaining-actions', 'some'),
        'INVALID_ARGUMENT',
        /--remaining-actions <n>' argument 'some' is invalid/,
      ],
      [
        ['schedule', 'create', '-s', existing, '--interval', '1h', '--type', 'quick', '-t', TQ],
        'SCHEDULE_ALREADY_EXISTS',
        new RegExp(`schedule "${existing}" already exists`),
      ],
      [['schedule', 'describe', '-s', bad], 'SCHEDULE_NOT_FOUND', new RegExp(`schedule "${bad}" not found`)],
      [['schedule', 'pause', '-s', bad], 'SCHEDULE_NOT_FOUND', new RegExp(bad)],
      [['schedule', 'unpause', '-s', bad], 'SCHEDULE_NOT_FOUND', new RegExp(bad)],
      [['schedule', 'trigger', '-s', bad], 'SCHEDULE_NOT_FOUND', new RegExp(bad)],
      [['schedule', 'update', '-s', bad, '--cron', '0 * * * *'], 'SCHEDULE_NOT_FOUND', new RegExp(bad)],
      [['schedule', 'describe'], 'INVALID_ARGUMENT', /required option '-s, --schedule-id <id>' not specified/],
      [['schedule', 'update', '-s', existing], 'INVALID_ARGUMENT', /nothing to update/],
      [
        ['schedule', 'update', '-s', existing, '--cron', '0 0 30 2 *'],
        'INVALID_ARGUMENT',
        /--cron: spec\.cronExpressions\[0\]: cron expression "0 0 30 2 \*" never matches/,
      ],
      [
        ['schedule', 'update', '-s', existing, '--overlap-policy', 'NEVER'],
        'INVALID_ARGUMENT',
        /--overlap-policy: policies\.overlap: invalid overlap policy "NEVER"/,
      ],
      [
        ['schedule', 'trigger', '-s', existing, '--overlap-policy', 'NEVER'],
        'INVALID_ARGUMENT',
        /--overlap-policy: overlap: invalid overlap policy "NEVER"/,
      ],
      [
        ['schedule', 'backfill', '-s', existing, '--start', 'yesterday', '--end', '2026-01-01T00:00:00Z'],
        'INVALID_ARGUMENT',
        /--start: backfills\[0\]\.start: invalid time "yesterday"/,
      ],
      [
        ['schedule', 'backfill', '-s', existing, '--start', '2026-01-02T00:00:00Z', '--end', '2026-01-01T00:00:00Z'],
        'INVALID_ARGUMENT',
        /--end: backfills\[0\]\.end: before its start/,
      ],
      [
        ['schedule', 'backfill', '-s', existing, '--start', '2026-01-01T00:00:00Z'],
        'INVALID_ARGUMENT',
        /required option '--end <time>' not specified/,
      ],
      [['schedule', 'list', '--output', 'yaml'], 'INVALID_ARGUMENT', /Allowed choices are table, json/],
    ];
    const results = await pooled(
      cases.map(
        ([args]) =>
          () =>
            weft(args),
      ),
    );
    results.forEach((r, i) => {
      const [args, code, message] = cases[i]!;
      try {
        expectError(r, code, message);
      } catch (e) {
        throw new Error(`weft ${args.join(' ')}: ${(e as Error).message}`);
      }
    });
    // none of the refused commands changed anything
    const listed = await okJson<ScheduleSummary[]>(['list']);
    expect(listed.map((s) => s.scheduleId)).not.toContain(bad);
    const d = await describeJson(existing);
    expect(d).toMatchObject({ spec: { intervals: [{ every: '1d' }] }, policies: { overlap: 'SKIP' } });
    expect(d.info.numActions).toBe(0);
    expect(await workflowsOf(existing)).toEqual([]);
  }, 180_000);
});
