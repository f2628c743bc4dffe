/**
 * Temporal's cron workflows (the `cronSchedule` start option). A run started with one waits for the schedule's
 * first time (its first workflow task is delayed, as a retry's is); when a run completes, fails (after its retries)
 * or its run times out, the server starts the next run of the chain at the schedule's next time, in the same
 * commit: the closing run names it (`newExecutionRunId`), it names the closing run (`continuedExecutionRunId`) and
 * gets its result or failure (`lastCompletionResult`, `continuedFailure`). Cancelling or terminating a run, or the
 * execution timeout, ends the chain.
 *
 * The syntax is Temporal's (robfig/cron): five fields, minute first (Weft also takes six, second first),
 * `@hourly`-style names, `@every <Go duration>` (`@every 1h30m`), and a `CRON_TZ=<IANA zone>` prefix; times are
 * UTC unless the prefix says otherwise. Pure: no I/O, no clock reads.
 */
import { goDurationMs } from '../common/duration.js';
import {
  InvalidScheduleSpecError,
  nextNominalTime,
  resolveScheduleSpec,
  stripCronString,
  type ResolvedScheduleSpec,
} from '../schedules/spec.js';

export class InvalidCronScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCronScheduleError';
  }
}

type ParsedCron = { kind: 'every'; everyMs: number } | { kind: 'spec'; spec: ResolvedScheduleSpec };

const parsed = new Map<string, ParsedCron>();
const PARSED_KEPT = 1000;

/** Parses (and checks) a cron schedule; throws InvalidCronScheduleError with a message for the caller. */
export function parseCronSchedule(schedule: string): ParsedCron {
  const known = parsed.get(schedule);
  if (known) return known;
  // the prefix and a comment as the schedules' cron strings take them
  const { expression: text, zone: timezone = 'UTC' } = stripCronString(schedule);
  let result: ParsedCron;
  const every = /^@every\s+(\S+)$/.exec(text);
  if (every) {
    const everyMs = goDurationMs(every[1]!);
    if (everyMs === undefined || everyMs < 1000)
      throw new InvalidCronScheduleError(
        `invalid cron schedule ${JSON.stringify(schedule)}: @every needs a duration of at least 1s such as 30s, 5m or 1h30m`,
      );
    result = { kind: 'every', everyMs };
  } else {
    if (text === '') throw new InvalidCronScheduleError('invalid cron schedule: it is empty');
    // six fields are second first here (Weft's reading for cronSchedule, kept): the schedules' cron strings read
    // six as Temporal's minute .. year, so they get a seventh, any year
    const expression = text.split(' ').length === 6 ? `${text} *` : text;
    try {
      result = { kind: 'spec', spec: resolveScheduleSpec({ cronExpressions: [expression], timezone }) };
    } catch (e) {
      if (!(e instanceof InvalidScheduleSpecError)) throw e;
      const why = e.message
        .replace(/^spec\.(cronExpressions\[0\]|timezone): /, '')
        .replace(/^invalid cron expression ".*?": /, '');
      throw new InvalidCronScheduleError(`invalid cron schedule ${JSON.stringify(schedule)}: ${why}`);
    }
  }
  if (parsed.size >= PARSED_KEPT) parsed.delete(parsed.keys().next().value as string);
  parsed.set(schedule, result);
  return result;
}

/** Why `schedule` is not a valid cron schedule, or undefined. */
export function invalidCronSchedule(schedule: string): string | undefined {
  try {
    parseCronSchedule(schedule);
    return undefined;
  } catch (e) {
    if (e instanceof InvalidCronScheduleError) return e.message;
    throw e;
  }
}

/**
 * The schedule's first time strictly after `afterMs`; `@every` counts from `anchorMs` (the time the current run
 * was scheduled for, or the start). Undefined when the schedule has no later time.
 */
export function nextCronTime(schedule: string, anchorMs: number, afterMs: number): number | undefined {
  const p = parseCronSchedule(schedule);
  if (p.kind === 'spec') return nextNominalTime(p.spec, afterMs);
  const k = Math.max(1, Math.floor((afterMs - anchorMs) / p.everyMs) + 1);
  return anchorMs + k * p.everyMs;
}

/** The delay of a cron chain's first run: until the schedule's first time after the start (0 if it has none). */
export function firstCronBackoffMs(schedule: string, now: number): number {
  const next = nextCronTime(schedule, now, now);
  return next === undefined ? 0 : next - now;
}

/**
 * The delay of the run after one that was scheduled for `scheduledTime` and closes at `closeTime`: until the
 * schedule's first time at or after the close (a time that passed while the run ran is skipped, as in Temporal),
 * never the same time again. Undefined when the schedule has no later time (the chain ends).
 */
export function nextCronBackoffMs(schedule: string, scheduledTime: number, closeTime: number): number | undefined {
  const next = nextCronTime(schedule, scheduledTime, Math.max(closeTime - 1, scheduledTime));
  return next === undefined ? undefined : Math.max(0, next - closeTime);
}
