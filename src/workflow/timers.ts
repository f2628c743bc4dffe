/** Durable time in workflows: sleep and condition. */
import type { Duration } from '../common/duration.js';
import { toMs } from '../common/duration.js';
import { CancelledFailure } from '../common/failure.js';
import { CancellationScope } from './cancellation-scope.js';
import { composeInterceptors } from '../common/interceptors.js';
import { currentActivator } from './internal/current.js';

/** Temporal's timer options: `summary` is for people (Weft does not show it yet). */
export interface TimerOptions {
  summary?: string;
}

/** A durable timer: the workflow sleeps on the server, across worker and server restarts. */
export function sleep(duration: Duration, _options?: TimerOptions): Promise<void> {
  const ms = toMs(duration, 'sleep duration');
  const scope = CancellationScope.current();
  if (scope.consideredCancelled) return Promise.reject(new CancelledFailure('Cancellation scope cancelled'));
  const activator = currentActivator();
  const seq = activator.nextTimerSeq();
  const start = composeInterceptors(
    activator.interceptors.outbound,
    'startTimer',
    (input) => activator.startTimer(input.durationMs, scope, input.seq).promise,
  );
  return start({ durationMs: ms, seq });
}

/**
 * Waits until fn() returns true (checked after every change of workflow state). With a timeout, resolves
 * false if it passes first.
 */
export function condition(fn: () => boolean, timeout?: Duration, _options?: TimerOptions): Promise<boolean> {
  const activator = currentActivator();
  const scope = CancellationScope.current();
  if (scope.consideredCancelled) return Promise.reject(new CancelledFailure('Cancellation scope cancelled'));
  if (timeout === undefined) return activator.addCondition(fn, scope).then(() => true);
  const ms = toMs(timeout, 'condition timeout');
  return CancellationScope.cancellable(async () => {
    const inner = CancellationScope.current();
    const timer = activator.startTimer(ms, inner);
    try {
      return await Promise.race([activator.addCondition(fn, inner).then(() => true), timer.promise.then(() => false)]);
    } finally {
      timer.cancel();
      inner.cancel();
    }
  });
}
