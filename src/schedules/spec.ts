/**
 * A schedule's spec: when it fires. Pure (no I/O, no clock reads); all times are epoch milliseconds.
 *
 * Cron and calendar matching is croner's (npm `croner` 11): maintained (several releases in 2026), typed, no
 * dependencies (~33 kB), seconds and year fields, the `@hourly` nicknames, IANA time zones with explicit DST rules
 * (shared with croner-rust). cron-parser 5 would do too, but pulls in luxon and has no year field, which calendars need.
 *
 * Semantics, Temporal's where it has one:
 * - cron: Temporal's cron string. 5 fields (minute, hour, day of month, month, day of week), 6 (the same and a
 *   year) or 7 (a second first, then the 6), or a nickname; optionally led by `CRON_TZ=<zone>` or `TZ=<zone>` (the
 *   spec's time zone, which must not be given too) and ended by `# comment`; `@every <n><s|m|h|d>[/<phase>]` is an
 *   interval. Read in `timezone`. As in Temporal (which reads a cron string as a calendar), day-of-month and
 *   day-of-week must BOTH match (`0 0 1-7 * MON`: the first Monday), not either one as in Vixie cron. Stored
 *   with 5 fields, or with 7 (second .. year); a stored 6-field string is one written before Weft read 6 fields
 *   as Temporal does (second first, no year), and is still read that way.
 * - calendars: Temporal's calendar spec (unset second/minute/hour are 0, the rest any), stored as croner field
 *   strings and matched as a 7-part croner pattern (second .. year), every field ANDed.
 * - intervals: epoch-aligned, fire at every t with (t - offset) % every === 0.
 * - skip: calendars whose matching times are dropped from what the rest of the spec gives (Temporal's
 *   `ScheduleSpec.skip`): every field, seconds included, must match.
 * - DST: a wall-clock time that does not exist (spring forward) is skipped, as in Temporal. croner would move a
 *   fixed-time entry (`30 2 * * *`) to the end of the gap; such a run no longer matches its pattern and is dropped.
 *   A wall-clock time that occurs twice (fall back) fires once, at its first occurrence, when second, minute and
 *   hour each have a single value (`30 1 * * *`); with a wildcard, step, range or list in them (`0 * * * *`) it
 *   fires on both occurrences, so every real hour fires once (23 or 25 a day). Temporal fires the second
 *   occurrence of a fixed time too; we follow croner (and Vixie cron) there.
 */
import { Cron, CronPattern, type CronOptions } from 'croner';
import { goDurationMs, InvalidDurationError, MAX_DATE_MS, toMs, type Duration } from '../common/duration.js';

export type { Duration };

/** One value or range of a calendar field; months and weekdays may be names ('MARCH', 'MONDAY'), as Temporal's. */
type CalendarUnit = number | string;
type CalendarRange = { start: CalendarUnit; end?: CalendarUnit; step?: number };
export type CalendarField = CalendarUnit | CalendarRange | Array<CalendarUnit | CalendarRange>;

export interface CalendarSpecInput {
  second?: CalendarField;
  minute?: CalendarField;
  hour?: CalendarField;
  dayOfMonth?: CalendarField;
  month?: CalendarField;
  dayOfWeek?: CalendarField;
  year?: CalendarField;
  comment?: string;
}

export interface ScheduleSpecInput {
  cronExpressions?: string[];
  intervals?: Array<{ every: Duration; offset?: Duration }>;
  calendars?: CalendarSpecInput[];
  /** Times matching any of these calendars are skipped (Temporal's `skip`). */
  skip?: CalendarSpecInput[];
  startAt?: string | number | Date;
  endAt?: string | number | Date;
  jitter?: Duration;
  timezone?: string;
}

/** A calendar with every field as a croner field string ('0', '*', '1-5', 'MON-FRI', '0-59/15', '1,15'). */
export interface ResolvedCalendarSpec {
  second: string;
  minute: string;
  hour: string;
  dayOfMonth: string;
  month: string;
  dayOfWeek: string;
  year: string;
  comment?: string;
}

/** The spec as stored: JSON, normalised, validated. */
export interface ResolvedScheduleSpec {
  cronExpressions: string[];
  intervals: Array<{ everyMs: number; offsetMs: number }>;
  calendars: ResolvedCalendarSpec[];
  /** Absent when there are none (and in specs stored before skip existed). */
  skip?: ResolvedCalendarSpec[];
  startAt?: number;
  endAt?: number;
  jitterMs: number;
  timezone: string;
}

