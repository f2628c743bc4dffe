/**
 * SQLite errors that mean "cannot write now, try again later": the disk is full (SQLITE_FULL, what ENOSPC
 * becomes) or a write failed (SQLITE_IOERR_*: EFBIG past a file size limit, EIO). SQLite rolls the transaction
 * back on both, the connection stays usable and nothing acknowledged is lost, so the same write succeeds once
 * space returns: the caller gets StoreUnavailableError (503 STORE_UNAVAILABLE), not a 500.
 */
import { statfsSync } from 'node:fs';
import path from 'node:path';
import { StoreUnavailableError } from '../store.js';

/** Below this much free space a failed write is reported as "disk full" whatever SQLite called it. */
const NEARLY_FULL_BYTES = 1 << 20;

function freeBytes(file: string): number | undefined {
  try {
    const s = statfsSync(path.dirname(path.resolve(file)));
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}

/** `err` as StoreUnavailableError when it is a disk-full or write error of the database `file`; else `err`. */
export function toWriteFault(err: unknown, file: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return err;
  const full = code === 'SQLITE_FULL';
  if (!full && !code.startsWith('SQLITE_IOERR')) return err;
  const what = `${(err as Error).message} (${code})`;
  const free = full ? undefined : freeBytes(file);
  const message =
    full || (free !== undefined && free < NEARLY_FULL_BYTES)
      ? `disk full: cannot write the SQLite database ${file}: ${what}`
      : `cannot write the SQLite database ${file}: ${what}`;
  return new StoreUnavailableError(message, { cause: err });
}
