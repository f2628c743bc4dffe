/**
 * Why an activity was cancelled (Temporal's `ActivityCancellationDetails`): set once, with the reason its
 * cancellation signal aborted with, and read by `cancellationDetails()` in the activity.
 */
export interface ActivityCancellationDetailsOptions {
  notFound?: boolean;
  cancelRequested?: boolean;
  paused?: boolean;
  timedOut?: boolean;
  workerShutdown?: boolean;
  reset?: boolean;
}

export class ActivityCancellationDetails {
  readonly notFound: boolean;
  readonly cancelRequested: boolean;
  readonly paused: boolean;
  readonly timedOut: boolean;
  readonly workerShutdown: boolean;
  readonly reset: boolean;

  constructor(options: ActivityCancellationDetailsOptions = {}) {
    this.notFound = options.notFound ?? false;
    this.cancelRequested = options.cancelRequested ?? false;
    this.paused = options.paused ?? false;
    this.timedOut = options.timedOut ?? false;
    this.workerShutdown = options.workerShutdown ?? false;
    this.reset = options.reset ?? false;
  }
}

const DETAILS = Symbol.for('weft.activityCancellationDetails');

/** `reason` (the error an activity's cancellation signal aborts with), marked with why it was cancelled. */
export function withCancellationDetails<E extends Error>(reason: E, details: ActivityCancellationDetailsOptions): E {
  Object.defineProperty(reason, DETAILS, { value: new ActivityCancellationDetails(details), enumerable: false });
  return reason;
}

/** The details an abort reason was marked with, if any. */
export function cancellationDetailsOf(reason: unknown): ActivityCancellationDetails | undefined {
  return typeof reason === 'object' && reason !== null
    ? ((reason as Record<symbol, unknown>)[DETAILS] as ActivityCancellationDetails | undefined)
    : undefined;
}
