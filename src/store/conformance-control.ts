/** Conformance of control records (namespaces, API keys): conditional create, replace and delete. */
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './conformance.js';
import { StoreConflictError } from './store.js';

export function describeControlRecordsConformance(ctx: ConformanceContext): void {
  describe('control records', () => {
    it('has the default namespace from the start', async () => {
      const recs = await ctx.store().listControlRecords('namespace');
      expect(recs.map((r) => r.id)).toEqual(['default']);
      expect(recs[0]).toMatchObject({ kind: 'namespace', version: 1, body: { name: 'default' } });
      // made when the database was: a real time, not 1970
      expect((recs[0]!.body as { createdAt: number }).createdAt).toBeGreaterThan(Date.UTC(2020, 0));
      expect(recs[0]!.updatedAt).toBe((recs[0]!.body as { createdAt: number }).createdAt);
    });

    it('creates, replaces and deletes only at the version read; kinds are separate', async () => {
      const s = ctx.store();
      await s.writeControlRecord({ kind: 'api-key', id: 'k1', expectedVersion: 0, body: { a: 1 }, updatedAt: 10 });
      await s.writeControlRecord({ kind: 'api-key', id: 'k0', expectedVersion: 0, body: { a: 0 }, updatedAt: 11 });
      await expect(
        s.writeControlRecord({ kind: 'api-key', id: 'k1', expectedVersion: 0, body: { a: 2 }, updatedAt: 12 }),
      ).rejects.toThrow(StoreConflictError);
      let keys = await s.listControlRecords('api-key');
      expect(keys).toEqual([
        { kind: 'api-key', id: 'k0', version: 1, body: { a: 0 }, updatedAt: 11 },
        { kind: 'api-key', id: 'k1', version: 1, body: { a: 1 }, updatedAt: 10 },
      ]);
      expect((await s.listControlRecords('namespace')).map((r) => r.id)).toEqual(['default']);

      await s.writeControlRecord({ kind: 'api-key', id: 'k1', expectedVersion: 1, body: { a: 3 }, updatedAt: 13 });
      await expect(
        s.writeControlRecord({ kind: 'api-key', id: 'k1', expectedVersion: 1, body: { a: 4 }, updatedAt: 14 }),
      ).rejects.toThrow(StoreConflictError);
      keys = await s.listControlRecords('api-key');
      expect(keys[1]).toEqual({ kind: 'api-key', id: 'k1', version: 2, body: { a: 3 }, updatedAt: 13 });

      await expect(
        s.writeControlRecord({ kind: 'api-key', id: 'k1', expectedVersion: 1, body: null, updatedAt: 15 }),
      ).rejects.toThrow(StoreConflictError);
      await s.writeControlRecord({ kind: 'api-key', id: 'k1', expectedVersion: 2, body: null, updatedAt: 15 });
      expect((await s.listControlRecords('api-key')).map((r) => r.id)).toEqual(['k0']);
      await expect(
        s.writeControlRecord({ kind: 'api-key', id: 'gone', expectedVersion: 1, body: { a: 5 }, updatedAt: 16 }),
      ).rejects.toThrow(StoreConflictError);
    });
  });
}
