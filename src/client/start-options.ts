/** Client start options as they go on the wire. */
import {
  mergeTypedSearchAttributes,
  type SearchAttributePair,
  type TypedSearchAttributes,
} from '../common/typed-search-attributes.js';
import { checkPriority, type Priority, type VersioningIntent } from '../common/priority.js';
import { wireRetryPolicy, type RetryPolicy } from '../common/retry-policy.js';

/** Temporal's start options Weft takes in another shape on the wire, or only checks (docs/api.md). */
interface TemporalStartOptions {
  priority?: Priority;
  staticSummary?: string;
  staticDetails?: string;
  versioningIntent?: VersioningIntent;
}

/** The wire's user metadata: Temporal's staticSummary and staticDetails (payloads; a client's codecs encode them). */
export interface WireUserMetadata {
  summary?: string;
  details?: string;
}

/**
 * Start options as sent: `typedSearchAttributes` folded into `searchAttributes`, `staticSummary` and
 * `staticDetails` as `userMetadata`, `priority` as it is (all three kept with the run; describe answers them);
 * `versioningIntent` checked and left out (Weft has no worker versioning).
 */
export function wireStartOptions<O extends { searchAttributes?: Record<string, unknown> } & TemporalStartOptions>(
  options: O & { typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes },
): Omit<O, 'typedSearchAttributes' | keyof TemporalStartOptions> & {
  userMetadata?: WireUserMetadata;
  priority?: Priority;
} {
  const { typedSearchAttributes, priority, staticSummary, staticDetails, versioningIntent, ...rest } = options;
  const { retry } = rest as { retry?: RetryPolicy };
  if (retry) Object.assign(rest, { retry: wireRetryPolicy(retry) });
  checkPriority(priority);
  for (const [name, v] of Object.entries({ staticSummary, staticDetails }))
    if (v !== undefined && typeof v !== 'string') throw new TypeError(`${name} must be a string`);
  if (versioningIntent !== undefined && versioningIntent !== 'COMPATIBLE' && versioningIntent !== 'DEFAULT')
    throw new TypeError(`versioningIntent must be 'COMPATIBLE' or 'DEFAULT', got ${String(versioningIntent)}`);
  const userMetadata: WireUserMetadata = {};
  if (staticSummary !== undefined) userMetadata.summary = staticSummary;
  if (staticDetails !== undefined) userMetadata.details = staticDetails;
  return {
    ...rest,
    ...(typedSearchAttributes
      ? { searchAttributes: mergeTypedSearchAttributes(rest.searchAttributes, typedSearchAttributes) }
      : {}),
    ...(staticSummary !== undefined || staticDetails !== undefined ? { userMetadata } : {}),
    ...(priority ? { priority: wirePriority(priority) } : {}),
  };
}

/** The priority's own fields only (a Temporal object may carry more). */
function wirePriority(p: Priority): Priority {
  const out: Priority = {};
  if (p.priorityKey !== undefined) out.priorityKey = p.priorityKey;
  if (p.fairnessKey !== undefined) out.fairnessKey = p.fairnessKey;
  if (p.fairnessWeight !== undefined) out.fairnessWeight = p.fairnessWeight;
  return out;
}
