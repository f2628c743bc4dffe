/**
 * Custom search attributes: the registry's types, the rules for names and values, and how a value is stored.
 *
 * A namespace registers each attribute once with a type (Temporal's: Keyword, Text, Int, Double, Bool, Datetime,
 * KeywordList). A start's `searchAttributes` and a workflow's `upsertSearchAttributes` are checked against it;
 * a null value (or an empty KeywordList) removes the attribute from the run. Pure: no I/O, usable by the engine.
 */
import { isStorableText, UNSTORABLE_CHARS } from '../common/storable-text.js';
import { parseIsoDatetime } from './iso-datetime.js';
import { BUILT_IN_FIELDS, type QueryField, type SearchAttributeType } from './query-fields.js';

export type { SearchAttributeType } from './query-fields.js';

export const SEARCH_ATTRIBUTE_TYPES: readonly SearchAttributeType[] = [
  'Keyword',
  'Text',
  'Int',
  'Double',
  'Bool',
  'Datetime',
  'KeywordList',
];

export interface SearchAttributeDefinition {
  namespace: string;
  name: string;
  type: SearchAttributeType;
  createdAt: number;
}

/** Registered attributes per namespace (Temporal's default limit is 100 per namespace on SQL stores). */
export const MAX_SEARCH_ATTRIBUTES_PER_NAMESPACE = 100;
export const MAX_SEARCH_ATTRIBUTE_NAME_LENGTH = 64;
/** Keyword values and KeywordList items, in UTF-16 code units. */
export const MAX_KEYWORD_LENGTH = 2048;
export const MAX_TEXT_LENGTH = 65_536;
export const MAX_KEYWORD_LIST_ITEMS = 100;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Reserved for future built-ins, as Temporal reserves them. */
const RESERVED_PREFIXES = ['Temporal', 'Weft'];

/** Why `name` cannot be a search attribute's name, or undefined when it can. */
export function invalidSearchAttributeName(name: string): string | undefined {
  if (!NAME.test(name))
    return `search attribute name '${name}' must start with a letter or '_' and hold only letters, digits and '_'`;
  if (name.length > MAX_SEARCH_ATTRIBUTE_NAME_LENGTH)
    return `search attribute name '${name}' is longer than ${MAX_SEARCH_ATTRIBUTE_NAME_LENGTH} characters`;
  const lower = name.toLowerCase();
  for (const builtIn of BUILT_IN_FIELDS.keys())
    if (builtIn.toLowerCase() === lower)
      return `search attribute name '${name}' clashes with the built-in field ${builtIn}`;
  for (const p of RESERVED_PREFIXES)
    if (name.startsWith(p)) return `search attribute names starting with '${p}' are reserved`;
  return undefined;
}

export function isSearchAttributeType(t: unknown): t is SearchAttributeType {
  return typeof t === 'string' && (SEARCH_ATTRIBUTE_TYPES as readonly string[]).includes(t);
}

/**
 * Why `value` is not a valid value of `type`, or undefined. Null always is (it removes the attribute). Temporal's
 * older untyped form gives every value as a list (`{ CustomIntField: [2] }`): a list of one valid value is taken
 * for an attribute of any type (and kept as given), an empty list removes the attribute.
 */
