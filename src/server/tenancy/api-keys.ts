/**
 * API keys: `weft_<id>_<secret>`, with a random id (the record's key, shown in lists) and a 256-bit random secret
 * stored only as its SHA-256. A fast hash is right for a secret of that entropy (no dictionary to try); a slow one
 * would only cost every request. Comparison is constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '../../protocol/tenancy-api.js';

/** The body of an API key record (kind 'api-key', id = the key's id). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  /** Namespaces the key may use; ['*']: all. */
  namespaces: string[];
  description: string;
  /** SHA-256 of the secret, hex. */
  hash: string;
  createdAt: number;
  revokedAt?: number;
}

const KEY_FORMAT = /^weft_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** A new key: the string to hand out once, and the id and hash to store. */
export function newApiKey(): { key: string; id: string; hash: string } {
  const id = randomBytes(10).toString('hex').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  return { key: `weft_${id}_${secret}`, id, hash: hashSecret(secret) };
}

/** The id and secret of a key string; undefined when it is not one of ours. */
export function parseApiKey(key: string): { id: string; secret: string } | undefined {
  const m = KEY_FORMAT.exec(key);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** Whether `secret` hashes to `hash` (constant-time in the hash). */
export function secretMatches(secret: string, hash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
