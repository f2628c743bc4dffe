/**
 * `MockActivityEnvironment` (Temporal's, from `@temporalio/testing`): runs an activity function in an activity
 * Context with no server and no worker, so a unit test can check what it does with its info, its heartbeats
 * (each one is a 'heartbeat' event) and cancellation (`env.cancel()`).
 */
import { EventEmitter } from 'node:events';
import { CancelledFailure } from '../common/failure.js';
import { DefaultLogger, type Logger } from '../common/temporal-logger.js';
import { Context, runWithContext, withTemporalNames, type ActivityInfo } from '../activity/context.js';
import type { Client } from '../client/client.js';
import { withCancellationDetails, type ActivityCancellationDetailsOptions } from '../common/activity-cancellation.js';

/** What `cancellationDetails()` says for each reason `cancel(reason)` names (unless `details` are given). */
const DETAILS_OF: Record<string, ActivityCancellationDetailsOptions> = {
  NOT_FOUND: { notFound: true },
  CANCELLED: { cancelRequested: true },
  TIMED_OUT: { timedOut: true },
  WORKER_SHUTDOWN: { workerShutdown: true },
  PAUSED: { paused: true },
  RESET: { reset: true },
};

/** Why an activity is cancelled, in Temporal's words; the `CancelledFailure`'s message. */
export type CancelReason =
  | 'NOT_FOUND'
  | 'CANCELLED'
  | 'TIMED_OUT'
  | 'WORKER_SHUTDOWN'
  | 'HEARTBEAT_DETAILS_CONVERSION_FAILED'
  | 'PAUSED'
  | 'RESET';

export interface MockActivityEnvironmentOptions {
  /** Where `Context.current().log` and `log` from `weft/activity` write (default: a `DefaultLogger`). */
  logger?: Logger;
  /** What `Context.current().client` and `getClient()` answer (Temporal's option); without it they throw. */
  client?: Client;
}

/** The info an activity sees in a `MockActivityEnvironment` unless the test gives its own. */
export const defaultActivityInfo: ActivityInfo = withTemporalNames({
  activityId: 'test',
  activityType: 'unknown',
  attempt: 1,
  workflowId: 'test',
  runId: '00000000-0000-0000-0000-000000000000',
  workflowType: 'test',
  workflowNamespace: 'default',
  taskQueue: 'test',
  heartbeatDetails: undefined,
  scheduledTime: new Date(1),
  currentAttemptScheduledTime: new Date(1),
  startedTime: new Date(1),
  startToCloseTimeoutMs: 1000,
  scheduleToCloseTimeoutMs: 1000,
  workflowExecution: { workflowId: 'test', runId: '00000000-0000-0000-0000-000000000000' },
  idempotencyKey: 'test',
  isLocal: false,
  taskToken: new TextEncoder().encode('test'),
});

/**
 * The default info with the test's fields; a field given under only one of its two names (Temporal's
 * `scheduledTimestampMs` or Weft's `scheduledTime`, `namespace` or `workflowNamespace`) sets both.
 */
function mergeInfo(info: Partial<ActivityInfo> = {}): ActivityInfo {
  const at = (ms: number | undefined, date: Date | undefined): Date | undefined =>
    date ?? (ms !== undefined ? new Date(ms) : undefined);
  const {
    namespace: _n,
    activityNamespace: _a,
    scheduledTimestampMs: _s,
    currentAttemptScheduledTimestampMs: _c,
    startedTimestampMs: _t,
    base64TaskToken: _b,
    ...base
  } = defaultActivityInfo;
  const scheduledTime = at(info.scheduledTimestampMs, info.scheduledTime);
  const currentAttemptScheduledTime = at(info.currentAttemptScheduledTimestampMs, info.currentAttemptScheduledTime);
  const startedTime = at(info.startedTimestampMs, info.startedTime);
  const workflowNamespace = info.workflowNamespace ?? info.namespace;
  return withTemporalNames({
    ...base,
    ...info,
    ...(scheduledTime ? { scheduledTime } : {}),
    ...(currentAttemptScheduledTime ? { currentAttemptScheduledTime } : {}),
    ...(startedTime ? { startedTime } : {}),
    ...(workflowNamespace ? { workflowNamespace } : {}),
  });
}

/**
 * One Context, shared by every `run` of this environment: once `cancel()` was called, later runs start cancelled
 * (as in Temporal).
 */
export class MockActivityEnvironment extends EventEmitter {
  readonly context: Context;
  private readonly abort = new AbortController();

  constructor(info?: Partial<ActivityInfo>, opts: MockActivityEnvironmentOptions = {}) {
    super();
    const merged: ActivityInfo = mergeInfo(info);
    if (info?.workflowExecution === undefined && (info?.workflowId !== undefined || info?.runId !== undefined))
      merged.workflowExecution = { workflowId: merged.workflowId, runId: merged.runId };
    this.context = new Context(
      merged,
      this.abort,
      (details) => this.emit('heartbeat', details),
      opts.logger ?? new DefaultLogger(),
      opts.client ? () => opts.client! : undefined,
    );
  }

  /** Cancels the activity: its `cancellationSignal` aborts and `cancelled` / `sleep` reject with a CancelledFailure. */
  cancel(reason: CancelReason | string = 'CANCELLED', details?: ActivityCancellationDetailsOptions): void {
    if (this.abort.signal.aborted) return;
    this.abort.abort(withCancellationDetails(new CancelledFailure(reason), details ?? DETAILS_OF[reason] ?? {}));
  }

  /** Runs `fn(...args)` as an activity with this environment's Context. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run<P extends any[], R>(fn: (...args: P) => R | Promise<R>, ...args: P): Promise<R> {
    return runWithContext(this.context, async () => fn(...args));
  }
}
