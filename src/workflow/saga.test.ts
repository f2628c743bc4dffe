/**
 * Saga's ordering, reporting and typing, outside the sandbox (a stand-in run supplies the root scope and the
 * logger). What it does inside a real workflow (activities, retries, cancellation) is in test/saga.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ApplicationFailure } from '../common/failure.js';
import { createRootScope } from './cancellation-scope.js';
import type { Activator } from './internal/activator.js';
import { setActivator } from './internal/current.js';
import { Saga } from './saga.js';

let logs: Array<{ level: string; message: string; attrs?: Record<string, unknown> }>;

beforeEach(() => {
  logs = [];
  setActivator({
    rootScope: createRootScope(),
    hooks: {
      log: (level: string, message: string, attrs?: Record<string, unknown>) => logs.push({ level, message, attrs }),
    },
  } as unknown as Activator);
});

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 1));

describe('Saga', () => {
  it('runs compensations newest first, one at a time, with their arguments', async () => {
    const events: string[] = [];
    const undo = async (what: string, n: number): Promise<void> => {
      events.push(`start ${what} ${n}`);
      await tick();
      events.push(`end ${what}`);
    };
    const saga = new Saga();
    saga.addCompensation(undo, 'a', 1);
    saga.addCompensation(undo, 'b', 2);
    saga.addCompensation(undo, 'c', 3);
    const report = await saga.compensate();
    expect(events).toEqual(['start c 3', 'end c', 'start b 2', 'end b', 'start a 1', 'end a']);
    expect(report).toEqual({ succeeded: [2, 1, 0], failures: [], skipped: [] });
    expect(logs).toEqual([]);
  });

  it('reports a failing compensation, logs it, and runs the rest by default', async () => {
    const ran: string[] = [];
    const boom = new ApplicationFailure('cannot undo b', 'Undo');
    const saga = new Saga();
    saga.addCompensation((x: string) => void ran.push(x), 'a');
    saga.addCompensation(async () => {
      ran.push('b');
      throw boom;
    });
    saga.addCompensation((x: string) => void ran.push(x), 'c');
    const report = await saga.compensate();
    expect(ran).toEqual(['c', 'b', 'a']);
    expect(report.failures).toEqual([{ index: 1, error: boom }]);
    expect(report.succeeded).toEqual([2, 0]);
    expect(logs).toMatchObject([{ level: 'error', message: 'saga: compensation failed', attrs: { index: 1 } }]);
  });

  it('with continueOnError false stops at the first failure and reports the skipped ones', async () => {
    const ran: number[] = [];
    const saga = new Saga({ continueOnError: false });
    saga.addCompensation((n: number) => void ran.push(n), 0);
    saga.addCompensation((n: number) => void ran.push(n), 1);
    saga.addCompensation(() => {
      throw new Error('sync failure');
    });
    saga.addCompensation((n: number) => void ran.push(n), 3);
    const report = await saga.compensate();
    expect(ran).toEqual([3]);
    expect(report.succeeded).toEqual([3]);
    expect(report.failures.map((f) => f.index)).toEqual([2]);
    expect(report.skipped).toEqual([1, 0]);
  });

  it('in parallel starts every compensation before any finishes, newest first, and reports each', async () => {
    const events: string[] = [];
    const undo = async (n: number, ms: number, fail = false): Promise<void> => {
      events.push(`start ${n}`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`end ${n}`);
      if (fail) throw new Error(`fail ${n}`);
    };
    const saga = new Saga({ parallelCompensation: true, continueOnError: false });
    saga.addCompensation(undo, 0, 5);
    saga.addCompensation(undo, 1, 1, true);
    saga.addCompensation(undo, 2, 10);
    const report = await saga.compensate();
    expect(events.slice(0, 3)).toEqual(['start 2', 'start 1', 'start 0']);
    expect(report.succeeded.sort()).toEqual([0, 2]);
    expect(report.failures.map((f) => [f.index, (f.error as Error).message])).toEqual([[1, 'fail 1']]);
    expect(report.skipped).toEqual([]);
  });

  it('runs each compensation once: compensate() clears them', async () => {
    let count = 0;
    const saga = new Saga();
    saga.addCompensation(() => void count++);
    expect(saga.pending).toBe(1);
    await saga.compensate();
    expect(saga.pending).toBe(0);
    expect(await saga.compensate()).toEqual({ succeeded: [], failures: [], skipped: [] });
    expect(count).toBe(1);
  });

  it('checks the arguments against the function at compile time', () => {
    const saga = new Saga();
    const cancel = async (id: string, refund: number): Promise<string> => `${id}${refund}`;
    saga.addCompensation(cancel, 'x', 1);
    // @ts-expect-error a number where a string is expected
    saga.addCompensation(cancel, 1, 1);
    // @ts-expect-error an argument missing
    saga.addCompensation(cancel, 'x');
    // @ts-expect-error one too many
    saga.addCompensation(cancel, 'x', 1, 2);
    expect(saga.pending).toBe(4);
  });
});
