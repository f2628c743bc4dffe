/**
 * Compiles a VisibilityQuery into a parameterised WHERE expression and ORDER BY over the `executions` table, for
 * SQLite (`?` placeholders) and Postgres (`$N`). Literals only ever travel in `params`; column names only ever come
 * from the field resolver, which maps query field names to { column, type } and checks every column name.
 *
 * NULL semantics: queries use two-valued logic. A predicate on a NULL column (a running workflow's CloseTime, and
 * later an unset custom search attribute) is false for the positive forms (=, <, IN, BETWEEN, STARTS_WITH) and true
 * for their negations (!=, NOT IN, NOT BETWEEN), and NOT(x) is always the exact complement of x. So
 * `CloseTime != X` and `NOT (CloseTime > X)` keep running workflows, while `CloseTime < X` drops them. SQL's
 * three-valued logic would silently drop them in all three cases; nullable columns therefore get explicit
 * `col IS NOT NULL AND ...` / `col IS NULL OR ...` guards, which keep each predicate index-friendly.
 *
 * Text order: keyword ranges and STARTS_WITH assume the column sorts by code point (SQLite's BINARY collation;
 * in Postgres the keyword columns must use COLLATE "C"). STARTS_WITH compiles to `col >= prefix AND col < next`
 * where `next` is the smallest string above every string with that prefix, so an index on the column serves it.
 *
 * ORDER BY: NULLs sort as if larger than every value (Postgres' default; spelled out for both dialects): last when
 * ascending, first when descending. `run_id` is appended as the final tiebreak so the order is total (which keyset
 * paging needs). A custom search attribute sorts through a LEFT JOIN (`joins`) of its value rows, one per ORDER BY
 * item, exposing the value as the order column `sortN_value` (NULL when the run has no value): a scalar's single
 * row, a KeywordList's smallest item (by code point). Text cannot be sorted (as in Temporal).
 */
import { parseIsoDatetime } from '../../visibility/iso-datetime.js';
import { QuerySyntaxError } from '../../visibility/query-ast.js';
import type { Expr, Literal, VisibilityQuery } from '../../visibility/query-ast.js';
import { BUILT_IN_FIELDS, type QueryField } from '../../visibility/query-fields.js';

export interface FieldResolver {
  resolve(name: string): QueryField | undefined;
  /** Listed in "unknown field" errors. */
  names(): readonly string[];
}

const COLUMN_NAME = /^[a-z_][a-z0-9_]*$/;

/** Built-in fields plus custom search attributes (names match case-sensitively, as in Temporal). */
export function createFieldResolver(custom: ReadonlyMap<string, QueryField> = new Map()): FieldResolver {
  for (const [name, field] of custom) {
    if (BUILT_IN_FIELDS.has(name)) throw new Error(`search attribute ${name} would shadow a built-in field`);
    if (!COLUMN_NAME.test(field.column)) throw new Error(`search attribute ${name} maps to a bad column name`);
  }
  const all = new Map([...BUILT_IN_FIELDS, ...custom]);
  const names = [...all.keys()].sort();
  return { resolve: (name) => all.get(name), names: () => names };
}

const BUILT_IN_RESOLVER = createFieldResolver();

export interface CompiledQuery {
  /** A boolean SQL expression, '1=1' for no filter; compound parts come parenthesised, so `x AND ${where}` is safe. */
  where: string;
  params: unknown[];
  /**
   * Text to place right after `FROM executions` ('' unless the order uses custom search attributes): LEFT JOINs
   * that expose their sort values. Its parameters are `joinParams`; in `$N` dialects they are numbered before the
   * WHERE's (`paramOffset` values, then `joinParams`, then `params`); with `?` bind them in text order.
   */
  joins: string;
  joinParams: unknown[];
  /** e.g. `start_time DESC, run_id DESC` (no ORDER BY keyword). */
  orderBy: string;
  /**
   * The columns of `orderBy` in order, the run_id tiebreak included; `nullable` columns sort NULL as largest.
   * `source` names what a join column holds (`Name:Type` of a custom attribute), for page tokens.
   */
  orderColumns: Array<{ column: string; direction: 'ASC' | 'DESC'; nullable: boolean; source?: string }>;
}

