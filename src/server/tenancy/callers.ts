/**
 * Who is calling: the Authorization header's API key, looked up in the keys every server holds in memory
 * (records of kind 'api-key', reloaded every `refreshMs`, so a revoked key stops working on every server within
 * that time; default 500 ms) plus the static keys the server was started with. An unknown key is looked up again
 * (control-cache.ts: shared reloads, a few a second at most), so a key made on another server a moment ago works.
 */
import { ApiError } from '../../common/api-error.js';
import type { Logger } from '../../common/logger.js';
import type { Role } from '../../protocol/tenancy-api.js';
import type { Store } from '../../store/store.js';
import { hashSecret, parseApiKey, secretMatches, type ApiKeyRecord } from './api-keys.js';
import { ControlCache } from './control-cache.js';

export interface Caller {
  /** The key's name: the identity recorded in history for what the caller does. */
  name: string;
  role: Role;
  /** The namespaces it may use; '*' in the list: all. */
  namespaces: readonly string[];
  keyId: string;
}

/** A key given to the server at start (startServer({ apiKeys })) instead of made with `weft api-key create`. */
export interface StaticApiKey {
  name: string;
  key: string;
  role: Role;
  namespaces: string[];
}

export class Callers {
  private readonly cache: ControlCache<ApiKeyRecord>;
  private readonly staticByHash = new Map<string, Caller>();

  constructor(store: Store, log: Logger, staticKeys: readonly StaticApiKey[], refreshMs = 500) {
    this.cache = new ControlCache<ApiKeyRecord>(store, 'api-key', log, refreshMs);
    for (const k of staticKeys)
      this.staticByHash.set(hashSecret(k.key), {
        name: k.name,
        role: k.role,
        namespaces: k.namespaces,
        keyId: `static:${k.name}`,
      });
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  stop(): void {
    this.cache.stop();
  }

  reload(): Promise<void> {
    return this.cache.reload();
  }

  /** The caller an Authorization header stands for; UNAUTHENTICATED when none or not a live key. */
  async authenticate(header: string | undefined): Promise<Caller> {
    const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw new ApiError('UNAUTHENTICATED', 'this server needs an API key: send Authorization: Bearer <key>');
    const key = m[1]!;
    const fixed = this.staticByHash.size > 0 ? this.staticByHash.get(hashSecret(key)) : undefined;
    if (fixed) return fixed;
    const parsed = parseApiKey(key);
    if (!parsed) throw new ApiError('UNAUTHENTICATED', 'the API key is not valid');
    // unknown here: made on another server a moment ago?
    const rec = this.cache.get(parsed.id) ?? (await this.cache.getFresh(parsed.id));
    if (!rec || !secretMatches(parsed.secret, rec.hash))
      throw new ApiError('UNAUTHENTICATED', 'the API key is not valid');
    if (rec.revokedAt !== undefined) throw new ApiError('UNAUTHENTICATED', 'the API key was revoked');
    return { name: rec.name, role: rec.role, namespaces: rec.namespaces, keyId: rec.id };
  }
}
