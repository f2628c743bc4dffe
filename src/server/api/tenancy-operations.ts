/** The namespace, API key and caller operations (docs/security.md), mounted with the others (operations.ts). */
import { ApiError } from '../../common/api-error.js';
import { NamespaceParams } from '../../protocol/api.js';
import { ROUTES } from '../../protocol/routes.js';
import {
  ApiKeyIdParams,
  CreateApiKeyRequestSchema,
  CreateNamespaceRequestSchema,
  UpdateNamespaceRequestSchema,
  type CallerDescription,
  type CreateApiKeyRequest,
  type CreateNamespaceRequest,
  type UpdateNamespaceRequest,
} from '../../protocol/tenancy-api.js';
import {
  createNamespace,
  deleteNamespace,
  describeNamespace,
  listNamespaces,
  updateNamespace,
} from '../service/namespaces.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../tenancy/key-admin.js';
import type { Operation } from './operations.js';

const ns = (r: { params: Record<string, unknown> }): string => r.params['namespace'] as string;

export const tenancyOperations: Operation[] = [
  {
    id: 'listNamespaces',
    ...ROUTES.listNamespaces,
    summary: 'List the namespaces (those the API key may use)',
    tags: ['namespaces'],
    access: 'any',
    handler: (ctx, r) => listNamespaces(ctx, r.caller),
  },
  {
    id: 'createNamespace',
    ...ROUTES.createNamespace,
    summary: 'Create a namespace (description, retention, limits)',
    tags: ['namespaces'],
    access: 'admin',
    body: CreateNamespaceRequestSchema,
    handler: (ctx, r) => createNamespace(ctx, r.body as CreateNamespaceRequest),
  },
  {
    id: 'describeNamespace',
    ...ROUTES.describeNamespace,
    summary: 'Describe a namespace',
    tags: ['namespaces'],
    access: 'any',
    params: NamespaceParams,
    handler: (ctx, r) => describeNamespace(ctx, ns(r)),
  },
  {
    id: 'updateNamespace',
    ...ROUTES.updateNamespace,
    summary: "Change a namespace's description, retention or limits",
    tags: ['namespaces'],
    access: 'admin',
    params: NamespaceParams,
    body: UpdateNamespaceRequestSchema,
    handler: (ctx, r) => updateNamespace(ctx, ns(r), r.body as UpdateNamespaceRequest),
  },
  {
    id: 'deleteNamespace',
    ...ROUTES.deleteNamespace,
    summary: 'Delete a namespace with no running workflows or schedules (its closed runs are removed after)',
    tags: ['namespaces'],
    access: 'admin',
    global: true,
    params: NamespaceParams,
    handler: (ctx, r) => deleteNamespace(ctx, ns(r)),
  },
  {
    id: 'listApiKeys',
    ...ROUTES.listApiKeys,
    summary: 'List the API keys (never their secrets)',
    tags: ['api-keys'],
    access: 'admin',
    handler: (ctx) => listApiKeys(ctx.store),
  },
  {
    id: 'createApiKey',
    ...ROUTES.createApiKey,
    summary: 'Create an API key: its secret is in this answer only',
    tags: ['api-keys'],
    access: 'admin',
    body: CreateApiKeyRequestSchema,
    handler: async (ctx, r) => {
      const made = await createApiKey(ctx.store, r.body as CreateApiKeyRequest, ctx.clock.now());
      await ctx.callers?.reload();
      ctx.log.info({ apiKey: made.apiKey.name, role: made.apiKey.role, by: r.caller?.name }, 'API key created');
      return made;
    },
  },
  {
    id: 'revokeApiKey',
    ...ROUTES.revokeApiKey,
    summary: 'Revoke an API key (by id or name): it stops working on every server within a second',
    tags: ['api-keys'],
    access: 'admin',
    params: ApiKeyIdParams,
    handler: async (ctx, r) => {
      const revoked = await revokeApiKey(ctx.store, r.params['keyId'] as string, ctx.clock.now());
      await ctx.callers?.reload();
      ctx.log.info({ apiKey: revoked.name, by: r.caller?.name }, 'API key revoked');
      return revoked;
    },
  },
  {
    id: 'describeCaller',
    ...ROUTES.describeCaller,
    summary: "The caller's API key: name, role, namespaces (authEnabled false: no keys needed)",
    tags: ['api-keys'],
    access: 'any',
    handler: (ctx, r): CallerDescription => {
      if (!ctx.callers) return { authEnabled: false };
      const c = r.caller;
      if (!c) throw new ApiError('UNAUTHENTICATED', 'no API key');
      return { authEnabled: true, name: c.name, role: c.role, namespaces: [...c.namespaces] };
    },
  },
];
