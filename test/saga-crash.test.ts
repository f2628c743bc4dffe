/**
 * Crash test for Saga with real processes: the server is killed with SIGKILL while slow compensations are
 * running and restarted on the same SQLite file. Every saga still finishes, failed with its original error, and
 * its history holds each compensation once: one ActivityTaskScheduled, one ActivityTaskCompleted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Connection, WorkflowFailedError, type HistoryEvent } from '../src/client/index.js';
import { Worker } from '../src/worker/index.js';
import * as sagaActivities from './fixtures/saga-activities.js';
import type { SagaInput } from './fixtures/saga-workflows.js';
import { fixture, quietLogger, uid, waitFor } from './helpers.js';
import { freePort, spawnTs, type Child } from './process-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const TQ = 'saga-crash';
const N = 8;
const UNDO_MS = 300;

const scheduledIdOf = (e: HistoryEvent): unknown => (e.attributes as { scheduledEventId?: number }).scheduledEventId;
const linesOf = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
const activityOf = (e: HistoryEvent) => e.attributes as unknown as { activityType: string; input: unknown[] };

describe('crash: server killed with SIGKILL while sagas compensate', () => {
  it('finishes every saga with its original error and records each compensation exactly once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-saga-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const previousLedgerDir = process.env.WEFT_TEST_LEDGER_DIR;
    process.env.WEFT_TEST_LEDGER_DIR = dir; // the activities run in this process
    cleanups.push(() => {
      if (previousLedgerDir === undefined) delete process.env.WEFT_TEST_LEDGER_DIR;
      else process.env.WEFT_TEST_LEDGER_DIR = previousLedgerDir;
    });
    const db = path.join(dir, 'weft.db');
    const port = await freePort();
    let server: Child = await spawnTs(fixture('server-main.ts'), [db, String(port)]);
    cleanups.push(() => server.kill());

    const connection = Connection.lazy({ address: server.ready });
    cleanups.push(() => connection.close());
    const worker = await Worker.create({
      connection,
      taskQueue: TQ,
      workflowsPath: fixture('saga-workflows.ts'),
      activities: { doStep: sagaActivities.doStep, undoStep: sagaActivities.undoStep },
      logger: quietLogger,
      handleSignals: false,
      shutdownGraceTime: '2s',
      maxConcurrentActivityTaskExecutions: 50,
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
    });
    const client = new Client({ connection });

    const input: SagaInput = {
      steps: [
        { name: 'a', undo: 'slow', slowMs: UNDO_MS },
        { name: 'b', undo: 'slow', slowMs: UNDO_MS },
        { name: 'c', undo: 'slow', slowMs: UNDO_MS },
        { name: 'failD' },
      ],
    };
    const ids = Array.from({ length: N }, (_, i) => `saga-crash-${i}-${uid()}`);
    const handles = await Promise.all(
      ids.map((workflowId) =>
        // a short workflow task timeout, in case a task's completion is lost with the server
        client.workflow.start('sagaSteps', { taskQueue: TQ, workflowId, args: [input], workflowTaskTimeout: '2s' }),
      ),
    );
    const outcomes = handles.map((h) =>
      h.result().then(
        () => undefined,
        (e: unknown) => e,
      ),
    );

    // kill the server once the first compensation of each saga is done and half of the second ones have started
    const ledger = path.join(dir, 'saga-ledger.txt');
    const started = path.join(dir, 'saga-started.txt');
    const ledgerLines = (): string[] => linesOf(ledger);
    const startedLines = (): string[] => linesOf(started);
    await waitFor(() => ledgerLines().length >= N, 20_000, 'the first compensations to run');
    await waitFor(() => startedLines().length >= N + N / 2, 20_000, 'the second compensations to start');
    await server.kill('SIGKILL');
    // the kill really came in the middle of compensations: some had started and not finished
    expect(startedLines().length).toBeGreaterThan(ledgerLines().length);
    await new Promise((r) => setTimeout(r, 300));
    server = await spawnTs(fixture('server-main.ts'), [db, String(port)]);

    for (const err of await Promise.all(outcomes)) {
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause?.cause).toMatchObject({
        type: 'StepFailed',
        message: 'step failD failed',
      });
    }
    expect((await client.workflow.count(`ExecutionStatus = 'Failed' AND TaskQueue = '${TQ}'`)).count).toBe(N);

    const lines = ledgerLines().map((l) => l.split(' '));
    for (const h of handles) {
      const { events } = await client.workflow.getHandle(h.workflowId).fetchHistory();
      expect(events.map((e) => e.eventId)).toEqual(events.map((_, i) => i + 1));
      const undos = events.filter(
        (e) => e.eventType === 'ActivityTaskScheduled' && activityOf(e).activityType === 'undoStep',
      );
      expect(undos.map((e) => activityOf(e).input[0])).toEqual(['c', 'b', 'a']);
      for (const u of undos) {
        const outcomes = events.filter((e) => scheduledIdOf(e) === u.eventId).map((e) => e.eventType);
        expect(outcomes.filter((t) => t === 'ActivityTaskCompleted')).toHaveLength(1);
        expect(outcomes.filter((t) => t === 'ActivityTaskStarted')).toHaveLength(1);
        expect(outcomes.filter((t) => t !== 'ActivityTaskCompleted' && t !== 'ActivityTaskStarted')).toEqual([]);
      }
      expect(events.filter((e) => e.eventType === 'WorkflowExecutionFailed')).toHaveLength(1);
      expect(events.at(-1)?.eventType).toBe('WorkflowExecutionFailed');

      // the independent ledger: each compensation ran at least once (more is allowed: at least once), and
      // every execution of one compensation carried the same idempotency key, distinct from the others'
      const mine = lines.filter(([workflowId]) => workflowId === h.workflowId);
      expect(new Set(mine.map(([, , name]) => name))).toEqual(new Set(['a', 'b', 'c']));
      const keyByActivity = new Map<string, Set<string>>();
      for (const [, activityId, , , key] of mine) {
        const keys = keyByActivity.get(activityId!) ?? new Set<string>();
        keys.add(key!);
        keyByActivity.set(activityId!, keys);
      }
      expect(keyByActivity.size).toBe(3);
      for (const keys of keyByActivity.values()) expect(keys.size).toBe(1);
      expect(new Set([...keyByActivity.values()].map((k) => [...k][0])).size).toBe(3);
    }
  }, 60_000);
});
