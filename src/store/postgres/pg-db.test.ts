/** How PostgreSQL's errors are read: unavailable or not, and whether a statement that failed was ever sent. */
import { describe, expect, it } from 'vitest';
import { failedToConnect, isUnavailable } from './pg-db.js';

const err = (code: string | undefined, message = 'x'): Error & { code?: string } =>
  Object.assign(new Error(message), code === undefined ? {} : { code });

describe('failedToConnect', () => {
  it('is true when no connection could be had: nothing was sent', () => {
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P03', '53300'])
      expect(failedToConnect(err(code)), code).toBe(true);
    expect(failedToConnect(err(undefined, 'timeout exceeded when trying to connect'))).toBe(true);
  });

  it('is false when the connection broke while a statement may have run', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57014', '08006'])
      expect(failedToConnect(err(code)), code).toBe(false);
    expect(failedToConnect(err(undefined, 'Connection terminated unexpectedly'))).toBe(false);
    expect(failedToConnect(err(undefined, 'Query read timeout'))).toBe(false);
    expect(failedToConnect(undefined)).toBe(false);
  });

  it('every such error is an unavailable store', () => {
    for (const code of ['ECONNREFUSED', '57P03', '53300']) expect(isUnavailable(err(code)), code).toBe(true);
  });
});
