/**
 * The TypeScript shapes of search attribute values (Temporal's `SearchAttributes` from `@temporalio/common`).
 * Weft takes a value in the plain form (`{ CustomerId: 'c-1' }`, a list for a KeywordList) and in Temporal's
 * older untyped form, a list per attribute (`{ CustomIntField: [2] }`); a Date is stored as its ISO string.
 */

/** One attribute's value in Temporal's untyped form: always a list. */
export type SearchAttributeValue = string[] | number[] | boolean[] | Date[];

/** A plain value (Weft's form): one string, number, boolean or Date, or a list of strings for a KeywordList. */
export type PlainSearchAttributeValue = string | number | boolean | Date | string[];

/** Attribute names to values, in either form; `null` (or an empty list) removes an attribute in an upsert. */
export type SearchAttributes = Record<
  string,
  SearchAttributeValue | Readonly<SearchAttributeValue> | PlainSearchAttributeValue | null | undefined
>;
