/**
 * `upsertSearchAttributes`: sets custom search attributes of the running workflow (Temporal's name and shape).
 * Each attribute must be registered in the namespace (`weft search-attribute create`) and the value must fit its
 * type, or the workflow task fails with an error naming it. `null` (or an empty list) removes an attribute.
 * `workflowInfo().searchAttributes` shows the change at once.
 */
import { currentActivator } from './internal/current.js';
import { searchAttributesFromPairs, type SearchAttributeUpdatePair } from '../common/typed-search-attributes.js';

/** A Date becomes its ISO string (what a Datetime attribute stores); everything else is taken as is. */
function normalise(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as Date).toISOString === 'function')
    return (value as Date).toISOString();
  if (Array.isArray(value)) return value.map(normalise);
  return value;
}

export function upsertSearchAttributes(
  given: Record<string, unknown> | ReadonlyArray<SearchAttributeUpdatePair>,
): void {
  // Temporal's typed form: [{ key: defineSearchAttributeKey(name, type), value }] (null removes)
  const attributes = Array.isArray(given)
    ? searchAttributesFromPairs(given as ReadonlyArray<SearchAttributeUpdatePair>)
    : (given as Record<string, unknown>);
  if (attributes === null || typeof attributes !== 'object')
    throw new TypeError(
      'upsertSearchAttributes takes an object of attribute names to values, or a list of { key, value } pairs',
    );
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    values[name] = normalise(value);
  }
  if (Object.keys(values).length === 0) return;
  const activator = currentActivator();
  activator.pushCommand({ type: 'UpsertWorkflowSearchAttributes', searchAttributes: values });
  const next: Record<string, unknown> = { ...(activator.info.searchAttributes ?? {}) };
  for (const [name, value] of Object.entries(values)) {
    if (value === null || (Array.isArray(value) && value.length === 0)) delete next[name];
    else next[name] = value;
  }
  activator.info.searchAttributes = next;
}
