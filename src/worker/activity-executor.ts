/**
 * Runs activity tasks: calls the activity function inside its Context, heartbeats to the server (throttled),
 * and turns cancellation answers into an aborted `cancellationSignal`. Produces the task's completion.
 */
import type { Client } from '../client/client.js';
import { withCancellationDetails } from '../common/activity-cancellation.js';
import { decodeArgs } from '../common/payload-args.js';
import {
  ApplicationFailure,
  ApplicationFailureCategory,
  CancelledFailure,
  TimeoutFailure,
  encodeActivityFailure,
  encodeFailure,
  isCancellation,
} from '../common/failure.js';
import type { Logger } from '../common/logger.js';
import { temporalLoggerOver, type Logger as TemporalLogger } from '../common/temporal-logger.js';
import type { ActivityTask, HeartbeatResponse, TaskCompletion } from '../protocol/tasks.js';
import { Context, runWithContext, withTemporalNames, type ActivityInfo } from '../activity/context.js';
import { CompleteAsyncError } from '../activity/complete-async.js';
import { executeActivityIntercepted, type WorkerInterceptors } from './interceptors.js';
import { ServiceError } from '../client/errors.js';
import type { Transport } from '../client/transport.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActivityImplementations = Record<string, (...args: any[]) => unknown>;

export interface ActivityExecutorOptions {
  transport: Transport;
  namespace: string;
  activities: ActivityImplementations;
  log: Logger;
  interceptors?: WorkerInterceptors;
  maxHeartbeatThrottleIntervalMs: number;
  defaultHeartbeatThrottleIntervalMs: number;
  /** The worker's client, for the activities' `Context.client`. */
  client?: () => Client;
}

function infoOf(task: ActivityTask): ActivityInfo {
  return withTemporalNames({
    activityId: task.activityId,
    activityType: task.activityType,
    attempt: task.attempt,
    workflowId: task.workflowId,
    runId: task.runId,
    workflowType: task.workflowType,
    workflowNamespace: task.namespace,
    taskQueue: task.taskQueue,
    heartbeatDetails: task.heartbeatDetails,
    scheduledTime: new Date(task.scheduledTime),
    currentAttemptScheduledTime: new Date(task.currentAttemptScheduledTime),
    startedTime: new Date(task.startedTime),
    ...(task.startToCloseTimeoutMs !== undefined ? { startToCloseTimeoutMs: task.startToCloseTimeoutMs } : {}),
    ...(task.scheduleToCloseTimeoutMs !== undefined ? { scheduleToCloseTimeoutMs: task.scheduleToCloseTimeoutMs } : {}),
    ...(task.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: task.heartbeatTimeoutMs } : {}),
    workflowExecution: { workflowId: task.workflowId, runId: task.runId },
    idempotencyKey: task.idempotencyKey,
    isLocal: false,
    taskToken: new TextEncoder().encode(task.taskToken),
  });
}

/** An activity's logger: the worker's log, each line naming the activity (Temporal's attributes). */
export function activityLogger(
  log: Logger,
  task: Pick<
    ActivityTask,
    'activityId' | 'activityType' | 'attempt' | 'workflowId' | 'runId' | 'workflowType' | 'namespace' | 'taskQueue'
  >,
  isLocal: boolean,
): TemporalLogger {
  return temporalLoggerOver(log, {
    sdkComponent: 'activity',
    isLocal,
    attempt: task.attempt,
    namespace: task.namespace,
    workflowId: task.workflowId,
    workflowRunId: task.runId,
    workflowType: task.workflowType,
    activityId: task.activityId,
    activityType: task.activityType,
    taskQueue: task.taskQueue,
  });
}

/** As Temporal's worker: a failed attempt is a warning, unless its failure's category is BENIGN (debug). */
export function logActivityFailure(
  log: Logger,
  task: Pick<ActivityTask, 'activityId' | 'activityType' | 'attempt' | 'workflowId' | 'runId'>,
  err: unknown,
  isLocal = false,
): void {
  const benign = err instanceof ApplicationFailure && err.category === ApplicationFailureCategory.BENIGN;
  const fields = {
    err,
    activityId: task.activityId,
    activityType: task.activityType,
    attempt: task.attempt,
    workflowId: task.workflowId,
    workflowRunId: task.runId,
    isLocal,
  };
  if (benign) log.debug(fields, 'Activity failed');
  else log.warn(fields, 'Activity failed');
}

/** Sends heartbeats at most once per interval, always with the latest details. */

/**
 * The function registered for an activity type, or the one registered as `default` (Temporal's dynamic
 * activity, which reads the type it runs as from `activityInfo().activityType`). Own properties only.
 */
export function activityFunction(
  activities: Record<string, unknown>,
  activityType: string,
): ((...args: unknown[]) => unknown) | undefined {
  const own = (name: string): unknown => (Object.hasOwn(activities, name) ? activities[name] : undefined);
  const fn = own(activityType) ?? own('default');
  return typeof fn === 'function' ? (fn as (...args: unknown[]) => unknown) : undefined;
}

