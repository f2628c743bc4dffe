/**
 * Versioning a workflow while runs are in flight, over real HTTP and SQLite, through the lifecycle of
 * docs/api.md ("Versioning"): v1 -> v2 with patched() -> v3 with deprecatePatch() -> v4 without it. Runs
 * started on one version finish on the next; every history replays against the versions meant to read it.
 * (Code changed WITHOUT patched() failing old runs as nondeterministic is covered in determinism.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WorkflowHandle } from '../src/client/index.js';
import type { History, HistoryEvent } from '../src/protocol/events.js';
import { printDescription } from '../src/cli/workflow-format.js';
import { DeterminismViolationError, Worker } from '../src/worker/index.js';
import { double, step } from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const V = (n: number): string => fixture(`versioned/patch-v${n}.ts`);
const activities = { step, double };

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

interface Run {
  handle: WorkflowHandle;
  type: 'versioned' | 'lateAsk';
  x: number;
}

async function startRuns(queue: string, xs: number[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (const x of xs)
    for (const type of ['versioned', 'lateAsk'] as const) {
      const handle = await ts.client.workflow.start(type, { taskQueue: queue, workflowId: uid(type), args: [x] });
      runs.push({ handle, type, x });
    }
  return runs;
}

/** The run ran its first activity and waits for the release signal. */
async function parked(runs: Run[]): Promise<void> {
  for (const r of runs)
    await waitFor(
      async () => {
        const { events } = await r.handle.fetchHistory();
        return (
          events.some((e) => e.eventType === 'ActivityTaskCompleted') &&
          events[events.length - 1]?.eventType === 'WorkflowTaskCompleted'
        );
      },
      15_000,
      `${r.handle.workflowId} to wait for its signal`,
    );
}

function expectedResult(r: Run, path: 'old' | 'new'): string {
  if (r.type === 'versioned') return path === 'old' ? `old:${2 * (r.x + 1)}` : `new:${4 * r.x}`;
  return path === 'old' ? `old:${r.x + 2}` : `new:${2 * (r.x + 1)}`;
}

const patchIdOf = (r: Run): string => (r.type === 'versioned' ? 'use-double' : 'late-ask');

function markers(events: HistoryEvent[]): Array<Record<string, unknown>> {
  return events.flatMap((e) => (e.eventType === 'MarkerRecorded' ? [e.attributes.details] : []));
}

function buildIds(events: HistoryEvent[]): Array<string | undefined> {
  return events.flatMap((e) => (e.eventType === 'WorkflowTaskCompleted' ? [e.attributes.buildId] : []));
}

async function finish(runs: Run[]): Promise<Array<{ result: unknown; history: History }>> {
  for (const r of runs) await r.handle.signal('release');
  return Promise.all(
    runs.map(async (r) => ({ result: await r.handle.result(), history: await r.handle.fetchHistory() })),
  );
}

async function replay(path: string, histories: History[]): Promise<Array<Error | undefined>> {
  const out: Array<Error | undefined> = [];
  for await (const r of Worker.runReplayHistories({ workflowsPath: path }, histories)) out.push(r.error);
  return out;
}

/** What the CLI's `weft workflow describe` prints for a run. */
async function cliDescribe(handle: WorkflowHandle): Promise<string> {
  const raw = (await handle.describe()).raw;
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    printDescription(raw);
  } finally {
    spy.mockRestore();
  }
  return out;
}

