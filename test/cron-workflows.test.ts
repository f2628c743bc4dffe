/**
 * Temporal's cron workflows (`cronSchedule`): the first run waits for the schedule's first time, each closed run
 * chains to the next (newExecutionRunId / continuedExecutionRunId, lastResult and lastFailure), cancel and
 * terminate end the chain, child workflows take the option too, and a bad schedule is a 400 (HTTP, client, CLI).
 * Over real HTTP and SQLite, in real time (`@every 1s`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../src/client/index.js';
import type { HistoryEvent } from '../src/protocol/events.js';
import { runWeft } from './cli-runner.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'it-cron';
let ts: TestServer;
let stopWorker: () => Promise<void>;

beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('cron-workflows.ts') }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

interface Run {
  runId: string;
  status: string;
}

/** The runs of a workflow id, oldest first. */
async function runsOf(workflowId: string): Promise<Run[]> {
  const out: Run[] = [];
  for await (const e of ts.client.workflow.list({ query: `WorkflowId = '${workflowId}' ORDER BY StartTime ASC` }))
    out.push({ runId: e.runId, status: e.status.name });
  return out;
}

async function events(workflowId: string, runId: string): Promise<HistoryEvent[]> {
  return (await ts.client.workflow.getHandle(workflowId, runId).fetchHistory()).events;
}

function attrs(evs: HistoryEvent[], type: string): Record<string, unknown> {
  const e = evs.find((x) => x.eventType === type);
  if (!e) throw new Error(`no ${type} in ${evs.map((x) => x.eventType).join(', ')}`);
  return e.attributes as Record<string, unknown>;
}