export class InvalidScheduleSpecError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'InvalidScheduleSpecError';
  }
}

/** The smallest interval, as Temporal's. */
export const MIN_INTERVAL_MS = 1000;
/** The latest (and, negated, the earliest) time a schedule deals in: JavaScript's Date range. */
export const MAX_TIME_MS = MAX_DATE_MS;

const SPEC_KEYS = ['cronExpressions', 'intervals', 'calendars', 'skip', 'startAt', 'endAt', 'jitter', 'timezone'];
const CALENDAR_FIELDS = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek', 'year'] as const;
type CalendarFieldName = (typeof CALENDAR_FIELDS)[number];
const CALENDAR_DEFAULTS: ResolvedCalendarSpec = {
  second: '0',
  minute: '0',
  hour: '0',
  dayOfMonth: '*',
  month: '*',
  dayOfWeek: '*',
  year: '*',
};
const MONTHS = 'january february march april may june july august september october november december'.split(' ');
const WEEKDAYS = 'sunday monday tuesday wednesday thursday friday saturday'.split(' ');
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

const fail = (field: string, message: string): never => {
  throw new InvalidScheduleSpecError(`${field}: ${message}`, field);
};

function show(value: unknown): string {
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  if (value === undefined || typeof value === 'number') return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

const croner = (e: unknown): string => (e instanceof Error ? e.message : String(e)).replace(/^Cron\w*: /, '');

/** A stored cron string of 7 fields (second .. year) is matched as a calendar's pattern is. */
const sevenFields = (pattern: string): boolean => pattern.split(' ').length === 7;

function cronOptions(timezone: string, calendar: boolean, pattern: string): CronOptions {
  return {
    timezone,
    paused: true,
    domAndDow: true,
    mode: calendar || sevenFields(pattern) ? '7-part' : '5-or-6-parts',
    sloppyRanges: calendar,
  };
}

// ---------------------------------------------------------------------------------------------- resolving

export function resolveScheduleSpec(input: unknown): ResolvedScheduleSpec {
  if (!isRecord(input)) return fail('spec', `expected an object, got ${show(input)}`);
  for (const key of Object.keys(input))
    if (!SPEC_KEYS.includes(key)) fail(`spec.${key}`, `unknown field (the spec takes ${SPEC_KEYS.join(', ')})`);
  const crons = listOf(input.cronExpressions, 'spec.cronExpressions').map((v, i) =>
    splitCron(v, `spec.cronExpressions[${i}]`),
  );
  const cronZone = cronTimezone(crons, input.timezone);
  const timezone = cronZone ? resolveTimezone(cronZone.zone, cronZone.field) : resolveTimezone(input.timezone);
  const cronExpressions: string[] = [];
  const cronIntervals: ResolvedScheduleSpec['intervals'] = [];
  for (const c of crons) {
    if (c.every) cronIntervals.push(c.every);
    else cronExpressions.push(resolveCron(c, timezone));
  }
  const spec: ResolvedScheduleSpec = {
    cronExpressions,
    intervals: [
      ...listOf(input.intervals, 'spec.intervals').map((v, i) => resolveInterval(v, `spec.intervals[${i}]`)),
      ...cronIntervals,
    ],
    calendars: listOf(input.calendars, 'spec.calendars').map((v, i) =>
      resolveCalendar(v, `spec.calendars[${i}]`, timezone),
    ),
    jitterMs: input.jitter == null ? 0 : duration(input.jitter, 'spec.jitter'),
    timezone,
  };
  if (spec.cronExpressions.length + spec.intervals.length + spec.calendars.length === 0)
    fail('spec', 'needs at least one of cronExpressions, intervals or calendars');
  const skip = listOf(input.skip, 'spec.skip').map((v, i) => resolveCalendar(v, `spec.skip[${i}]`, timezone));
  if (skip.length > 0) spec.skip = skip;
  const startAt = instant(input.startAt, 'spec.startAt');
  const endAt = instant(input.endAt, 'spec.endAt');
  if (startAt !== undefined) spec.startAt = startAt;
  if (endAt !== undefined) spec.endAt = endAt;
  if (startAt !== undefined && endAt !== undefined && endAt < startAt)
    fail('spec.endAt', `${show(input.endAt)} is before startAt ${show(input.startAt)}`);
  return spec;
}

function listOf(value: unknown, field: string): unknown[] {
  if (value == null) return [];
  if (!Array.isArray(value)) return fail(field, `expected an array, got ${show(value)}`);
  return value;
}

function resolveTimezone(value: unknown, field = 'spec.timezone'): string {
  if (value == null) return 'UTC';
  if (typeof value !== 'string' || value.trim() === '')
    return fail(field, `expected an IANA time zone name like 'Europe/Berlin', got ${show(value)}`);
  const name = value.trim();
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return fail(field, `unknown time zone ${show(value)} (use an IANA name like 'America/New_York')`);
  }
  // Fix the case ('utc', 'europe/berlin'), but keep an alias as written (ICU turns Asia/Kolkata into Asia/Calcutta).
  return canonical.toLowerCase() === name.toLowerCase() ? canonical : name;
}

