/**
 * The search attribute registry of a namespace: create and list, and the checks a start or an upsert makes
 * against it. The store is the truth and is read when a check is needed (a start or a task that sets search
 * attributes), so a second server sees a new attribute at once.
 */
import { ApiError } from '../../common/api-error.js';
import {
  MAX_SEARCH_ATTRIBUTES_PER_NAMESPACE,
  invalidSearchAttributeName,
  isSearchAttributeType,
  searchAttributeChecker,
  SEARCH_ATTRIBUTE_TYPES,
  type SearchAttributeChecker,
  type SearchAttributeDefinition,
} from '../../visibility/search-attributes.js';
import type { ServerContext } from '../context.js';

export interface SearchAttributeInfo {
  name: string;
  type: string;
  createdAt: string;
}

const info = (d: SearchAttributeDefinition): SearchAttributeInfo => ({
  name: d.name,
  type: d.type,
  createdAt: new Date(d.createdAt).toISOString(),
});

/** Registers an attribute; registering it again with the same type is a no-op, with another type a 409. */
export async function createSearchAttribute(
  ctx: ServerContext,
  namespace: string,
  req: { name: string; type: string },
): Promise<SearchAttributeInfo> {
  const bad = invalidSearchAttributeName(req.name);
  if (bad !== undefined) throw new ApiError('INVALID_SEARCH_ATTRIBUTE', bad, { name: req.name });
  if (!isSearchAttributeType(req.type))
    throw new ApiError(
      'INVALID_SEARCH_ATTRIBUTE',
      `unknown search attribute type '${req.type}'; types: ${SEARCH_ATTRIBUTE_TYPES.join(', ')}`,
      { name: req.name, type: req.type },
    );
  const existing = await ctx.store.listSearchAttributes(namespace);
  const same = existing.find((d) => d.name === req.name);
  if (!same && existing.length >= MAX_SEARCH_ATTRIBUTES_PER_NAMESPACE)
    throw new ApiError(
      'INVALID_SEARCH_ATTRIBUTE',
      `namespace ${namespace} has ${MAX_SEARCH_ATTRIBUTES_PER_NAMESPACE} search attributes, the most it may have`,
    );
  const stored =
    same ??
    (await ctx.store.createSearchAttribute({ namespace, name: req.name, type: req.type, createdAt: ctx.clock.now() }));
  if (stored.type !== req.type)
    throw new ApiError(
      'SEARCH_ATTRIBUTE_ALREADY_EXISTS',
      `search attribute ${req.name} already exists in namespace ${namespace} with type ${stored.type}`,
      { name: req.name, type: stored.type },
    );
  return info(stored);
}

export async function listSearchAttributes(
  ctx: ServerContext,
  namespace: string,
): Promise<{ searchAttributes: SearchAttributeInfo[] }> {
  return { searchAttributes: (await ctx.store.listSearchAttributes(namespace)).map(info) };
}

export async function searchAttributeCheckerFor(
  ctx: ServerContext,
  namespace: string,
): Promise<SearchAttributeChecker> {
  return searchAttributeChecker(await ctx.store.listSearchAttributes(namespace));
}

/** A start's search attributes must be registered and fit their types: 400 naming the attribute otherwise. */
export async function checkStartSearchAttributes(
  ctx: ServerContext,
  namespace: string,
  values: Record<string, unknown> | undefined,
): Promise<void> {
  if (!values || Object.keys(values).length === 0) return;
  const bad = (await searchAttributeCheckerFor(ctx, namespace))(values);
  if (bad !== undefined) {
    const name = /'([^']*)'/.exec(bad)?.[1];
    throw new ApiError('INVALID_SEARCH_ATTRIBUTE', bad, name !== undefined ? { searchAttribute: name } : undefined);
  }
}
