/**
 * `weft workflow signal|query|replay` end to end, and `Worker.runReplayHistories`: a real server over HTTP on a
 * SQLite file, a worker running the v1 workflow code, and the CLI as child processes (from the sources, through
 * tsx, so no build is needed and the current code is what runs).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { History } from '../src/protocol/events.js';
import { DeterminismViolationError, Worker, type ReplayInput, type ReplayResult } from '../src/worker/index.js';
import { double, step } from './fixtures/activities.js';
import { runWeft, type CliResult } from './cli-runner.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const V1 = fixture('replay/workflows-v1.ts');
const BROKEN = fixture('replay/workflows-v2-broken.ts');
const COMPATIBLE = fixture('replay/workflows-v2-compatible.ts');
/** A stack trace line: expected errors must not print one. */
const STACK_LINE = /^\s+at .+/m;

type Result = CliResult;

let ts: TestServer;
let stopWorker: () => Promise<void>;
const queue = uid('replay-q');
const shipments: string[] = [];

/**
 * Runs `weft ...args` to its end against the test server. One test starts nine at once: on 2 busy cores each
 * CLI process (tsx) may take 20 s or more to answer, hence the bound.
 */
function weft(args: string[], timeoutMs = 50_000): Promise<CliResult> {
  return runWeft(ts.server.address, args, timeoutMs);
}

async function weftJson<T = Record<string, unknown>>(args: string[]): Promise<T> {
  const r = await weft([...args, '--output', 'json']);
  expect(r.stderr, r.stdout).toBe('');
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

const firstScheduled = (h: History): number => h.events.find((e) => e.eventType === 'ActivityTaskScheduled')!.eventId;

beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue: queue, workflowsPath: V1, activities: { step, double } }));
  for (let i = 1; i <= 3; i++) {
    const workflowId = uid(`ship${i}`);
    expect(await ts.client.workflow.execute('shipment', { taskQueue: queue, workflowId, args: [i] })).toBe((i + 1) * 2);
    shipments.push(workflowId);
  }
}, 60_000);

afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
}, 30_000);

