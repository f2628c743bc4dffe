/**
 * Worker set-up written for Temporal: Runtime.install({ logger }) with a DefaultLogger, NativeConnection, the
 * activity `log` (each line names the activity), makeTelemetryFilterString.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { log as activityLog } from 'weft/activity';
import {
  DefaultLogger,
  IllegalStateError,
  NativeConnection,
  Runtime,
  Worker,
  makeTelemetryFilterString,
  type LogEntry,
} from 'weft/worker';
import * as activities from './fixtures/logging-activities.js';
import { fixture, startTestServer, uid, waitFor, type TestServer } from './helpers.js';

const entries: LogEntry[] = [];
let ts: TestServer;

beforeAll(async () => {
  Runtime.install({
    logger: new DefaultLogger('DEBUG', (entry) => entries.push(entry)),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'INFO' }) } },
  });
  ts = await startTestServer();
});
afterAll(async () => {
  await ts?.stop();
});

describe('Temporal worker set-up', () => {
  it('a worker made without a logger writes to the installed Runtime logger; activity lines name the activity', async () => {
    const connection = await NativeConnection.connect({ address: ts.server.address });
    const worker = await Worker.create({
      connection,
      taskQueue: 'it-runtime',
      workflowsPath: fixture('logging-workflows.ts'),
      activities,
      handleSignals: false,
    });
    const workflowId = uid('log');
    const result = await worker.runUntil(
      ts.client.workflow.execute('loggingWorkflow', { taskQueue: 'it-runtime', workflowId, args: [42] }),
    );
    expect(result).toBe('charged 42');
    await connection.close();

    const charging = entries.find((e) => e.message === 'charging');
    expect(charging?.level).toBe('INFO');
    expect(charging?.meta).toMatchObject({
      amount: 42,
      sdkComponent: 'activity',
      activityType: 'charge',
      workflowId,
      workflowType: 'loggingWorkflow',
      attempt: 1,
      isLocal: false,
      taskQueue: 'it-runtime',
    });
    expect(typeof charging?.timestampNanos).toBe('bigint');
    expect(entries.find((e) => e.message === 'charged')?.level).toBe('DEBUG');
    expect(entries.find((e) => e.message === 'order received')?.meta).toMatchObject({ amount: 42 });
  });

  it('shutdown with the default grace time (0) cancels running activities at once; the attempt is retried, not cancelled', async () => {
    const make = () =>
      Worker.create({
        connection: ts.connection,
        taskQueue: 'it-shutdown',
        workflowsPath: fixture('logging-workflows.ts'),
        activities,
        handleSignals: false,
      });
    const first = await make();
    const running = first.run();
    const handle = await ts.client.workflow.start('survivesWorkerShutdown', {
      taskQueue: 'it-shutdown',
      workflowId: uid('sd'),
    });
    await waitFor(
      async () => (await handle.describe()).pendingActivities.some((a) => a.state === 'STARTED'),
      10_000,
      'the activity to start',
    );
    const t0 = Date.now();
    first.shutdown();
    await running;
    expect(Date.now() - t0).toBeLessThan(5_000); // not the old 10 s grace
    const second = await make();
    const result = await second.runUntil(handle.result());
    expect(result).toBe('done on attempt 2');
    const types = (await handle.fetchHistory()).events.map((e) => e.eventType);
    expect(types).not.toContain('ActivityTaskCanceled');
    expect(types.filter((t) => t === 'ActivityTaskCompleted')).toHaveLength(1);
  });

  it('DefaultLogger filters below its level; Runtime.install twice is an IllegalStateError', () => {
    const seen: string[] = [];
    const l = new DefaultLogger('WARN', (e) => seen.push(`${e.level}:${e.message}`));
    l.info('dropped');
    l.warn('kept', { a: 1 });
    l.log('ERROR', 'also kept');
    expect(seen).toEqual(['WARN:kept', 'ERROR:also kept']);
    expect(() => Runtime.install({})).toThrow(IllegalStateError);
    expect(Runtime.instance().logger).toBeInstanceOf(DefaultLogger);
  });

  it('makeTelemetryFilterString has Temporal’s format; the activity log outside an activity throws', () => {
    expect(makeTelemetryFilterString({ core: 'INFO', other: 'WARN' })).toBe(
      'WARN,temporalio_sdk_core=INFO,temporalio_client=INFO,temporalio_common=INFO',
    );
    expect(() => activityLog.info('nowhere')).toThrow(/only available inside an activity/);
  });
});
