/** Client start options as they go on the wire. */
import {
  mergeTypedSearchAttributes,
  type SearchAttributePair,
  type TypedSearchAttributes,
} from '../common/typed-search-attributes.js';
import { checkPriority, type Priority, type VersioningIntent } from '../common/priority.js';

/** Options Weft accepts from Temporal code and does not send (docs/api.md): checked, then left out. */
interface AcceptedStartOptions {
  priority?: Priority;
  staticSummary?: string;
  staticDetails?: string;
  versioningIntent?: VersioningIntent;
}

/** Start options as sent: `typedSearchAttributes` folded into `searchAttributes`; the accepted-only ones left out. */
export function wireStartOptions<O extends { searchAttributes?: Record<string, unknown> } & AcceptedStartOptions>(
  options: O & { typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes },
): Omit<O, 'typedSearchAttributes' | keyof AcceptedStartOptions> {
  const { typedSearchAttributes, priority, staticSummary, staticDetails, versioningIntent, ...rest } = options;
  checkPriority(priority);
  for (const [name, v] of Object.entries({ staticSummary, staticDetails }))
    if (v !== undefined && typeof v !== 'string') throw new TypeError(`${name} must be a string`);
  if (versioningIntent !== undefined && versioningIntent !== 'COMPATIBLE' && versioningIntent !== 'DEFAULT')
    throw new TypeError(`versioningIntent must be 'COMPATIBLE' or 'DEFAULT', got ${String(versioningIntent)}`);
  if (!typedSearchAttributes) return rest;
  return { ...rest, searchAttributes: mergeTypedSearchAttributes(rest.searchAttributes, typedSearchAttributes) };
}
