/**
 * The context of a running activity: what it is, how to heartbeat, and how it learns it was cancelled.
 * Cancellation (and heartbeat timeouts) reach the activity through its heartbeats: the worker sends them and
 * aborts `cancellationSignal` when the server answers that the activity is no longer wanted.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { CancelledFailure, TimeoutFailure } from '../common/failure.js';
import { ActivityCancellationDetails, cancellationDetailsOf } from '../common/activity-cancellation.js';
import { toMs, type Duration } from '../common/duration.js';
import { DefaultLogger, type Logger, type LogLevel, type LogMetadata } from '../common/temporal-logger.js';
import type { Client } from '../client/client.js';

export interface ActivityInfo {
  activityId: string;
  activityType: string;
  attempt: number;
  workflowId: string;
  runId: string;
  workflowType: string;
  workflowNamespace: string;
  taskQueue: string;
  /** Details of the last heartbeat of a previous attempt (resume from there). */
  heartbeatDetails: unknown;
  /** The namespace of the activity (and of its workflow: Weft runs them in one), Temporal's newer name. */
  namespace: string;
  /** Temporal's name for the activity's namespace. */
  activityNamespace: string;
  scheduledTime: Date;
  currentAttemptScheduledTime: Date;
  startedTime: Date;
  /** Temporal's epoch-millisecond forms of the three times above. */
  scheduledTimestampMs: number;
  currentAttemptScheduledTimestampMs: number;
  startedTimestampMs: number;
  startToCloseTimeoutMs?: number;
  scheduleToCloseTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  workflowExecution: { workflowId: string; runId: string };
  /** The same on every attempt of this activity: give it to downstream systems that deduplicate. */
  idempotencyKey: string;
  isLocal: boolean;
  /**
   * Names this attempt for asynchronous completion (`client.activity.complete(taskToken, ...)`); bytes, as in
   * Temporal (the UTF-8 of the server's token; `new TextDecoder().decode(taskToken)` gives the token string).
   * Empty for a local activity.
   */
  taskToken: Uint8Array;
  /** The task token in base64 (Temporal's `base64TaskToken`). */
  base64TaskToken: string;
}

/** The fields of ActivityInfo that restate others under Temporal's names. */
type DerivedInfo =
  | 'namespace'
  | 'activityNamespace'
  | 'scheduledTimestampMs'
  | 'currentAttemptScheduledTimestampMs'
  | 'startedTimestampMs'
  | 'base64TaskToken';

/** An activity's info with Temporal's other names filled in from `base` (an explicit value in `base` wins). */
export function withTemporalNames(
  base: Omit<ActivityInfo, DerivedInfo> & Partial<Pick<ActivityInfo, DerivedInfo>>,
): ActivityInfo {
  return {
    namespace: base.workflowNamespace,
    activityNamespace: base.workflowNamespace,
    scheduledTimestampMs: base.scheduledTime.getTime(),
    currentAttemptScheduledTimestampMs: base.currentAttemptScheduledTime.getTime(),
    startedTimestampMs: base.startedTime.getTime(),
    base64TaskToken: Buffer.from(base.taskToken).toString('base64'),
    ...base,
  };
}

const storage = new AsyncLocalStorage<Context>();

export class Context {
  readonly cancellationSignal: AbortSignal;
  /** Rejects with a CancelledFailure once the activity is cancelled. */
  readonly cancelled: Promise<never>;

  constructor(
    readonly info: ActivityInfo,
    private readonly abort: AbortController,
    private readonly onHeartbeat: (details: unknown) => void,
    /** The activity's logger (Temporal's `Context.log`): the worker's log, each line naming this activity. */
    readonly log: Logger = new DefaultLogger('INFO'),
    /** The worker's client (made on first use), for `client`. */
    private readonly clientOf?: () => Client,
  ) {
    this.cancellationSignal = abort.signal;
    this.cancelled = new Promise<never>((_, reject) => {
      const fire = (): void => reject(cancellationReason(abort.signal));
      if (abort.signal.aborted) fire();
      else abort.signal.addEventListener('abort', fire, { once: true });
    });
    this.cancelled.catch(() => {});
  }

