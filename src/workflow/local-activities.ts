/**
 * proxyLocalActivities: activities run by the worker that runs the workflow, inside its workflow task, instead
 * of through the server's activity task queue. Each outcome is recorded in history as a LocalActivity marker,
 * so replay resolves the call from the marker and never runs the activity again.
 *
 * Retries follow the retry policy inside the worker while the workflow task has time left; when the next
 * attempt would start too late, the worker records "retry after N ms" and the workflow sleeps on a durable
 * timer, then asks again (a new seq, the attempt count carried on). See docs/architecture.md.
 */
import { encodeArgs } from '../common/payload-args.js';
import { optionalMs } from '../common/duration.js';
import { CancelledFailure, decodeFailure } from '../common/failure.js';
import type { RetryPolicyInput } from '../protocol/schema-common.js';
import { checkOptions, retryToWire } from './activities.js';
import { CancellationScope } from './cancellation-scope.js';
import type { ActivationJob } from './internal/activation.js';
import { composeInterceptors } from '../common/interceptors.js';
import { currentActivator } from './internal/current.js';
import { sleep } from './timers.js';
import type { ActivityInterfaceFor, ActivityOptions } from './types.js';

/**
 * The options of proxyActivities. `taskQueue`, `scheduleToStartTimeout` and `heartbeatTimeout` do not apply
 * (the activity runs in this worker, and heartbeats of a local activity go nowhere).
 */
export type LocalActivityOptions = ActivityOptions;

type Resolution = Extract<ActivationJob, { type: 'resolveLocalActivity' }>;

interface ResolvedOptions {
  startToClose: number | undefined;
  scheduleToClose: number | undefined;
  retryPolicy: RetryPolicyInput | undefined;
}

const resolved = new WeakMap<LocalActivityOptions, ResolvedOptions>();

function resolveOptions(options: LocalActivityOptions): ResolvedOptions {
  let r = resolved.get(options);
  if (!r) {
    r = {
      startToClose: optionalMs(options.startToCloseTimeout, 'startToCloseTimeout'),
      scheduleToClose: optionalMs(options.scheduleToCloseTimeout, 'scheduleToCloseTimeout'),
      retryPolicy: retryToWire(options.retry),
    };
    resolved.set(options, r);
  }
  return r;
}

interface Attempt {
  activityType: string;
  activityId: string | undefined;
  args: unknown[];
  attempt: number;
  originalScheduleTime: number | undefined;
}

/** Asks the worker to run the activity once (with its local retries); resolves with its marker's outcome. */
function requestOnce(
  a: Attempt,
  options: LocalActivityOptions,
  headers: Record<string, unknown>,
  firstSeq?: number,
): Promise<{ resolution: Resolution; activityId: string }> {
  const activator = currentActivator();
  const scope = CancellationScope.current();
  if (scope.consideredCancelled) return Promise.reject(new CancelledFailure('Cancellation scope cancelled'));
  const seq = firstSeq ?? activator.nextActivitySeq();
  const activityId = a.activityId ?? options.activityId ?? String(seq);
  const { startToClose, scheduleToClose, retryPolicy } = resolveOptions(options);
  const promise = new Promise<unknown>((resolve, reject) => activator.activities.set(seq, { resolve, reject }));
  activator.requestLocalActivity({
    seq,
    activityType: a.activityType,
    activityId,
    args: encodeArgs(a.args),
    attempt: a.attempt,
    originalScheduleTime: a.originalScheduleTime ?? activator.now,
    ...(startToClose !== undefined ? { startToCloseTimeoutMs: startToClose } : {}),
    ...(scheduleToClose !== undefined ? { scheduleToCloseTimeoutMs: scheduleToClose } : {}),
    ...(retryPolicy ? { retryPolicy } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  });
  if (scope.cancellable) {
    scope.cancelRequested.catch((err: unknown) => {
      if (!activator.activities.has(seq)) return; // done already
      const type = options.cancellationType ?? 'TRY_CANCEL';
      const wait = type === 'WAIT_CANCELLATION_COMPLETED';
      activator.cancelLocalActivity({ seq, resolved: !wait, abandon: type === 'ABANDON' });
      if (!wait) activator.rejectActivity(seq, a.activityType, activityId, err);
    });
  }
  return promise.then((job) => ({ resolution: job as Resolution, activityId }));
}

/**
 * Runs a local activity to its end: its result, or an ActivityFailure. The outbound interceptors'
 * scheduleLocalActivity wraps the whole of it (every attempt and durable backoff), with the first seq.
 */
export function executeLocalActivity(
  activityType: string,
  args: unknown[],
  options: LocalActivityOptions,
): Promise<unknown> {
  const activator = currentActivator();
  if (CancellationScope.current().consideredCancelled)
    return Promise.reject(new CancelledFailure('Cancellation scope cancelled'));
  const seq = activator.nextActivitySeq();
  const run = composeInterceptors(activator.interceptors.outbound, 'scheduleLocalActivity', (input) =>
    runLocalActivity(input.activityType, input.args, input.options, input.headers, input.seq),
  );
  return run({ activityType, args, options, headers: {}, seq, attempt: 1 });
}

/** Runs one local activity (what each function of proxyLocalActivities calls), public as in Temporal. */
export function scheduleLocalActivity<R = unknown>(
  activityType: string,
  args: unknown[],
  options: LocalActivityOptions,
): Promise<R> {
  if (options === undefined) throw new TypeError('scheduleLocalActivity: got no activity options');
  checkOptions(options, 'scheduleLocalActivity');
  return executeLocalActivity(activityType, args, options) as Promise<R>;
}

async function runLocalActivity(
  activityType: string,
  args: unknown[],
  options: LocalActivityOptions,
  headers: Record<string, unknown>,
  firstSeq: number,
): Promise<unknown> {
  const a: Attempt = { activityType, activityId: undefined, args, attempt: 1, originalScheduleTime: undefined };
  for (let seq: number | undefined = firstSeq; ; seq = undefined) {
    const { resolution: r, activityId } = await requestOnce(a, options, headers, seq);
    if (r.backoff) {
      // attempts ran out of workflow task time, or the backoff is long: wait on a durable timer, then go on
      await sleep(r.backoff.delayMs);
      a.activityId = activityId;
      a.attempt = r.backoff.attempt;
      a.originalScheduleTime = r.backoff.originalScheduleTime;
      continue;
    }
    if (r.failure) throw decodeFailure(r.failure);
    return r.result;
  }
}

/**
 * Local activities as typed async functions: `const { charge } = proxyLocalActivities<typeof activities>({
 * startToCloseTimeout: '5s' })`. One of startToCloseTimeout or scheduleToCloseTimeout is required.
 */
export function proxyLocalActivities<A = Record<string, (...args: unknown[]) => unknown>>(
  options: LocalActivityOptions,
): ActivityInterfaceFor<A> {
  checkOptions(options, 'proxyLocalActivities');
  return new Proxy({} as ActivityInterfaceFor<A>, {
    get(_, name) {
      if (typeof name !== 'string') return undefined;
      return (...args: unknown[]) => executeLocalActivity(name, args, options);
    },
  });
}