/** A cron string taken apart as Temporal reads it: its zone prefix, its fields (or nickname), or an `@every`. */
interface CronParts {
  field: string;
  given: unknown;
  /** The fields (or a nickname), one space apart, without the zone prefix and the comment. */
  expression: string;
  zone?: string;
  every?: { everyMs: number; offsetMs: number };
}

const CRON_TZ = /^(?:CRON_TZ|TZ)=(\S+)\s+/;
const CRON_EVERY = /^@every\s+([^/\s]+)(?:\/([^/\s]+))?$/i;

/**
 * A cron string without its `# comment` and its `CRON_TZ=` / `TZ=` prefix: its fields (or nickname), one space
 * apart, and the zone the prefix names. A comment starts at a '#' after a space (croner's 'MON#2', the second
 * Monday, stays a field).
 */
export function stripCronString(text: string): { expression: string; zone?: string } {
  let rest = text.trim();
  const hash = rest.search(/(^|\s)#/);
  if (hash >= 0) rest = rest.slice(0, hash).trim();
  const tz = CRON_TZ.exec(rest);
  if (tz) rest = rest.slice(tz[0].length);
  return { expression: rest.replace(/\s+/g, ' '), ...(tz ? { zone: tz[1]! } : {}) };
}

function splitCron(value: unknown, field: string): CronParts {
  if (typeof value !== 'string' || value.trim() === '')
    return fail(field, `expected a cron expression string, got ${show(value)}`);
  const { expression, zone } = stripCronString(value);
  if (expression === '') return fail(field, `expected a cron expression, got only a comment: ${show(value)}`);
  const parts: CronParts = { field, given: value, expression, ...(zone !== undefined ? { zone } : {}) };
  const every = CRON_EVERY.exec(expression);
  const everyMs = every ? goDurationMs(every[1]!, true) : undefined;
  const offsetMs = every?.[2] === undefined ? 0 : goDurationMs(every[2], true);
  if (every && everyMs !== undefined && offsetMs !== undefined && everyMs <= MAX_TIME_MS) {
    if (everyMs < MIN_INTERVAL_MS) fail(field, `${show(value)}: the interval is shorter than ${MIN_INTERVAL_MS}ms`);
    if (offsetMs >= everyMs) fail(field, `${show(value)}: the phase must be shorter than the interval`);
    // an interval is an instant: a zone prefix says nothing about it
    delete parts.zone;
    parts.every = { everyMs, offsetMs };
  } else if (/^@every\b/i.test(expression))
    fail(
      field,
      `invalid cron expression ${show(value)}: use @every <interval>[/<phase>], each a duration like 90s, 15m, 1h30m ` +
        'or 1d',
    );
  return parts;
}

/** The time zone the cron strings' `CRON_TZ=` / `TZ=` prefixes give (they must agree, and the spec gives none). */
function cronTimezone(crons: CronParts[], specZone: unknown): { zone: string; field: string } | undefined {
  const timed = crons.filter((c) => !c.every);
  const first = timed.find((c) => c.zone !== undefined);
  if (!first) return undefined;
  // as Temporal: every cron string names the same zone (or none does), and spec.timezone, if given, is that zone
  const zone = resolveTimezone(first.zone, first.field);
  for (const c of timed) {
    if (c.zone === undefined)
      fail(c.field, `${show(c.given)} names no time zone and ${show(first.given)} does: all or none must`);
    if (resolveTimezone(c.zone, c.field) !== zone)
      fail(
        c.field,
        `${show(c.given)} names time zone ${c.zone}, another cron string ${first.zone}: a spec has one zone`,
      );
  }
  if (specZone != null && resolveTimezone(specZone) !== zone)
    fail(first.field, `${show(first.given)} names time zone ${first.zone} and spec.timezone is ${show(specZone)}`);
  return { zone, field: first.field };
}

/** Checked and stored as matched: 5 fields or a nickname as given; 6 (year last) and 7 as 7 (second .. year). */
function resolveCron(c: CronParts, timezone: string): string {
  const fields = c.expression.split(' ');
  const expression =
    fields.length === 6 ? `0 ${c.expression}` : fields.length === 7 || fields.length === 5 ? c.expression : undefined;
  const explain =
    '(use 5 fields: minute, hour, day of month, month, day of week; 6: the same and a year; 7: a second, then the ' +
    '6; or @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, or @every <interval>[/<phase>])';
  if (expression === undefined && !c.expression.startsWith('@'))
    fail(c.field, `invalid cron expression ${show(c.given)}: ${fields.length} fields ${explain}`);
  const pattern = expression ?? c.expression;
  try {
    new CronPattern(pattern, timezone, { mode: sevenFields(pattern) ? '7-part' : '5-or-6-parts' });
  } catch (e) {
    fail(c.field, `invalid cron expression ${show(c.given)}: ${croner(e)} ${explain}`);
  }
  if (entryNext({ kind: 'cron', pattern }, timezone, -1) === undefined)
    fail(c.field, `cron expression ${show(c.given)} never matches`);
  return pattern;
}

function resolveInterval(value: unknown, field: string): { everyMs: number; offsetMs: number } {
  if (!isRecord(value)) return fail(field, `expected { every, offset? }, got ${show(value)}`);
  for (const key of Object.keys(value))
    if (key !== 'every' && key !== 'offset') fail(`${field}.${key}`, 'unknown field (an interval takes every, offset)');
  if (value.every == null) fail(`${field}.every`, 'is required');
  const everyMs = duration(value.every, `${field}.every`);
  if (everyMs < MIN_INTERVAL_MS) fail(`${field}.every`, `${show(value.every)} is shorter than ${MIN_INTERVAL_MS}ms`);
  const offsetMs = value.offset == null ? 0 : duration(value.offset, `${field}.offset`);
  if (offsetMs >= everyMs)
    fail(`${field}.offset`, `${show(value.offset)} must be shorter than every (${show(value.every)})`);
  return { everyMs, offsetMs };
}

function duration(value: unknown, field: string): number {
  try {
    if (typeof value !== 'number' && typeof value !== 'string') throw new InvalidDurationError(field, value);
    return toMs(value, field);
  } catch (e) {
    if (!(e instanceof InvalidDurationError)) throw e;
    return fail(field, `invalid duration ${show(value)} (use milliseconds or a string like '30s', '5m', '2h')`);
  }
}

function instant(value: unknown, field: string): number | undefined {
  if (value == null) return undefined;
  let ms = NaN;
  if (typeof value === 'number') ms = Math.round(value);
  else if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'string' && ISO_TIME.test(value.trim()) && realDate(value.trim()))
    ms = Date.parse(value.trim());
  if (!Number.isFinite(ms))
    fail(
      field,
      `invalid time ${show(value)} (use an ISO 8601 string with a zone, like '2026-01-01T09:00:00Z', or epoch ms)`,
    );
  if (Math.abs(ms) > MAX_TIME_MS) fail(field, `time ${show(value)} is outside the range of dates (±${MAX_TIME_MS} ms)`);
  return ms;
}

