/** Client start options as they go on the wire. */
import {
  searchAttributesFromPairs,
  type SearchAttributePair,
  type TypedSearchAttributes,
} from '../common/typed-search-attributes.js';

/** Start options as sent: `typedSearchAttributes` folded into `searchAttributes`. */
export function wireStartOptions<O extends { searchAttributes?: Record<string, unknown> }>(
  options: O & { typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes },
): Omit<O, 'typedSearchAttributes'> {
  const { typedSearchAttributes, ...rest } = options;
  if (!typedSearchAttributes) return rest;
  return {
    ...rest,
    searchAttributes: { ...rest.searchAttributes, ...searchAttributesFromPairs(typedSearchAttributes) },
  };
}
