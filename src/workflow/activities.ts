/** proxyActivities: call activities from a workflow as if they were local async functions. */
import { encodeArgs } from '../common/payload-args.js';
import { optionalMs } from '../common/duration.js';
import { CancelledFailure } from '../common/failure.js';
import { checkPriority } from '../common/priority.js';
import { resolveRetryPolicy, wireRetryPolicy } from '../common/retry-policy.js';
import type { RetryPolicyInput } from '../protocol/schema-common.js';
import { CancellationScope } from './cancellation-scope.js';
import { composeInterceptors } from '../common/interceptors.js';
import { currentActivator } from './internal/current.js';
import type { ActivityInput } from './interceptors.js';
import type { ActivityInterfaceFor, ActivityOptions } from './types.js';

/** An activity needs a start-to-close or a schedule-to-close timeout (remote and local ones alike). */
export function checkOptions(options: ActivityOptions, who = 'proxyActivities'): void {
  if (options.startToCloseTimeout === undefined && options.scheduleToCloseTimeout === undefined)
    throw new TypeError(`${who}: one of startToCloseTimeout or scheduleToCloseTimeout is required`);
  checkPriority(options.priority);
  if (options.summary !== undefined && typeof options.summary !== 'string')
    throw new TypeError(`${who}: summary must be a string`);
}

/**
 * A retry policy as the command carries it, checked here as the server would check it, so that a bad one fails
 * this workflow task with a clear message (as Temporal's SDK does) instead of a whole batch of completions at
 * the server.
 */
export function retryToWire(r: ActivityOptions['retry']): RetryPolicyInput | undefined {
  if (!r) return undefined;
  const out: RetryPolicyInput = {};
  const init = optionalMs(r.initialInterval, 'retry.initialInterval');
  const max = optionalMs(r.maximumInterval, 'retry.maximumInterval');
  if (init !== undefined) out.initialInterval = init;
  if (max !== undefined) out.maximumInterval = max;
  if (r.backoffCoefficient !== undefined) out.backoffCoefficient = r.backoffCoefficient;
  if (r.maximumAttempts !== undefined) out.maximumAttempts = r.maximumAttempts;
  if (r.nonRetryableErrorTypes !== undefined) out.nonRetryableErrorTypes = [...r.nonRetryableErrorTypes];
  const wire = wireRetryPolicy(out);
  resolveRetryPolicy(wire, 'retry');
  return wire;
}

interface ResolvedOptions {
  startToClose: number | undefined;
  scheduleToClose: number | undefined;
  scheduleToStart: number | undefined;
  heartbeat: number | undefined;
  retryPolicy: RetryPolicyInput | undefined;
}

/** Durations parsed once per options object (a proxy's options serve every call through it). */
const resolved = new WeakMap<ActivityOptions, ResolvedOptions>();

function resolveOptions(options: ActivityOptions): ResolvedOptions {
  let r = resolved.get(options);
  if (!r) {
    r = {
      startToClose: optionalMs(options.startToCloseTimeout, 'startToCloseTimeout'),
      scheduleToClose: optionalMs(options.scheduleToCloseTimeout, 'scheduleToCloseTimeout'),
      scheduleToStart: optionalMs(options.scheduleToStartTimeout, 'scheduleToStartTimeout'),
      heartbeat: optionalMs(options.heartbeatTimeout, 'heartbeatTimeout'),
      retryPolicy: retryToWire(options.retry),
    };
    resolved.set(options, r);
  }
  return r;
}

/**
 * Schedules one activity and resolves with its result (or rejects with an ActivityFailure): what each function of
 * proxyActivities calls, also public as in Temporal (`scheduleActivity<R>(activityType, args, options)`).
 */
export function scheduleActivity<R = unknown>(
  activityType: string,
  args: unknown[],
  options: ActivityOptions,
): Promise<R> {
  if (options === undefined) throw new TypeError('scheduleActivity: got no activity options');
  checkOptions(options, 'scheduleActivity');
  return scheduleWith(activityType, args, options) as Promise<R>;
}

function scheduleWith(activityType: string, args: unknown[], options: ActivityOptions): Promise<unknown> {
  const activator = currentActivator();
  const scope = CancellationScope.current();
  if (scope.consideredCancelled) return Promise.reject(new CancelledFailure('Cancellation scope cancelled'));
  const seq = activator.nextActivitySeq();
  const schedule = composeInterceptors(activator.interceptors.outbound, 'scheduleActivity', (input) =>
    scheduleActivityNext(input, scope),
  );
  return schedule({ activityType, args, options, headers: {}, seq });
}

/** The innermost scheduleActivity: the command, and the activity's cancellation by its scope. */
function scheduleActivityNext(input: ActivityInput, scope: CancellationScope): Promise<unknown> {
  const activator = currentActivator();
  const { activityType, args, options, seq, headers } = input;
  const activityId = options.activityId ?? String(seq);
  const cancellationType = options.cancellationType ?? 'TRY_CANCEL';
  const taskQueue = options.taskQueue ?? activator.info.taskQueue;
  const promise = new Promise<unknown>((resolve, reject) => activator.activities.set(seq, { resolve, reject }));
  const { startToClose, scheduleToClose, scheduleToStart, heartbeat, retryPolicy } = resolveOptions(options);
  activator.pushCommand({
    type: 'ScheduleActivityTask',
    seq,
    activityId,
    activityType,
    taskQueue,
    input: encodeArgs(args),
    ...(startToClose !== undefined ? { startToCloseTimeoutMs: startToClose } : {}),
    ...(scheduleToClose !== undefined ? { scheduleToCloseTimeoutMs: scheduleToClose } : {}),
    ...(scheduleToStart !== undefined ? { scheduleToStartTimeoutMs: scheduleToStart } : {}),
    ...(heartbeat !== undefined ? { heartbeatTimeoutMs: heartbeat } : {}),
    ...(retryPolicy ? { retryPolicy } : {}),
    ...(taskQueue === activator.info.taskQueue && options.allowEagerDispatch !== false ? { eager: true } : {}),
    ...(Object.keys(headers).length > 0 ? { header: headers } : {}),
    ...(options.priority ? { priority: { ...options.priority } } : {}),
    ...(options.summary !== undefined ? { userMetadata: { summary: options.summary } } : {}),
  });
  if (scope.cancellable) {
    scope.cancelRequested.catch((err: unknown) => {
      if (!activator.activities.has(seq)) return; // done already
      if (cancellationType !== 'ABANDON') activator.pushCommand({ type: 'RequestCancelActivityTask', seq });
      if (cancellationType !== 'WAIT_CANCELLATION_COMPLETED')
        activator.rejectActivity(seq, activityType, activityId, err);
    });
  }
  return promise;
}

/**
 * Activities as typed async functions: `const { charge } = proxyActivities<typeof activities>({ startToCloseTimeout: '1m' })`.
 * One of startToCloseTimeout or scheduleToCloseTimeout is required.
 */
export function proxyActivities<A = Record<string, (...args: unknown[]) => unknown>>(
  options: ActivityOptions,
): ActivityInterfaceFor<A> {
  checkOptions(options);
  return new Proxy({} as ActivityInterfaceFor<A>, {
    get(_, name) {
      if (typeof name !== 'string') return undefined;
      return (...args: unknown[]) => scheduleWith(name, args, options);
    },
  });
}
