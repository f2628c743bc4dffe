import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkJsonDepth, nestsDeeperThan } from './json-depth.js';

/** Recursive reference depth (for values small enough not to overflow). */
function depth(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  const children = Array.isArray(v) ? v : Object.values(v);
  return 1 + Math.max(0, ...children.map(depth));
}

const nested = (n: number): unknown => JSON.parse('['.repeat(n) + ']'.repeat(n));

describe('nestsDeeperThan', () => {
  it('agrees with a recursive count on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 14 }), (v, limit) => {
        expect(nestsDeeperThan(v, limit)).toBe(depth(v) > limit);
      }),
      { seed: 9, numRuns: 500 },
    );
  });

  it('100,000 levels: answered without overflowing the stack, and the error names the field', () => {
    const deep = nested(100_000);
    expect(nestsDeeperThan(deep, 256)).toBe(true);
    expect(nestsDeeperThan(nested(256), 256)).toBe(false);
    expect(nestsDeeperThan(nested(257), 256)).toBe(true);
    expect(() => checkJsonDepth(deep, 'body.args')).toThrow(/body.args: nests deeper than 256 levels/);
  });
});
