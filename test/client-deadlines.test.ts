/** client.withDeadline / withAbortSignal (Temporal's): every call inside is bounded; nothing leaks outside. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError, isGrpcCancelledError, isGrpcDeadlineError } from 'weft/client';
import * as activities from './fixtures/activities.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

const TQ = 'it-deadlines';
let ts: TestServer;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  ts = await startTestServer();
  ({ stop: stopWorker } = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('workflows.ts'), activities }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

describe('client call deadlines and cancellation', () => {
  it('withDeadline: a result long poll fails with DEADLINE_EXCEEDED at the deadline; calls after it are unbounded', async () => {
    const handle = await ts.client.workflow.start('sleeper', { taskQueue: TQ, workflowId: uid('dl'), args: [60_000] });
    const t0 = Date.now();
    const err = await ts.client
      .withDeadline(new Date(Date.now() + 300), () => handle.result())
      .catch((e: unknown) => e);
    const took = Date.now() - t0;
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe('DEADLINE_EXCEEDED');
    expect(isGrpcDeadlineError(err)).toBe(true);
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(5_000);
    // the context does not leak: the same handle works after
    expect((await handle.describe()).status.name).toBe('RUNNING');
    // a deadline already passed fails at once, without a request
    await expect(ts.client.withDeadline(Date.now() - 1, () => handle.describe())).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    // a call that finishes in time returns normally
    expect((await ts.client.withDeadline(Date.now() + 10_000, () => handle.describe())).workflowId).toBe(
      handle.workflowId,
    );
    await handle.terminate();
  });

  it('nested deadlines: the earlier wins', async () => {
    const handle = await ts.client.workflow.start('sleeper', { taskQueue: TQ, workflowId: uid('dl'), args: [60_000] });
    const t0 = Date.now();
    const err = await ts.client
      .withDeadline(Date.now() + 200, () => ts.client.withDeadline(Date.now() + 60_000, () => handle.result()))
      .catch((e: unknown) => e);
    expect(isGrpcDeadlineError(err)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5_000);
    await handle.terminate();
  });

  it('withAbortSignal: aborting fails the calls in flight with CANCELLED', async () => {
    const handle = await ts.client.workflow.start('sleeper', { taskQueue: TQ, workflowId: uid('ab'), args: [60_000] });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('user pressed stop')), 200);
    const err = await ts.client.withAbortSignal(ac.signal, () => handle.result()).catch((e: unknown) => e);
    expect(isGrpcCancelledError(err)).toBe(true);
    expect((err as Error).message).toContain('user pressed stop');
    // an aborted signal fails the next call at once
    await expect(ts.client.withAbortSignal(ac.signal, () => handle.describe())).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate();
  });

  it('a bad deadline is a TypeError', async () => {
    await expect(ts.client.withDeadline(Number.NaN, async () => 1)).rejects.toBeInstanceOf(TypeError);
  });
});
