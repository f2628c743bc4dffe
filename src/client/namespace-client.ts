/**
 * `client.namespaces`: create, describe, update, list and delete namespaces (Temporal's RegisterNamespace,
 * DescribeNamespace, UpdateNamespace, ListNamespaces and the operator's DeleteNamespace, with Weft's shape).
 *
 *   await client.namespaces.create({ name: 'payments', retention: '30d', description: 'Payments team' });
 *   const ns = await client.namespaces.describe('payments'); // { name, state, retentionMs, limits, ... }
 */
import type { Duration } from '../common/duration.js';
import type {
  ListNamespacesResponse,
  NamespaceDescription,
  NamespaceLimits,
  NamespaceStateName,
} from '../protocol/tenancy-api.js';
import { Connection } from './connection.js';

export interface NamespaceInfo {
  name: string;
  description: string;
  state: NamespaceStateName;
  /** Closed runs are kept this long (0: for ever). */
  retentionMs: number;
  retentionIsServerDefault: boolean;
  limits: NamespaceLimits;
  createdAt: Date;
  updatedAt: Date;
}

export interface CreateNamespaceOptions {
  name: string;
  description?: string;
  /** '30d', '12h' or ms; 0 keeps every run; absent: the server's retention. */
  retention?: Duration;
  limits?: NamespaceLimits;
}

export interface UpdateNamespaceOptions {
  description?: string;
  /** null: back to the server's retention. */
  retention?: Duration | null;
  limits?: NamespaceLimits;
}

const toInfo = (d: NamespaceDescription): NamespaceInfo => ({
  ...d,
  createdAt: new Date(d.createdAt),
  updatedAt: new Date(d.updatedAt),
});

export class NamespaceClient {
  readonly connection: Connection;

  constructor(opts: { connection?: Connection } = {}) {
    this.connection = opts.connection ?? Connection.lazy();
  }

  async create(opts: CreateNamespaceOptions): Promise<NamespaceInfo> {
    return toInfo(
      await this.connection.transport.call<NamespaceDescription>('createNamespace', { params: {}, body: opts }),
    );
  }

  async describe(name: string): Promise<NamespaceInfo> {
    return toInfo(
      await this.connection.transport.call<NamespaceDescription>('describeNamespace', { params: { namespace: name } }),
    );
  }

  async update(name: string, opts: UpdateNamespaceOptions): Promise<NamespaceInfo> {
    return toInfo(
      await this.connection.transport.call<NamespaceDescription>('updateNamespace', {
        params: { namespace: name },
        body: opts,
      }),
    );
  }

  async list(): Promise<NamespaceInfo[]> {
    const r = await this.connection.transport.call<ListNamespacesResponse>('listNamespaces', { params: {} });
    return r.namespaces.map(toInfo);
  }

  /** Refused while it has running workflows or schedules; its closed runs go after, then its name is free. */
  async delete(name: string): Promise<NamespaceInfo> {
    return toInfo(
      await this.connection.transport.call<NamespaceDescription>('deleteNamespace', { params: { namespace: name } }),
    );
  }
}
