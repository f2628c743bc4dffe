/** Resync after the cluster link's gaps: each reset drops the cache, and a reset during a reread reads again. */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger.js';
import type { ClusterLink, Store } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import { RunCache } from '../run-cache.js';
import { makeState } from '../../store/conformance-fixtures.js';
import { StoreReread } from '../store-reread.js';
import { ClusterSync } from './cluster-sync.js';

describe('ClusterSync.resync', () => {
  it('a reset while an earlier resync still rereads the queues drops the cache again and rereads them', async () => {
    const cache = new RunCache({} as Store);
    const reloads: Array<() => void> = [];
    const log = createLogger('silent');
    const shutdown = new AbortController();
    const ctx = {
      log,
      cache,
      forgetDefinitions: () => {},
      shutdown,
      reread: new StoreReread(() => new Promise<void>((r) => reloads.push(r)), log, shutdown.signal),
    } as unknown as ServerContext;
    const sync = new ClusterSync(ctx, {} as ClusterLink);
    const cached = (runId: string): void => cache.put(runId, { state: makeState(runId), version: 1 });

    cached('before');
    const first = sync.resync();
    expect(cache.peek('before')).toBeUndefined();
    expect(reloads).toHaveLength(1);
    // read while the queues are reread, then the link drops and comes back once more
    cached('between');
    const second = sync.resync();
    expect(second).toBe(first);
    expect(cache.peek('between')).toBeUndefined();
    reloads[0]!();
    await new Promise((r) => setImmediate(r));
    expect(reloads).toHaveLength(2); // the first reread may predate the second gap's tasks
    reloads[1]!();
    await first;
    expect(reloads).toHaveLength(2);
  });
});