/** Node's error for an aborted operation (`timers/promises`, `events.once`, `fs` with a signal). */
function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

class Heartbeater {
  private lastSent = 0;
  private pending: { details: unknown } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = false;
  lastDetails: unknown;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (details: unknown) => Promise<void>,
  ) {}

  beat(details: unknown): void {
    this.lastDetails = details;
    this.pending = { details };
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.inFlight || !this.pending) return;
    const wait = Math.max(0, this.lastSent + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const p = this.pending;
      if (!p) return;
      this.pending = undefined;
      this.inFlight = true;
      this.lastSent = Date.now();
      void this.send(p.details).finally(() => {
        this.inFlight = false;
        this.schedule();
      });
    }, wait);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }
}

export class ActivityExecutor {
  /** Running activities by task token, so shutdown can cancel them. */
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly opts: ActivityExecutorOptions) {}

  get inFlight(): number {
    return this.running.size;
  }

  /** Cancels every running activity (worker shutdown after the grace time). */
  cancelAll(reason: string): void {
    for (const ac of this.running.values())
      ac.abort(withCancellationDetails(new CancelledFailure(reason), { workerShutdown: true }));
  }

  /** Runs the attempt; undefined when the activity will be completed asynchronously (nothing to send). */
  async run(task: ActivityTask): Promise<TaskCompletion | undefined> {
    const { opts } = this;
    const fn = activityFunction(opts.activities, task.activityType);
    if (typeof fn !== 'function') {
      const known = Object.keys(opts.activities).join(', ') || 'none';
      const failure = ApplicationFailure.create({
        message: `activity type ${JSON.stringify(task.activityType)} is not registered on this worker (it has: ${known})`,
        type: 'NotFoundError',
      });
      return { kind: 'activityTaskFailed', taskToken: task.taskToken, failure: encodeFailure(failure) };
    }
    const abort = new AbortController();
    this.running.set(task.taskToken, abort);
    const interval = task.heartbeatTimeoutMs
      ? Math.min(task.heartbeatTimeoutMs * 0.8, opts.maxHeartbeatThrottleIntervalMs)
      : opts.defaultHeartbeatThrottleIntervalMs;
    const heartbeater = new Heartbeater(interval, (details) => this.sendHeartbeat(task, details, abort));
    const log = activityLogger(opts.log, task, false);
    const ctx = new Context(infoOf(task), abort, (d) => heartbeater.beat(d), log, opts.client);
    const deadline = task.startToCloseTimeoutMs
      ? setTimeout(
          () =>
            abort.abort(
              new TimeoutFailure('activity start-to-close timeout passed', heartbeater.lastDetails, 'START_TO_CLOSE'),
            ),
          task.startToCloseTimeoutMs,
        )
      : undefined;
    try {
      const result = await runWithContext(ctx, () =>
        executeActivityIntercepted(opts.interceptors, ctx, decodeArgs(task.input), task.header ?? {}, fn),
      );
      return { kind: 'activityTaskCompleted', taskToken: task.taskToken, ...(result !== undefined ? { result } : {}) };
    } catch (err) {
      if (err instanceof CompleteAsyncError) return undefined;
      if (
        abort.signal.aborted &&
        abort.signal.reason instanceof CancelledFailure &&
        (isCancellation(err) || isAbortError(err))
      ) {
        return { kind: 'activityTaskCanceled', taskToken: task.taskToken };
      }
      logActivityFailure(opts.log, task, err);
      return {
        kind: 'activityTaskFailed',
        taskToken: task.taskToken,
        // the worker's own start-to-close deadline stays a timeout; what the activity threw is reported as Temporal's
        failure: err === abort.signal.reason ? encodeFailure(err) : encodeActivityFailure(err),
        ...(heartbeater.lastDetails !== undefined ? { lastHeartbeatDetails: heartbeater.lastDetails } : {}),
      };
    } finally {
      clearTimeout(deadline);
      heartbeater.stop();
      this.running.delete(task.taskToken);
    }
  }

  private async sendHeartbeat(task: ActivityTask, details: unknown, abort: AbortController): Promise<void> {
    try {
      const r = await this.opts.transport.call<HeartbeatResponse>('heartbeatActivity', {
        params: { namespace: this.opts.namespace },
        body: { taskToken: task.taskToken, ...(details !== undefined ? { details } : {}) },
      });
      if (r.cancelRequested)
        abort.abort(
          withCancellationDetails(new CancelledFailure('Activity cancellation requested'), { cancelRequested: true }),
        );
    } catch (e) {
      if (e instanceof ServiceError && e.code === 'TASK_NOT_FOUND') {
        // timed out, or the workflow closed: nobody waits for this attempt any more
        abort.abort(
          withCancellationDetails(
            new CancelledFailure('Activity is no longer wanted (timed out, or its workflow closed)'),
            { notFound: true },
          ),
        );
      } else {
        this.opts.log.warn({ err: e, activityType: task.activityType }, 'heartbeat failed');
      }
    }
  }
}
