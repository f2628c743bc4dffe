/**
 * Monitoring over HTTP: /metrics counts what committed (workflows by outcome, workflow task failures with
 * nondeterminism apart, activity attempts and failures), shows the backlog of a queue nobody polls and the
 * schedule-to-start latency; stuck-workflows lists a run that made no progress past the threshold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ config: { stuckAfterMs: 200 } });
});
afterAll(async () => {
  await ts?.stop();
});

async function scrape(): Promise<string> {
  const res = await fetch(`${ts.server.address}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The value of one series (0 when absent); labels must match exactly those given, in any order. */
function value(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[k!] = v!;
    if (
      Object.keys(got).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => got[k] === v)
    )
      return Number(m[3]);
  }
  return 0;
}

const NS = 'default';

async function getJson(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${ts.server.address}/api/v1${path}`);
  return { status: res.status, body: await res.json() };
}

describe('metrics', () => {
  it('counts workflows by outcome, activity attempts and failures, and observes schedule-to-start', async () => {
    const tq = uid('metrics');
    const w = await startWorker(ts, { taskQueue: tq, workflowsPath: fixture('workflows.ts'), activities });
    try {
      const c = ts.client.workflow;
      const done = await Promise.all([
        c.execute('sequential', { taskQueue: tq, workflowId: uid('seq'), args: [1] }),
        c.execute('sequential', { taskQueue: tq, workflowId: uid('seq'), args: [2] }),
        c.execute('retrying', { taskQueue: tq, workflowId: uid('retry'), args: [uid('k'), 3] }),
      ]);
      expect(done[2]).toBe(3);
      await expect(c.execute('nonRetryable', { taskQueue: tq, workflowId: uid('fail') })).rejects.toThrow();
      const timedOut = await c.start('sleeper', {
        taskQueue: tq,
        workflowId: uid('timeout'),
        args: [60_000],
        workflowRunTimeout: '300ms',
      });
      await expect(timedOut.result()).rejects.toThrow();

      const text = await scrape();
      const wf = (type: string) => ({ namespace: NS, workflow_type: type });
      expect(value(text, 'weft_workflows_started_total', wf('sequential'))).toBe(2);
      expect(value(text, 'weft_workflows_completed_total', wf('sequential'))).toBe(2);
      expect(value(text, 'weft_workflows_completed_total', wf('retrying'))).toBe(1);
      expect(value(text, 'weft_workflows_failed_total', wf('nonRetryable'))).toBe(1);
      expect(value(text, 'weft_workflows_failed_total', wf('sequential'))).toBe(0);
      expect(value(text, 'weft_workflows_timed_out_total', wf('sleeper'))).toBe(1);
      const act = (type: string) => ({ namespace: NS, activity_type: type });
      expect(value(text, 'weft_activity_attempts_started_total', act('step'))).toBe(4);
      expect(value(text, 'weft_activity_attempts_started_total', act('double'))).toBe(2);
      // flaky fails its first two attempts, then succeeds: every failed attempt counts, not only the last
      expect(value(text, 'weft_activity_attempts_started_total', act('flaky'))).toBe(3);
      expect(value(text, 'weft_activity_failures_total', act('flaky'))).toBe(2);
      expect(value(text, 'weft_activity_failures_total', act('failNonRetryable'))).toBe(1);
      const s2s = (kind: string) => ({ namespace: NS, task_queue: tq, kind });
      expect(value(text, 'weft_schedule_to_start_seconds_count', s2s('activity'))).toBe(10);
      expect(value(text, 'weft_schedule_to_start_seconds_count', s2s('workflow'))).toBeGreaterThanOrEqual(5);
      expect(value(text, 'weft_schedule_to_start_seconds_bucket', { ...s2s('activity'), le: '+Inf' })).toBe(10);
      // process metrics (prom-client defaults)
      expect(text).toMatch(/^process_cpu_seconds_total /m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    } finally {
      await w.stop();
    }
  });

  it('counts a nondeterministic workflow task failure on its own', async () => {
    const tq = uid('metrics-det');
    const v1 = await startWorker(ts, { taskQueue: tq, workflowsPath: fixture('versioned/v1.ts'), activities });
    const handle = await ts.client.workflow.start('changing', { taskQueue: tq, workflowId: uid('det'), args: [10] });
    await waitFor(async () => (await handle.describe()).pendingTimers.length === 1, 10_000, 'the timer');
    await v1.stop();
    const v2 = await startWorker(ts, { taskQueue: tq, workflowsPath: fixture('versioned/v2.ts'), activities });
    try {
      const wf = { namespace: NS, workflow_type: 'changing' };
      const text = await waitFor(
        async () => {
          const t = await scrape();
          return value(t, 'weft_workflow_nondeterminism_total', wf) >= 1 ? t : undefined;
        },
        15_000,
        'the nondeterminism counter',
      );
      expect(
        value(text, 'weft_workflow_task_failures_total', { ...wf, cause: 'NON_DETERMINISTIC' }),
      ).toBeGreaterThanOrEqual(1);
      expect(value(text, 'weft_workflow_task_failures_total', { ...wf, cause: 'WORKFLOW_ERROR' })).toBe(0);
    } finally {
      await handle.terminate('done');
      await v2.stop();
    }
    const after = await scrape();
    expect(value(after, 'weft_workflows_terminated_total', { namespace: NS, workflow_type: 'changing' })).toBe(1);
  });

  it('shows the backlog of a task queue nobody polls', async () => {
    const tq = uid('metrics-idle');
    for (let i = 0; i < 3; i++) await ts.client.workflow.start('hello', { taskQueue: tq, workflowId: uid('idle') });
    const text = await scrape();
    expect(value(text, 'weft_task_queue_backlog', { namespace: NS, task_queue: tq, kind: 'workflow' })).toBe(3);
    expect(value(text, 'weft_task_queue_backlog', { namespace: NS, task_queue: tq, kind: 'activity' })).toBe(0);
    expect(value(text, 'weft_workflows_started_total', { namespace: NS, workflow_type: 'hello' })).toBe(3);
  });
});

describe('stuck workflows', () => {
  it('lists a run with no progress past the threshold, and counts it in the gauge', async () => {
    const tq = uid('metrics-stuck');
    const w = await startWorker(ts, { taskQueue: tq, workflowsPath: fixture('workflows.ts'), activities });
    try {
      const handle = await ts.client.workflow.start('sleeper', {
        taskQueue: tq,
        workflowId: uid('stuck'),
        args: [600_000],
      });
      await waitFor(async () => (await handle.describe()).pendingTimers.length === 1, 10_000, 'the timer');
      const before = Date.now();
      // stuckAfterMs is 200 ms; the store rounds progress times up to the second
      const found = await waitFor(
        async () => {
          const { body } = await getJson(`/namespaces/${NS}/stuck-workflows?limit=1000`);
          return (body.executions as any[]).find((e) => e.workflowId === handle.workflowId);
        },
        10_000,
        'the run to be listed as stuck',
      );
      expect(found).toMatchObject({
        workflowId: handle.workflowId,
        runId: handle.runId ?? handle.firstExecutionRunId,
        workflowType: 'sleeper',
        taskQueue: tq,
        status: 'Running',
      });
      expect(Date.parse(found.lastProgressTime)).toBeLessThanOrEqual(before);
      expect(Date.parse(found.startTime)).toBeLessThanOrEqual(Date.parse(found.lastProgressTime));
      expect(value(await scrape(), 'weft_stuck_workflows', { namespace: NS })).toBeGreaterThanOrEqual(1);

      // a longer threshold than the run's idle time: not listed
      const { body: recent } = await getJson(`/namespaces/${NS}/stuck-workflows?olderThan=1h`);
      expect((recent.executions as any[]).some((e) => e.workflowId === handle.workflowId)).toBe(false);

      // once closed, it is not stuck any more
      await handle.terminate('done');
      const { body: after } = await getJson(`/namespaces/${NS}/stuck-workflows?olderThan=0`);
      expect((after.executions as any[]).some((e) => e.workflowId === handle.workflowId)).toBe(false);
    } finally {
      await w.stop();
    }
  });

  it('refuses a bad olderThan with 400 INVALID_DURATION naming the field', async () => {
    const { status, body } = await getJson(`/namespaces/${NS}/stuck-workflows?olderThan=soon`);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'INVALID_DURATION', details: { field: 'olderThan' } });
    expect(body.error.message).toContain('olderThan');
    const bad = await getJson(`/namespaces/${NS}/stuck-workflows?limit=0`);
    expect(bad.status).toBe(400);
  });
});
