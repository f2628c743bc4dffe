/**
 * The nesting depth of JSON values callers hand the server. JSON.parse is iterative, but JSON.stringify,
 * structuredClone and most code that walks a value recurse: a value nested a few thousand levels deep would
 * overflow the stack wherever it went next. Bounded at the edge, before anything else reads the request.
 */
import { ApiError } from '../common/api-error.js';

/** Levels of arrays and objects in a request body (docs/limits.md). */
export const MAX_JSON_DEPTH = 256;
/** Extra levels for the envelope of a request that carries many payloads (the worker's completion batch). */
export const ENVELOPE_DEPTH = 16;

/** Whether `value` nests more than `limit` levels of arrays and objects. Iterative, stops at the first too deep. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop()!;
    const d = depths.pop()!;
    if (d > limit) return true;
    if (Array.isArray(v)) {
      for (const x of v)
        if (x !== null && typeof x === 'object') {
          values.push(x as object);
          depths.push(d + 1);
        }
    } else {
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') {
          values.push(x);
          depths.push(d + 1);
        }
      }
    }
  }
  return false;
}

/** Throws 400 INVALID_ARGUMENT naming `field` when `value` nests deeper than `limit`. */
export function checkJsonDepth(value: unknown, field: string, limit = MAX_JSON_DEPTH): void {
  if (nestsDeeperThan(value, limit))
    throw new ApiError('INVALID_ARGUMENT', `${field}: nests deeper than ${limit} levels of arrays and objects`, {
      field,
      limit,
    });
}
