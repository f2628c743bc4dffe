/** The run cache: running runs and recently closed ones kept apart, the closed ones bounded and slim. */
import { describe, expect, it } from 'vitest';
import type { StoredExecution } from '../store/store.js';
import { makeState, readOnlyStore } from '../store/conformance-fixtures.js';
import { RunCache } from './run-cache.js';

describe('RunCache', () => {
  it('keeps closed runs apart, without their JSON copy and recent events, at most maxClosed', async () => {
    const cache = new RunCache(readOnlyStore(new Map()), 100, 2);
    const running = makeState('r1');
    cache.put('r1', { state: running, version: 3, json: '{}', recent: [] });
    expect(cache.peek('r1')).toMatchObject({ version: 3, json: '{}' });
    for (const id of ['c1', 'c2', 'c3']) {
      const state = makeState(id, { status: 'Completed', closeTime: 1 });
      cache.put(id, { state, version: 5, json: '{"big":true}', recent: [] });
    }
    expect(cache.size).toEqual({ running: 1, closed: 2 });
    expect(cache.peek('c1')).toBeUndefined(); // the least recent closed run went first
    expect(cache.peek('c3')).toEqual({ state: expect.objectContaining({ runId: 'c3' }), version: 5 });
    // a run that closes moves over
    cache.put('r1', { state: makeState('r1', { status: 'Failed', closeTime: 2 }), version: 4, json: '{}' });
    expect(cache.size).toEqual({ running: 0, closed: 2 });
    expect(cache.peek('r1')?.json).toBeUndefined();
    cache.invalidate('r1');
    expect(cache.peek('r1')).toBeUndefined();
  });

  it('serves a closed run from memory, and reads the store once for a run it lost', async () => {
    const runs = new Map<string, StoredExecution>([
      ['c1', { state: makeState('c1', { status: 'Completed', closeTime: 1 }), version: 7 }],
    ]);
    const store = readOnlyStore(runs);
    const cache = new RunCache(store, 10, 1);
    expect((await cache.get('c1')).version).toBe(7);
    expect((await cache.get('c1')).version).toBe(7);
    expect(store.reads).toBe(1);
    cache.put('c2', { state: makeState('c2', { status: 'Completed', closeTime: 1 }), version: 1 });
    expect(cache.peek('c1')).toBeUndefined(); // pushed out by c2 (maxClosed 1)
    expect((await cache.get('c1')).version).toBe(7);
    expect(store.reads).toBe(2);
  });
  it('getCommitted waits for a write in flight, and reads the store again when it failed', async () => {
    const runs = new Map<string, StoredExecution>([['r1', { state: makeState('r1'), version: 1 }]]);
    const cache = new RunCache(readOnlyStore(runs), 10, 10);
    let settle!: (durable: boolean) => void;
    const pending = new Promise<boolean>((resolve) => (settle = resolve));
    const closing = makeState('r1', { status: 'Completed', closeTime: 1 });
    cache.put('r1', { state: closing, version: 2, pending });
    let answered: number | undefined;
    const read = cache.getCommitted('r1').then((e) => (answered = e.version));
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBeUndefined(); // the close is not durable yet: not told
    expect((await cache.get('r1')).version).toBe(2); // the engine builds on it at once
    settle(true);
    await read;
    expect(answered).toBe(2);

    let fail!: (durable: boolean) => void;
    cache.put('r1', { state: makeState('r1'), version: 3, pending: new Promise<boolean>((r) => (fail = r)) });
    const again = cache.getCommitted('r1');
    cache.invalidate('r1'); // what a failed commit does
    fail(false);
    expect((await again).version).toBe(1); // the store's
  });
});