export function invalidSearchAttributeValue(type: SearchAttributeType, value: unknown): string | undefined {
  if (value === null) return undefined;
  if (type !== 'KeywordList' && Array.isArray(value)) {
    if (value.length > 1) return `${type} takes one value (a list of at most one item), got ${value.length}`;
    return value.length === 0 ? undefined : invalidSearchAttributeValue(type, value[0] ?? null);
  }
  const keyword = (v: unknown, max: number): string | undefined =>
    typeof v !== 'string'
      ? 'a string'
      : v.length > max
        ? `a string of at most ${max} characters`
        : !isStorableText(v)
          ? `a string without ${UNSTORABLE_CHARS}`
          : undefined;
  switch (type) {
    case 'Keyword': {
      const bad = keyword(value, MAX_KEYWORD_LENGTH);
      return bad && `Keyword needs ${bad}`;
    }
    case 'Text': {
      const bad = keyword(value, MAX_TEXT_LENGTH);
      return bad && `Text needs ${bad}`;
    }
    case 'Int':
      return typeof value === 'number' && Number.isSafeInteger(value) ? undefined : 'Int needs a safe integer';
    case 'Double':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'Double needs a finite number';
    case 'Bool':
      return typeof value === 'boolean' ? undefined : 'Bool needs true or false';
    case 'Datetime':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return undefined;
      if (typeof value === 'string' && parseIsoDatetime(value) !== undefined) return undefined;
      return "Datetime needs an ISO 8601 time with a zone like '2026-01-01T00:00:00Z' (or epoch ms)";
    case 'KeywordList': {
      if (!Array.isArray(value)) return 'KeywordList needs an array of strings';
      if (value.length > MAX_KEYWORD_LIST_ITEMS) return `KeywordList holds at most ${MAX_KEYWORD_LIST_ITEMS} items`;
      for (const item of value as unknown[]) {
        const bad = keyword(item, MAX_KEYWORD_LENGTH);
        if (bad) return `KeywordList items must each be ${bad}`;
      }
      return undefined;
    }
  }
}

/** Checks search attribute values against a namespace's registry; returns the first problem, naming the attribute. */
export type SearchAttributeChecker = (values: Record<string, unknown>) => string | undefined;

export function searchAttributeChecker(defs: readonly SearchAttributeDefinition[]): SearchAttributeChecker {
  const types = new Map(defs.map((d) => [d.name, d.type]));
  return (values) => {
    for (const [name, value] of Object.entries(values)) {
      const type = types.get(name);
      if (type === undefined) {
        const known = [...types.keys()].sort();
        return `unknown search attribute '${name}' (register it with \`weft search-attribute create\`; registered: ${known.length ? known.join(', ') : 'none'})`;
      }
      const bad = invalidSearchAttributeValue(type, value);
      if (bad !== undefined) return `search attribute '${name}': ${bad}, got ${JSON.stringify(value) ?? String(value)}`;
    }
    return undefined;
  };
}

/** Applies an upsert: null or an empty list removes an attribute. Returns the new map (undefined when empty). */
export function mergeSearchAttributes(
  current: Record<string, unknown> | undefined,
  upsert: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const next: Record<string, unknown> = { ...(current ?? {}) };
  for (const [name, value] of Object.entries(upsert)) {
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) delete next[name];
    else next[name] = value;
  }
  return Object.keys(next).length > 0 ? next : undefined;
}

/** One stored value row: [name, idx, text, int, double]. */
export type SearchAttributeRow = [string, number, string | null, number | null, number | null];

/**
 * The rows that store a run's search attributes. Each value fills every column it can be read as, so the
 * writer needs no registry: queries read the column of the attribute's registered type.
 */
export function searchAttributeRows(values: Record<string, unknown> | undefined): SearchAttributeRow[] {
  const rows: SearchAttributeRow[] = [];
  if (!values) return rows;
  for (const [name, value] of Object.entries(values)) {
    const items = Array.isArray(value) ? (value as unknown[]) : [value];
    items.forEach((v, idx) => {
      if (typeof v === 'string') rows.push([name, idx, v, parseIsoDatetime(v) ?? null, null]);
      else if (typeof v === 'number' && Number.isFinite(v))
        rows.push([name, idx, null, Number.isSafeInteger(v) ? v : null, v]);
      else if (typeof v === 'boolean') rows.push([name, idx, null, v ? 1 : 0, null]);
    });
  }
  return rows;
}

/** The column a query reads for an attribute of `type`. */
export function valueColumn(type: SearchAttributeType): 'text_value' | 'int_value' | 'double_value' {
  switch (type) {
    case 'Keyword':
    case 'Text':
    case 'KeywordList':
      return 'text_value';
    case 'Double':
      return 'double_value';
    default:
      return 'int_value';
  }
}

/** The query fields of a namespace's registered attributes (see compileQuery). */
export function searchAttributeFields(defs: readonly SearchAttributeDefinition[]): Map<string, QueryField> {
  return new Map(
    defs.map((d) => [d.name, { column: valueColumn(d.type), type: d.type, nullable: true, searchAttribute: d.name }]),
  );
}
