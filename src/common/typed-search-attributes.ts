/**
 * Temporal's typed search attributes: keys made with `defineSearchAttributeKey(name, type)`, pairs of a key and a
 * value, and `TypedSearchAttributes` (`get(key)`, `getAll()`, `updateCopy(pairs)`). Weft stores search attributes
 * as plain values (a Datetime as its ISO string); these helpers convert at the SDK's edges. No Node built-ins:
 * workflow code uses them in the sandbox.
 */
import type { SearchAttributeType as WeftSearchAttributeType } from '../visibility/query-fields.js';

/** Temporal's type names, as values (Weft's own names, `Keyword`, `Int`, ..., are accepted where types are). */
export const SearchAttributeType = {
  TEXT: 'TEXT',
  KEYWORD: 'KEYWORD',
  INT: 'INT',
  DOUBLE: 'DOUBLE',
  BOOL: 'BOOL',
  DATETIME: 'DATETIME',
  KEYWORD_LIST: 'KEYWORD_LIST',
} as const;
export type TemporalSearchAttributeType = (typeof SearchAttributeType)[keyof typeof SearchAttributeType];
/** Either spelling: Temporal's (`KEYWORD`) or Weft's (`Keyword`, what the HTTP API and the CLI use). */
export type SearchAttributeType = TemporalSearchAttributeType | WeftSearchAttributeType;

/** Weft's name of a Temporal search attribute type (what the server registers). */
export const WEFT_SEARCH_ATTRIBUTE_TYPE = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
} as const satisfies Record<TemporalSearchAttributeType, string>;

interface ValueOf {
  TEXT: string;
  KEYWORD: string;
  INT: number;
  DOUBLE: number;
  BOOL: boolean;
  DATETIME: Date;
  KEYWORD_LIST: string[];
}

export interface SearchAttributeKey<T extends TemporalSearchAttributeType> {
  name: string;
  type: T;
}

export function defineSearchAttributeKey<T extends TemporalSearchAttributeType>(
  name: string,
  type: T,
): SearchAttributeKey<T> {
  return { name, type };
}

export type SearchAttributePair = {
  [T in TemporalSearchAttributeType]: { key: SearchAttributeKey<T>; value: ValueOf[T] };
}[TemporalSearchAttributeType];

/** A value of `null` removes the attribute (upsert). */
export type SearchAttributeUpdatePair = {
  [T in TemporalSearchAttributeType]: { key: SearchAttributeKey<T>; value: ValueOf[T] | null };
}[TemporalSearchAttributeType];

/** A stored (plain) value as the key's type wants it; undefined when it does not fit. */
function typedValue<T extends TemporalSearchAttributeType>(type: T, raw: unknown): ValueOf[T] | undefined {
  // the older untyped form keeps one-item lists: [2] is 2
  const v = Array.isArray(raw) && type !== 'KEYWORD_LIST' && raw.length === 1 ? (raw[0] as unknown) : raw;
  switch (type) {
    case 'TEXT':
    case 'KEYWORD':
      return (typeof v === 'string' ? v : undefined) as ValueOf[T] | undefined;
    case 'INT':
      return (Number.isInteger(v) ? v : undefined) as ValueOf[T] | undefined;
    case 'DOUBLE':
      return (typeof v === 'number' ? v : undefined) as ValueOf[T] | undefined;
    case 'BOOL':
      return (typeof v === 'boolean' ? v : undefined) as ValueOf[T] | undefined;
    case 'DATETIME': {
      const d = v instanceof Date ? v : typeof v === 'string' ? new Date(v) : undefined;
      return (d && !Number.isNaN(d.getTime()) ? d : undefined) as ValueOf[T] | undefined;
    }
    case 'KEYWORD_LIST':
      return (Array.isArray(v) && v.every((x) => typeof x === 'string') ? [...v] : undefined) as ValueOf[T] | undefined;
  }
  return undefined;
}

/** The type a plain stored value most likely has (getAll(); a string could be Text or Keyword: Keyword). */
function inferType(v: unknown): TemporalSearchAttributeType | undefined {
  if (Array.isArray(v)) return v.length === 1 ? inferType(v[0]) : 'KEYWORD_LIST';
  if (typeof v === 'boolean') return 'BOOL';
  if (typeof v === 'number') return Number.isInteger(v) ? 'INT' : 'DOUBLE';
  if (typeof v === 'string')
    return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) ? 'DATETIME' : 'KEYWORD';
  return undefined;
}

/** A plain value to store for a typed one (a Date becomes its ISO string; null stays null: removal). */
export function plainSearchAttributeValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

/** Pairs as Weft's plain map (`{ name: value }`), for a start or an upsert. */
export function searchAttributesFromPairs(
  pairs: ReadonlyArray<SearchAttributePair | SearchAttributeUpdatePair> | TypedSearchAttributes,
): Record<string, unknown> {
  const list = pairs instanceof TypedSearchAttributes ? pairs.getAll() : pairs;
  const out: Record<string, unknown> = {};
  for (const p of list) {
    if (p.key.name in out) throw new TypeError(`duplicate search attribute key: ${p.key.name}`);
    out[p.key.name] = plainSearchAttributeValue(p.value);
  }
  return out;
}

/**
 * Search attributes given both ways (a start's, a child's, a next run's, a schedule action's): the plain map with
 * Temporal's typed pairs over it (a name in both takes the typed value); undefined when neither is given.
 */
export function mergeTypedSearchAttributes(
  plain: Record<string, unknown> | undefined,
  typed: ReadonlyArray<SearchAttributePair> | TypedSearchAttributes | undefined,
): Record<string, unknown> | undefined {
  if (typed === undefined) return plain;
  return { ...(plain ?? {}), ...searchAttributesFromPairs(typed) };
}

/** Temporal's TypedSearchAttributes over Weft's plain search attribute values. */
export class TypedSearchAttributes {
  private readonly values: Record<string, unknown>;

  constructor(initial?: SearchAttributePair[] | Record<string, unknown>) {
    this.values = Array.isArray(initial) ? searchAttributesFromPairs(initial) : { ...(initial ?? {}) };
  }

  /** The attribute's value as the key's type, or undefined (not set, or not of that type). */
  get<T extends TemporalSearchAttributeType>(key: SearchAttributeKey<T>): ValueOf[T] | undefined {
    return key.name in this.values ? typedValue(key.type, this.values[key.name]) : undefined;
  }

  /** Every attribute as a pair (its type inferred from the stored value). */
  getAll(): SearchAttributePair[] {
    const out: SearchAttributePair[] = [];
    for (const [name, raw] of Object.entries(this.values)) {
      const type = inferType(raw);
      const value = type ? typedValue(type, raw) : undefined;
      if (type && value !== undefined) out.push({ key: { name, type }, value } as SearchAttributePair);
    }
    return out;
  }

  /** A copy with the pairs applied (a null value removes the attribute). */
  updateCopy(pairs: SearchAttributeUpdatePair[]): TypedSearchAttributes {
    const next = { ...this.values };
    for (const p of pairs) {
      if (p.value === null) delete next[p.key.name];
      else next[p.key.name] = plainSearchAttributeValue(p.value);
    }
    return new TypedSearchAttributes(next);
  }

  copy(): TypedSearchAttributes {
    return new TypedSearchAttributes({ ...this.values });
  }

  toJSON(): Record<string, unknown> {
    return { ...this.values };
  }
}
