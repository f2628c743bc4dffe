/**
 * The `weft` CLI, end to end: the BUILT binary (`npm run build` first) against a real server and a real
 * worker, each its own child process, as a user would run them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Worker } from '../src/worker/index.js';
import type { History } from '../src/protocol/events.js';
import { cliEnv, CliProcess } from './cli-runner.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const FIXTURES = path.join(ROOT, 'test/fixtures/cli');
const WORKFLOWS = path.join(FIXTURES, 'workflows.ts');
const ACTIVITIES = path.join(FIXTURES, 'activities.ts');
const QUEUE = `cli-q-${process.pid}`;
/** A stack trace line: expected errors must not print one. */
const STACK_LINE = /^\s+at .+/m;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children = new Set<CliProcess>();
let address = '';

function childEnv(): NodeJS.ProcessEnv {
  return cliEnv({ WEFT_ADDRESS: address });
}

function spawnCli(args: string[]): CliProcess {
  const p = new CliProcess(
    spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  children.add(p);
  return p;
}

/** Runs one CLI command to its end (killed after `timeoutMs`). */
async function weft(args: string[], timeoutMs = 20_000): Promise<Result> {
  const p = spawnCli(args);
  try {
    const code = await p.waitForExit(timeoutMs);
    return { code, stdout: p.stdout, stderr: p.stderr };
  } finally {
    await p.kill();
    children.delete(p);
  }
}

async function weftJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await weft([...args, '--output', 'json']);
  expect(r.stderr, r.stdout).not.toMatch(/Error:/);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** An expected failure: exit 1, one `Error: ... (CODE)` line naming the code, no stack trace. */
function expectError(r: Result, code: string, message?: RegExp): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^Error: .+ \\(${code}\\)$`, 'm'));
  if (message) expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(STACK_LINE);
}

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

async function until<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

let dir = '';
let server: CliProcess;
let worker: CliProcess;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` before these tests`);
  dir = mkdtempSync(path.join(tmpdir(), 'weft-cli-'));
  server = spawnCli([
    'server',
    'start-dev',
    '--db',
    path.join(dir, 'weft.db'),
    '--port',
    '0',
    '--headless',
    '--log-level',
    'warn',
  ]);
  address = (await server.waitForOutput(/listening on (http:\/\/[\d.]+:\d+)/))[1]!;
  // the worker the workflow tests run on: TypeScript workflows and activities, no loader
  worker = spawnCli([
    'worker',
    'start',
    '--task-queue',
    QUEUE,
    '--workflows',
    WORKFLOWS,
    '--activities',
    ACTIVITIES,
    '--log-level',
    'warn',
  ]);
  await worker.waitForOutput(/^Worker \S+ polling task queue/m, 30_000);
  expect(worker.stdout).toMatch(/activities greet, hang, punctuate, shout/);
}, 45_000);

afterAll(async () => {
  await Promise.all([...children].map((c) => c.kill()));
  if (dir) rmSync(dir, { recursive: true, force: true });
  // the activities bundle is a temp file next to its source, removed once imported
  expect(readdirSync(FIXTURES).filter((f) => f.startsWith('.weft-activities-'))).toEqual([]);
}, 20_000);

describe('weft CLI', () => {
  it('server health answers ok, and --headless serves no UI', async () => {
    const r = await weft(['server', 'health']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Status\s+ok/);
    expect((await fetch(`${address}/`)).status).toBe(404);
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
  });

  it('worker health fails while no worker serves the queue, passes once one does; SIGTERM stops the worker', async () => {
    const queue = `${QUEUE}-health`;
    expectError(
      await weft(['worker', 'health', '--task-queue', queue]),
      'NO_WORKERS',
      new RegExp(`no worker is polling task queue ${queue}`),
    );

    const w = spawnCli(['worker', 'start', '-t', queue, '--activities', ACTIVITIES, '--identity', 'health-probe']);
    await w.waitForOutput(/^Worker health-probe polling task queue/m, 30_000);
    const h = await until(async () => {
      const d = await weftJson<{ healthy: boolean; pollers: Array<{ identity: string; polling: boolean }> }>([
        'worker',
        'health',
        '-t',
        queue,
      ]);
      return d.pollers.some((p) => p.polling) ? d : undefined;
    }, 'the worker to poll');
    expect(h.healthy).toBe(true);
    expect(h.pollers.map((p) => p.identity)).toEqual(['health-probe']);
    const table = await weft(['worker', 'health', '-t', queue]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ health-probe\s+│\s+│ \S+\s+│ yes/);

    w.child.kill('SIGTERM');
    expect(await w.waitForExit(15_000)).toBe(0);
    expect(w.stdout).toMatch(/Worker health-probe stopped/);
  }, 45_000);

  it('starts a workflow and prints its result', async () => {
    const started = await weftJson<{ workflowId: string; runId: string }>([
      'workflow',
      'start',
      '--type',
      'greeting',
      '--task-queue',
      QUEUE,
      '--workflow-id',
      'greet-1',
      '--input',
      '"Ada"',
    ]);
    expect(started.workflowId).toBe('greet-1');
    expect(started.runId).toMatch(/\S{8,}/);
    const r = await weft(['workflow', 'result', '--workflow-id', 'greet-1']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toBe('HELLO, ADA!');
  });

  it('executes a workflow: a JSON array is the argument list', async () => {
    const out = await weftJson([
      'workflow',
      'execute',
      '--type',
      'greeting',
      '-t',
      QUEUE,
      '-w',
      'greet-2',
      '-i',
      '["Bob", "?"]',
    ]);
    expect(out).toMatchObject({ workflowId: 'greet-2', status: 'Completed', result: 'HELLO, BOB?' });
    const table = await weft([
      'workflow',
      'execute',
      '--type',
      'greeting',
      '-t',
      QUEUE,
      '-w',
      'greet-3',
      '-i',
      '["Cy"]',
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/WorkflowId\s+greet-3/);
    expect(table.stdout).toContain('"HELLO, CY!"');
  });

  it('a failed workflow: execute and result print the failure and exit 1', async () => {
    const r = await weft([
      'workflow',
      'execute',
      '--type',
      'greeting',
      '-t',
      QUEUE,
      '-w',
      'greet-fail',
      '-i',
      '["Dee", "fail"]',
    ]);
    expectError(r, 'WORKFLOW_FAILED', /workflow greet-fail .*failed: ActivityFailure/);
    expect(r.stderr).toMatch(/caused by: ApplicationFailure \[Error\]: punctuation refused/);
    const json = await weft(['workflow', 'result', '-w', 'greet-fail', '-o', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'Failed',
      failure: { kind: 'activity', cause: { message: 'punctuation refused' } },
    });
  });

  it('describes a running workflow with its pending activity, then cancels it', async () => {
    await weftJson(['workflow', 'start', '--type', 'hanging', '-t', QUEUE, '-w', 'hang-1']);
    const d = await until(async () => {
      const x = await weftJson<{
        execution: { status: string };
        pendingActivities: Array<{ activityType: string; state: string }>;
      }>(['workflow', 'describe', '-w', 'hang-1']);
      return x.pendingActivities[0]?.state === 'STARTED' ? x : undefined;
    }, 'the hang activity to start');
    expect(d.execution.status).toBe('Running');
    expect(d.pendingActivities[0]!.activityType).toBe('hang');

    const table = await weft(['workflow', 'describe', '-w', 'hang-1']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/Status\s+Running/);
    expect(table.stdout).toMatch(/Pending activities:[\s\S]*│ 1\s+│ hang\s+│ STARTED/);

    const c = await weft(['workflow', 'cancel', '-w', 'hang-1', '--reason', 'test over']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain('Cancellation requested for workflow hang-1');
    expectError(
      await weft(['workflow', 'result', '-w', 'hang-1']),
      'WORKFLOW_CANCELLED',
      /workflow hang-1 .*was cancelled/,
    );
  });

  it('terminates a workflow', async () => {
    await weftJson(['workflow', 'start', '--type', 'sleeper', '-t', QUEUE, '-w', 'sleep-1', '-i', '600000']);
    const t = await weft(['workflow', 'terminate', '-w', 'sleep-1', '--reason', 'no more sleep']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('Terminated workflow sleep-1');
    expectError(
      await weft(['workflow', 'result', '-w', 'sleep-1']),
      'WORKFLOW_TERMINATED',
      /was terminated: no more sleep/,
    );
    const d = await weftJson<{ execution: { status: string } }>(['workflow', 'describe', '-w', 'sleep-1']);
    expect(d.execution.status).toBe('Terminated');
  });

  it('lists and counts with a query', async () => {
    const [all, completed, count, limited] = await Promise.all([
      weftJson<Array<{ workflowId: string; status: string }>>([
        'workflow',
        'list',
        '--query',
        "WorkflowType = 'greeting'",
      ]),
      weft(['workflow', 'list', '-q', "WorkflowType = 'greeting' AND ExecutionStatus = 'Completed'"]),
      weft(['workflow', 'count', '-q', "ExecutionStatus = 'Completed'"]),
      weftJson<unknown[]>(['workflow', 'list', '--limit', '1']),
    ]);
    expect(all.map((e) => e.workflowId).sort()).toEqual(['greet-1', 'greet-2', 'greet-3', 'greet-fail']);
    expect(all.find((e) => e.workflowId === 'greet-fail')!.status).toBe('Failed');
    expect(completed.code).toBe(0);
    expect(completed.stdout).toMatch(/Workflow id.*Run id.*Type.*Status.*Start.*Close/);
    expect(completed.stdout).toMatch(/greet-2 .*greeting .*Completed/);
    expect(completed.stdout).not.toContain('greet-fail');
    expect(count.stdout.trim()).toBe('3');
    expect(limited).toHaveLength(1);
    expect(await weftJson(['workflow', 'count', '-q', "WorkflowType = 'hanging'"])).toEqual({ count: 1 });
  });

  it('history --output json is { events } and replays against the workflow code', async () => {
    const r = await weft(['workflow', 'history', '-w', 'greet-1', '--output', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const history = JSON.parse(r.stdout) as History;
    expect(Object.keys(history)).toEqual(['events']);
    expect(history.events.map((e) => e.eventId)).toEqual(history.events.map((_, i) => i + 1));
    expect(history.events[0]!.eventType).toBe('WorkflowExecutionStarted');
    expect(history.events.at(-1)!.eventType).toBe('WorkflowExecutionCompleted');
    expect(history.events.filter((e) => e.eventType === 'ActivityTaskCompleted')).toHaveLength(3);
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS }, history);

    const table = await weft(['workflow', 'history', '-w', 'greet-1']);
    expect(table.stdout).toMatch(/│ 1\s+│ \S+\s+│ WorkflowExecutionStarted\s+│ workflowType=greeting/);
    expect(table.stdout).toMatch(/ActivityTaskScheduled\s+│ activityId=\d+ activityType=greet\b/);
  });

  it('registers a workflow type, which can then be started', async () => {
    const reg = await weftJson([
      'workflow',
      'register',
      '--type',
      'registeredOnly',
      '--task-queue',
      'cli-elsewhere',
      '--description',
      'by hand',
      '--run-timeout',
      '5m',
    ]);
    expect(reg).toMatchObject({
      workflowType: 'registeredOnly',
      taskQueue: 'cli-elsewhere',
      description: 'by hand',
      defaults: { workflowRunTimeout: '5m' },
    });
    const types = await weftJson<Array<{ workflowType: string }>>(['workflow', 'list-types']);
    expect(types.map((t) => t.workflowType)).toEqual(
      expect.arrayContaining(['greeting', 'hanging', 'sleeper', 'registeredOnly']),
    );
    const started = await weftJson<{ workflowId: string }>([
      'workflow',
      'start',
      '--type',
      'registeredOnly',
      '--workflow-id',
      'reg-1',
    ]);
    expect(started.workflowId).toBe('reg-1');
    const d = await weftJson<{ execution: { taskQueue: string; status: string } }>([
      'workflow',
      'describe',
      '-w',
      'reg-1',
    ]);
    expect(d.execution).toMatchObject({ taskQueue: 'cli-elsewhere', status: 'Running' });
  });

  it('reports bad input with a code and no stack trace', async () => {
    const port = await closedPort();
    const [
      badJson,
      notFound,
      badQuery,
      badDuration,
      badRegDuration,
      unknownType,
      unreachable,
      badFlag,
      missingFlag,
      noCode,
      badHeap,
    ] = await Promise.all([
      weft(['workflow', 'start', '--type', 'greeting', '-t', QUEUE, '--input', '{not json']),
      weft(['workflow', 'describe', '--workflow-id', 'no-such-workflow']),
      weft(['workflow', 'list', '--query', "WorkflowType = 'x' AND"]),
      weft(['workflow', 'start', '--type', 'greeting', '-t', QUEUE, '--execution-timeout', 'soonish']),
      weft(['workflow', 'register', '--type', 'greeting2', '-t', QUEUE, '--task-timeout', '12 parsecs']),
      weft(['workflow', 'start', '--type', 'neverRegistered']),
      weft(['workflow', 'list', '--address', `http://127.0.0.1:${port}`]),
      weft(['workflow', 'list', '--bogus']),
      weft(['worker', 'start', '--task-queue', QUEUE]),
      weft(['workflow', 'result', '-w', 'no-such-workflow']),
      weft(['worker', 'start', '-t', QUEUE, '--activities', ACTIVITIES, '--heap-growing-percent', '1001']),
    ]);
    expectError(badJson, 'INVALID_JSON', /--input is not valid JSON/);
    expectError(notFound, 'WORKFLOW_NOT_FOUND', /no-such-workflow/);
    expectError(badQuery, 'INVALID_QUERY');
    expectError(badDuration, 'INVALID_DURATION', /workflowExecutionTimeout: invalid duration "soonish"/);
    expectError(badRegDuration, 'INVALID_DURATION', /workflowTaskTimeout/);
    expectError(unknownType, 'UNKNOWN_WORKFLOW_TYPE', /neverRegistered/);
    expectError(unreachable, 'UNAVAILABLE', new RegExp(`cannot reach the Weft server at http://127.0.0.1:${port}`));
    expectError(badFlag, 'INVALID_ARGUMENT', /unknown option '--bogus'/);
    expectError(missingFlag, 'INVALID_ARGUMENT', /--workflows PATH, --activities PATH, or both/);
    expectError(noCode, 'WORKFLOW_NOT_FOUND');
    expectError(badHeap, 'INVALID_ARGUMENT', /--heap-growing-percent.*from 0 to 1000/);
    // nothing was started by the rejected commands
    expect(await weftJson(['workflow', 'count', '-q', `TaskQueue = '${QUEUE}' AND WorkflowType = 'greeting'`])).toEqual(
      { count: 4 },
    );
  }, 40_000);

  it('worker stop: the worker drains and exits 0', async () => {
    expect(worker.running).toBe(true);
    const r = await weft(['worker', 'stop', '--task-queue', QUEUE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Asked 1 worker\(s\) on task queue/);
    expect(await worker.waitForExit(15_000)).toBe(0);
    expect(worker.stdout).toMatch(/Worker \S+ stopped/);
  }, 30_000);

  it('a second server on the same database is refused, naming the one that serves it', async () => {
    const db = path.join(dir, 'weft.db');
    const r = await weft(['server', 'start-dev', '--db', db, '--port', '0', '--headless']);
    expectError(r, 'SERVER_RUNNING', new RegExp(`another Weft server \\(pid ${server.child.pid}, ${address}\\)`));
    expect(JSON.parse(readFileSync(`${db}.pid`, 'utf8'))).toMatchObject({ pid: server.child.pid, address });
  });

  it('server stop: needs the database the server serves; the server exits, and health then fails', async () => {
    expectError(
      await weft(['server', 'stop', '--db', path.join(dir, 'other.db')]),
      'NOT_RUNNING',
      /no Weft server is running on .*other\.db/,
    );
    expect(server.running).toBe(true);
    const r = await weft(['server', 'stop', '--db', path.join(dir, 'weft.db')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Weft server \(pid \d+, http:.+\) on .+weft\.db stopped/);
    expect(await server.waitForExit(15_000)).toBe(0);
    expect(existsSync(path.join(dir, 'weft.db.pid'))).toBe(false);
    expectError(await weft(['server', 'health']), 'UNAVAILABLE', /cannot reach the Weft server/);
  }, 30_000);
});
