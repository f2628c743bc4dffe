/** Durations of workflow timers (sleep, condition, a cancellation scope's timeout). */
import { toMs, type Duration } from '../../common/duration.js';
import { currentActivator } from './current.js';
import { SdkFlags } from './sdk-flags.js';

/**
 * A workflow timer's duration in ms. A negative one (`sleep(deadline - Date.now())` once the deadline has
 * passed) waits 1 ms, as Temporal's `sleep` does (SdkFlags.TimerDurationsAsTemporal).
 */
export function timerMs(duration: Duration, field: string): number {
  const negative =
    (typeof duration === 'number' && duration < 0) || (typeof duration === 'string' && /^\s*-/.test(duration));
  if (!negative) return toMs(duration, field);
  const magnitude = typeof duration === 'number' ? -duration : duration.trim().slice(1);
  toMs(magnitude, field); // still a duration (not NaN, not garbage)
  if (!currentActivator().hasFlag(SdkFlags.TimerDurationsAsTemporal)) toMs(duration, field); // throws, as before
  return 1;
}
