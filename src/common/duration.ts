/**
 * Durations as the contract takes them: a number of milliseconds, or a string in the format of the `ms`
 * package ('500ms', '30s', '5m', '1 minute'). Runs inside the workflow sandbox too.
 */
import ms from 'ms';

export type Duration = number | string;

export class InvalidDurationError extends Error {
  constructor(
    public readonly field: string,
    value: unknown,
  ) {
    super(`${field}: invalid duration ${JSON.stringify(value)} (use milliseconds or a string like '30s', '5m', '2h')`);
    this.name = 'InvalidDurationError';
  }
}

/** Milliseconds for a duration; throws InvalidDurationError naming `field` for anything else. */
export function toMs(value: Duration, field = 'duration'): number {
  let out: number | undefined;
  if (typeof value === 'number') out = value;
  else if (typeof value === 'string' && value.trim() !== '') {
    const trimmed = value.trim();
    out = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : ms(trimmed as ms.StringValue);
  }
  if (out === undefined || !Number.isFinite(out) || out < 0) throw new InvalidDurationError(field, value);
  return Math.round(out);
}

/** Like toMs, but undefined stays undefined. */
export function optionalMs(value: Duration | undefined | null, field: string): number | undefined {
  return value === undefined || value === null ? undefined : toMs(value, field);
}

const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * A Go duration (`1h30m`, `90s`, `1.5h`) in milliseconds, rounded; `days` also takes `d` (Temporal's schedules'
 * `@every 1d`). Undefined when it is not one, or not finite.
 */
export function goDurationMs(text: string, days = false): number | undefined {
  const units = days ? 'ns|us|µs|ms|s|m|h|d' : 'ns|us|µs|ms|s|m|h';
  if (!new RegExp(`^(?:\\d+(?:\\.\\d+)?(?:${units}))+$`).test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(new RegExp(`(\\d+(?:\\.\\d+)?)(${units})`, 'g')))
    ms += Number(n) * GO_UNITS[unit!]!;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** The latest time a JavaScript Date can hold (ms since the epoch): a timer due later is due then. */
export const MAX_DATE_MS = 8.64e15;