export function compileQuery(
  query: VisibilityQuery,
  opts: { dialect: 'sqlite' | 'postgres'; paramOffset?: number; fields?: FieldResolver },
): CompiledQuery {
  if (opts.paramOffset !== undefined && !(Number.isSafeInteger(opts.paramOffset) && opts.paramOffset >= 0)) {
    throw new RangeError(`paramOffset must be a non-negative integer, got ${opts.paramOffset}`);
  }
  const offset = opts.paramOffset ?? 0;
  const fields = opts.fields ?? BUILT_IN_RESOLVER;
  // The joins precede WHERE in the text, so their parameters take the first numbers: one per custom sort item.
  const joinCount = query.orderBy.filter((o) => fields.resolve(o.field)?.searchAttribute !== undefined).length;
  const c = new Compiler(opts.dialect, offset + joinCount, fields);
  const where = query.where ? c.expr(query.where) : '1=1';
  const j = new Compiler(opts.dialect, offset, fields);
  const joins: string[] = [];
  const orderColumns: CompiledQuery['orderColumns'] = query.orderBy.map((o) => {
    const f = j.field(o.field, o.position);
    j.checkSortable(o.field, f, o.position);
    if (f.searchAttribute === undefined) return { column: f.column, direction: o.direction, nullable: f.nullable };
    const alias = `sort${joins.length}`;
    joins.push(j.sortJoin(alias, f, f.searchAttribute));
    return {
      column: `${alias}_value`,
      direction: o.direction,
      nullable: true,
      source: `${f.searchAttribute}:${f.type}`,
    };
  });
  if (orderColumns.length === 0) orderColumns.push({ column: 'start_time', direction: 'DESC', nullable: false });
  if (!orderColumns.some((o) => o.column === 'run_id')) {
    orderColumns.push({
      column: 'run_id',
      direction: orderColumns[orderColumns.length - 1]!.direction,
      nullable: false,
    });
  }
  const orderBy = orderColumns
    .map(
      (o) => `${o.column} ${o.direction}${o.nullable ? (o.direction === 'ASC' ? ' NULLS LAST' : ' NULLS FIRST') : ''}`,
    )
    .join(', ');
  return { where, params: c.params, joins: joins.join(' '), joinParams: j.params, orderBy, orderColumns };
}

type OperatorClass = 'equality' | 'range' | 'prefix' | 'null';

class Compiler {
  readonly params: unknown[] = [];

  constructor(
    private readonly dialect: 'sqlite' | 'postgres',
    private readonly paramOffset: number,
    private readonly fields: FieldResolver,
  ) {}

