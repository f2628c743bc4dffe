/**
 * The HTTP fuzzer against a real server process (issue 9): every operation of the OpenAPI document, one hostile
 * part per request and some hostile throughout. Zero 5xx, no hang, the server alive, the seeded workflows and
 * schedule intact, every error in shape. `npm run fuzz` runs this with FUZZ_N requests from FUZZ_SEED.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, Connection } from '../src/client/index.js';
import { fixture } from './helpers.js';
import { freePort, spawnTs, type Child } from './process-helpers.js';
import { runFuzz } from './fuzz/run-fuzz.js';
import { TARGETS } from './fuzz/valid-request.js';

/** `npm test` runs a fixed seed; `npm run fuzz` a random one unless FUZZ_SEED is given. The seed is printed. */
const N = Number(process.env.FUZZ_N ?? 3_000);
const SEED =
  process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 20261205);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(SEED)) throw new Error('FUZZ_N and FUZZ_SEED must be integers');

let dir = '';
let server: Child;
let connection: Connection;
let client: Client;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'weft-fuzz-'));
  const port = await freePort();
  server = await spawnTs(fixture('server-main.ts'), [path.join(dir, 'weft.db'), String(port)], {
    // long polls and waits end quickly, so a fuzzed poll does not hold a connection for a minute
    WEFT_TEST_CONFIG: JSON.stringify({ pollTimeoutMs: 200, resultWaitMs: 200, queryTimeoutMs: 300 }),
  });
  connection = await Connection.connect({ address: server.ready });
  client = new Client({ connection });
});

afterAll(async () => {
  await connection?.close();
  await server?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What must not change: seeded runs (one running, one closed) and a schedule, outside the fuzzer's reach. */
async function snapshot() {
  const running = client.workflow.getHandle('seed-running');
  const closed = client.workflow.getHandle('seed-closed');
  const schedule = await client.schedule.getHandle('seed-schedule').describe();
  return {
    running: { status: (await running.describe()).status.name, history: (await running.fetchHistory()).events },
    closed: { status: (await closed.describe()).status.name, history: (await closed.fetchHistory()).events },
    schedule: {
      spec: schedule.spec,
      action: schedule.action,
      state: schedule.state,
      numActions: schedule.info.numActions,
    },
  };
}

it(
  `${N} hostile requests (seed ${SEED}): no 5xx, no hang, errors in shape, the server up and its data intact`,
  async () => {
    // seeded data, on a task queue the fuzzer does not use
    await client.workflow.register({ workflowType: 'seed-type', taskQueue: 'seed-q' });
    await client.workflow.start('seed-type', { workflowId: 'seed-running', taskQueue: 'seed-q', args: [{ a: 1 }] });
    await client.workflow.start('seed-type', { workflowId: 'seed-closed', taskQueue: 'seed-q' });
    await client.workflow.getHandle('seed-closed').terminate('seeded closed');
    await client.schedule.create({
      scheduleId: 'seed-schedule',
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'seed-type', taskQueue: 'seed-q' },
      state: { paused: true, note: 'seeded' },
    });
    // what the fuzzer aims at, and may change
    await client.workflow.register({ workflowType: TARGETS.workflowType, taskQueue: TARGETS.taskQueue });
    for (const workflowId of TARGETS.workflowIds)
      await client.workflow.start(TARGETS.workflowType, { workflowId, taskQueue: TARGETS.taskQueue });
    for (const scheduleId of TARGETS.scheduleIds)
      await client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every: '1h' }] },
        action: { type: 'startWorkflow', workflowType: TARGETS.workflowType, taskQueue: TARGETS.taskQueue },
      });
    const before = await snapshot();

    const report = await runFuzz({ address: server.ready, seed: SEED, count: N, log: (l) => console.log(l) });
    const summary = { ...report, failures: report.failures.slice(0, 20) };
    console.log(
      `fuzz report (seed ${SEED}, FUZZ_SEED=${SEED} FUZZ_N=${N} npm run fuzz to repeat):\n${JSON.stringify(summary, null, 2)}`,
    );

    expect(report.failures, `seed ${SEED}`).toEqual([]);
    expect(report.serverErrors).toBe(0);
    expect(report.requests).toBeGreaterThan(N * 0.9);
    // every operation of the document was reached
    expect(report.operations).toBeGreaterThanOrEqual(30);
    const unreached = Object.entries(report.byOperation).filter(([, n]) => n === 0);
    expect(unreached).toEqual([]);
    // the server process is alive and healthy, its seeded data as it was
    expect(server.proc.exitCode).toBeNull();
    expect((await fetch(`${server.ready}/healthz`)).status).toBe(200);
    expect(await snapshot()).toEqual(before);
  },
  120_000 + N * 60,
);