/**
 * A spec input whose cron strings read as `stored` read them. Before Weft read 6 fields as Temporal does, a 6-field
 * string was stored as given and read second first (and still is); an update that gives it again (describe shows
 * the input as given) would read it the new way. Such strings get a 7th field (any year), the same times written
 * the way the new reading takes them. Undefined when nothing changes.
 */
export function keepStoredCronReading(
  input: unknown,
  stored: ResolvedScheduleSpec,
): Record<string, unknown> | undefined {
  const legacy = new Set(stored.cronExpressions.filter((c) => c.split(' ').length === 6));
  if (legacy.size === 0 || !isRecord(input) || !Array.isArray(input.cronExpressions)) return undefined;
  let changed = false;
  const cronExpressions = input.cronExpressions.map((c: unknown) => {
    const text = typeof c === 'string' ? c.trim().replace(/\s+/g, ' ') : undefined;
    if (text === undefined || !legacy.has(text)) return c;
    changed = true;
    return `${text} *`;
  });
  return changed ? { ...input, cronExpressions } : undefined;
}

/** A time given to a schedule (a backfill's start or end): ISO 8601 with a zone, a Date, or epoch ms in range. */
export function parseScheduleTime(value: unknown, field: string): number {
  const ms = instant(value, field);
  return ms === undefined ? fail(field, 'is required') : ms;
}

