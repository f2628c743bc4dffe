/**
 * Local activities over real HTTP and SQLite: they run in the worker that runs the workflow (never through the
 * server's activity queue), their outcomes are LocalActivity markers, retries happen in the worker (or after a
 * durable timer when they would outlast the workflow task), and replay — a fresh worker, an evicted cache,
 * the replayer — resolves them from their markers without running them again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '../src/client/index.js';
import type { HistoryEvent } from '../src/protocol/events.js';
import { DeterminismViolationError, Worker } from '../src/worker/index.js';
import {
  endings,
  invocations,
  localFatal,
  localFlaky,
  localSlow,
  localSlowFirst,
  localStep,
} from './fixtures/local-activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const WORKFLOWS = fixture('local-workflows.ts');
const activities = { localStep, localFlaky, localFatal, localSlow, localSlowFirst };

let ts: TestServer;
let worker: Awaited<ReturnType<typeof startWorker>>;
const queue = uid('local');
beforeAll(async () => {
  ts = await startTestServer();
  worker = await startWorker(ts, { taskQueue: queue, workflowsPath: WORKFLOWS, activities });
});
afterAll(async () => {
  await worker?.stop();
  await ts?.stop();
});

const localMarkers = (events: HistoryEvent[]): Array<Extract<HistoryEvent, { eventType: 'MarkerRecorded' }>> =>
  events.flatMap((e) => (e.eventType === 'MarkerRecorded' && e.attributes.markerName === 'LocalActivity' ? [e] : []));
const types = (events: HistoryEvent[]): string[] => events.map((e) => e.eventType);

async function run(type: string, args: unknown[], opts: { workflowTaskTimeout?: string; taskQueue?: string } = {}) {
  const handle = await ts.client.workflow.start(type, {
    taskQueue: opts.taskQueue ?? queue,
    workflowId: uid(type),
    args,
    ...(opts.workflowTaskTimeout ? { workflowTaskTimeout: opts.workflowTaskTimeout } : {}),
  });
  const result = await handle.result();
  return { handle, result, history: await handle.fetchHistory() };
}

describe('local activities', () => {
  it('run in the worker and are recorded as markers, not as activity tasks', async () => {
    const key = uid('seq');
    const { result, history } = await run('localSequence', [key, 1]);
    expect(result).toBe(4);
    expect(invocations.get(key)).toBe(3);
    expect(types(history.events).filter((t) => t.startsWith('ActivityTask'))).toEqual([]);
    const markers = localMarkers(history.events);
    expect(markers.map((m) => m.attributes.details)).toEqual([
      { seq: 1, activityType: 'localStep', activityId: '1', attempt: 1, result: 2 },
      { seq: 2, activityType: 'localStep', activityId: '2', attempt: 1, result: 3 },
      { seq: 3, activityType: 'localStep', activityId: '3', attempt: 1, result: 4 },
    ]);
    // each marker right after the WorkflowTaskCompleted of the task that ran it
    for (const m of markers)
      expect(history.events[m.attributes.workflowTaskCompletedEventId - 1]?.eventType).toBe('WorkflowTaskCompleted');
  });

  it('in parallel, each outcome is its own marker within one workflow task', async () => {
    const key = uid('par');
    const { result, history } = await run('localParallel', [key]);
    expect(result).toEqual([11, 21, 33]);
    expect(invocations.get(key)).toBe(3);
    const markers = localMarkers(history.events);
    expect(markers.map((m) => m.attributes.details.seq).sort()).toEqual([1, 2, 3]);
    expect(new Set(markers.map((m) => m.attributes.workflowTaskCompletedEventId)).size).toBe(1);
    expect(types(history.events).filter((t) => t === 'WorkflowTaskCompleted')).toHaveLength(1);
  });

  it('are retried in the worker by their retry policy: two failures, then success on attempt 3', async () => {
    const key = uid('retry');
    const { result, history } = await run('localRetry', [key, 2]);
    expect(result).toMatchObject({ attempt: 3, isLocal: true, activityType: 'localFlaky', fromContext: true });
    const started = history.events[0]!;
    expect(started.eventType === 'WorkflowExecutionStarted' && started.attributes.workflowId).toBe(
      (result as { workflowId: string }).workflowId,
    );
    expect(invocations.get(key)).toBe(3);
    const [m, ...more] = localMarkers(history.events);
    expect(more).toEqual([]);
    expect(m!.attributes.details).toMatchObject({ seq: 1, attempt: 3 });
    expect(m!.attributes.failure).toBeUndefined();
    // retried inside the workflow task: no timer, one task
    expect(types(history.events)).not.toContain('TimerStarted');
    expect(types(history.events).filter((t) => t === 'WorkflowTaskCompleted')).toHaveLength(1);
  });

  it('a non-retryable failure surfaces in the workflow as an ActivityFailure, after one attempt', async () => {
    const key = uid('fatal');
    const { result, history } = await run('localNonRetryable', [key]);
    expect(result).toEqual({
      activityType: 'localFatal',
      retryState: 'NON_RETRYABLE_FAILURE',
      causeType: 'CardDeclined',
      message: 'card declined',
    });
    expect(invocations.get(key)).toBe(1);
    const [m] = localMarkers(history.events);
    expect(m!.attributes.failure).toMatchObject({
      kind: 'activity',
      retryState: 'NON_RETRYABLE_FAILURE',
      cause: { type: 'CardDeclined' },
    });
  });

  it('replay resolves them from their markers: the replayer and a cache-less worker do not run them again', async () => {
    const key = uid('replay');
    const { history } = await run('localSequence', [key, 10]);
    expect(invocations.get(key)).toBe(3);
    await Worker.runReplayHistory({ workflowsPath: WORKFLOWS }, history);
    expect(invocations.get(key)).toBe(3);

    // a worker without a cache replays the whole history at every task
    const q = uid('local-nocache');
    const w = await startWorker(ts, { taskQueue: q, workflowsPath: WORKFLOWS, activities, maxCachedWorkflows: 0 });
    try {
      const key2 = uid('nocache');
      const r = await run('localSequence', [key2, 20], { taskQueue: q });
      expect(r.result).toBe(23);
      expect(invocations.get(key2)).toBe(3);
      expect(types(r.history.events).filter((t) => t === 'WorkflowTaskCompleted')).toHaveLength(3);
      expect(types(r.history.events)).not.toContain('WorkflowTaskFailed');
    } finally {
      await w.stop();
    }
  });

  it('replay reports a changed local activity side by side', async () => {
    const { history } = await run('localSequence', [uid('changed'), 1]);
    const changed = structuredClone(history);
    const marker = localMarkers(changed.events)[0]!;
    marker.attributes.details.activityType = 'renamedStep';
    const err = await Worker.runReplayHistory({ workflowsPath: WORKFLOWS }, changed).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeterminismViolationError);
    const d = err as DeterminismViolationError;
    expect(d.eventId).toBe(marker.eventId);
    expect(d.message).toMatch(/history recorded: +MarkerRecorded seq=1 marker=LocalActivity activityType=renamedStep/);
    expect(d.message).toMatch(/code produced: +LocalActivity seq=1 activityType=localStep/);
  });

  it('a new worker picking up a run mid-way does not run the completed ones again', async () => {
    const q = uid('local-restart');
    const first = await startWorker(ts, { taskQueue: q, workflowsPath: WORKFLOWS, activities });
    const key = uid('restart');
    let handle: WorkflowHandle;
    try {
      handle = await ts.client.workflow.start('localAcrossRestart', {
        taskQueue: q,
        workflowId: uid('lar'),
        args: [key],
      });
      await waitFor(
        async () => {
          const { events } = await handle.fetchHistory();
          return localMarkers(events).length === 1 && !(await handle.describe()).pendingWorkflowTask;
        },
        10_000,
        'the first local activity',
      );
    } finally {
      await first.stop();
    }
    expect(invocations.get(key)).toBe(1);
    const second = await startWorker(ts, { taskQueue: q, workflowsPath: WORKFLOWS, activities });
    try {
      await handle.signal('release');
      expect(await handle.result()).toEqual([2, 3]);
    } finally {
      await second.stop();
    }
    expect(invocations.get(key)).toBe(2);
    const { events } = await handle.fetchHistory();
    expect(localMarkers(events)).toHaveLength(2);
    expect(types(events)).not.toContain('WorkflowTaskFailed');
  });

  it.each([
    ['TRY_CANCEL', 'cancelled (CANCEL_REQUESTED)', 1],
    ['WAIT_CANCELLATION_COMPLETED', 'cancelled (CANCEL_REQUESTED)', 2],
  ] as const)(
    'cancelled with its scope (%s): the running attempt is aborted, nothing hangs',
    async (type, expected, markers) => {
      const key = uid(`cancel-${type}`);
      const t0 = Date.now();
      const { result, history } = await run('localCancelled', [key, type]);
      expect(result).toBe(expected);
      expect(Date.now() - t0).toBeLessThan(5_000); // the slow one would take 10 s
      await waitFor(() => endings.get(key), 5_000, 'the slow activity to end');
      expect(endings.get(key)).toBe('cancelled');
      // TRY_CANCEL: the workflow stopped waiting, nothing recorded for it; WAIT: its cancelled outcome is recorded
      expect(localMarkers(history.events)).toHaveLength(markers);
      if (markers === 2)
        expect(
          localMarkers(history.events).find((m) => m.attributes.details.activityType === 'localSlow')?.attributes
            .failure,
        ).toMatchObject({ retryState: 'CANCEL_REQUESTED', cause: { kind: 'cancelled' } });
    },
  );

  it('a retry whose backoff outlasts the workflow task waits on a durable timer, then runs the next attempt', async () => {
    const key = uid('backoff');
    // a 2 s task timeout leaves 1.6 s for local work; the 2 s backoff does not fit
    const { result, history } = await run('localLongBackoff', [key], { workflowTaskTimeout: '2s' });
    expect(result).toMatchObject({ attempt: 2, isLocal: true });
    expect(invocations.get(key)).toBe(2);
    const [first, second] = localMarkers(history.events);
    expect(first!.attributes.details).toMatchObject({ seq: 1, attempt: 1, backoff: { attempt: 2 } });
    expect(first!.attributes.failure).toMatchObject({ type: 'Flaky' });
    expect((first!.attributes.details.backoff as { delayMs: number }).delayMs).toBeGreaterThan(1600);
    expect(second!.attributes.details).toMatchObject({ seq: 2, attempt: 2, activityId: '1' });
    const t = types(history.events);
    expect(t.indexOf('TimerStarted')).toBeGreaterThan(history.events.indexOf(first!));
    expect(t.indexOf('TimerFired')).toBeLessThan(history.events.indexOf(second!));
    expect(t).not.toContain('WorkflowTaskTimedOut');
  });

  it('an attempt still running when the workflow task runs out of time is abandoned and retried after a timer', async () => {
    const key = uid('outlast');
    const { result, history } = await run('localOutlastsTask', [key], { workflowTaskTimeout: '2s' });
    expect(result).toBe(2);
    expect(invocations.get(key)).toBe(2);
    const [first, second] = localMarkers(history.events);
    expect(first!.attributes.details).toMatchObject({ attempt: 1, backoff: { attempt: 2 } });
    expect(first!.attributes.failure).toMatchObject({ kind: 'timeout' });
    expect(second!.attributes.details).toMatchObject({ attempt: 2, result: 2 });
    expect(types(history.events)).not.toContain('WorkflowTaskTimedOut');
  });

  it('an activity type this worker does not have fails the workflow task (retried), not the workflow', async () => {
    const handle = await ts.client.workflow.start('localUnregistered', { taskQueue: queue, workflowId: uid('unreg') });
    const d = await waitFor(
      async () => {
        const x = await handle.describe();
        return x.pendingWorkflowTask?.lastFailure ? x : undefined;
      },
      10_000,
      'the task to fail',
    );
    expect(d.status.name).toBe('RUNNING');
    expect(d.pendingWorkflowTask?.lastFailure?.message).toMatch(/local activity type "notThere" is not registered/);
    await handle.terminate('done');
  });
});
