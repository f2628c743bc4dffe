/**
 * Who is calling: the Authorization header's API key, looked up in the keys every server holds in memory
 * (records of kind 'api-key', reloaded every `refreshMs`, so a revoked key stops working on every server within
 * that time; default 500 ms) plus the static keys the server was started with. Unknown keys reload at most once
 * per `refreshMs`, so a key made on another server a moment ago works, and random keys cannot make a server read
 * its store on every request.
 */
import { ApiError } from '../../common/api-error.js';
import type { Logger } from '../../common/logger.js';
import type { Role } from '../../protocol/tenancy-api.js';
import type { Store } from '../../store/store.js';
import { hashSecret, parseApiKey, secretMatches, type ApiKeyRecord } from './api-keys.js';

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
  private keys = new Map<string, ApiKeyRecord & { version: number }>();
  private readonly staticByHash = new Map<string, Caller>();
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;
  private lastLoad = 0;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    staticKeys: readonly StaticApiKey[],
    private readonly refreshMs = 500,
  ) {
    for (const k of staticKeys)
      this.staticByHash.set(hashSecret(k.key), {
        name: k.name,
        role: k.role,
        namespaces: k.namespaces,
        keyId: `static:${k.name}`,
      });
  }

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => {
      this.reload().catch((err: unknown) => this.log.debug({ err }, 'API key refresh failed'));
    }, this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  reload(): Promise<void> {
    this.loading ??= (async () => {
      this.lastLoad = Date.now();
      const recs = await this.store.listControlRecords('api-key');
      const next = new Map<string, ApiKeyRecord & { version: number }>();
      for (const r of recs) next.set(r.id, { ...(r.body as ApiKeyRecord), version: r.version });
      this.keys = next;
    })().finally(() => (this.loading = undefined));
    return this.loading;
  }

  /** Every stored key record (revoked ones too). */
  list(): Array<ApiKeyRecord & { version: number }> {
    return [...this.keys.values()];
  }

  get(id: string): (ApiKeyRecord & { version: number }) | undefined {
    return this.keys.get(id);
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
    let rec = this.keys.get(parsed.id);
    if (!rec && Date.now() - this.lastLoad >= this.refreshMs) {
      await this.reload(); // made on another server since the last refresh?
      rec = this.keys.get(parsed.id);
    }
    if (!rec || !secretMatches(parsed.secret, rec.hash))
      throw new ApiError('UNAUTHENTICATED', 'the API key is not valid');
    if (rec.revokedAt !== undefined) throw new ApiError('UNAUTHENTICATED', 'the API key was revoked');
    return { name: rec.name, role: rec.role, namespaces: rec.namespaces, keyId: rec.id };
  }
}
