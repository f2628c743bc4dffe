/**
 * Property tests of the parser and compiler together: any query text, generated over built-in fields and custom
 * search attributes with every operator and random literals and nesting, or mutated, or plain garbage, either
 * compiles to SQL whose parameters carry every literal of the query (and whose text holds none of them), or
 * fails with a QuerySyntaxError whose position lies within the text. Both dialects. ORDER BY draws from the same
 * fields, so custom attributes sort too (through joins whose only parameters are the attribute names).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileQuery, createFieldResolver, type CompiledQuery } from './compile-query.js';
import { parseIsoDatetime } from '../../visibility/iso-datetime.js';
import { QuerySyntaxError, type Literal, type VisibilityQuery } from '../../visibility/query-ast.js';
import { formatQuery, parseQuery } from '../../visibility/query-parser.js';
import { searchAttributeFields, type SearchAttributeDefinition } from '../../visibility/search-attributes.js';
import { literalsOf, queryArbitrary, type FieldDomains } from '../../visibility/test-query-arbitraries.js';

const DEFS: SearchAttributeDefinition[] = (
  [
    ['CustomerId', 'Keyword'],
    ['Note', 'Text'],
    ['Amount', 'Int'],
    ['Price', 'Double'],
    ['Paid', 'Bool'],
    ['DueAt', 'Datetime'],
    ['Tags', 'KeywordList'],
  ] as const
).map(([name, type]) => ({ namespace: 'default', name, type, createdAt: 0 }));
const FIELDS = createFieldResolver(searchAttributeFields(DEFS));

const anyString = fc.string({ unit: 'grapheme', maxLength: 12 });
const isoTime = fc
  .integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) })
  .map((ms) => new Date(ms).toISOString());
/** Any literal: strings (quotes, backslashes, unicode), numbers of every shape, booleans, times, statuses. */
const anyLiteral: fc.Arbitrary<Literal> = fc.oneof(
  anyString,
  fc.constantFrom("it's", 'a\\b', '"q"', '%_', '', 'Running', 'completed', "'; DROP TABLE executions; --"),
  isoTime,
  fc.integer(),
  fc.integer({ min: -1e15, max: 1e15 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
);
const FIELD_NAMES = [
  'WorkflowId',
  'RunId',
  'WorkflowType',
  'ExecutionStatus',
  'StartTime',
  'CloseTime',
  'TaskQueue',
  'HistoryLength',
  ...DEFS.map((d) => d.name),
  'Unknown_Field',
  'customerid',
];
const DOMAINS: FieldDomains = Object.fromEntries(FIELD_NAMES.map((f) => [f, anyLiteral]));

/** Query text: a printed tree, a printed tree with a random edit, or garbage. */
const queryText: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: queryArbitrary(DOMAINS, FIELD_NAMES, 5).map(formatQuery), weight: 6 },
  {
    arbitrary: fc
      .tuple(queryArbitrary(DOMAINS, FIELD_NAMES, 3).map(formatQuery), fc.nat(), fc.nat(8), anyString)
      .map(([text, at, cut, insert]) => {
        const i = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, i) + insert + text.slice(i + cut);
      }),
    weight: 3,
  },
  {
    arbitrary: fc
      .array(
        fc.oneof(
          fc.constantFrom('AND', 'OR', 'NOT', '(', ')', 'IN', 'BETWEEN', 'STARTS_WITH', 'IS', 'NULL', 'ORDER BY'),
          fc.constantFrom('=', '!=', '<>', '<', '>=', ',', 'DESC', ...FIELD_NAMES),
          anyLiteral.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))),
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join(' ')),
    weight: 2,
  },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }), weight: 1 },
);

/** What the compiler binds for a literal of `field` (a Datetime string becomes epoch ms, a custom Bool 0/1, ...). */
function bound(field: string, v: Literal, dialect: 'sqlite' | 'postgres'): unknown {
  const f = FIELDS.resolve(field)!;
  if (f.type === 'Datetime' && typeof v === 'string') return parseIsoDatetime(v);
  if (f.type === 'Bool') return dialect === 'sqlite' || f.searchAttribute ? (v ? 1 : 0) : v;
  if (typeof v === 'string' && f.allowedValues) return f.allowedValues.find((a) => a.toLowerCase() === v.toLowerCase());
  // lone surrogates are bound as U+FFFD (what the drivers would store for them)
  if (typeof v === 'string')
    return v.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return v;
}

/** The SQL text is made of identifiers, placeholders, operators and the constants 0 and 1: no literal of the query. */
function checkSqlText(sql: string, dialect: 'sqlite' | 'postgres'): void {
  // identifiers may be qualified (`s.run_id`, in the sort joins of custom attributes)
  const token =
    dialect === 'sqlite'
      ? /\s+|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?|\?|<=|>=|<>|[=<>(),]|\b[01]\b/y
      : /\s+|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?|\$\d+|<=|>=|<>|[=<>(),]|\b[01]\b/y;
  let i = 0;
  while (i < sql.length) {
    token.lastIndex = i;
    const m = token.exec(sql);
    if (!m) throw new Error(`unexpected SQL text at ${i}: ${sql.slice(i, i + 20)} in ${sql}`);
    i += m[0].length;
  }
}