  expr(e: Expr): string {
    if (e.kind !== 'and' && e.kind !== 'or' && e.kind !== 'not') {
      const f = this.field(e.field, e.position);
      if (f.searchAttribute !== undefined) return this.customPredicate(e, f, f.searchAttribute);
    }
    switch (e.kind) {
      case 'and':
        return `(${this.expr(e.left)} AND ${this.expr(e.right)})`;
      case 'or':
        return `(${this.expr(e.left)} OR ${this.expr(e.right)})`;
      case 'not':
        return `(NOT (${this.expr(e.expr)}))`;
      case 'compare': {
        const isRange = e.op !== '=' && e.op !== '!=';
        const f = this.operand(e.field, e.position, isRange ? 'range' : 'equality', e.op);
        const p = this.bind(this.value(e.field, f, e.value, e.valuePosition ?? e.position));
        if (e.op === '!=') return f.nullable ? `(${f.column} IS NULL OR ${f.column} <> ${p})` : `${f.column} <> ${p}`;
        return this.positive(f, `${f.column} ${e.op} ${p}`);
      }
      case 'in': {
        const f = this.operand(e.field, e.position, 'equality', e.negated ? 'NOT IN' : 'IN');
        if (e.values.length === 0) return e.negated ? '(1=1)' : '(1=0)'; // only hand-built trees; Postgres rejects `IN ()`
        const list = e.values
          .map((v, i) => this.bind(this.value(e.field, f, v, e.valuePositions?.[i] ?? e.position)))
          .join(', ');
        if (e.negated)
          return f.nullable ? `(${f.column} IS NULL OR ${f.column} NOT IN (${list}))` : `${f.column} NOT IN (${list})`;
        return this.positive(f, `${f.column} IN (${list})`);
      }
      case 'between': {
        const f = this.operand(e.field, e.position, 'range', e.negated ? 'NOT BETWEEN' : 'BETWEEN');
        const low = this.bind(this.value(e.field, f, e.low, e.lowPosition ?? e.position));
        const high = this.bind(this.value(e.field, f, e.high, e.highPosition ?? e.position));
        const bounds = `BETWEEN ${low} AND ${high}`;
        if (e.negated) return `(${f.nullable ? `${f.column} IS NULL OR ` : ''}${f.column} NOT ${bounds})`;
        return `(${f.nullable ? `${f.column} IS NOT NULL AND ` : ''}${f.column} ${bounds})`;
      }
      case 'startsWith': {
        const f = this.operand(e.field, e.position, 'prefix', 'STARTS_WITH');
        const prefix = this.value(e.field, f, e.prefix, e.prefixPosition ?? e.position) as string;
        const next = prefixSuccessor(prefix);
        const parts = f.nullable ? [`${f.column} IS NOT NULL`] : [];
        parts.push(`${f.column} >= ${this.bind(prefix)}`); // the empty prefix: every non-NULL value
        if (next !== undefined) parts.push(`${f.column} < ${this.bind(next)}`);
        return `(${parts.join(' AND ')})`;
      }
      case 'isNull': {
        const f = this.operand(e.field, e.position, 'null', 'IS NULL');
        return `${f.column} IS ${e.negated ? 'NOT NULL' : 'NULL'}`;
      }
    }
  }

  /** A positive predicate on a nullable column is made false (not NULL) for NULL, so NOT(...) complements it. */
  private positive(f: QueryField, sql: string): string {
    return f.nullable ? `(${f.column} IS NOT NULL AND ${sql})` : sql;
  }

  private bind(value: unknown): string {
    this.params.push(value);
    return this.dialect === 'sqlite' ? '?' : `$${this.paramOffset + this.params.length}`;
  }

  field(name: string, position: number): QueryField {
    const f = this.fields.resolve(name);
    if (!f) {
      const known = this.fields.names();
      const near = known.find((n) => asciiLower(n) === asciiLower(name));
      const hint = near ? ` (did you mean ${near}? field names are case-sensitive)` : '';
      throw new QuerySyntaxError(
        `unknown field '${name}' at position ${position}${hint}; known fields: ${known.join(', ')}`,
        position,
      );
    }
    if (!COLUMN_NAME.test(f.column)) throw new Error(`field ${name} maps to a bad column name`);
    return f;
  }

  checkSortable(name: string, f: QueryField, position: number): void {
    // a custom KeywordList sorts by its smallest item; a list in a column of its own could not
    if (f.type === 'Text' || (f.type === 'KeywordList' && f.searchAttribute === undefined)) {
      throw new QuerySyntaxError(
        `${name} at position ${position} is a ${f.type} field, which cannot be sorted by`,
        position,
      );
    }
  }

