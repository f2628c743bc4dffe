/**
 * The V8 heap policy of a Weft process. A server allocates fast and keeps little (a few KB per cached run): V8's
 * default lets the heap grow to up to four times what survives each full collection before collecting again, which
 * on a burst of 100,000 starts leaves a server of 100 MB of live data holding 570 MB. Growing by at most 1.5 times
 * keeps it near 390 MB for about 4 % more server CPU on seq3 (docs/deploy.md). A worker is alike: under seq3 it
 * keeps about 15 MB, and its old space reached 33-37 MB before a full collection; at 1.5 times, 23-25 MB
 * (docs/speed-plan.md). The CLI's `server start`, `server start-dev` and `worker start` apply it
 * (`--heap-growing-percent`, WEFT_HEAP_GROWING_PERCENT; 0 leaves V8's own policy); a server embedded with
 * startServer(), or a worker made with Worker.create() in a program of one's own, leaves the host process's V8
 * settings alone.
 */
import v8 from 'node:v8';

export const DEFAULT_HEAP_GROWING_PERCENT = 50;

/** Sets V8's heap growing factor to 1 + percent / 100 for this process (0: V8's default policy). */
export function applyHeapGrowingPercent(percent: number = DEFAULT_HEAP_GROWING_PERCENT): void {
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000)
    throw new RangeError(`heap growing percent must be an integer from 0 to 1000, not ${percent}`);
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