/** Date.parse rolls '2026-02-30' over to March 2nd; we refuse it. */
function realDate(iso: string): boolean {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function resolveCalendar(value: unknown, field: string, timezone: string): ResolvedCalendarSpec {
  if (!isRecord(value)) return fail(field, `expected a calendar object, got ${show(value)}`);
  const out: ResolvedCalendarSpec = { ...CALENDAR_DEFAULTS };
  for (const [key, raw] of Object.entries(value)) {
    if (key === 'comment') {
      if (raw != null && typeof raw !== 'string') fail(`${field}.comment`, `expected a string, got ${show(raw)}`);
      if (typeof raw === 'string' && raw !== '') out.comment = raw;
    } else if ((CALENDAR_FIELDS as readonly string[]).includes(key)) {
      const name = key as CalendarFieldName;
      if (raw == null) continue;
      const text = calendarFieldText(name, raw, `${field}.${name}`);
      try {
        new CronPattern(calendarPattern({ ...CALENDAR_DEFAULTS, [name]: text }), timezone, {
          mode: '7-part',
          sloppyRanges: true,
        });
      } catch (e) {
        fail(`${field}.${name}`, `invalid ${name} ${show(raw)}: ${croner(e)}`);
      }
      out[name] = text;
    } else fail(`${field}.${key}`, `unknown field (a calendar takes ${CALENDAR_FIELDS.join(', ')}, comment)`);
  }
  if (entryNext({ kind: 'calendar', pattern: calendarPattern(out) }, timezone, -1) === undefined)
    fail(field, `calendar ${show(value)} never matches`);
  return out;
}

/** A calendar field as a croner field string. Names may be written out or cut short, as Temporal allows. */
function calendarFieldText(name: CalendarFieldName, raw: unknown, field: string): string {
  const bad = (why: string): never =>
    fail(field, `invalid ${name} ${show(raw)}: ${why} (use a number, a string like '1-5/2,10' or a list of ranges)`);
  const integer = (v: unknown): number => (Number.isInteger(v) ? (v as number) : bad(`${show(v)} is not an integer`));
  if (typeof raw === 'number') return String(integer(raw));
  if (typeof raw === 'string') {
    const text = raw.replace(/\s+/g, '');
    if (text === '') return CALENDAR_DEFAULTS[name];
    if (name === 'month') return text.replace(/[a-z]+/gi, (w) => abbreviate(w, MONTHS, 3));
    if (name === 'dayOfWeek') return text.replace(/[a-z]+/gi, (w) => abbreviate(w, WEEKDAYS, 2));
    return text;
  }
  // Temporal's single range ({ start, end?, step? }) is a list of one
  const list = isRecord(raw) ? [raw] : raw;
  if (!Array.isArray(list)) return bad('expected a number, a string, { start, end?, step? } or an array');
  if (list.length === 0) return bad('an empty list matches nothing');
  // a month or weekday may be named ('MARCH', 'MONDAY'): its number (months 1-12, weekdays 0-6 from Sunday)
  const names = name === 'month' ? MONTHS : name === 'dayOfWeek' ? WEEKDAYS : undefined;
  const unit = (v: unknown): number => {
    if (typeof v === 'string' && names) {
      const abbr = abbreviate(v.trim(), names, name === 'month' ? 3 : 2).toLowerCase();
      const found = names.findIndex((n) => n.slice(0, 3) === abbr);
      if (found < 0) bad(`${show(v)} is not a ${name === 'month' ? 'month' : 'weekday'} name`);
      return name === 'month' ? found + 1 : found;
    }
    return integer(v);
  };
  return list
    .map((item: unknown) => {
      if (typeof item === 'number' || typeof item === 'string') return String(unit(item));
      if (!isRecord(item)) return bad(`${show(item)} is neither a number, a name nor { start, end?, step? }`);
      const start = unit(item.start);
      const end = item.end == null ? start : unit(item.end);
      const step = item.step == null ? 1 : integer(item.step);
      if (end < start) bad(`end ${end} is before start ${start}`);
      if (step < 1) bad(`step ${step} is not positive`);
      // As Temporal: a range without an end is its start alone, whatever the step.
      return end === start ? `${start}` : step === 1 ? `${start}-${end}` : `${start}-${end}/${step}`;
    })
    .join(',');
}

function abbreviate(word: string, names: string[], minLength: number): string {
  const lower = word.toLowerCase();
  const name = lower.length >= minLength ? names.find((n) => n.startsWith(lower)) : undefined;
  return name ? name.slice(0, 3).toUpperCase() : word;
}

const calendarPattern = (c: ResolvedCalendarSpec): string => CALENDAR_FIELDS.map((f) => c[f]).join(' ');

// ---------------------------------------------------------------------------------------------- times

type Entry = { kind: 'cron' | 'calendar'; pattern: string } | { kind: 'interval'; everyMs: number; offsetMs: number };

const entriesOf = (spec: ResolvedScheduleSpec): Entry[] => [
  ...spec.cronExpressions.map((pattern): Entry => ({ kind: 'cron', pattern })),
  ...spec.calendars.map((c): Entry => ({ kind: 'calendar', pattern: calendarPattern(c) })),
  ...spec.intervals.map((i): Entry => ({ kind: 'interval', ...i })),
];

/** Parsed patterns, kept across calls (specs come fresh from the store each time). Bounded, oldest out first. */
const compiled = new Map<string, Cron>();
const COMPILED_KEPT = 1000;

function cronOf(pattern: string, timezone: string, calendar: boolean): Cron {
  const key = `${calendar ? 'calendar' : 'cron'}\u0000${timezone}\u0000${pattern}`;
  let cron = compiled.get(key);
  if (!cron) {
    cron = new Cron(pattern, cronOptions(timezone, calendar, pattern));
    if (compiled.size >= COMPILED_KEPT) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, cron);
  }
  return cron;
}