describe('versioning with patched() and deprecatePatch()', () => {
  const queue = uid('ver');
  /** Histories by the version that started the run. */
  const v1Histories: History[] = [];
  const v2Histories: History[] = [];

  it('runs started on v1 finish on the old path under v2; new runs take the new path; describe shows the build ids', async () => {
    const v1 = await startWorker(ts, { taskQueue: queue, workflowsPath: V(1), activities, buildId: 'build-v1' });
    let old: Run[];
    try {
      old = await startRuns(queue, [1, 2, 3]);
      await parked(old);
      for (const r of old) expect((await r.handle.describe()).lastBuildId).toBe('build-v1');
    } finally {
      await v1.stop(); // mid-flight: every v1 run waits for its signal
    }

    // v2 keeps no workflow cached: every task replays its run's history from the start
    const v2 = await startWorker(ts, {
      taskQueue: queue,
      workflowsPath: V(2),
      activities,
      buildId: 'build-v2',
      maxCachedWorkflows: 0,
    });
    try {
      const fresh = await startRuns(queue, [4, 5]);
      await parked(fresh);
      const oldDone = await finish(old);
      const freshDone = await finish(fresh);

      oldDone.forEach(({ result, history }, i) => {
        const r = old[i]!;
        expect(result, r.handle.workflowId).toBe(expectedResult(r, 'old'));
        expect(history.events.filter((e) => e.eventType === 'WorkflowTaskFailed')).toEqual([]);
        expect(markers(history.events)).toEqual([]); // the old path records no patch
        const ids = buildIds(history.events);
        expect(ids[0]).toBe('build-v1');
        expect(ids[ids.length - 1]).toBe('build-v2');
        v1Histories.push(history);
      });
      freshDone.forEach(({ result, history }, i) => {
        const r = fresh[i]!;
        expect(result, r.handle.workflowId).toBe(expectedResult(r, 'new'));
        expect(history.events.filter((e) => e.eventType === 'WorkflowTaskFailed')).toEqual([]);
        expect(markers(history.events)).toEqual([{ patchId: patchIdOf(r), deprecated: false }]);
        expect(new Set(buildIds(history.events))).toEqual(new Set(['build-v2']));
        v2Histories.push(history);
      });
      // the late ask: its marker follows the activity the code scheduled before asking
      const late = freshDone[fresh.findIndex((r) => r.type === 'lateAsk')]!.history.events;
      const firstCommands = late.slice(late.findIndex((e) => e.eventType === 'WorkflowTaskCompleted') + 1);
      expect(firstCommands.slice(0, 2).map((e) => e.eventType)).toEqual(['ActivityTaskScheduled', 'MarkerRecorded']);

      // describe: the build id of the last worker that completed a task of the run, in the client and the CLI
      const d = await old[0]!.handle.describe();
      expect(d.lastBuildId).toBe('build-v2');
      expect(d.raw.execution.lastBuildId).toBe('build-v2');
      expect(await cliDescribe(old[0]!.handle)).toMatch(/LastBuildId\s+build-v2/);
      const pollers = await ts.client.taskQueue.describe(queue);
      expect(pollers.pollers.map((p) => p.buildId)).toContain('build-v2');
    } finally {
      await v2.stop();
    }

    // each history replays against the code that made it, and v2 reads both
    expect(await replay(V(1), v1Histories)).toEqual(v1Histories.map(() => undefined));
    expect(await replay(V(2), [...v1Histories, ...v2Histories])).toEqual(
      [...v1Histories, ...v2Histories].map(() => undefined),
    );
  }, 90_000);

  it('v3 (deprecatePatch) serves runs started on v2 and replays their histories; v4 (no call) skips their markers', async () => {
    expect(v2Histories.length).toBeGreaterThan(0);
    const v2 = await startWorker(ts, { taskQueue: queue, workflowsPath: V(2), activities, buildId: 'build-v2' });
    let onV2: Run[];
    try {
      onV2 = await startRuns(queue, [6]);
      await parked(onV2);
    } finally {
      await v2.stop();
    }

    // v3 goes live: the v2 runs go on with it, and new runs record deprecated markers
    const v3 = await startWorker(ts, { taskQueue: queue, workflowsPath: V(3), activities, buildId: 'build-v3' });
    const v3Histories: History[] = [];
    let onV3: Run[];
    try {
      const done = await finish(onV2);
      done.forEach(({ result, history }, i) => {
        const r = onV2[i]!;
        expect(result).toBe(expectedResult(r, 'new'));
        expect(history.events.filter((e) => e.eventType === 'WorkflowTaskFailed')).toEqual([]);
        expect(markers(history.events)).toEqual([{ patchId: patchIdOf(r), deprecated: false }]);
        expect(buildIds(history.events).slice(-1)).toEqual(['build-v3']);
        v2Histories.push(history);
      });
      onV3 = await startRuns(queue, [7]);
      await parked(onV3);
      for (const { result, history } of await finish(onV3)) {
        expect(result).toMatch(/^new:/);
        v3Histories.push(history);
      }
      onV3.forEach((r, i) =>
        expect(markers(v3Histories[i]!.events)).toEqual([{ patchId: patchIdOf(r), deprecated: true }]),
      );
    } finally {
      await v3.stop();
    }

    // v3 replays what v2 and v3 wrote; v4 too, skipping the patch markers it no longer asks about
    const newer = [...v2Histories, ...v3Histories];
    expect(await replay(V(3), newer)).toEqual(newer.map(() => undefined));
    expect(await replay(V(4), newer)).toEqual(newer.map(() => undefined));
    // the steps cannot be skipped: neither v3 nor v4 can read a run that took the v1 path
    for (const path of [V(3), V(4)])
      for (const e of await replay(path, v1Histories)) expect(e).toBeInstanceOf(DeterminismViolationError);
  }, 90_000);

  it('v4 finishes a run started on v3 live: the deprecated marker in its history is skipped', async () => {
    const v3 = await startWorker(ts, { taskQueue: queue, workflowsPath: V(3), activities, buildId: 'build-v3' });
    let runs: Run[];
    try {
      runs = await startRuns(queue, [8]);
      await parked(runs);
    } finally {
      await v3.stop();
    }
    const v4 = await startWorker(ts, { taskQueue: queue, workflowsPath: V(4), activities, buildId: 'build-v4' });
    try {
      const done = await finish(runs);
      done.forEach(({ result, history }, i) => {
        const r = runs[i]!;
        expect(result).toBe(expectedResult(r, 'new'));
        expect(history.events.filter((e) => e.eventType === 'WorkflowTaskFailed')).toEqual([]);
        expect(markers(history.events)).toEqual([{ patchId: patchIdOf(r), deprecated: true }]);
        expect(buildIds(history.events).slice(-1)).toEqual(['build-v4']);
      });
    } finally {
      await v4.stop();
    }
  }, 60_000);
});
