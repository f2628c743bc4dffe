import { describe, expect, it } from 'vitest';
import { firstCronBackoffMs, invalidCronSchedule, nextCronBackoffMs, nextCronTime, parseCronSchedule } from './cron.js';

const at = (iso: string): number => Date.parse(iso);

describe('cron schedules (Temporal syntax)', () => {
  it('takes five fields in UTC, names, @every and a CRON_TZ prefix; refuses the rest with a message', () => {
    for (const ok of [
      '* * * * *',
      '0 9 * * MON-FRI',
      '@hourly',
      '@daily',
      '@every 1h30m',
      'CRON_TZ=Asia/Tokyo 0 9 * * *',
    ])
      expect(invalidCronSchedule(ok), ok).toBeUndefined();
    expect(invalidCronSchedule('nope')).toMatch(/invalid cron schedule "nope"/);
    expect(invalidCronSchedule('61 * * * *')).toMatch(/^invalid cron schedule "61 \* \* \* \*": [^"]*minute/i);
    expect(invalidCronSchedule('0 0 30 2 *')).toMatch(/never matches/);
    expect(invalidCronSchedule('@every 10')).toMatch(/@every needs a duration/);
    expect(invalidCronSchedule('@every 500ms')).toMatch(/at least 1s/);
    expect(invalidCronSchedule('CRON_TZ=Not/AZone 0 * * * *')).toMatch(/time zone/);
    expect(invalidCronSchedule('  ')).toMatch(/empty/);
    expect(parseCronSchedule('@every 1m30s')).toEqual({ kind: 'every', everyMs: 90_000 });
  });

  it('reads six fields second first, as before (the schedules read six as Temporal does; this keeps its own)', () => {
    const t = at('2026-03-01T10:00:00Z');
    expect(nextCronBackoffMs('*/30 * * * * *', t, t)).toBe(30_000);
    expect(invalidCronSchedule('0 30 9 * * *')).toBeUndefined();
    expect(nextCronTime('0 30 9 * * *', 0, t)).toBe(at('2026-03-02T09:30:00Z'));
    expect(nextCronTime('0 0 9 * * MON-FRI', 0, at('2026-03-07T10:00:00Z'))).toBe(at('2026-03-09T09:00:00Z'));
    // a comment and a zone prefix are taken off first: still six fields, second first
    expect(nextCronTime('CRON_TZ=UTC 0 30 9 * * * # daily', 0, t)).toBe(at('2026-03-02T09:30:00Z'));
  });

  it('the first run waits for the first time after the start', () => {
    expect(firstCronBackoffMs('0 * * * *', at('2026-03-01T10:15:00Z'))).toBe(45 * 60_000);
    expect(firstCronBackoffMs('0 * * * *', at('2026-03-01T10:00:00Z'))).toBe(60 * 60_000);
    expect(firstCronBackoffMs('@every 10s', at('2026-03-01T10:00:00.500Z'))).toBe(10_000);
    // 09:00 in Tokyo is 00:00 UTC
    expect(nextCronTime('CRON_TZ=Asia/Tokyo 0 9 * * *', 0, at('2026-03-01T10:00:00Z'))).toBe(
      at('2026-03-02T00:00:00Z'),
    );
  });

  it('the next run starts at the first time at or after the close, skipping the times a long run overran', () => {
    const scheduled = at('2026-03-01T10:00:00Z');
    expect(nextCronBackoffMs('0 * * * *', scheduled, at('2026-03-01T10:00:05Z'))).toBe(
      at('2026-03-01T11:00:00Z') - at('2026-03-01T10:00:05Z'),
    );
    expect(nextCronBackoffMs('0 * * * *', scheduled, at('2026-03-01T12:30:00Z'))).toBe(30 * 60_000);
    // a close at the very time it was scheduled for never runs that time again
    expect(nextCronBackoffMs('0 * * * *', scheduled, scheduled)).toBe(3_600_000);
    expect(nextCronBackoffMs('@every 10s', scheduled, scheduled + 3_000)).toBe(7_000);
    expect(nextCronBackoffMs('@every 10s', scheduled, scheduled + 25_000)).toBe(5_000);
  });
});