describe('weft workflow signal / query', () => {
  it('signals a running workflow and queries its state, as table and as JSON, also after it closed', async () => {
    const workflowId = uid('sum');
    const handle = await ts.client.workflow.start('summer', { taskQueue: queue, workflowId, args: [10] });
    await waitFor(
      async () => (await handle.fetchHistory()).events.some((e) => e.eventType === 'WorkflowTaskCompleted'),
      20_000,
      'the first workflow task',
    );

    const q0 = await weft(['workflow', 'query', '--workflow-id', workflowId, '--name', 'total']);
    expect(q0.code, q0.stderr).toBe(0);
    expect(q0.stdout).toBe('0\n');

    // a single JSON value is the one argument; a JSON array is the argument list
    const s1 = await weft(['workflow', 'signal', '-w', workflowId, '--name', 'add', '--input', '5']);
    expect(s1.code, s1.stderr).toBe(0);
    expect(s1.stdout).toBe(`Signal add sent to workflow ${workflowId}\n`);
    const s2 = await weftJson(['workflow', 'signal', '-w', workflowId, '--name', 'add', '-i', '[7]']);
    expect(s2).toEqual({ workflowId, signal: 'add', sent: true });

    const total = await waitFor(
      async () => {
        const r = await weftJson<{ result: number }>(['workflow', 'query', '-w', workflowId, '--name', 'total']);
        return r.result === 12 ? r : undefined;
      },
      20_000,
      'both signals to be handled',
    );
    expect(total).toEqual({ workflowId, query: 'total', result: 12 });
    // query arguments: count (2) x 10
    const [times, timesArray] = await Promise.all([
      weft(['workflow', 'query', '-w', workflowId, '--name', 'countTimes', '--input', '10']),
      weftJson(['workflow', 'query', '-w', workflowId, '-r', handle.runId!, '--name', 'countTimes', '-i', '[10]']),
    ]);
    expect(times.stdout).toBe('20\n');
    expect(timesArray).toEqual({ workflowId, runId: handle.runId, query: 'countTimes', result: 20 });

    const fin = await weft(['workflow', 'signal', '-w', workflowId, '-r', handle.runId!, '--name', 'finish']);
    expect(fin.code, fin.stderr).toBe(0);
    expect(await handle.result()).toBe(12);
    const { events } = await handle.fetchHistory();
    expect(
      events
        .filter((e) => e.eventType === 'WorkflowExecutionSignaled')
        .map((e) => [
          (e.attributes as { signalName: string }).signalName,
          (e.attributes as { input: unknown[] }).input,
        ]),
    ).toEqual([
      ['add', [5]],
      ['add', [7]],
      ['finish', []],
    ]);
    // a closed run still answers queries from its final state
    expect(await weftJson(['workflow', 'query', '-w', workflowId, '--name', 'total'])).toMatchObject({ result: 12 });
    // unless --reject-condition turns the query away (Temporal's)
    const queryTotal = (condition: string): string[] => [
      'workflow',
      'query',
      '-w',
      workflowId,
      '--name',
      'total',
      '--reject-condition',
      condition,
    ];
    const rejected = await weft(queryTotal('not_open'));
    expectError(rejected, 'QUERY_REJECTED', /rejected: the run is COMPLETED \(--reject-condition not_open\)/);
    expect(await weftJson(queryTotal('not_completed_cleanly'))).toMatchObject({ result: 12 });
    expectError(await weft(queryTotal('sometimes')), 'INVALID_ARGUMENT', /--reject-condition/);
  }, 60_000);

  it('reports bad input and refused messages with a code and no stack trace', async () => {
    const running = uid('sum-bad');
    await ts.client.workflow.start('summer', { taskQueue: queue, workflowId: running, args: [100] });
    const closed = shipments[0]!;
    const [
      signalUnknown,
      queryUnknown,
      notRegistered,
      handlerFails,
      notRunning,
      signalBadJson,
      queryBadJson,
      noName,
      noWorkflowId,
    ] = await Promise.all([
      weft(['workflow', 'signal', '-w', 'no-such-workflow', '--name', 'add', '-i', '1']),
      weft(['workflow', 'query', '-w', 'no-such-workflow', '--name', 'total']),
      weft(['workflow', 'query', '-w', running, '--name', 'noSuchQuery']),
      weft(['workflow', 'query', '-w', running, '--name', 'startsAnActivity']),
      weft(['workflow', 'signal', '-w', closed, '--name', 'add', '-i', '1']),
      weft(['workflow', 'signal', '-w', running, '--name', 'add', '--input', '{not json']),
      weft(['workflow', 'query', '-w', running, '--name', 'countTimes', '--input', 'ten']),
      weft(['workflow', 'signal', '-w', running]),
      weft(['workflow', 'query', '--name', 'total']),
    ]);
    expectError(signalUnknown, 'WORKFLOW_NOT_FOUND', /no-such-workflow/);
    expectError(queryUnknown, 'WORKFLOW_NOT_FOUND', /no-such-workflow/);
    expectError(notRegistered, 'QUERY_NOT_REGISTERED', /noSuchQuery/);
    expectError(handlerFails, 'QUERY_FAILED', /query startsAnActivity on workflow \S+ failed/);
    expectError(notRunning, 'WORKFLOW_NOT_RUNNING', new RegExp(`${closed} .*is Completed`));
    expectError(signalBadJson, 'INVALID_JSON', /--input is not valid JSON/);
    expectError(queryBadJson, 'INVALID_JSON', /to pass a string, quote it/);
    expectError(noName, 'INVALID_ARGUMENT', /required option '--name <name>' not specified/);
    expectError(noWorkflowId, 'INVALID_ARGUMENT', /required option '-w, --workflow-id <id>' not specified/);
    for (const r of [signalUnknown, notRegistered, notRunning, signalBadJson, noName]) expect(r.stdout).toBe('');
    // nothing reached the running workflow
    const { events } = await ts.client.workflow.getHandle(running).fetchHistory();
    expect(events.filter((e) => e.eventType === 'WorkflowExecutionSignaled')).toEqual([]);
    await ts.client.workflow.getHandle(running).terminate('test over');
  }, 90_000);
});