  /** The context of the activity this code runs in. */
  static current(): Context {
    const c = storage.getStore();
    if (!c) throw new Error('Context.current() is only available inside an activity run by a Weft worker');
    return c;
  }

  /**
   * A client on the worker's connection and namespace (and its data converter), as Temporal's `Context.client`: to
   * signal, start or query workflows from an activity.
   */
  get client(): Client {
    if (!this.clientOf) throw new Error('Context.client: this activity was not run by a worker with a connection');
    return this.clientOf();
  }

  /**
   * Why the activity was cancelled (Temporal's `cancellationDetails`): undefined until it is; then whether its
   * cancellation was requested, it timed out, the server no longer knows it (`notFound`: its workflow closed, or
   * the attempt timed out there), or its worker is shutting down.
   */
  get cancellationDetails(): ActivityCancellationDetails | undefined {
    const signal = this.cancellationSignal;
    if (!signal.aborted) return undefined;
    return (
      cancellationDetailsOf(signal.reason) ??
      new ActivityCancellationDetails(
        signal.reason instanceof TimeoutFailure ? { timedOut: true } : { cancelRequested: true },
      )
    );
  }

  /** Records progress (sent to the server, throttled) and lets cancellation reach this activity. */
  heartbeat(details?: unknown): void {
    this.onHeartbeat(details);
  }

  /** Sleeps, but rejects with a CancelledFailure as soon as the activity is cancelled. */
  sleep(duration: Duration): Promise<void> {
    const ms = toMs(duration, 'sleep duration');
    return new Promise<void>((resolve, reject) => {
      if (this.cancellationSignal.aborted) return reject(cancellationReason(this.cancellationSignal));
      const onAbort = (): void => {
        clearTimeout(t);
        reject(cancellationReason(this.cancellationSignal));
      };
      const t = setTimeout(() => {
        this.cancellationSignal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.cancellationSignal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function cancellationReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new CancelledFailure('Activity cancelled');
}

/** Runs fn as the activity whose context is ctx (used by the worker). */
export function runWithContext<T>(ctx: Context, fn: () => T): T {
  return storage.run(ctx, fn);
}

export const activityInfo = (): ActivityInfo => Context.current().info;
export const heartbeat = (details?: unknown): void => Context.current().heartbeat(details);
export const cancellationSignal = (): AbortSignal => Context.current().cancellationSignal;
/** Rejects with a CancelledFailure once the running activity is cancelled (Temporal's free `cancelled()`). */
export const cancelled = (): Promise<never> => Context.current().cancelled;
export const sleep = (duration: Duration): Promise<void> => Context.current().sleep(duration);
/** Why the running activity was cancelled, undefined while it is not (Temporal's `cancellationDetails()`). */
export const cancellationDetails = (): ActivityCancellationDetails | undefined => Context.current().cancellationDetails;
/** The running activity's client (Temporal's `getClient()`): `Context.current().client`. */
export const getClient = (): Client => Context.current().client;

/**
 * The running activity's logger (as Temporal's `log` from `@temporalio/activity`): lines go to the worker's log
 * with the activity's id, type, attempt and workflow. Only inside an activity.
 */
export const log: Logger = {
  log: (level: LogLevel, message: string, meta?: LogMetadata) => Context.current().log.log(level, message, meta),
  trace: (message: string, meta?: LogMetadata) => Context.current().log.trace(message, meta),
  debug: (message: string, meta?: LogMetadata) => Context.current().log.debug(message, meta),
  info: (message: string, meta?: LogMetadata) => Context.current().log.info(message, meta),
  warn: (message: string, meta?: LogMetadata) => Context.current().log.warn(message, meta),
  error: (message: string, meta?: LogMetadata) => Context.current().log.error(message, meta),
};
