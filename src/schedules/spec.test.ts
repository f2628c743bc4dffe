import { describe, expect, it } from 'vitest';
import {
  InvalidScheduleSpecError,
  describeSpec,
  formatMs,
  jitterOf,
  keepStoredCronReading,
  nextNominalTime,
  nominalTimesBetween,
  resolveScheduleSpec,
  type ResolvedScheduleSpec,
} from './spec.js';

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test time ${iso}`);
  return ms;
};
const isoOf = (ms: number): string => new Date(ms).toISOString();
/** Wall-clock time in a zone, 'YYYY-MM-DD HH:mm:ss'. */
const local = (ms: number, timeZone: string): string => new Date(ms).toLocaleString('sv-SE', { timeZone });
const HOUR = 3_600_000;

/** The spec's times in (from, until], as ISO strings. */
function times(input: unknown, from: string, until: string, limit = 1000): string[] {
  return nominalTimesBetween(resolveScheduleSpec(input), at(from), at(until), limit).map(isoOf);
}

describe('resolveScheduleSpec', () => {
  it('normalises and defaults, and the result survives JSON', () => {
    const spec = resolveScheduleSpec({
      cronExpressions: ['  0   *  * * * '],
      intervals: [{ every: '1h', offset: '15m' }, { every: 90_000 }],
      calendars: [{ hour: 9, dayOfWeek: 'monday-fri', comment: 'mornings' }],
      startAt: '2026-01-01T00:00:00Z',
      endAt: new Date('2027-01-01T00:00:00Z'),
      jitter: '30s',
    });
    expect(spec).toEqual({
      cronExpressions: ['0 * * * *'],
      intervals: [
        { everyMs: HOUR, offsetMs: 900_000 },
        { everyMs: 90_000, offsetMs: 0 },
      ],
      calendars: [
        {
          second: '0',
          minute: '0',
          hour: '9',
          dayOfMonth: '*',
          month: '*',
          dayOfWeek: 'MON-FRI',
          year: '*',
          comment: 'mornings',
        },
      ],
      startAt: at('2026-01-01T00:00:00Z'),
      endAt: at('2027-01-01T00:00:00Z'),
      jitterMs: 30_000,
      timezone: 'UTC',
    });
    const stored = JSON.parse(JSON.stringify(spec)) as ResolvedScheduleSpec;
    expect(stored).toEqual(spec);
    const from = at('2026-03-01T00:00:00Z');
    expect(nominalTimesBetween(stored, from, from + 10 * HOUR, 50)).toEqual(
      nominalTimesBetween(spec, from, from + 10 * HOUR, 50),
    );
  });

  it('fixes the case of a time zone but keeps an alias as written', () => {
    expect(resolveScheduleSpec({ intervals: [{ every: '1h' }], timezone: 'utc' }).timezone).toBe('UTC');
    expect(resolveScheduleSpec({ intervals: [{ every: '1h' }], timezone: 'europe/berlin' }).timezone).toBe(
      'Europe/Berlin',
    );
    expect(resolveScheduleSpec({ intervals: [{ every: '1h' }], timezone: 'Asia/Kolkata' }).timezone).toBe(
      'Asia/Kolkata',
    );
  });

  it('takes startAt and endAt as ISO strings, epoch ms or Dates, null as unset', () => {
    const base = { intervals: [{ every: '1h' }] };
    expect(resolveScheduleSpec({ ...base, startAt: '2026-01-01' }).startAt).toBe(at('2026-01-01T00:00:00Z'));
    expect(resolveScheduleSpec({ ...base, startAt: '2026-01-01T09:00:00+05:30' }).startAt).toBe(
      at('2026-01-01T03:30:00Z'),
    );
    expect(resolveScheduleSpec({ ...base, startAt: 1_767_225_600_000 }).startAt).toBe(1_767_225_600_000);
    const spec = resolveScheduleSpec({ ...base, startAt: null, endAt: null, jitter: null, timezone: null });
    expect(spec).toEqual({
      cronExpressions: [],
      intervals: [{ everyMs: HOUR, offsetMs: 0 }],
      calendars: [],
      jitterMs: 0,
      timezone: 'UTC',
    });
  });
});

describe('cron expressions', () => {
  it("reads Temporal's forms: 5 fields minute first, 6 with a year last, 7 with a second first", () => {
    expect(times({ cronExpressions: ['*/15 * * * *'] }, '2026-01-01T00:07:00Z', '2026-01-01T01:00:00Z')).toEqual([
      '2026-01-01T00:15:00.000Z',
      '2026-01-01T00:30:00.000Z',
      '2026-01-01T00:45:00.000Z',
      '2026-01-01T01:00:00.000Z',
    ]);
    expect(times({ cronExpressions: ['*/20 * * * * * *'] }, '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z')).toEqual([
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
    expect(times({ cronExpressions: ['30 15 10 * * * *'] }, '2026-01-01T00:00:00Z', '2026-01-02T23:00:00Z')).toEqual([
      '2026-01-01T10:15:30.000Z',
      '2026-01-02T10:15:30.000Z',
    ]);
    // 6 fields: minute, hour, day of month, month, day of week, year (noon every day of 2027; not second first)
    expect(times({ cronExpressions: ['0 12 * * * 2027'] }, '2026-06-01T00:00:00Z', '2027-01-02T23:00:00Z')).toEqual([
      '2027-01-01T12:00:00.000Z',
      '2027-01-02T12:00:00.000Z',
    ]);
    expect(times({ cronExpressions: ['0 0 12 * * *'] }, '2026-01-01T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-01-12T00:00:00.000Z',
      '2026-02-12T00:00:00.000Z',
      '2026-03-12T00:00:00.000Z',
    ]);
    // stored with 7 fields, as they are matched
    expect(resolveScheduleSpec({ cronExpressions: ['0 12 * * * 2027'] }).cronExpressions).toEqual([
      '0 0 12 * * * 2027',
    ]);
  });

  it('still reads a 6-field string stored before (second first)', () => {
    const stored: ResolvedScheduleSpec = {
      cronExpressions: ['*/20 * * * * *'],
      intervals: [],
      calendars: [],
      jitterMs: 0,
      timezone: 'UTC',
    };
    expect(nominalTimesBetween(stored, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:01:00Z'), 10)).toEqual([
      at('2026-01-01T00:00:20Z'),
      at('2026-01-01T00:00:40Z'),
      at('2026-01-01T00:01:00Z'),
    ]);
  });

  it('an update that gives a stored 6-field string again keeps its old reading (a 7th field, any year)', () => {
    const stored: ResolvedScheduleSpec = {
      cronExpressions: ['*/20 * * * * *', '0 9 * * *'],
      intervals: [],
      calendars: [],
      jitterMs: 0,
      timezone: 'UTC',
    };
    const kept = keepStoredCronReading(
      { cronExpressions: ['*/20  * * * * *', '0 9 * * *', '0 12 * * * 2027'] },
      stored,
    );
    expect(kept).toEqual({ cronExpressions: ['*/20 * * * * * *', '0 9 * * *', '0 12 * * * 2027'] });
    const again = resolveScheduleSpec(kept);
    const from = at('2026-01-01T00:00:00Z');
    expect(nominalTimesBetween(again, from, from + 60_000, 3)).toEqual(
      nominalTimesBetween(stored, from, from + 60_000, 3),
    );
    expect(keepStoredCronReading({ cronExpressions: ['0 9 * * *'] }, stored)).toBeUndefined();
    expect(keepStoredCronReading({ intervals: [{ every: '1h' }] }, stored)).toBeUndefined();
  });

  it("takes a CRON_TZ= or TZ= prefix as the spec's time zone, and a comment after #", () => {
    const spec = resolveScheduleSpec({ cronExpressions: ['CRON_TZ=America/New_York 0 9 * * * # nine in New York'] });
    expect(spec.timezone).toBe('America/New_York');
    expect(spec.cronExpressions).toEqual(['0 9 * * *']);
    expect(nextNominalTime(spec, at('2026-01-05T00:00:00Z'))).toBe(at('2026-01-05T14:00:00Z'));
    expect(
      resolveScheduleSpec({ cronExpressions: ['TZ=Europe/Berlin 0 9 * * *', 'CRON_TZ=europe/berlin 0 18 * * *'] })
        .timezone,
    ).toBe('Europe/Berlin');
    // the same zone in spec.timezone too is fine (as Temporal); an @every's prefix says nothing
    expect(
      resolveScheduleSpec({ cronExpressions: ['TZ=Europe/Berlin 0 9 * * *'], timezone: 'Europe/Berlin' }).timezone,
    ).toBe('Europe/Berlin');
    expect(resolveScheduleSpec({ cronExpressions: ['TZ=Asia/Tokyo @every 1h', '0 9 * * *'] }).timezone).toBe('UTC');
    // croner's nth weekday is a field, not a comment
    expect(resolveScheduleSpec({ cronExpressions: ['0 9 * * MON#2'] }).cronExpressions).toEqual(['0 9 * * MON#2']);
  });

  it('at the lower end of the range of dates a cron entry gives no time rather than throwing', () => {
    const spec = resolveScheduleSpec({ cronExpressions: ['0 * * * *'] });
    expect(() => nominalTimesBetween(spec, -8.64e15 - 1, -8.64e15 + 7.2e6, 5)).not.toThrow();
    const old: ResolvedScheduleSpec = { ...spec, endAt: 1e16 }; // stored before times were bounded
    expect(describeSpec(old)).toContain('until 10000000000000000 ms');
  });

  it('deals in times within the range of dates only: far out, an interval gives nothing (and ends)', () => {
    const spec = resolveScheduleSpec({ intervals: [{ every: '1s' }] });
    expect(nominalTimesBetween(spec, 1e19 - 1, 2e19, 10)).toEqual([]);
    expect(nominalTimesBetween(spec, 8.64e15 - 2000, 9e15, 10)).toEqual([8.64e15 - 1000, 8.64e15]);
    expect(nextNominalTime(resolveScheduleSpec({ intervals: [{ every: 8.7e15 }] }), Date.UTC(2026, 0, 1))).toBe(
      undefined,
    );
  });

  it('turns @every <interval>[/<phase>] into an interval, as Temporal', () => {
    const spec = resolveScheduleSpec({ cronExpressions: ['@every 1h/15m', '0 0 * * *'] });
    expect(spec.cronExpressions).toEqual(['0 0 * * *']);
    expect(spec.intervals).toEqual([{ everyMs: 3_600_000, offsetMs: 900_000 }]);
    expect(resolveScheduleSpec({ cronExpressions: ['@every 30s'] }).intervals).toEqual([
      { everyMs: 30_000, offsetMs: 0 },
    ]);
    // Go durations, and days
    expect(resolveScheduleSpec({ cronExpressions: ['@every 1h30m'] }).intervals).toEqual([
      { everyMs: 5_400_000, offsetMs: 0 },
    ]);
    expect(resolveScheduleSpec({ cronExpressions: ['@every 2d/12h'] }).intervals).toEqual([
      { everyMs: 172_800_000, offsetMs: 43_200_000 },
    ]);
  });

  it('knows the nicknames', () => {
    const from = '2026-01-01T00:00:00Z'; // a Thursday
    const first = (nick: string) => isoOf(nextNominalTime(resolveScheduleSpec({ cronExpressions: [nick] }), at(from))!);
    expect(first('@yearly')).toBe('2027-01-01T00:00:00.000Z');
    expect(first('@annually')).toBe('2027-01-01T00:00:00.000Z');
    expect(first('@monthly')).toBe('2026-02-01T00:00:00.000Z');
    expect(first('@weekly')).toBe('2026-01-04T00:00:00.000Z');
    expect(first('@daily')).toBe('2026-01-02T00:00:00.000Z');
    expect(first('@midnight')).toBe('2026-01-02T00:00:00.000Z');
    expect(first('@hourly')).toBe('2026-01-01T01:00:00.000Z');
  });

  it('needs both day-of-month and day-of-week to match, as Temporal', () => {
    expect(times({ cronExpressions: ['0 9 1-7 * MON'] }, '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-02-02T09:00:00.000Z',
      '2026-03-02T09:00:00.000Z',
    ]);
  });

  it('is strictly after afterMs, also with milliseconds', () => {
    const spec = resolveScheduleSpec({ cronExpressions: ['* * * * * * *'] });
    expect(nextNominalTime(spec, at('2026-01-01T00:00:00Z'))).toBe(at('2026-01-01T00:00:01Z'));
    expect(nextNominalTime(spec, at('2026-01-01T00:00:00.999Z'))).toBe(at('2026-01-01T00:00:01Z'));
    expect(nextNominalTime(spec, at('2026-01-01T00:00:00.999Z') - 1000)).toBe(at('2026-01-01T00:00:00Z'));
  });
});

describe('daylight saving time', () => {
  it('skips a time that does not exist (New York, 02:30 on 2026-03-08), as Temporal', () => {
    const tz = 'America/New_York';
    const got = nominalTimesBetween(
      resolveScheduleSpec({ cronExpressions: ['30 2 * * *'], timezone: tz }),
      at('2026-03-06T12:00:00Z'),
      at('2026-03-10T12:00:00Z'),
      10,
    );
    expect(got.map(isoOf)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
    expect(got.map((t) => local(t, tz))).toEqual(['2026-03-07 02:30:00', '2026-03-09 02:30:00', '2026-03-10 02:30:00']);
  });

  it('skips it in a calendar too', () => {
    const got = times(
      { calendars: [{ hour: 2, minute: 30 }], timezone: 'America/New_York' },
      '2026-03-07T12:00:00Z',
      '2026-03-09T12:00:00Z',
    );
    expect(got).toEqual(['2026-03-09T06:30:00.000Z']);
  });

  it('fires a repeated time once (New York, 01:30 on 2026-11-01), at its first occurrence', () => {
    const spec = resolveScheduleSpec({ cronExpressions: ['30 1 * * *'], timezone: 'America/New_York' });
    const got = nominalTimesBetween(spec, at('2026-10-31T00:00:00Z'), at('2026-11-03T00:00:00Z'), 10);
    expect(got.map(isoOf)).toEqual([
      '2026-10-31T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT, the first of the two 01:30s
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
    // from between the two occurrences, the second is not a time either
    expect(nextNominalTime(spec, at('2026-11-01T05:45:00Z'))).toBe(at('2026-11-02T06:30:00Z'));
    expect(nextNominalTime(spec, at('2026-11-01T06:15:00Z'))).toBe(at('2026-11-02T06:30:00Z'));
    // with a step, the repeated hour is walked twice: every real half hour fires
    expect(
      times(
        { cronExpressions: ['*/30 1 * * *'], timezone: 'America/New_York' },
        '2026-11-01T04:00:00Z',
        '2026-11-01T12:00:00Z',
      ),
    ).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
    ]);
  });

  it('fires every real hour once in Berlin: 23 times on 2026-03-29, 25 on 2026-10-25', () => {
    const spec = resolveScheduleSpec({ cronExpressions: ['0 * * * *'], timezone: 'Europe/Berlin' });
    const dayOf = (startUtc: string, endUtc: string) =>
      nominalTimesBetween(spec, at(startUtc) - 1, at(endUtc) - 1, 100);

    const spring = dayOf('2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z'); // local midnight to midnight
    expect(spring).toHaveLength(23);
    expect(spring.map((t) => local(t, 'Europe/Berlin').slice(11, 13))).not.toContain('02');
    const fall = dayOf('2026-10-24T22:00:00Z', '2026-10-25T23:00:00Z');
    expect(fall).toHaveLength(25);
    expect(fall.filter((t) => local(t, 'Europe/Berlin').slice(11, 13) === '02')).toHaveLength(2);
    for (const day of [spring, fall]) {
      expect(day.every((t, i) => i === 0 || t - day[i - 1]! === HOUR)).toBe(true);
      expect(day.every((t) => local(t, 'Europe/Berlin').slice(14) === '00:00')).toBe(true);
    }
  });

  it('reads a weekday schedule in Asia/Kolkata', () => {
    const tz = 'Asia/Kolkata';
    const got = nominalTimesBetween(
      resolveScheduleSpec({ cronExpressions: ['0 9 * * MON-FRI'], timezone: tz }),
      at('2026-01-01T00:00:00Z'), // a Thursday
      at('2026-01-10T00:00:00Z'),
      10,
    );
    expect(got.map(isoOf)).toEqual([
      '2026-01-01T03:30:00.000Z',
      '2026-01-02T03:30:00.000Z',
      '2026-01-05T03:30:00.000Z',
      '2026-01-06T03:30:00.000Z',
      '2026-01-07T03:30:00.000Z',
      '2026-01-08T03:30:00.000Z',
      '2026-01-09T03:30:00.000Z',
    ]);
    expect(got.every((t) => local(t, tz).endsWith(' 09:00:00'))).toBe(true);
  });

  it('leaves intervals alone: they are instants, not wall-clock times', () => {
    const got = times(
      { intervals: [{ every: '1h' }], timezone: 'Europe/Berlin' },
      '2026-03-29T00:00:00Z',
      '2026-03-29T04:00:00Z',
    );
    expect(got).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T03:00:00.000Z',
      '2026-03-29T04:00:00.000Z',
    ]);
  });
});

describe('intervals', () => {
  it('fires at the offset past each epoch-aligned interval', () => {
    expect(
      times({ intervals: [{ every: '1h', offset: '15m' }] }, '2026-01-01T10:15:00Z', '2026-01-01T13:00:00Z'),
    ).toEqual(['2026-01-01T11:15:00.000Z', '2026-01-01T12:15:00.000Z']);
    const spec = resolveScheduleSpec({ intervals: [{ every: '7m' }] });
    const got = nominalTimesBetween(spec, at('2026-05-05T05:05:05Z'), Number.MAX_SAFE_INTEGER, 20);
    expect(got).toHaveLength(20);
    expect(got.every((t, i) => t % 420_000 === 0 && (i === 0 || t - got[i - 1]! === 420_000))).toBe(true);
  });
});

describe('merging entries', () => {
  it('merges cron, interval and calendar times in order, without duplicates', () => {
    const got = times(
      {
        cronExpressions: ['0 * * * *'],
        intervals: [{ every: '30m' }],
        calendars: [{ hour: '*', minute: [0, 45] }],
      },
      '2026-01-01T00:00:00Z',
      '2026-01-01T02:00:00Z',
    );
    expect(got).toEqual([
      '2026-01-01T00:30:00.000Z',
      '2026-01-01T00:45:00.000Z',
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T01:30:00.000Z',
      '2026-01-01T01:45:00.000Z',
      '2026-01-01T02:00:00.000Z',
    ]);
  });

  it('stops at the limit and at untilMs', () => {
    const spec = resolveScheduleSpec({ cronExpressions: ['* * * * *'], intervals: [{ every: '30s' }] });
    const from = at('2026-01-01T00:00:00Z');
    expect(nominalTimesBetween(spec, from, from + HOUR, 3).map(isoOf)).toEqual([
      '2026-01-01T00:00:30.000Z',
      '2026-01-01T00:01:00.000Z',
      '2026-01-01T00:01:30.000Z',
    ]);
    expect(nominalTimesBetween(spec, from, from + 60_000, 100)).toHaveLength(2);
    expect(nominalTimesBetween(spec, from, from + 29_999, 100)).toEqual([]);
    expect(nominalTimesBetween(spec, from, from + HOUR, 0)).toEqual([]);
  });
});

describe('startAt and endAt', () => {
  const base = { intervals: [{ every: '1h' }], startAt: '2026-01-01T05:00:00Z', endAt: '2026-01-01T08:00:00Z' };

  it('bound the times, both ends included', () => {
    expect(times(base, '2025-06-01T00:00:00Z', '2026-06-01T00:00:00Z')).toEqual([
      '2026-01-01T05:00:00.000Z',
      '2026-01-01T06:00:00.000Z',
      '2026-01-01T07:00:00.000Z',
      '2026-01-01T08:00:00.000Z',
    ]);
    const spec = resolveScheduleSpec(base);
    expect(nextNominalTime(spec, 0)).toBe(at('2026-01-01T05:00:00Z'));
    expect(nextNominalTime(spec, at('2026-01-01T07:00:00Z'))).toBe(at('2026-01-01T08:00:00Z'));
    expect(nextNominalTime(spec, at('2026-01-01T08:00:00Z'))).toBeUndefined();
  });

  it('a startAt between times waits for the next one', () => {
    const spec = resolveScheduleSpec({ cronExpressions: ['0 * * * *'], startAt: '2026-01-01T05:30:00Z' });
    expect(nextNominalTime(spec, 0)).toBe(at('2026-01-01T06:00:00Z'));
  });
});

describe('calendars', () => {
  it('defaults second, minute and hour to 0 and the rest to any', () => {
    expect(times({ calendars: [{ dayOfMonth: 15 }] }, '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual([
      '2026-01-15T00:00:00.000Z',
      '2026-02-15T00:00:00.000Z',
      '2026-03-15T00:00:00.000Z',
    ]);
  });

  it('takes names, ranges and lists', () => {
    expect(
      times({ calendars: [{ dayOfWeek: 'MON-FRI', hour: 9 }] }, '2026-01-01T00:00:00Z', '2026-01-07T00:00:00Z'),
    ).toEqual([
      '2026-01-01T09:00:00.000Z',
      '2026-01-02T09:00:00.000Z',
      '2026-01-05T09:00:00.000Z',
      '2026-01-06T09:00:00.000Z',
    ]);
    expect(
      times({ calendars: [{ month: 'JAN', dayOfMonth: 1 }] }, '2026-01-01T00:00:00Z', '2029-01-01T00:00:00Z'),
    ).toEqual(['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z', '2029-01-01T00:00:00.000Z']);
    // names written out or cut short, as Temporal allows
    const spec = resolveScheduleSpec({ calendars: [{ month: 'january,Mar', dayOfWeek: 'Saturday-su' }] });
    expect(spec.calendars[0]).toMatchObject({ month: 'JAN,MAR', dayOfWeek: 'SAT-SUN' });
  });

  it("takes Temporal's LooseRange shapes: a single { start, end }, named units in lists and ranges", () => {
    const spec = resolveScheduleSpec({
      calendars: [
        { hour: { start: 9, end: 17 }, dayOfWeek: { start: 'MONDAY', end: 'FRIDAY' } },
        { month: ['JANUARY', 'JULY'], dayOfMonth: 1, dayOfWeek: ['SATURDAY', { start: 'SUNDAY' }] },
      ],
    });
    expect(spec.calendars[0]).toMatchObject({ hour: '9-17', dayOfWeek: '1-5' });
    expect(spec.calendars[1]).toMatchObject({ month: '1,7', dayOfWeek: '6,0' });
    expect(
      times(
        { calendars: [{ hour: { start: 9, end: 10 }, dayOfWeek: { start: 'MONDAY', end: 'TUESDAY' } }] },
        '2026-01-03T00:00:00Z',
        '2026-01-07T00:00:00Z',
      ),
    ).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-01-05T10:00:00.000Z',
      '2026-01-06T09:00:00.000Z',
      '2026-01-06T10:00:00.000Z',
    ]);
    expect(() => resolveScheduleSpec({ calendars: [{ dayOfWeek: ['FUNDAY'] }] })).toThrow(/not a weekday name/);
    expect(() => resolveScheduleSpec({ calendars: [{ month: { start: 'MARCH', end: 'JANUARY' } }] })).toThrow(
      /before start/,
    );
  });

  it('takes steps, as structured ranges and as strings', () => {
    const from = '2026-01-01T00:00:00Z';
    expect(
      times({ calendars: [{ hour: 10, minute: [{ start: 0, end: 30, step: 15 }, 50] }] }, from, '2026-01-01T12:00:00Z'),
    ).toEqual([
      '2026-01-01T10:00:00.000Z',
      '2026-01-01T10:15:00.000Z',
      '2026-01-01T10:30:00.000Z',
      '2026-01-01T10:50:00.000Z',
    ]);
    // 'x/y' is x to the end in steps of y; a range without an end is its start alone
    expect(times({ calendars: [{ hour: 10, minute: '5/20' }] }, from, '2026-01-01T12:00:00Z')).toEqual([
      '2026-01-01T10:05:00.000Z',
      '2026-01-01T10:25:00.000Z',
      '2026-01-01T10:45:00.000Z',
    ]);
    expect(
      times({ calendars: [{ hour: 10, minute: [{ start: 5, step: 10 }] }] }, from, '2026-01-01T12:00:00Z'),
    ).toEqual(['2026-01-01T10:05:00.000Z']);
  });

  it('filters on the year, and 7 is Sunday', () => {
    const spec = resolveScheduleSpec({ calendars: [{ year: 2027, month: 2, dayOfMonth: 1 }] });
    expect(nextNominalTime(spec, at('2026-01-01T00:00:00Z'))).toBe(at('2027-02-01T00:00:00Z'));
    expect(nextNominalTime(spec, at('2027-02-01T00:00:00Z'))).toBeUndefined();
    expect(times({ calendars: [{ dayOfWeek: 7 }] }, '2026-01-01T00:00:00Z', '2026-01-12T00:00:00Z')).toEqual([
      '2026-01-04T00:00:00.000Z',
      '2026-01-11T00:00:00.000Z',
    ]);
  });

  it('needs every field to match (day of month and day of week: Friday the 13th)', () => {
    expect(
      times({ calendars: [{ dayOfMonth: 13, dayOfWeek: 'FRI' }] }, '2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z'),
    ).toEqual(['2026-02-13T00:00:00.000Z', '2026-03-13T00:00:00.000Z', '2026-11-13T00:00:00.000Z']);
  });
});

describe('jitterOf', () => {
  const spec = resolveScheduleSpec({ cronExpressions: ['0 * * * *'], jitter: '10m' });
  const nominals = Array.from({ length: 500 }, (_, i) => at('2026-01-01T00:00:00Z') + i * HOUR);

  it('is deterministic and in [0, jitter)', () => {
    const a = nominals.map((t) => jitterOf(spec, 'sched-a', t));
    expect(nominals.map((t) => jitterOf(JSON.parse(JSON.stringify(spec)), 'sched-a', t))).toEqual(a);
    expect(a.every((j) => Number.isInteger(j) && j >= 0 && j < 600_000)).toBe(true);
    // spread over the range, and different for another schedule
    expect(Math.min(...a)).toBeLessThan(60_000);
    expect(Math.max(...a)).toBeGreaterThan(540_000);
    const b = nominals.map((t) => jitterOf(spec, 'sched-b', t));
    expect(b.filter((j, i) => j === a[i]).length).toBeLessThan(5);
  });

  it('is 0 without jitter, and stays below the gap to the next time', () => {
    expect(jitterOf(resolveScheduleSpec({ cronExpressions: ['0 * * * *'] }), 's', nominals[0]!)).toBe(0);
    const dense = resolveScheduleSpec({ intervals: [{ every: '1m' }], jitter: '1h' });
    const js = nominals.map((t) => jitterOf(dense, 's', t));
    expect(js.every((j) => j >= 0 && j < 60_000)).toBe(true);
    expect(Math.max(...js)).toBeGreaterThan(30_000);
  });
});

describe('performance', () => {
  it('finds 10 times of an every-minute cron within a year quickly', () => {
    const spec = resolveScheduleSpec({ cronExpressions: ['* * * * *'], timezone: 'Europe/Berlin' });
    const started = performance.now();
    const got = nominalTimesBetween(spec, at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'), 10);
    expect(got).toHaveLength(10);
    expect(got[9]).toBe(at('2026-01-01T00:10:00Z'));
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('catching up from far in the past is bounded by the limit', () => {
    const spec = resolveScheduleSpec({ cronExpressions: ['* * * * * *'], intervals: [{ every: '1s' }] });
    const started = performance.now();
    const got = nominalTimesBetween(spec, at('2000-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'), 100);
    expect(got).toHaveLength(100);
    expect(got[99]).toBe(at('2000-01-01T00:01:40Z'));
    expect(nextNominalTime(spec, 0)).toBe(1000);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('describeSpec', () => {
  it('summarises', () => {
    expect(describeSpec(resolveScheduleSpec({ cronExpressions: ['0 * * * *'], intervals: [{ every: '30s' }] }))).toBe(
      "cron '0 * * * *' (UTC); every 30s",
    );
    expect(
      describeSpec(
        resolveScheduleSpec({
          calendars: [{ hour: 9, dayOfWeek: 'MON-FRI', comment: 'standup' }],
          intervals: [{ every: '90m', offset: 90_000 }],
          startAt: '2026-01-01T00:00:00Z',
          endAt: '2026-12-31T00:00:00Z',
          jitter: '5m',
          timezone: 'Europe/Berlin',
        }),
      ),
    ).toBe(
      "calendar second 0, minute 0, hour 9, dayOfWeek MON-FRI 'standup' (Europe/Berlin); every 1h30m offset 1m30s; " +
        'from 2026-01-01T00:00:00.000Z; until 2026-12-31T00:00:00.000Z; jitter 5m',
    );
    expect(formatMs(0)).toBe('0s');
    expect(formatMs(86_400_000 + 1500)).toBe('1d1s500ms');
  });
});

describe('bad input', () => {
  const cron = { cronExpressions: ['0 * * * *'] };
  const cases: Array<[string, unknown, string, string]> = [
    ['not an object', null, 'spec', 'null'],
    ['an array', [], 'spec', '[]'],
    ['empty', {}, 'spec', 'at least one of'],
    ['only bounds', { startAt: '2026-01-01T00:00:00Z' }, 'spec', 'at least one of'],
    ['unknown field', { cron: '0 * * * *' }, 'spec.cron', 'unknown field'],
    ['cron not a list', { cronExpressions: '0 * * * *' }, 'spec.cronExpressions', '"0 * * * *"'],
    ['cron not a string', { cronExpressions: [42] }, 'spec.cronExpressions[0]', '42'],
    ['cron out of range', { cronExpressions: ['61 * * * *'] }, 'spec.cronExpressions[0]', '"61 * * * *"'],
    ['cron garbage', { cronExpressions: ['0 * * * *', 'every day'] }, 'spec.cronExpressions[1]', '"every day"'],
    ['cron 8 fields', { cronExpressions: ['0 0 0 1 1 * 2027 1'] }, 'spec.cronExpressions[0]', '8 fields'],
    ['cron 4 fields', { cronExpressions: ['0 0 1 1'] }, 'spec.cronExpressions[0]', '4 fields'],
    ['cron comment only', { cronExpressions: ['# nothing'] }, 'spec.cronExpressions[0]', 'only a comment'],
    ['cron @every bad', { cronExpressions: ['@every 1w'] }, 'spec.cronExpressions[0]', '@every <interval>'],
    ['cron @every huge', { cronExpressions: [`@every ${'9'.repeat(400)}s`] }, 'spec.cronExpressions[0]', '@every'],
    ['cron @every short', { cronExpressions: ['@every 0s'] }, 'spec.cronExpressions[0]', 'shorter than'],
    ['cron @every phase', { cronExpressions: ['@every 1h/2h'] }, 'spec.cronExpressions[0]', 'phase must be'],
    [
      'cron zone and timezone',
      { cronExpressions: ['TZ=Europe/Berlin 0 9 * * *'], timezone: 'UTC' },
      'spec.cronExpressions[0]',
      'spec.timezone is "UTC"',
    ],
    [
      'cron zones differ',
      { cronExpressions: ['TZ=Europe/Berlin 0 9 * * *', 'TZ=Europe/Paris 0 9 * * *'] },
      'spec.cronExpressions[1]',
      'a spec has one zone',
    ],
    [
      'cron zone on some only',
      { cronExpressions: ['TZ=Europe/Berlin 0 9 * * *', '0 18 * * *'] },
      'spec.cronExpressions[1]',
      'all or none must',
    ],
    ['cron zone unknown', { cronExpressions: ['TZ=Mars/Base 0 9 * * *'] }, 'spec.cronExpressions[0]', '"Mars/Base"'],
    ['startAt out of range', { ...cron, startAt: -9e15 }, 'spec.startAt', 'outside the range of dates'],
    ['endAt out of range', { ...cron, endAt: 1e16 }, 'spec.endAt', 'outside the range of dates'],
    ['cron nickname', { cronExpressions: ['@fortnightly'] }, 'spec.cronExpressions[0]', '"@fortnightly"'],
    ['cron never', { cronExpressions: ['0 0 30 2 *'] }, 'spec.cronExpressions[0]', 'never matches'],
    ['timezone unknown', { ...cron, timezone: 'Mars/Olympus_Mons' }, 'spec.timezone', '"Mars/Olympus_Mons"'],
    ['timezone not a string', { ...cron, timezone: 5 }, 'spec.timezone', '5'],
    ['timezone empty', { ...cron, timezone: ' ' }, 'spec.timezone', '" "'],
    ['intervals not a list', { intervals: { every: '1h' } }, 'spec.intervals', '{"every":"1h"}'],
    ['interval not an object', { intervals: ['1h'] }, 'spec.intervals[0]', '"1h"'],
    ['interval without every', { intervals: [{ offset: '1m' }] }, 'spec.intervals[0].every', 'required'],
    ['interval zero', { intervals: [{ every: 0 }] }, 'spec.intervals[0].every', '0 is shorter than 1000ms'],
    [
      'interval negative',
      { ...cron, intervals: [{ every: '1h' }, { every: -5000 }] },
      'spec.intervals[1].every',
      '-5000',
    ],
    ['interval negative string', { intervals: [{ every: '-5m' }] }, 'spec.intervals[0].every', '"-5m"'],
    ['interval garbage', { intervals: [{ every: 'often' }] }, 'spec.intervals[0].every', '"often"'],
    ['interval wrong type', { intervals: [{ every: true }] }, 'spec.intervals[0].every', 'true'],
    ['interval too short', { intervals: [{ every: 10 }] }, 'spec.intervals[0].every', '10 is shorter'],
    ['offset = every', { intervals: [{ every: '1h', offset: '60m' }] }, 'spec.intervals[0].offset', '"60m"'],
    ['offset > every', { intervals: [{ every: '1h', offset: '2h' }] }, 'spec.intervals[0].offset', '"2h"'],
    ['offset negative', { intervals: [{ every: '1h', offset: -1 }] }, 'spec.intervals[0].offset', '-1'],
    ['interval unknown field', { intervals: [{ every: '1h', phase: '5m' }] }, 'spec.intervals[0].phase', 'unknown'],
    ['startAt garbage', { ...cron, startAt: 'yesterday' }, 'spec.startAt', '"yesterday"'],
    ['startAt without zone', { ...cron, startAt: '2026-01-01T09:00:00' }, 'spec.startAt', '"2026-01-01T09:00:00"'],
    ['startAt no such day', { ...cron, startAt: '2026-02-30' }, 'spec.startAt', '"2026-02-30"'],
    ['startAt wrong type', { ...cron, startAt: true }, 'spec.startAt', 'true'],
    ['startAt invalid Date', { ...cron, startAt: new Date('nope') }, 'spec.startAt', 'invalid'],
    ['startAt infinite', { ...cron, startAt: Infinity }, 'spec.startAt', 'Infinity'],
    ['endAt garbage', { ...cron, endAt: {} }, 'spec.endAt', '{}'],
    [
      'endAt before startAt',
      { ...cron, startAt: '2026-02-01T00:00:00Z', endAt: '2026-01-01T00:00:00Z' },
      'spec.endAt',
      '"2026-01-01T00:00:00Z"',
    ],
    ['jitter negative', { ...cron, jitter: '-1s' }, 'spec.jitter', '"-1s"'],
    ['jitter wrong type', { ...cron, jitter: [5] }, 'spec.jitter', '[5]'],
    ['calendars not a list', { calendars: 'daily' }, 'spec.calendars', '"daily"'],
    ['calendar not an object', { calendars: [5] }, 'spec.calendars[0]', '5'],
    ['calendar hour out of range', { calendars: [{ hour: 24 }] }, 'spec.calendars[0].hour', '24'],
    ['calendar month out of range', { calendars: [{}, { month: 13 }] }, 'spec.calendars[1].month', '13'],
    ['calendar bad weekday name', { calendars: [{ dayOfWeek: 'FUNDAY' }] }, 'spec.calendars[0].dayOfWeek', '"FUNDAY"'],
    ['calendar bad month name', { calendars: [{ month: 'Smarch' }] }, 'spec.calendars[0].month', '"Smarch"'],
    [
      'calendar end before start',
      { calendars: [{ minute: [{ start: 10, end: 5 }] }] },
      'spec.calendars[0].minute',
      'end 5 is before start 10',
    ],
    [
      'calendar zero step',
      { calendars: [{ minute: [{ start: 0, end: 50, step: 0 }] }] },
      'spec.calendars[0].minute',
      'step 0',
    ],
    ['calendar fraction', { calendars: [{ minute: 1.5 }] }, 'spec.calendars[0].minute', '1.5'],
    ['calendar empty list', { calendars: [{ hour: [] }] }, 'spec.calendars[0].hour', '[]'],
    ['calendar wrong type', { calendars: [{ hour: true }] }, 'spec.calendars[0].hour', 'true'],
    ['calendar bad range item', { calendars: [{ hour: ['9'] }] }, 'spec.calendars[0].hour', '"9"'],
    ['calendar bad string', { calendars: [{ second: '1-2-3' }] }, 'spec.calendars[0].second', '"1-2-3"'],
    ['calendar unknown field', { calendars: [{ hours: 9 }] }, 'spec.calendars[0].hours', 'unknown field'],
    ['calendar comment type', { calendars: [{ comment: 5 }] }, 'spec.calendars[0].comment', '5'],
    ['calendar never', { calendars: [{ month: 'FEB', dayOfMonth: 31 }] }, 'spec.calendars[0]', 'never matches'],
  ];

  it.each(cases)('%s', (_name, input, field, named) => {
    let error: unknown;
    try {
      resolveScheduleSpec(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidScheduleSpecError);
    const e = error as InvalidScheduleSpecError;
    expect(e.field).toBe(field);
    expect(e.message.startsWith(`${field}: `)).toBe(true);
    expect(e.message).toContain(named);
  });
});

describe('skip (Temporal ScheduleSpec.skip)', () => {
  it('drops the times a skip calendar matches, every field (seconds included) matching', () => {
    const hourly = { intervals: [{ every: '1h' }] };
    // noon and 14:00 on weekdays are skipped; 14:30 matches nothing the spec gives
    const spec = {
      ...hourly,
      skip: [
        { hour: [12, 14], dayOfWeek: 'MONDAY-FRIDAY' },
        { hour: 14, minute: 30 },
      ],
    };
    expect(times(spec, '2026-03-06T10:30:00Z', '2026-03-06T15:00:00Z')).toEqual([
      '2026-03-06T11:00:00.000Z',
      '2026-03-06T13:00:00.000Z',
      '2026-03-06T15:00:00.000Z',
    ]);
    // a Saturday: nothing skipped
    expect(times(spec, '2026-03-07T11:30:00Z', '2026-03-07T12:00:00Z')).toEqual(['2026-03-07T12:00:00.000Z']);
    // a skip at second 30 never matches times at second 0
    expect(
      times(
        { ...hourly, skip: [{ second: 30, minute: '*', hour: '*' }] },
        '2026-03-06T10:30:00Z',
        '2026-03-06T12:00:00Z',
      ),
    ).toHaveLength(2);
  });

  it('reads skips in the spec time zone, works for cron, and nextNominalTime passes over skipped times', () => {
    const spec = resolveScheduleSpec({
      cronExpressions: ['0 9 * * *'],
      skip: [{ hour: 9, dayOfMonth: 25, month: 'DECEMBER' }],
      timezone: 'Europe/Berlin',
    });
    expect(isoOf(nextNominalTime(spec, at('2026-12-24T09:00:00Z'))!)).toBe('2026-12-26T08:00:00.000Z');
    expect(describeSpec(spec)).toContain('skip second 0, minute 0, hour 9, dayOfMonth 25, month DEC');
  });

  it('a skip that matches every time leaves no next time instead of looping', () => {
    const spec = resolveScheduleSpec({ intervals: [{ every: '1m' }], skip: [{ second: 0, minute: '*', hour: '*' }] });
    expect(nextNominalTime(spec, at('2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('is validated like calendars, naming the bad field; no skip leaves the resolved spec as before', () => {
    expect(() => resolveScheduleSpec({ intervals: [{ every: '1h' }], skip: [{ hour: 25 }] })).toThrow(
      InvalidScheduleSpecError,
    );
    expect(() => resolveScheduleSpec({ intervals: [{ every: '1h' }], skip: [{ hour: 25 }] })).toThrow(
      /spec\.skip\[0\]\.hour/,
    );
    expect(() => resolveScheduleSpec({ intervals: [{ every: '1h' }], skip: 'weekends' })).toThrow(/spec\.skip/);
    expect(resolveScheduleSpec({ intervals: [{ every: '1h' }], skip: [] })).not.toHaveProperty('skip');
  });
});
