import { describe, expect, it } from 'vitest';
import { newRunId } from './ids.js';

describe('newRunId', () => {
  it('is a UUID version 7 carrying its time, unique across refills of its random pool', () => {
    const now = Date.UTC(2026, 11, 7, 12, 0, 0);
    const ids = Array.from({ length: 1000 }, () => newRunId(now)); // several refills of 256
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
    }
    // the random part differs between ids of the same millisecond
    expect(new Set(ids.map((id) => id.slice(15))).size).toBe(1000);
  });
});
