/** Request and response shapes of the namespace and API key routes (docs/security.md). */
import { Type, type Static } from '@sinclair/typebox';
import { DurationInput } from './schema-common.js';

export const NAMESPACE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$';
export const NamespaceName = Type.String({ pattern: NAMESPACE_PATTERN });

export const NamespaceLimitsSchema = Type.Object(
  {
    /** Largest history of a run in this namespace, in events (at most the server's limit). */
    maxHistoryEvents: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Largest payload in this namespace, in bytes (at most the server's limit). */
    maxPayloadBytes: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type NamespaceLimits = Static<typeof NamespaceLimitsSchema>;

export const CreateNamespaceRequestSchema = Type.Object(
  {
    name: NamespaceName,
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    /** How long closed runs are kept ('7d', ms); 0 keeps them; absent: the server's retention. */
    retention: Type.Optional(DurationInput),
    limits: Type.Optional(NamespaceLimitsSchema),
  },
  { additionalProperties: false },
);
export type CreateNamespaceRequest = Static<typeof CreateNamespaceRequestSchema>;

export const UpdateNamespaceRequestSchema = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    /** null: back to the server's retention. */
    retention: Type.Optional(Type.Union([DurationInput, Type.Null()])),
    /** Replaces the limits (an absent limit is the server's). */
    limits: Type.Optional(NamespaceLimitsSchema),
  },
  { additionalProperties: false },
);
export type UpdateNamespaceRequest = Static<typeof UpdateNamespaceRequestSchema>;

export const NamespaceNameParams = Type.Object({ name: NamespaceName });

export type NamespaceStateName = 'Registered' | 'Deleted';

export interface NamespaceDescription {
  name: string;
  description: string;
  /** Deleted: its closed runs are being removed; the name is free again once they are gone. */
  state: NamespaceStateName;
  /** The retention in force, in ms (0: kept for ever), and whether it is the server's. */
  retentionMs: number;
  retentionIsServerDefault: boolean;
  limits: NamespaceLimits;
  createdAt: string;
  updatedAt: string;
}

export interface ListNamespacesResponse {
  namespaces: NamespaceDescription[];
}

export const ROLES = ['reader', 'writer', 'worker', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const CreateApiKeyRequestSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$' }),
    role: Type.Union(ROLES.map((r) => Type.Literal(r))),
    /** The namespaces the key may use; ['*'] for all. */
    namespaces: Type.Array(Type.Union([NamespaceName, Type.Literal('*')]), { minItems: 1, maxItems: 256 }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type CreateApiKeyRequest = Static<typeof CreateApiKeyRequestSchema>;

/** A key's id or its name. */
export const ApiKeyIdParams = Type.Object({ keyId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$' }) });

export interface ApiKeyDescription {
  id: string;
  name: string;
  role: Role;
  namespaces: string[];
  description: string;
  createdAt: string;
  /** Set once revoked: the key no longer works on any server (within a second). */
  revokedAt?: string;
}

export interface CreateApiKeyResponse {
  /** The secret: shown once, stored only as a hash. */
  key: string;
  apiKey: ApiKeyDescription;
}

export interface ListApiKeysResponse {
  apiKeys: ApiKeyDescription[];
}

/** What the server knows of the caller (GET /api/v1/caller): the UI hides what the role may not do. */
export interface CallerDescription {
  /** False when the server runs without --auth: every caller may do everything. */
  authEnabled: boolean;
  name?: string;
  role?: Role;
  namespaces?: string[];
}
