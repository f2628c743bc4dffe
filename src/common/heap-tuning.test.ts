import { expect, it } from 'vitest';
import { applyHeapGrowingPercent } from './heap-tuning.js';

it('refuses a heap growing percent that is not an integer from 0 to 1000; 0 leaves V8 alone', () => {
  for (const bad of [-1, 1.5, 1001, Number.NaN]) expect(() => applyHeapGrowingPercent(bad)).toThrow(RangeError);
  expect(() => applyHeapGrowingPercent(0)).not.toThrow();
});
