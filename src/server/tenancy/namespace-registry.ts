/**
 * The namespaces, as records in the store (kind 'namespace'), held in memory by every server: a request names a
 * namespace, and one that does not exist (or is being deleted) is refused with NAMESPACE_NOT_FOUND. The store is
 * the truth: this server's own changes apply at once; other servers' within `refreshMs`, or at once for a name
 * this server did not know (read again on a miss: control-cache.ts).
 */
import { ApiError } from '../../common/api-error.js';
import type { Logger } from '../../common/logger.js';
import type { NamespaceLimits, NamespaceStateName } from '../../protocol/tenancy-api.js';
import { StoreConflictError, type Store } from '../../store/store.js';
import { ControlCache, type Cached } from './control-cache.js';

/** The body of a namespace record. */
export interface NamespaceRecord {
  name: string;
  description: string;
  state: NamespaceStateName;
  /** null: the server's retention (config.retentionMs). */
  retentionMs: number | null;
  limits: NamespaceLimits;
  createdAt: number;
}

export type RegisteredNamespace = Cached<NamespaceRecord>;

export const DEFAULT_NAMESPACE = 'default';

export class NamespaceRegistry {
  private readonly cache: ControlCache<NamespaceRecord>;

  constructor(
    private readonly store: Store,
    log: Logger,
    refreshMs = 1000,
  ) {
    this.cache = new ControlCache<NamespaceRecord>(store, 'namespace', log, refreshMs);
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

  get(name: string): RegisteredNamespace | undefined {
    return this.cache.get(name);
  }

  /** The namespace a request names, if it is usable here now; undefined: ask `requireFresh`. */
  usable(name: string): RegisteredNamespace | undefined {
    const ns = this.cache.get(name);
    return ns && ns.state === 'Registered' ? ns : undefined;
  }

  /** The namespace a request names, read again if this server does not know it; NAMESPACE_NOT_FOUND otherwise. */
  async requireFresh(name: string): Promise<RegisteredNamespace> {
    const ns = this.usable(name) ?? (await this.cache.getFresh(name));
    if (ns && ns.state === 'Registered') return ns;
    throw new ApiError('NAMESPACE_NOT_FOUND', `namespace ${JSON.stringify(name)} does not exist`);
  }

  list(): RegisteredNamespace[] {
    return this.cache.list();
  }

  /** Creates, replaces or deletes (null) a record at the version read, then reloads; conflicts say so. */
  async write(name: string, expectedVersion: number, body: NamespaceRecord | null, now: number): Promise<void> {
    try {
      await this.store.writeControlRecord({ kind: 'namespace', id: name, expectedVersion, body, updatedAt: now });
    } catch (e) {
      if (!(e instanceof StoreConflictError)) throw e;
      await this.reload();
      if (expectedVersion === 0)
        throw new ApiError('NAMESPACE_ALREADY_EXISTS', `namespace ${JSON.stringify(name)} already exists`);
      throw new ApiError('CONFLICT', `namespace ${JSON.stringify(name)} changed meanwhile; read it and try again`);
    }
    await this.reload();
  }
}