/** The entry's first time strictly after `afterMs`, ignoring startAt and endAt. */
function entryNext(entry: Entry, timezone: string, afterMs: number): number | undefined {
  if (entry.kind === 'interval') {
    const { everyMs, offsetMs } = entry;
    return offsetMs + (Math.floor((afterMs - offsetMs) / everyMs) + 1) * everyMs;
  }
  const cron = cronOf(entry.pattern, timezone, entry.kind === 'calendar');
  let ref = afterMs;
  for (;;) {
    // croner looks from the whole second at or before `ref`, strictly after it; at the ends of the range of dates
    // it throws (its time zone arithmetic leaves the range): no time there
    let next: number | undefined;
    try {
      next = cron.nextRun(new Date(ref))?.getTime();
    } catch (e) {
      if (e instanceof RangeError) return undefined;
      throw e;
    }
    if (next === undefined) return undefined;
    // A run moved out of a DST gap no longer matches its pattern: skipped, as Temporal does.
    if (next > afterMs && cron.match(new Date(next))) return next;
    ref = Math.max(next, ref + 1000);
  }
}

/** A time a skip calendar matches. */
function skipped(spec: ResolvedScheduleSpec, time: number): boolean {
  return (spec.skip ?? []).some((c) => cronOf(calendarPattern(c), spec.timezone, true).match(new Date(time)));
}

/** Skipped times one look-up passes over at most (a skip that matches every time must not spin forever). */
const MAX_SKIPPED = 100_000;

function lowerBound(spec: ResolvedScheduleSpec, afterMs: number): number {
  return spec.startAt !== undefined && afterMs < spec.startAt ? spec.startAt - 1 : afterMs;
}

export function nextNominalTime(spec: ResolvedScheduleSpec, afterMs: number): number | undefined {
  const [next] = nominalTimesBetween(spec, afterMs, spec.endAt ?? Number.MAX_SAFE_INTEGER, 1);
  return next;
}

