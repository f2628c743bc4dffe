/** The payload size limit (default 2 MiB), checked on every JSON value a caller hands the server. */
import { ApiError } from '../common/api-error.js';

export function payloadSize(value: unknown): number {
  if (value === undefined) return 0;
  const s = JSON.stringify(value);
  return s === undefined ? 0 : Buffer.byteLength(s);
}

/** Checks a payload's size: 413 PAYLOAD_TOO_LARGE. (Its depth is bounded at the edge: json-depth.ts.) */
export function checkPayload(value: unknown, field: string, limitBytes: number): void {
  if (value === undefined) return;
  // cheap bound first: a JSON string of n chars has at most 3n bytes
  const s = JSON.stringify(value);
  if (s === undefined || s.length * 3 <= limitBytes) return;
  const size = Buffer.byteLength(s);
  if (size > limitBytes)
    throw new ApiError(
      'PAYLOAD_TOO_LARGE',
      `${field} is ${size} bytes, over the payload limit of ${limitBytes} bytes`,
      {
        field,
        size,
        limit: limitBytes,
      },
    );
}
