/**
 * Making, listing and revoking API keys against a store: used by the server's routes and, offline, by
 * `weft api-key create --db ...` (the first admin key, made before any key exists).
 */
import { ApiError } from '../../common/api-error.js';
import type {
  ApiKeyDescription,
  CreateApiKeyRequest,
  CreateApiKeyResponse,
  ListApiKeysResponse,
} from '../../protocol/tenancy-api.js';
import { StoreConflictError, type Store } from '../../store/store.js';
import { newApiKey, type ApiKeyRecord } from './api-keys.js';

export function describeApiKey(k: ApiKeyRecord): ApiKeyDescription {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    namespaces: k.namespaces,
    description: k.description,
    createdAt: new Date(k.createdAt).toISOString(),
    ...(k.revokedAt !== undefined ? { revokedAt: new Date(k.revokedAt).toISOString() } : {}),
  };
}

async function records(store: Store): Promise<Array<ApiKeyRecord & { version: number }>> {
  return (await store.listControlRecords('api-key')).map((r) => ({ ...(r.body as ApiKeyRecord), version: r.version }));
}

/** A new key; its secret is in the answer only. Names are unique (a revoked key keeps its name). */
export async function createApiKey(store: Store, req: CreateApiKeyRequest, now: number): Promise<CreateApiKeyResponse> {
  if ((await records(store)).some((k) => k.name === req.name))
    throw new ApiError('CONFLICT', `an API key named ${JSON.stringify(req.name)} exists already`);
  const made = newApiKey();
  const rec: ApiKeyRecord = {
    id: made.id,
    name: req.name,
    role: req.role,
    namespaces: [...new Set(req.namespaces)],
    description: req.description ?? '',
    hash: made.hash,
    createdAt: now,
  };
  await store.writeControlRecord({ kind: 'api-key', id: rec.id, expectedVersion: 0, body: rec, updatedAt: now });
  return { key: made.key, apiKey: describeApiKey(rec) };
}

export async function listApiKeys(store: Store): Promise<ListApiKeysResponse> {
  const keys = await records(store);
  keys.sort((a, b) => a.createdAt - b.createdAt || (a.name < b.name ? -1 : 1));
  return { apiKeys: keys.map(describeApiKey) };
}

/** Revokes a key by id or name; revoking a revoked key changes nothing. */
export async function revokeApiKey(store: Store, idOrName: string, now: number): Promise<ApiKeyDescription> {
  for (let attempt = 0; ; attempt++) {
    const rec = (await records(store)).find((k) => k.id === idOrName || k.name === idOrName);
    if (!rec) throw new ApiError('API_KEY_NOT_FOUND', `no API key ${JSON.stringify(idOrName)}`);
    if (rec.revokedAt !== undefined) return describeApiKey(rec);
    const { version, ...body } = rec;
    const next: ApiKeyRecord = { ...body, revokedAt: now };
    try {
      await store.writeControlRecord({
        kind: 'api-key',
        id: rec.id,
        expectedVersion: version,
        body: next,
        updatedAt: now,
      });
      return describeApiKey(next);
    } catch (e) {
      if (!(e instanceof StoreConflictError) || attempt >= 3) throw e;
    }
  }
}