export function nominalTimesBetween(
  spec: ResolvedScheduleSpec,
  afterMs: number,
  untilMs: number,
  limit: number,
): number[] {
  if (Number.isNaN(afterMs) || Number.isNaN(untilMs)) throw new RangeError('nominalTimesBetween: a time is NaN');
  const until = Math.min(untilMs, spec.endAt ?? Infinity, MAX_TIME_MS);
  const from = Math.max(lowerBound(spec, afterMs), -MAX_TIME_MS);
  const out: number[] = [];
  if (limit <= 0 || from >= until) return out;
  // A k-way merge: each entry keeps its next time; take the earliest, advance that entry. At most `limit` plus
  // the number of entries (and duplicates) look-ups, however far back `afterMs` is.
  const entries = entriesOf(spec);
  const cursors = entries.map((e) => entryNext(e, spec.timezone, from));
  let skips = 0;
  while (out.length < limit && skips <= MAX_SKIPPED) {
    let best = -1;
    for (let i = 0; i < cursors.length; i++) {
      const t = cursors[i];
      if (t !== undefined && (best < 0 || t < cursors[best]!)) best = i;
    }
    const time = best < 0 ? undefined : cursors[best];
    if (time === undefined || time > until) break;
    if (spec.skip && skipped(spec, time)) skips++;
    else if (out[out.length - 1] !== time) out.push(time);
    const following = entryNext(entries[best]!, spec.timezone, time);
    // an entry that cannot move past `time` (it never should) ends, rather than spinning here
    cursors[best] = following !== undefined && following > time ? following : undefined;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- jitter

/**
 * The delay of the action at `nominalMs`: a hash of the schedule id and the nominal time scaled to
 * [0, jitterMs), so a restart gives the same value. As in Temporal, it stays below the gap to the next
 * nominal time, so jitter never reorders actions.
 */
export function jitterOf(spec: ResolvedScheduleSpec, scheduleId: string, nominalMs: number): number {
  if (spec.jitterMs <= 0) return 0;
  let max = spec.jitterMs;
  for (const entry of entriesOf(spec)) {
    const following = entryNext(entry, spec.timezone, nominalMs);
    if (following !== undefined) max = Math.min(max, following - nominalMs);
  }
  max = Math.min(max, MAX_TIME_MS - nominalMs);
  return Math.floor(hashToUnit(`${scheduleId}\u0000${nominalMs}`) * max);
}

/** A 53-bit string hash (cyrb53) scaled to [0, 1). */
function hashToUnit(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return ((h2 & 0x1fffff) * 2 ** 32 + (h1 >>> 0)) / 2 ** 53;
}

// ---------------------------------------------------------------------------------------------- describing

/** A short summary: "cron '0 * * * *' (UTC); every 30s". */
export function describeSpec(spec: ResolvedScheduleSpec): string {
  const zone = ` (${spec.timezone})`;
  const parts = [
    ...spec.cronExpressions.map((c) => `cron '${c}'${zone}`),
    ...spec.calendars.map((c) => `calendar ${calendarText(c)}${zone}`),
    ...spec.intervals.map((i) => `every ${formatMs(i.everyMs)}${i.offsetMs ? ` offset ${formatMs(i.offsetMs)}` : ''}`),
    ...(spec.skip ?? []).map((c) => `skip ${calendarText(c)}`),
  ];
  // (a spec stored before times were bounded may hold one outside the range of dates)
  const iso = (ms: number): string => (Math.abs(ms) <= MAX_TIME_MS ? new Date(ms).toISOString() : `${ms} ms`);
  if (spec.startAt !== undefined) parts.push(`from ${iso(spec.startAt)}`);
  if (spec.endAt !== undefined) parts.push(`until ${iso(spec.endAt)}`);
  if (spec.jitterMs > 0) parts.push(`jitter ${formatMs(spec.jitterMs)}`);
  return parts.join('; ');
}

function calendarText(c: ResolvedCalendarSpec): string {
  const fields = CALENDAR_FIELDS.filter((f) => c[f] !== '*').map((f) => `${f} ${c[f]}`);
  return `${fields.join(', ')}${c.comment ? ` '${c.comment}'` : ''}`;
}

/** 90000 -> '1m30s', exactly (the ms package would round to '2m'). */
export function formatMs(ms: number): string {
  const units: Array<[string, number]> = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  let rest = ms;
  let out = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0s';
}
