/**
 * The namespaces, as records in the store (kind 'namespace'), held in memory by every server: a request names a
 * namespace, and one that does not exist (or is being deleted) is refused with NAMESPACE_NOT_FOUND without a store
 * read. The store is the truth: this server's own changes apply at once, other servers' within `refreshMs`.
 */
import { ApiError } from '../../common/api-error.js';
import type { Logger } from '../../common/logger.js';
import type { NamespaceLimits, NamespaceStateName } from '../../protocol/tenancy-api.js';
import { StoreConflictError, type Store } from '../../store/store.js';

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

export interface RegisteredNamespace extends NamespaceRecord {
  version: number;
  updatedAt: number;
}

export const DEFAULT_NAMESPACE = 'default';

export class NamespaceRegistry {
  private byName = new Map<string, RegisteredNamespace>();
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly refreshMs = 1000,
  ) {}

  async start(): Promise<void> {
    await this.reload();
    this.timer = setInterval(() => {
      this.reload().catch((err: unknown) => this.log.debug({ err }, 'namespace refresh failed'));
    }, this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads every namespace record again (one at a time). */
  reload(): Promise<void> {
    this.loading ??= (async () => {
      const recs = await this.store.listControlRecords('namespace');
      const next = new Map<string, RegisteredNamespace>();
      for (const r of recs)
        next.set(r.id, { ...(r.body as NamespaceRecord), version: r.version, updatedAt: r.updatedAt });
      this.byName = next;
    })().finally(() => (this.loading = undefined));
    return this.loading;
  }

  get(name: string): RegisteredNamespace | undefined {
    return this.byName.get(name);
  }

  /** The namespace a request names, if it is usable; NAMESPACE_NOT_FOUND otherwise. */
  require(name: string): RegisteredNamespace {
    const ns = this.byName.get(name);
    if (ns && ns.state === 'Registered') return ns;
    throw new ApiError('NAMESPACE_NOT_FOUND', `namespace ${JSON.stringify(name)} does not exist`);
  }

  list(): RegisteredNamespace[] {
    return [...this.byName.values()];
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
