/**
 * `client.apiKeys`: make, list and revoke API keys (an admin key for every namespace is needed; docs/security.md).
 *
 *   const { key } = await client.apiKeys.create({ name: 'billing-worker', role: 'worker', namespaces: ['billing'] });
 *   await client.apiKeys.revoke('billing-worker');
 */
import type {
  ApiKeyDescription,
  CallerDescription,
  CreateApiKeyRequest,
  CreateApiKeyResponse,
  ListApiKeysResponse,
} from '../protocol/tenancy-api.js';
import { Connection } from './connection.js';

export type { ApiKeyDescription, CallerDescription, CreateApiKeyRequest, CreateApiKeyResponse };

export class ApiKeyClient {
  readonly connection: Connection;

  constructor(opts: { connection?: Connection } = {}) {
    this.connection = opts.connection ?? Connection.lazy();
  }

  /** The key's secret is in the answer only: keep it. */
  create(opts: CreateApiKeyRequest): Promise<CreateApiKeyResponse> {
    return this.connection.transport.call<CreateApiKeyResponse>('createApiKey', { params: {}, body: opts });
  }

  async list(): Promise<ApiKeyDescription[]> {
    return (await this.connection.transport.call<ListApiKeysResponse>('listApiKeys', { params: {} })).apiKeys;
  }

  /** By id or name: the key stops working on every server within a second. */
  revoke(idOrName: string): Promise<ApiKeyDescription> {
    return this.connection.transport.call<ApiKeyDescription>('revokeApiKey', { params: { keyId: idOrName } });
  }

  /** The key this connection uses: its name, role and namespaces (authEnabled false: the server needs none). */
  whoAmI(): Promise<CallerDescription> {
    return this.connection.transport.call<CallerDescription>('describeCaller', { params: {} });
  }
}