describe('weft workflow replay', () => {
  it('replays every execution against the code that ran them, and against a compatible change: exit 0', async () => {
    const { count } = await ts.client.workflow.count();
    expect(count).toBeGreaterThanOrEqual(5);
    const [same, compatible] = await Promise.all([
      weft(['workflow', 'replay', '--workflows', V1]),
      weft(['workflow', 'replay', '--workflows', COMPATIBLE]),
    ]);
    for (const r of [same, compatible]) {
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(`${count} replayed, 0 failed`);
      expect(r.stdout.match(/^ok {6}\S+ {2}run \S+ {2}(shipment|summer)$/gm)).toHaveLength(count);
      for (const id of shipments) expect(r.stdout).toMatch(new RegExp(`^ok {6}${id}  run \\S+  shipment$`, 'm'));
    }
    expect(same.stdout).toMatch(/^Replaying against the workflow code in .*workflows-v1\.ts$/m);
  }, 60_000);

  it('a broken change: exit 1, each failure with its workflow id, event id and both commands', async () => {
    const histories = await Promise.all(shipments.map((id) => ts.client.workflow.getHandle(id).fetchHistory()));
    const r = await weft(['workflow', 'replay', '--workflows', BROKEN, '--query', "WorkflowType = 'shipment'"]);
    expectError(r, 'REPLAY_FAILED', /3 of 3 replayed histories do not replay with the workflow code in .*broken\.ts/);
    expect(r.stdout).toContain('3 replayed, 3 failed');
    expect(r.stdout).not.toMatch(/^ok/m);
    shipments.forEach((id, i) => {
      const block = new RegExp(
        `^FAILED  ${id}  run \\S+  shipment\\n` +
          ` +workflow id: +${id}\\n` +
          ` +event id: +${firstScheduled(histories[i]!)}\\n` +
          ` +history recorded: +ActivityTaskScheduled seq=\\d+ activityType=step activityId=\\S+\\n` +
          ` +code produced: +StartTimer seq=\\d+ duration=1000ms\\n`,
        'm',
      );
      expect(r.stdout).toMatch(block);
    });

    // everything: the summer runs still replay, only the shipments fail
    const all = await weft(['workflow', 'replay', '--workflows', BROKEN]);
    const { count } = await ts.client.workflow.count();
    expectError(all, 'REPLAY_FAILED', new RegExp(`3 of ${count} replayed`));
    expect(all.stdout).toContain(`${count} replayed, 3 failed`);
    expect(all.stdout.match(/^ok {6}\S+ {2}run \S+ {2}summer$/gm)).toHaveLength(count - 3);

    // --output json: the machine-readable report, still exit 1
    const json = await weft([
      'workflow',
      'replay',
      '--workflows',
      BROKEN,
      '-q',
      "WorkflowType = 'shipment'",
      '-o',
      'json',
    ]);
    expectError(json, 'REPLAY_FAILED');
    const report = JSON.parse(json.stdout) as {
      workflowsPath: string;
      replayed: number;
      failed: number;
      results: Array<{
        workflowId: string;
        runId: string;
        workflowType: string;
        status: string;
        error: { name: string; message: string; eventId: number; expected: object; produced: object };
      }>;
    };
    expect(report).toMatchObject({ workflowsPath: BROKEN, replayed: 3, failed: 3 });
    expect(report.results.map((x) => x.workflowId).sort()).toEqual([...shipments].sort());
    for (const x of report.results) {
      const i = shipments.indexOf(x.workflowId);
      expect(x).toMatchObject({
        workflowType: 'shipment',
        status: 'failed',
        error: {
          name: 'DeterminismViolationError',
          eventId: firstScheduled(histories[i]!),
          expected: { kind: 'ActivityTaskScheduled', detail: expect.stringContaining('activityType=step') },
          produced: { kind: 'StartTimer', detail: 'duration=1000ms' },
        },
      });
      expect(x.runId).toMatch(/\S{8,}/);
      expect(x.error.message).toContain('Nondeterminism');
    }
  }, 60_000);

  it('--query, --workflow-id and --limit select the executions replayed', async () => {
    const [second, third] = [shipments[1]!, shipments[2]!];
    const runId = (await ts.client.workflow.getHandle(third).describe()).runId;
    const [byQuery, byId, byRun, limited] = await Promise.all([
      weftJson<{ replayed: number; results: Array<{ workflowId: string; status: string }> }>([
        'workflow',
        'replay',
        '--workflows',
        V1,
        '--query',
        `WorkflowId = '${second}'`,
      ]),
      weft(['workflow', 'replay', '--workflows', BROKEN, '--workflow-id', third]),
      weftJson<{ results: Array<{ runId: string }> }>([
        'workflow',
        'replay',
        '--workflows',
        V1,
        '-w',
        third,
        '-r',
        runId,
      ]),
      weft(['workflow', 'replay', '--workflows', V1, '--limit', '2']),
    ]);
    expect(byQuery.replayed).toBe(1);
    expect(byQuery.results).toEqual([expect.objectContaining({ workflowId: second, status: 'ok' })]);
    expectError(byId, 'REPLAY_FAILED', /1 of 1 replayed/);
    expect(byId.stdout).toContain(`FAILED  ${third}  run ${runId}  shipment`);
    expect(byId.stdout).not.toContain(second);
    expect(byRun.results).toEqual([expect.objectContaining({ runId })]);
    expect(limited.code, limited.stderr).toBe(0);
    expect(limited.stdout).toContain('2 replayed, 0 failed');

    const none = await weft(['workflow', 'replay', '--workflows', BROKEN, '-q', "WorkflowType = 'nothingLikeThis'"]);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toContain('(no executions matched)\n0 replayed, 0 failed');
  }, 60_000);

  it('--history-file replays an exported history (from `weft workflow history --output json`)', async () => {
    const id = shipments[0]!;
    const exported = await weft(['workflow', 'history', '-w', id, '--output', 'json']);
    expect(exported.code, exported.stderr).toBe(0);
    const file = path.join(ts.dir, 'history.json');
    writeFileSync(file, exported.stdout);
    const notJson = path.join(ts.dir, 'not-json.json');
    writeFileSync(notJson, '{"events": [');
    const notHistory = path.join(ts.dir, 'not-history.json');
    writeFileSync(notHistory, '{"workflows": []}');

    const [ok, broken, twice, badJson, badShape, missing] = await Promise.all([
      weft(['workflow', 'replay', '--workflows', V1, '--history-file', file]),
      weft(['workflow', 'replay', '--workflows', BROKEN, '--history-file', file]),
      weftJson<{ replayed: number; results: Array<{ workflowId: string; status: string }> }>([
        'workflow',
        'replay',
        '--workflows',
        V1,
        '--history-file',
        file,
        '--history-file',
        file,
        // an unreachable server: history files need none
        '--address',
        'http://127.0.0.1:9',
      ]),
      weft(['workflow', 'replay', '--workflows', V1, '--history-file', notJson]),
      weft(['workflow', 'replay', '--workflows', V1, '--history-file', notHistory]),
      weft(['workflow', 'replay', '--workflows', V1, '--history-file', path.join(ts.dir, 'missing.json')]),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^ok {6}${id}  shipment$`, 'm'));
    expect(ok.stdout).toContain('1 replayed, 0 failed');
    expectError(broken, 'REPLAY_FAILED');
    const eventId = firstScheduled(JSON.parse(exported.stdout) as History);
    expect(broken.stdout).toMatch(
      new RegExp(`^FAILED  ${id}  shipment\\n +workflow id: +${id}\\n +event id: +${eventId}\\n`, 'm'),
    );
    expect(broken.stdout).toMatch(/history recorded: +ActivityTaskScheduled .*\n +code produced: +StartTimer /);
    expect(twice.replayed).toBe(2);
    expect(twice.results.map((x) => [x.workflowId, x.status])).toEqual([
      [id, 'ok'],
      [id, 'ok'],
    ]);
    expectError(badJson, 'INVALID_JSON', /not-json\.json is not valid JSON/);
    expectError(badShape, 'INVALID_ARGUMENT', /not-history\.json is not a history/);
    expectError(missing, 'INVALID_ARGUMENT', /cannot read .*missing\.json/);
    for (const r of [badJson, badShape, missing]) expect(r.stdout).not.toMatch(/replayed/);
    expect(missing.stdout).toBe('');
  }, 60_000);

  it('code that does not bundle, and conflicting flags, fail before anything is replayed', async () => {
    const [bundle, noFile, conflict, runWithoutId] = await Promise.all([
      weft(['workflow', 'replay', '--workflows', fixture('bad-imports/workflows.ts')]),
      weft(['workflow', 'replay', '--workflows', fixture('replay/no-such-file.ts')]),
      weft(['workflow', 'replay', '--workflows', V1, '--query', "WorkflowType = 'x'", '--workflow-id', 'x']),
      weft(['workflow', 'replay', '--workflows', V1, '--run-id', 'r']),
    ]);
    expectError(bundle, 'WORKFLOW_BUNDLE_ERROR', /node:fs/);
    expect(bundle.stdout).toBe('');
    expectError(noFile, 'INVALID_ARGUMENT', /--workflows: no such file/);
    expectError(conflict, 'INVALID_ARGUMENT', /cannot be used with/);
    expectError(runWithoutId, 'INVALID_ARGUMENT', /--run-id needs --workflow-id/);
  }, 60_000);
});

describe('Worker.runReplayHistories', () => {
  it('yields one result per history, in order, pulling histories one at a time and going past failures', async () => {
    let summerId = '';
    for await (const e of ts.client.workflow.list({
      query: "WorkflowType = 'summer' AND ExecutionStatus = 'Completed'",
    }))
      summerId = e.workflowId;
    expect(summerId).not.toBe('');
    const ids = [...shipments, summerId];
    let pulled = 0;
    async function* source(): AsyncGenerator<ReplayInput> {
      for (const workflowId of ids) {
        const handle = ts.client.workflow.getHandle(workflowId);
        const runId = (await handle.describe()).runId;
        pulled++;
        yield { workflowId, runId, history: await handle.fetchHistory() };
      }
      pulled++;
      yield { events: [] } as History; // not a replayable history: reported, not thrown
    }
    const results: Array<ReplayResult & { pulledBefore: number }> = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: BROKEN }, source()))
      results.push({ ...r, pulledBefore: pulled });
    expect(results.map((r) => r.pulledBefore)).toEqual([1, 2, 3, 4, 5]);
    expect(results.map((r) => r.workflowId)).toEqual([...ids, 'unknown']);
    expect(results.map((r) => r.workflowType)).toEqual(['shipment', 'shipment', 'shipment', 'summer', undefined]);
    for (const r of results.slice(0, 3)) {
      expect(r.runId).toMatch(/\S{8,}/);
      expect(r.error).toBeInstanceOf(DeterminismViolationError);
      const e = r.error as DeterminismViolationError;
      expect(e.workflowId).toBe(r.workflowId);
      expect(e.runId).toBe(r.runId);
      expect(e.expected).toMatchObject({ kind: 'ActivityTaskScheduled' });
      expect(e.produced).toMatchObject({ kind: 'StartTimer' });
    }
    expect(results[3]!.error).toBeUndefined();
    expect(results[4]!.error?.message).toMatch(/WorkflowExecutionStarted/);

    // a plain iterable of histories (no ids): the workflow id comes from the history, the run id is unknown
    const history = await ts.client.workflow.getHandle(shipments[0]!).fetchHistory();
    const plain: ReplayResult[] = [];
    for await (const r of Worker.runReplayHistories({ workflowsPath: V1 }, [history, history])) plain.push(r);
    expect(plain).toEqual([
      { workflowId: shipments[0], runId: '', workflowType: 'shipment' },
      { workflowId: shipments[0], runId: '', workflowType: 'shipment' },
    ]);

    // runReplayHistory still throws on a mismatch
    await expect(Worker.runReplayHistory({ workflowsPath: V1 }, history)).resolves.toBeUndefined();
    await expect(Worker.runReplayHistory({ workflowsPath: BROKEN }, history)).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  }, 60_000);
});
