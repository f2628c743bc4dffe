/**
 * Span and trace ids for spans made in the sandbox: a hash of the run id and a key naming the span, so the
 * same span gets the same id on every replay, and the workflow's seeded `Math.random()` is never drawn from.
 */
import { seededRandom } from '../../workflow/internal/prng.js';

/** `bytes` random-looking bytes as hex, the same for the same run id and key; never all zeros. */
export function hexId(runId: string, key: string, bytes: number): string {
  const random = seededRandom(`weft-otel/${runId}/${key}`);
  let hex = '';
  for (let i = 0; i < bytes; i++)
    hex += Math.floor(random() * 256)
      .toString(16)
      .padStart(2, '0');
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}