function checkCompiled(q: VisibilityQuery, c: CompiledQuery, dialect: 'sqlite' | 'postgres'): void {
  checkSqlText(c.where, dialect);
  checkSqlText(c.joins, dialect);
  checkSqlText(c.orderBy, dialect);
  const placeholders = (sql: string): string[] => sql.match(dialect === 'sqlite' ? /\?/g : /\$\d+/g) ?? [];
  expect(placeholders(c.where).length).toBe(c.params.length);
  expect(placeholders(c.joins).length).toBe(c.joinParams.length);
  expect(placeholders(c.orderBy)).toEqual([]);
  if (dialect === 'postgres') {
    // the joins come first in the text and take the first numbers, each number once
    const numbers = [...placeholders(c.joins), ...placeholders(c.where)].map((p) => Number(p.slice(1)));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  }
  // one join per custom ORDER BY item, its attribute's name bound
  const sortedBy = q.orderBy.filter((o) => FIELDS.resolve(o.field)?.searchAttribute !== undefined).map((o) => o.field);
  expect(c.joinParams).toEqual(sortedBy);
  expect(c.orderColumns.filter((o) => o.source !== undefined).map((o) => o.source!.split(':')[0])).toEqual(sortedBy);
  for (const { field, value } of literalsOf(q.where)) {
    const want = bound(field, value, dialect);
    expect(
      c.params.some((p) => Object.is(p, want) || (typeof want === 'string' && p === want)),
      `${field} ${String(value)}`,
    ).toBe(true);
  }
}

function check(text: string, dialect: 'sqlite' | 'postgres'): 'compiled' | 'rejected' {
  let q: VisibilityQuery;
  let c: CompiledQuery;
  try {
    q = parseQuery(text);
    c = compileQuery(q, { dialect, fields: FIELDS });
  } catch (e) {
    expect(e).toBeInstanceOf(QuerySyntaxError);
    const pos = (e as QuerySyntaxError).position;
    expect(Number.isInteger(pos) && pos >= 0 && pos <= text.length, `position ${pos} of ${JSON.stringify(text)}`).toBe(
      true,
    );
    return 'rejected';
  }
  checkCompiled(q, c, dialect);
  return 'compiled';
}

describe('query parser + compiler properties', () => {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    it(`any query text compiles with every literal bound, or fails at a position in the text (${dialect})`, () => {
      const seen = { compiled: 0, rejected: 0 };
      fc.assert(
        fc.property(queryText, (text) => {
          seen[check(text, dialect)]++;
        }),
        { numRuns: 1500 },
      );
      // both outcomes are exercised in earnest
      expect(seen.compiled).toBeGreaterThan(100);
      expect(seen.rejected).toBeGreaterThan(100);
    });
  }

  it('well-typed queries over custom attributes compile', () => {
    const typed: FieldDomains = {
      CustomerId: anyString,
      Amount: fc.integer(),
      Price: fc.double({ noNaN: true, noDefaultInfinity: true }),
      DueAt: isoTime,
      StartTime: isoTime,
      WorkflowType: anyString,
    };
    fc.assert(
      // every sortable custom type in ORDER BY (Text cannot be sorted)
      fc.property(
        queryArbitrary(typed, ['StartTime', 'WorkflowType', 'CustomerId', 'Amount', 'Price', 'Paid', 'DueAt', 'Tags']),
        (q) => {
          // STARTS_WITH on numbers and Datetime is refused; everything else here must compile
          const text = formatQuery(q);
          try {
            for (const dialect of ['sqlite', 'postgres'] as const)
              checkCompiled(parseQuery(text), compileQuery(parseQuery(text), { dialect, fields: FIELDS }), dialect);
          } catch (e) {
            expect(e).toBeInstanceOf(QuerySyntaxError);
            expect((e as Error).message).toMatch(/STARTS_WITH|needs an integer|needs/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('errors on custom attributes point at the field or the literal', () => {
    const at = (text: string): [number, string] => {
      try {
        compileQuery(parseQuery(text), { dialect: 'sqlite', fields: FIELDS });
      } catch (e) {
        return [(e as QuerySyntaxError).position, (e as Error).message];
      }
      throw new Error(`compiled: ${text}`);
    };
    expect(at("WorkflowType = 'x' AND Nope = 1")[0]).toBe(23);
    expect(at("Amount > 'ten'")).toEqual([9, expect.stringMatching(/Amount is an Int field and needs an integer/)]);
    expect(at("Paid = 'yes'")[0]).toBe(7);
    expect(at("DueAt < '2026-13-01'")[0]).toBe(8);
    expect(at("Tags > 'a'")[1]).toMatch(/KeywordList/);
    expect(at("Note STARTS_WITH 'a'")[1]).toMatch(/Text/);
    expect(at('ORDER BY Amount, Note DESC')).toEqual([
      17,
      'Note at position 17 is a Text field, which cannot be sorted by',
    ]);
  });
});