  /**
   * `LEFT JOIN (...) AS alias ON ...` exposing `<alias>_value`, the sort value of custom attribute `attr` (NULL
   * without one): the single value row of a scalar (idx 0), the smallest item of a KeywordList (ties by idx, so
   * one row per run). The derived table exposes only the `<alias>_` names, so no executions column becomes ambiguous.
   */
  sortJoin(alias: string, f: QueryField, attr: string): string {
    const run = `${alias}_run`;
    const value = `${alias}_value`;
    const name = this.bind(attr);
    const rows =
      f.type === 'KeywordList'
        ? `SELECT s.run_id AS ${run}, s.${f.column} AS ${value} FROM search_attribute_values AS s WHERE s.name = ${name}` +
          ` AND NOT EXISTS (SELECT 1 FROM search_attribute_values AS t WHERE t.run_id = s.run_id AND t.name = s.name` +
          ` AND (t.${f.column} < s.${f.column} OR (t.${f.column} = s.${f.column} AND t.idx < s.idx)))`
        : `SELECT run_id AS ${run}, ${f.column} AS ${value} FROM search_attribute_values WHERE name = ${name} AND idx = 0`;
    return `LEFT JOIN (${rows}) AS ${alias} ON ${run} = run_id`;
  }

  /**
   * A predicate on a custom search attribute: the run has (or, negated, has no) value row of that attribute
   * matching the condition. An unset attribute has no row, which gives the NULL semantics of the built-in
   * nullable columns (positive forms false, negations true); for a KeywordList `=`/`IN` mean "contains".
   */
  private customPredicate(e: Exclude<Expr, { kind: 'and' | 'or' | 'not' }>, f: QueryField, attr: string): string {
    const col = f.column;
    const within = (negated: boolean, condition: () => string | undefined): string => {
      const name = this.bind(attr);
      const cond = condition();
      return `run_id ${negated ? 'NOT IN' : 'IN'} (SELECT run_id FROM search_attribute_values WHERE name = ${name}${
        cond === undefined ? '' : ` AND ${cond}`
      })`;
    };
    switch (e.kind) {
      case 'compare': {
        const isRange = e.op !== '=' && e.op !== '!=';
        this.operand(e.field, e.position, isRange ? 'range' : 'equality', e.op);
        return within(e.op === '!=', () => {
          const p = this.bind(this.value(e.field, f, e.value, e.valuePosition ?? e.position));
          if (f.type === 'Text') return this.contains(col, p);
          return `${col} ${e.op === '!=' ? '=' : e.op} ${p}`;
        });
      }
      case 'in': {
        this.operand(e.field, e.position, 'equality', e.negated ? 'NOT IN' : 'IN');
        if (e.values.length === 0) return e.negated ? '(1=1)' : '(1=0)';
        return within(e.negated, () => {
          const list = e.values.map((v, i) =>
            this.bind(this.value(e.field, f, v, e.valuePositions?.[i] ?? e.position)),
          );
          return `${col} IN (${list.join(', ')})`;
        });
      }
      case 'between': {
        this.operand(e.field, e.position, 'range', e.negated ? 'NOT BETWEEN' : 'BETWEEN');
        return within(e.negated, () => {
          const low = this.bind(this.value(e.field, f, e.low, e.lowPosition ?? e.position));
          const high = this.bind(this.value(e.field, f, e.high, e.highPosition ?? e.position));
          return `${col} BETWEEN ${low} AND ${high}`;
        });
      }
      case 'startsWith': {
        this.operand(e.field, e.position, 'prefix', 'STARTS_WITH');
        return within(false, () => {
          const prefix = this.value(e.field, f, e.prefix, e.prefixPosition ?? e.position) as string;
          const next = prefixSuccessor(prefix);
          const parts = [`${col} >= ${this.bind(prefix)}`];
          if (next !== undefined) parts.push(`${col} < ${this.bind(next)}`);
          return parts.join(' AND ');
        });
      }
      case 'isNull':
        this.operand(e.field, e.position, 'null', 'IS NULL');
        return within(!e.negated, () => undefined);
    }
  }

  /** Text matching: the value contains the literal, ignoring the case of ASCII letters. */
  private contains(col: string, param: string): string {
    return this.dialect === 'sqlite'
      ? `instr(lower(${col}), lower(${param})) > 0`
      : `strpos(lower(${col}), lower(${param})) > 0`;
  }

