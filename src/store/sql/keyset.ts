/**
 * Keyset pagination for the visibility list: the page token holds the sort key of the last row shown, and the
 * next page is "rows strictly after that key" in the list's order, so page 1,000 costs what page 1 costs.
 *
 * The order is the compiled query's order columns, which end in run_id (the tiebreak that makes the key unique);
 * a custom search attribute's column is the sort value its join exposes, so it pages like any nullable column.
 * As the query compiler defines it for every dialect, NULL sorts as larger than every value: last when ascending,
 * first when descending.
 */
import { ApiError } from '../../common/api-error.js';
import type { CompiledQuery } from './compile-query.js';

export type OrderColumn = CompiledQuery['orderColumns'][number];

export type KeyValue = string | number | null;

/** The full order: the query's columns, then run_id unless already there (the compiler adds it; this is a guard). */
export function withTiebreak(columns: readonly OrderColumn[]): OrderColumn[] {
  const order =
    columns.length > 0 ? [...columns] : [{ column: 'start_time', direction: 'DESC' as const, nullable: false }];
  if (!order.some((c) => c.column === 'run_id'))
    order.push({ column: 'run_id', direction: order[order.length - 1]!.direction, nullable: false });
  return order;
}

/** ORDER BY text, with NULL placement spelled out for nullable columns (NULL is the largest value). */
export function orderBySql(order: readonly OrderColumn[]): string {
  return order
    .map(
      (c) => `${c.column} ${c.direction}${c.nullable ? (c.direction === 'ASC' ? ' NULLS LAST' : ' NULLS FIRST') : ''}`,
    )
    .join(', ');
}

/**
 * Identifies an order, so a token is never applied to a list sorted another way (a custom attribute's column is
 * named by position, so its `source`, the attribute's name and type, stands for it).
 */
function orderSignature(order: readonly OrderColumn[]): string {
  return order.map((c) => `${c.source ?? c.column} ${c.direction}`).join(',');
}

interface TokenBody {
  o: string;
  k: KeyValue[];
}

export function encodePageToken(order: readonly OrderColumn[], key: KeyValue[]): string {
  const body: TokenBody = { o: orderSignature(order), k: key };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function invalidToken(): ApiError {
  return new ApiError('INVALID_ARGUMENT', 'invalid page token: pass back the nextPageToken of the same query');
}

export function decodePageToken(order: readonly OrderColumn[], token: string): KeyValue[] {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidToken();
  }
  const b = body as Partial<TokenBody> | null;
  if (
    typeof b !== 'object' ||
    b === null ||
    b.o !== orderSignature(order) ||
    !Array.isArray(b.k) ||
    b.k.length !== order.length ||
    !b.k.every((v) => v === null || typeof v === 'string' || typeof v === 'number')
  )
    throw invalidToken();
  return b.k;
}

/**
 * SQL for "the row's key comes strictly after `key`" in `order`, with its parameters. `bind` returns the
 * placeholder of the next parameter (`?` for SQLite, `$N` for PostgreSQL); it is called in text order.
 * The common case (one direction, no NULL in play) is a single row-value comparison, which the planner turns
 * into an index range; otherwise the general lexicographic expansion, NULL counting as the largest value.
 */
export function keysetPredicate(
  order: readonly OrderColumn[],
  key: readonly KeyValue[],
  bind: () => string = () => '?',
): { sql: string; params: KeyValue[] } {
  const direction = order[0]!.direction;
  const simple =
    order.every((c) => c.direction === direction) &&
    key.every((v) => v !== null) &&
    // NULLs sort first when descending, so only a NULL in the leading column is already behind the key
    order.every((c, i) => !c.nullable || (i === 0 && direction === 'DESC'));
  if (simple) {
    const cols = order.map((c) => c.column).join(', ');
    const marks = order.map(() => bind()).join(', ');
    return { sql: `(${cols}) ${direction === 'ASC' ? '>' : '<'} (${marks})`, params: [...key] };
  }
  const disjuncts: string[] = [];
  const params: KeyValue[] = [];
  for (let i = 0; i < order.length; i++) {
    const { column, direction: dir, nullable } = order[i]!;
    const v = key[i]!;
    if (v === null && dir !== 'DESC') continue; // nothing sorts after NULL ascending
    const terms: string[] = [];
    for (let j = 0; j < i; j++) {
      const prev = key[j]!;
      if (prev === null) terms.push(`${order[j]!.column} IS NULL`);
      else {
        terms.push(`${order[j]!.column} = ${bind()}`);
        params.push(prev);
      }
    }
    if (v === null) terms.push(`${column} IS NOT NULL`);
    else {
      const mark = bind();
      params.push(v);
      if (dir === 'DESC') terms.push(`${column} < ${mark}`);
      else terms.push(nullable ? `(${column} > ${mark} OR ${column} IS NULL)` : `${column} > ${mark}`);
    }
    disjuncts.push(terms.length === 1 ? terms[0]! : `(${terms.join(' AND ')})`);
  }
  return { sql: disjuncts.length === 0 ? '1=0' : `(${disjuncts.join(' OR ')})`, params };
}
