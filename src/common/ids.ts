/** Run ids: UUID version 7 (time-ordered), so the rows of runs that are active together sit together in indexes. */
import { randomFillSync } from 'node:crypto';

/** Random bytes for 256 ids, filled at once (one call into the CSPRNG instead of one per id, as randomUUID does). */
const pool = Buffer.alloc(16 * 256);
let used = pool.length;

export function newRunId(now = Date.now()): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const b = Buffer.from(pool.subarray(used, used + 16));
  used += 16;
  b.writeUIntBE(now, 0, 6);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
