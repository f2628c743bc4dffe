/**
 * Saga: undo what a workflow did when a later step fails. Each successful step registers its compensation
 * (usually an activity from proxyActivities, with that activity's own retry policy); `compensate()` runs them
 * newest first, or all at once with `parallelCompensation`.
 *
 * Two rules shape the API:
 * - Compensations run in a non-cancellable scope: cancelling the workflow is a reason to undo, not to stop undoing.
 * - `compensate()` never rejects because a compensation failed. It logs the failure and returns it in a report,
 *   so the idiomatic `catch (err) { await saga.compensate(); throw err; }` always rethrows the original error.
 *
 * Deterministic: plain promises and the workflow's own scope and logger, nothing else.
 */
import { ActivityFailure, ChildWorkflowFailure } from '../common/failure.js';
import { CancellationScope } from './cancellation-scope.js';
import { log } from './info.js';

export interface SagaOptions {
  /** Start every compensation at once instead of one by one, newest first. Default false. */
  parallelCompensation?: boolean;
  /**
   * After a compensation fails, run the remaining ones anyway. Default true: compensations usually undo
   * independent things (a hotel and a flight), and one that cannot be undone is no reason to keep the others.
   * Ignored with `parallelCompensation` (every compensation has started by the time one fails).
   */
  continueOnError?: boolean;
}

/** A compensation that threw or rejected (an activity's failure comes after its retries are used up). */
export interface CompensationFailure {
  /** Position in the order the compensations were added (0 = the first `addCompensation` since the last compensate). */
  index: number;
  error: unknown;
}

export interface CompensationReport {
  /** Indexes of the compensations that succeeded, in the order they finished. */
  succeeded: number[];
  /** The compensations that failed, in the order they failed. Empty when every one succeeded. */
  failures: CompensationFailure[];
  /** Indexes not run because one failed before them and `continueOnError` is false (newest first). */
  skipped: number[];
}

type Compensation = () => unknown;

export class Saga {
  readonly parallelCompensation: boolean;
  readonly continueOnError: boolean;
  private compensations: Compensation[] = [];

  constructor(options: SagaOptions = {}) {
    this.parallelCompensation = options.parallelCompensation ?? false;
    this.continueOnError = options.continueOnError ?? true;
  }

  /** Registers `fn(...args)` to undo a step that succeeded; the arguments must match fn's parameters. */
  addCompensation<F extends (...args: never[]) => unknown>(fn: F, ...args: Parameters<F>): void {
    if (typeof fn !== 'function') throw new TypeError('Saga.addCompensation: fn must be a function');
    const call = fn as unknown as (...a: unknown[]) => unknown;
    this.compensations.push(() => call(...(args as unknown[])));
  }

  /** How many compensations are registered and not yet run. */
  get pending(): number {
    return this.compensations.length;
  }

  /**
   * Runs the registered compensations once (they are cleared) in a non-cancellable scope, and reports how each
   * went. Resolves even when compensations fail: check `failures`.
   */
  compensate(): Promise<CompensationReport> {
    const batch = this.compensations;
    this.compensations = [];
    return CancellationScope.nonCancellable(() =>
      this.parallelCompensation ? runParallel(batch) : runSequential(batch, this.continueOnError),
    );
  }
}

async function runSequential(batch: Compensation[], continueOnError: boolean): Promise<CompensationReport> {
  const report: CompensationReport = { succeeded: [], failures: [], skipped: [] };
  for (let index = batch.length - 1; index >= 0; index--) {
    if (report.failures.length > 0 && !continueOnError) {
      report.skipped.push(index);
      continue;
    }
    try {
      await batch[index]!();
      report.succeeded.push(index);
    } catch (error) {
      recordFailure(report, index, error);
    }
  }
  if (report.skipped.length > 0)
    log.warn('saga: compensations skipped after a failure (continueOnError is false)', { skipped: report.skipped });
  return report;
}

async function runParallel(batch: Compensation[]): Promise<CompensationReport> {
  const report: CompensationReport = { succeeded: [], failures: [], skipped: [] };
  // started newest first, so the commands (and the history) keep the same order as the sequential mode
  const running: Array<Promise<void>> = [];
  for (let index = batch.length - 1; index >= 0; index--) {
    const compensation = batch[index]!;
    running.push(
      (async () => {
        try {
          await compensation();
          report.succeeded.push(index);
        } catch (error) {
          recordFailure(report, index, error);
        }
      })(),
    );
  }
  await Promise.all(running);
  return report;
}

function recordFailure(report: CompensationReport, index: number, error: unknown): void {
  report.failures.push({ index, error });
  log.error('saga: compensation failed', describeError(index, error));
}

function describeError(index: number, error: unknown): Record<string, unknown> {
  const attrs: Record<string, unknown> = { index };
  if (error instanceof ActivityFailure) attrs.activityType = error.activityType;
  if (error instanceof ChildWorkflowFailure) attrs.workflowType = error.workflowType;
  if (error instanceof Error) {
    attrs.error = error.message;
    if (error.cause instanceof Error) attrs.cause = error.cause.message;
  } else attrs.error = String(error);
  return attrs;
}
