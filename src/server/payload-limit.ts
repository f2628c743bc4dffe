/** The payload size limit (default 2 MiB), checked on every JSON value a caller hands the server. */
import { ApiError } from '../common/api-error.js';
import { checkJsonDepth } from './json-depth.js';

export function payloadSize(value: unknown): number {
  if (value === undefined) return 0;
  const s = JSON.stringify(value);
  return s === undefined ? 0 : Buffer.byteLength(s);
}

/** Checks a payload's nesting depth (MAX_JSON_DEPTH) and its size; 400 INVALID_ARGUMENT / 413 PAYLOAD_TOO_LARGE. */
export function checkPayload(value: unknown, field: string, limitBytes: number): void {
  if (value === undefined) return;
  checkJsonDepth(value, field);
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
