/**
 * ApplicationFailureCategory (Temporal's): `ApplicationFailure.create({ category })` carries the category through
 * the server to the workflow and the client, and the worker logs an activity failing with a BENIGN failure at
 * DEBUG rather than WARN. Over real HTTP and SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, ApplicationFailureCategory, WorkflowFailedError } from 'weft/client';
import { DefaultLogger, type LogEntry } from '../src/common/temporal-logger.js';
import { decodeFailure, encodeFailure, sanitizeFailure } from '../src/common/failure.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

const TQ = 'it-failure-category';
const entries: LogEntry[] = [];
let ts: TestServer;
let stopWorker: () => Promise<void>;

const activities = {
  async benign(): Promise<void> {
    throw ApplicationFailure.create({ message: 'poll again later', category: ApplicationFailureCategory.BENIGN });
  },
  async loud(): Promise<void> {
    throw ApplicationFailure.create({ message: 'something broke' });
  },
};

beforeAll(async () => {
  ts = await startTestServer();
  const logger = new DefaultLogger('TRACE', (e) => entries.push(e));
  ({ stop: stopWorker } = await startWorker(ts, {
    taskQueue: TQ,
    workflowsPath: fixture('failure-category.ts'),
    activities,
    logger,
  }));
});
afterAll(async () => {
  await stopWorker?.();
  await ts?.stop();
});

describe('ApplicationFailureCategory', () => {
  it('is an enum with Temporal member names, kept by encode, sanitize and decode', () => {
    expect(ApplicationFailureCategory.BENIGN).toBe('BENIGN');
    const f = ApplicationFailure.create({ message: 'm', category: ApplicationFailureCategory.BENIGN });
    expect(f.category).toBe('BENIGN');
    expect(new ApplicationFailure('m', 'T', false, [], undefined, undefined, 'BENIGN').category).toBe('BENIGN');
    const wire = sanitizeFailure(JSON.parse(JSON.stringify(encodeFailure(f))));
    expect(wire.category).toBe('BENIGN');
    expect((decodeFailure(wire) as ApplicationFailure).category).toBe('BENIGN');
    expect(sanitizeFailure({ kind: 'application', message: 'm', category: 'LOUD' }).category).toBeUndefined();
  });

  it('reaches the workflow and the client; a BENIGN activity failure is logged at DEBUG, others at WARN', async () => {
    const r = await ts.client.workflow.execute('categories', { taskQueue: TQ, workflowId: uid() });
    expect(r).toEqual(['BENIGN', 'none']);
    const failed = entries.filter((e) => e.message === 'Activity failed');
    expect(failed.map((e) => [e.level, e.meta?.['activityType']])).toEqual([
      ['DEBUG', 'benign'],
      ['WARN', 'loud'],
    ]);
    const err = await ts.client.workflow.execute('failsBenign', { taskQueue: TQ, workflowId: uid() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const cause = (err as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).category).toBe(ApplicationFailureCategory.BENIGN);
  });
});
