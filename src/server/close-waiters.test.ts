import { describe, expect, it } from 'vitest';
import { CloseWaiters } from './close-waiters.js';

describe('CloseWaiters', () => {
  it('a close heard after mark() and before the wait began ends the wait at once', async () => {
    const w = new CloseWaiters();
    const since = w.mark();
    w.notifyClosed('r1'); // heard while the caller was still reading r1 (as Running)
    expect(await w.waitAny(['r0', 'r1'], 10_000, undefined, since)).toBe(true);
  });

  it('a close heard before mark() does not: the caller read its state after it', async () => {
    const w = new CloseWaiters();
    w.notifyClosed('r1');
    const since = w.mark();
    expect(await w.waitAny(['r1'], 20, undefined, since)).toBe(false);
  });

  it('a close during the wait wakes it; without one it times out', async () => {
    const w = new CloseWaiters();
    const waiting = w.wait('r2', 10_000);
    w.notifyClosed('r2');
    expect(await waiting).toBe(true);
    expect(await w.wait('r3', 20)).toBe(false);
  });
});

describe('CloseWaiters.releaseAll', () => {
  it('ends every wait with false: the caller looks again itself (from the store)', async () => {
    const w = new CloseWaiters();
    const one = w.wait('r4', 10_000);
    const many = w.waitAny(['r5', 'r6'], 10_000);
    w.releaseAll();
    expect(await one).toBe(false);
    expect(await many).toBe(false);
  });
});