describe('cron workflows', () => {
  it('runs at each time of the schedule, chaining runs with their last result, until terminated', async () => {
    const workflowId = uid('cron');
    const handle = await ts.client.workflow.start('cronCount', {
      taskQueue: TQ,
      workflowId,
      args: ['a'],
      cronSchedule: '@every 1s',
    });
    const first = await events(workflowId, handle.runId!);
    const started = attrs(first, 'WorkflowExecutionStarted');
    expect(started['cronSchedule']).toBe('@every 1s');
    expect(started['firstWorkflowTaskBackoffMs']).toBeGreaterThan(0);
    expect(started['firstWorkflowTaskBackoffMs']).toBeLessThanOrEqual(1000);
    const runs = await waitFor(async () => {
      const r = await runsOf(workflowId);
      return r.filter((x) => x.status === 'COMPLETED').length >= 3 ? r : undefined;
    });
    expect(runs[0]?.runId).toBe(handle.runId);
    // each completed run names the next; the next names it and carries its result
    for (let i = 0; i < 3; i++) {
      const run = runs[i]!;
      const next = runs[i + 1]!;
      const completed = attrs(await events(workflowId, run.runId), 'WorkflowExecutionCompleted');
      expect(completed['newExecutionRunId']).toBe(next.runId);
      expect(completed['result']).toEqual({
        n: i + 1,
        label: 'a',
        cron: '@every 1s',
        ...(i > 0 ? { from: runs[i - 1]!.runId } : {}),
      });
      const nextStarted = attrs(await events(workflowId, next.runId), 'WorkflowExecutionStarted');
      expect(nextStarted['continuedExecutionRunId']).toBe(run.runId);
      expect(nextStarted['lastCompletionResult']).toEqual(completed['result']);
      expect(nextStarted['input']).toEqual(['a']);
    }
    // the handle's describe() follows the workflow id to the current run
    expect((await ts.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    await ts.client.workflow.getHandle(workflowId).terminate('enough');
    const afterTerminate = await runsOf(workflowId);
    expect(afterTerminate.at(-1)?.status).toBe('TERMINATED');
    await new Promise((r) => setTimeout(r, 2500));
    expect(await runsOf(workflowId)).toEqual(afterTerminate);
  });

  it('a failed run hands its failure to the next; a cancel ends the chain', async () => {
    const workflowId = uid('cron-fail');
    await ts.client.workflow.start('cronFlaky', { taskQueue: TQ, workflowId, cronSchedule: '@every 1s' });
    const runs = await waitFor(async () => {
      const r = await runsOf(workflowId);
      return r.length >= 3 ? r : undefined;
    });
    expect(runs.slice(0, 2).map((r) => r.status)).toEqual(['FAILED', 'COMPLETED']);
    const failed = attrs(await events(workflowId, runs[0]!.runId), 'WorkflowExecutionFailed');
    expect(failed['newExecutionRunId']).toBe(runs[1]!.runId);
    const completed = attrs(await events(workflowId, runs[1]!.runId), 'WorkflowExecutionCompleted');
    expect(completed['result']).toBe('after failure: run failed');
    // the third run waits for its time: cancel it there
    await ts.client.workflow.getHandle(workflowId).cancel();
    const ended = await waitFor(async () => {
      const r = await runsOf(workflowId);
      return r.every((x) => x.status !== 'RUNNING') ? r : undefined;
    });
    expect(ended).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await runsOf(workflowId)).toEqual(ended);
  });

  it('a child workflow takes cronSchedule too', async () => {
    const childId = uid('cron-child');
    const parent = await ts.client.workflow.execute('cronParent', {
      taskQueue: TQ,
      workflowId: uid(),
      args: [childId],
    });
    expect(parent).toBe(childId);
    const runs = await waitFor(async () => {
      const r = await runsOf(childId);
      return r.filter((x) => x.status === 'COMPLETED').length >= 2 ? r : undefined;
    });
    const completed = attrs(await events(childId, runs[1]!.runId), 'WorkflowExecutionCompleted');
    expect(completed['result']).toMatchObject({ n: 2, label: 'child', cron: '@every 1s' });
    await ts.client.workflow.getHandle(childId).terminate();
  });

  it('a bad schedule is 400 INVALID_ARGUMENT over HTTP, from the client and from the CLI', async () => {
    const res = await fetch(`${ts.server.address}/api/v1/namespaces/default/workflows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflowId: uid(), workflowType: 'cronCount', taskQueue: TQ, cronSchedule: 'every day' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; details?: { field?: string } } };
    expect(body.error.code).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toMatch(/invalid cron schedule "every day"/);
    expect(body.error.details?.field).toBe('cronSchedule');
    const err = await ts.client.workflow
      .start('cronCount', { taskQueue: TQ, workflowId: uid(), cronSchedule: '99 * * * *' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe('INVALID_ARGUMENT');
    const cli = await runWeft(ts.server.address, [
      'workflow',
      'start',
      '--type',
      'cronCount',
      '--task-queue',
      TQ,
      '--cron',
      '@every soon',
    ]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/INVALID_ARGUMENT/);
    const ok = await runWeft(ts.server.address, [
      'workflow',
      'start',
      '--type',
      'cronCount',
      '--task-queue',
      TQ,
      '--workflow-id',
      'cli-cron',
      '--input',
      '["cli"]',
      '--cron',
      '0 0 1 1 *',
      '--output',
      'json',
    ]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const runId = (JSON.parse(ok.stdout) as { runId: string }).runId;
    const started = attrs(await events('cli-cron', runId), 'WorkflowExecutionStarted');
    expect(started['cronSchedule']).toBe('0 0 1 1 *');
    const now = new Date();
    const nextJan1 = Date.UTC(now.getUTCFullYear() + 1, 0, 1);
    expect(Math.abs(Date.now() + (started['firstWorkflowTaskBackoffMs'] as number) - nextJan1)).toBeLessThan(60_000);
    expect((await ts.client.workflow.getHandle('cli-cron').describe()).status.name).toBe('RUNNING');
    await ts.client.workflow.getHandle('cli-cron').terminate();
  });
});
