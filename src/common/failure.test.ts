import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  TimeoutFailure,
  WeftFailure,
  brand,
  decodeFailure,
  encodeFailure,
  isCancellation,
  sanitizeFailure,
} from './failure.js';

describe('failure classes', () => {
  it('instanceof follows the brand, also for objects from another realm', () => {
    const foreign = vm.runInNewContext(`
      const sym = Symbol.for('weft.failure.ApplicationFailure');
      const base = Symbol.for('weft.failure.WeftFailure');
      const e = new Error('x'); e[sym] = true; e[base] = true; e`);
    expect(foreign).toBeInstanceOf(ApplicationFailure);
    expect(foreign).toBeInstanceOf(WeftFailure);
    expect(foreign).not.toBeInstanceOf(CancelledFailure);
  });

  it('an unbranded subclass gets the ordinary check, not its parent brand', () => {
    class Mine extends WeftFailure {}
    class Other extends WeftFailure {}
    expect(new Mine()).toBeInstanceOf(Mine);
    expect(new Other()).not.toBeInstanceOf(Mine);
    expect(new Mine()).toBeInstanceOf(WeftFailure);
    class Branded extends WeftFailure {}
    brand(Branded, 'TestBranded');
    expect(new Branded()).toBeInstanceOf(Branded);
    expect(new Mine()).not.toBeInstanceOf(Branded);
  });

  it('round-trips through the wire form with causes', () => {
    const err = new ActivityFailure(
      'Activity task failed',
      'charge',
      '1',
      'MAXIMUM_ATTEMPTS_REACHED',
      'w1',
      ApplicationFailure.nonRetryable('declined', 'CardDeclined', { amount: 3 }),
    );
    const back = decodeFailure(JSON.parse(JSON.stringify(encodeFailure(err))));
    expect(back).toBeInstanceOf(ActivityFailure);
    expect(back).toMatchObject({ activityType: 'charge', retryState: 'MAXIMUM_ATTEMPTS_REACHED' });
    expect(back.cause).toBeInstanceOf(ApplicationFailure);
    expect(back.cause).toMatchObject({
      message: 'declined',
      type: 'CardDeclined',
      nonRetryable: true,
      details: [{ amount: 3 }],
    });
    expect(decodeFailure(encodeFailure(new TimeoutFailure(undefined, 'hb', 'HEARTBEAT')))).toMatchObject({
      timeoutType: 'HEARTBEAT',
      lastHeartbeatDetails: 'hb',
    });
  });

  it('encodes plain errors as application failures typed by class name', () => {
    expect(encodeFailure(new TypeError('bad'))).toMatchObject({
      kind: 'application',
      message: 'bad',
      type: 'TypeError',
    });
    expect(encodeFailure('just a string')).toMatchObject({ kind: 'application', message: 'just a string' });
  });

  it('isCancellation sees through activity failures', () => {
    expect(isCancellation(new CancelledFailure())).toBe(true);
    expect(
      isCancellation(new ActivityFailure('x', 'a', '1', 'CANCEL_REQUESTED', undefined, new CancelledFailure())),
    ).toBe(true);
    expect(isCancellation(new ApplicationFailure('x'))).toBe(false);
  });

  it('sanitizes what workers send: unknown kinds, odd fields, deep causes', () => {
    let deep: Record<string, unknown> = { kind: 'application', message: 'leaf' };
    for (let i = 0; i < 100; i++) deep = { kind: 'nonsense', message: `m${i}`, cause: deep, extra: { x: 1 }, type: 5 };
    const f = sanitizeFailure(deep);
    expect(f.kind).toBe('application');
    expect(f).not.toHaveProperty('extra');
    expect(f).not.toHaveProperty('type');
    let depth = 0;
    for (let c = f.cause; c; c = c.cause) depth++;
    expect(depth).toBe(20);
  });
});
