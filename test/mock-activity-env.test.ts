/** MockActivityEnvironment: unit-test an activity with its context, heartbeats and cancellation, no server. */
import { describe, expect, it } from 'vitest';
import * as activity from 'weft/activity';
import { Client, Connection } from 'weft/client';
import { MockActivityEnvironment } from 'weft/testing';
import type { LogLevel, LogMetadata } from 'weft/activity';

describe('MockActivityEnvironment', () => {
  it('runs an activity with its arguments and returns its result', async () => {
    const env = new MockActivityEnvironment();
    expect(await env.run(async (x: number): Promise<number> => x + 1, 3)).toBe(4);
    expect(await env.run((a: string, b: string) => a + b, 'a', 'b')).toBe('ab');
  });

  it('injects the info the test gives, over defaults', async () => {
    const env = new MockActivityEnvironment({ attempt: 3, activityType: 'charge', heartbeatDetails: { step: 2 } });
    const info = await env.run(async () => activity.activityInfo());
    expect(info.attempt).toBe(3);
    expect(info.activityType).toBe('charge');
    expect(info.heartbeatDetails).toEqual({ step: 2 });
    expect(info.taskQueue).toBe('test');
    expect(info.workflowExecution).toEqual({ workflowId: 'test', runId: '00000000-0000-0000-0000-000000000000' });
    expect(env.context.info.attempt).toBe(3);
    expect(activity.Context.current).toThrow();
  });

  it("takes and shows Temporal's Info names: timestamps in ms, namespace, base64TaskToken", async () => {
    const env = new MockActivityEnvironment({ scheduledTimestampMs: 5_000, namespace: 'payments' });
    const info: activity.Info = await env.run(async () => activity.activityInfo());
    expect(info.scheduledTime).toEqual(new Date(5_000));
    expect(info.scheduledTimestampMs).toBe(5_000);
    expect(info.workflowNamespace).toBe('payments');
    expect(info.activityNamespace).toBe('payments');
    expect(info.startedTimestampMs).toBe(info.startedTime.getTime());
    expect(Buffer.from(info.base64TaskToken, 'base64')).toEqual(Buffer.from(info.taskToken));
  });

  it("the free cancelled() rejects once the activity is cancelled, as Temporal's", async () => {
    const env = new MockActivityEnvironment();
    const running = env.run(async () => {
      await activity.cancelled();
    });
    env.cancel();
    await expect(running).rejects.toBeInstanceOf(activity.CancelledFailure);
  });

  it('emits each heartbeat, and cancel() rejects sleep with CancelledFailure', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => {
      beats.push(d);
      if (d === 6) env.cancel('CANCELLED');
    });
    const run = env.run(async (x: number): Promise<number> => {
      activity.heartbeat(5);
      activity.Context.current().heartbeat(6);
      await activity.sleep(10_000);
      return x + 1;
    }, 3);
    await expect(run).rejects.toBeInstanceOf(activity.CancelledFailure);
    await expect(run).rejects.toThrow('CANCELLED');
    expect(beats).toEqual([5, 6]);
    expect(env.context.cancellationSignal.aborted).toBe(true);
    // the context is shared: a later run starts cancelled
    await expect(env.run(() => activity.Context.current().cancelled)).rejects.toBeInstanceOf(activity.CancelledFailure);
  });

  it('cancellationSignal and cancelled see a cancel from outside', async () => {
    const env = new MockActivityEnvironment();
    const run = env.run(async () => {
      const signal = activity.cancellationSignal();
      await activity.Context.current().cancelled.catch((e: unknown) => {
        throw new Error(`stopped: ${(e as Error).message}, aborted=${signal.aborted}`);
      });
    });
    setTimeout(() => env.cancel(), 10);
    await expect(run).rejects.toThrow('stopped: CANCELLED, aborted=true');
  });

  it('log from weft/activity goes to the given logger', async () => {
    const lines: Array<[LogLevel, string, LogMetadata | undefined]> = [];
    const logger = {
      log: (level: LogLevel, message: string, meta?: LogMetadata) => lines.push([level, message, meta]),
      trace: () => {},
      debug: () => {},
      info: (message: string, meta?: LogMetadata) => lines.push(['INFO', message, meta]),
      warn: () => {},
      error: () => {},
    };
    const env = new MockActivityEnvironment({}, { logger });
    await env.run(async () => activity.log.info('hello', { k: 1 }));
    expect(lines).toEqual([['INFO', 'hello', { k: 1 }]]);
  });

  it("the client it is given is the activity's getClient() and Context.client; without one they throw", async () => {
    const client = new Client({ connection: Connection.lazy({ address: 'http://127.0.0.1:9' }) });
    const env = new MockActivityEnvironment({}, { client });
    expect(await env.run(async () => activity.getClient())).toBe(client);
    expect(await env.run(async () => activity.Context.current().client)).toBe(client);
    await expect(new MockActivityEnvironment().run(async () => activity.getClient())).rejects.toThrow(
      /not run by a worker with a connection/,
    );
  });

  it('cancellationDetails() is undefined until cancel(), then says why (by reason, or as given)', async () => {
    const env = new MockActivityEnvironment();
    expect(await env.run(async () => activity.cancellationDetails())).toBeUndefined();
    env.cancel('TIMED_OUT');
    const details = await env.run(async () => activity.cancellationDetails());
    expect(details).toBeInstanceOf(activity.ActivityCancellationDetails);
    expect(details).toMatchObject({ timedOut: true, cancelRequested: false });
    const other = new MockActivityEnvironment();
    other.cancel();
    expect(await other.run(async () => activity.cancellationDetails()?.cancelRequested)).toBe(true);
    const given = new MockActivityEnvironment();
    given.cancel('CANCELLED', { paused: true });
    expect(await given.run(async () => activity.cancellationDetails())).toMatchObject({
      paused: true,
      cancelRequested: false,
    });
  });
});
