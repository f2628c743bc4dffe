/** Durable time in workflows: sleep and condition. */
import type { Duration } from '../common/duration.js';
import { CancelledFailure } from '../common/failure.js';
import { CancellationScope } from './cancellation-scope.js';
import { composeInterceptors } from '../common/interceptors.js';
import { currentActivator } from './internal/current.js';
import { timerMs } from './internal/timer-ms.js';

/** Temporal's timer options: `summary` is for people, kept on the TimerStarted event as user metadata. */
export interface TimerOptions {
  summary?: string;
}

function checkTimerOptions(options: TimerOptions | undefined, who: string): TimerOptions | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${who}: options must be an object`);
  if (options.summary !== undefined && typeof options.summary !== 'string')
    throw new TypeError(`${who}: summary must be a string`);
  return options.summary === undefined ? undefined : { summary: options.summary };
}

/** A durable timer: the workflow sleeps on the server, across worker and server restarts. */
export function sleep(duration: Duration, options?: TimerOptions): Promise<void> {
  const ms = timerMs(duration, 'sleep duration');
  const timerOptions = checkTimerOptions(options, 'sleep');
  const scope = CancellationScope.current();
  if (scope.consideredCancelled) return Promise.reject(new CancelledFailure('Cancellation scope cancelled'));
  const activator = currentActivator();
  const seq = activator.nextTimerSeq();
  const start = composeInterceptors(
    activator.interceptors.outbound,
    'startTimer',
    (input) => activator.startTimer(input.durationMs, scope, input.seq, input.options).promise,
  );
  return start({ durationMs: ms, seq, ...(timerOptions ? { options: timerOptions } : {}) });
}

/**
 * Waits until fn() returns true (checked after every change of workflow state). With a timeout, resolves
 * false if it passes first.
 */
export function condition(fn: () => boolean, timeout?: Duration, options?: TimerOptions): Promise<boolean> {
  const timerOptions = checkTimerOptions(options, 'condition');
  const activator = currentActivator();
  const scope = CancellationScope.current();
  if (scope.consideredCancelled) return Promise.reject(new CancelledFailure('Cancellation scope cancelled'));
  if (timeout === undefined) return activator.addCondition(fn, scope).then(() => true);
  const ms = timerMs(timeout, 'condition timeout');
  return CancellationScope.cancellable(async () => {
    const inner = CancellationScope.current();
    const timer = activator.startTimer(ms, inner, undefined, timerOptions);
    try {
      return await Promise.race([activator.addCondition(fn, inner).then(() => true), timer.promise.then(() => false)]);
    } finally {
      timer.cancel();
      inner.cancel();
    }
  });
}