  private operand(name: string, position: number, cls: OperatorClass, op: string): QueryField {
    const f = this.field(name, position);
    if (f.type === 'Text' && cls !== 'null' && (cls !== 'equality' || (op !== '=' && op !== '!='))) {
      throw new QuerySyntaxError(
        `${op} cannot be used on ${name} at position ${position} (a Text field); use = (contains), != or IS [NOT] NULL`,
        position,
      );
    }
    if (f.type === 'KeywordList' && (cls === 'range' || cls === 'prefix')) {
      throw new QuerySyntaxError(
        `${op} cannot be used on ${name} at position ${position} (a KeywordList field); use =, !=, IN, NOT IN or IS [NOT] NULL`,
        position,
      );
    }
    if (cls === 'prefix' && (f.type !== 'Keyword' || f.allowedValues)) {
      throw new QuerySyntaxError(
        `STARTS_WITH needs a free-form Keyword field, but ${name} at position ${position} is ${typeName(f)}`,
        position,
      );
    }
    if (cls === 'range' && (f.type === 'Bool' || f.allowedValues)) {
      throw new QuerySyntaxError(
        `${op} cannot be used on ${name} at position ${position} (${typeName(f)}); use =, !=, IN, NOT IN or IS [NOT] NULL`,
        position,
      );
    }
    return f;
  }

  /** Checks a literal against the field's type and returns the value to bind. */
  private value(name: string, f: QueryField, v: Literal, position: number): unknown {
    const mismatch = (wanted: string): QuerySyntaxError =>
      new QuerySyntaxError(
        `${name} is ${typeName(f)} and needs ${wanted} at position ${position}, found ${describeLiteral(v)}`,
        position,
      );
    switch (f.type) {
      case 'Keyword':
      case 'Text':
      case 'KeywordList': {
        if (typeof v !== 'string') throw mismatch('a quoted string');
        if (!f.allowedValues) return toWellFormed(v);
        const canonical = f.allowedValues.find((a) => asciiLower(a) === asciiLower(v));
        if (canonical === undefined) {
          throw new QuerySyntaxError(
            `invalid ${name} '${v}' at position ${position}; valid values: ${f.allowedValues.join(', ')}`,
            position,
          );
        }
        return canonical;
      }
      case 'Int':
        if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw mismatch('an integer');
        return v;
      case 'Double':
        if (typeof v !== 'number') throw mismatch('a number');
        return v;
      case 'Bool':
        if (typeof v !== 'boolean') throw mismatch('TRUE or FALSE');
        // custom attributes keep Bool as 0/1 in int_value in every dialect
        return this.dialect === 'sqlite' || f.searchAttribute !== undefined ? (v ? 1 : 0) : v;
      case 'Datetime': {
        if (typeof v === 'number') {
          if (!Number.isSafeInteger(v))
            throw mismatch("an ISO 8601 time like '2026-01-01T00:00:00Z' or integer epoch ms");
          return v;
        }
        const ms = typeof v === 'string' ? parseIsoDatetime(v) : undefined;
        if (ms === undefined) throw mismatch("an ISO 8601 time like '2026-01-01T00:00:00Z' or integer epoch ms");
        return ms;
      }
    }
  }
}

function typeName(f: QueryField): string {
  if (f.allowedValues) return 'a Keyword field with a fixed set of values';
  return `${f.type === 'Int' ? 'an' : 'a'} ${f.type} field`;
}

function describeLiteral(v: Literal): string {
  if (typeof v === 'string') return `string '${v.length > 40 ? v.slice(0, 40) + '...' : v}'`;
  return typeof v === 'number' ? `number ${v}` : String(v).toUpperCase();
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** Lone surrogates become U+FFFD, which is what the drivers store for them (UTF-8 cannot hold them). */
function toWellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/**
 * The smallest string greater than every string starting with `prefix`, in code point order; undefined when there is
 * none (empty prefix, or only U+10FFFF). Increments the last code point that can be incremented and drops those after it.
 */
export function prefixSuccessor(prefix: string): string | undefined {
  const points = Array.from(prefix, (ch) => ch.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      points.push(last === 0xd7ff ? 0xe000 : last + 1); // skip the surrogate range, which text never holds
      return points.map((p) => String.fromCodePoint(p)).join('');
    }
  }
  return undefined;
}
