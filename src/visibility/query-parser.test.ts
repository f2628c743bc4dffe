/**
 * Tests of the query tokenizer/parser and printer: every operator, precedence, escapes, exact error positions, and
 * properties (no input makes parseQuery throw anything but a positioned QuerySyntaxError; printing round-trips).
 */
import { isStorableText } from '../common/storable-text.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuerySyntaxError } from './query-ast.js';
import type { Expr, Literal, VisibilityQuery } from './query-ast.js';
import { formatQuery, parseQuery } from './query-parser.js';

/** The tree without any position fields. */
function strip<T>(value: T): T {
  if (Array.isArray(value)) return value.map(strip) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k, v]) => !/position/i.test(k) && v !== undefined)
        .map(([k, v]) => [k, strip(v)]),
    ) as T;
  }
  return value;
}

const where = (text: string): Expr | undefined => strip(parseQuery(text)).where;
const cmp = (field: string, op: string, value: Literal): Expr => ({ kind: 'compare', field, op, value }) as Expr;

function syntaxError(text: string): QuerySyntaxError {
  try {
    parseQuery(text);
  } catch (err) {
    expect(err).toBeInstanceOf(QuerySyntaxError);
    return err as QuerySyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail`);
}

describe('parseQuery: predicates', () => {
  it('parses every comparison operator, `<>` as !=', () => {
    for (const op of ['=', '!=', '>', '>=', '<', '<='])
      expect(where(`HistoryLength ${op} 5`)).toEqual(cmp('HistoryLength', op, 5));
    expect(where('HistoryLength<>5')).toEqual(cmp('HistoryLength', '!=', 5));
    expect(where('a>=1')).toEqual(cmp('a', '>=', 1));
  });

  it('records the field and value positions', () => {
    expect(parseQuery("  WorkflowId = 'x'")).toEqual({
      where: { kind: 'compare', field: 'WorkflowId', op: '=', value: 'x', position: 2, valuePosition: 15 },
      orderBy: [],
    });
  });

  it('parses IN and NOT IN', () => {
    expect(parseQuery("RunId IN ('a', 'b',3)").where).toEqual({
      kind: 'in',
      field: 'RunId',
      values: ['a', 'b', 3],
      negated: false,
      position: 0,
      valuePositions: [10, 15, 19],
    });
    expect(where("RunId not in ('a')")).toEqual({ kind: 'in', field: 'RunId', values: ['a'], negated: true });
  });

  it('parses BETWEEN and NOT BETWEEN', () => {
    expect(parseQuery('h BETWEEN 1 AND 5').where).toEqual({
      kind: 'between',
      field: 'h',
      low: 1,
      high: 5,
      negated: false,
      position: 0,
      lowPosition: 10,
      highPosition: 16,
    });
    expect(where("t NOT BETWEEN 'a' AND 'b'")).toEqual({
      kind: 'between',
      field: 't',
      low: 'a',
      high: 'b',
      negated: true,
    });
  });

  it('parses STARTS_WITH, and NOT STARTS_WITH as a negation', () => {
    expect(parseQuery("WorkflowId STARTS_WITH 'ord-'").where).toEqual({
      kind: 'startsWith',
      field: 'WorkflowId',
      prefix: 'ord-',
      position: 0,
      prefixPosition: 23,
    });
    expect(where("w NOT STARTS_WITH ''")).toEqual({
      kind: 'not',
      expr: { kind: 'startsWith', field: 'w', prefix: '' },
    });
  });

  it('parses IS NULL and IS NOT NULL', () => {
    expect(parseQuery('CloseTime IS NULL').where).toEqual({
      kind: 'isNull',
      field: 'CloseTime',
      negated: false,
      position: 0,
    });
    expect(where('CloseTime is not null')).toEqual({ kind: 'isNull', field: 'CloseTime', negated: true });
  });

  it('reads numbers and booleans', () => {
    const values = [
      ['42', 42],
      ['-7', -7],
      ['3.25', 3.25],
      ['1e3', 1000],
      ['-2.5E-3', -0.0025],
      ['1e+21', 1e21],
      ['0', 0],
      ['-0', -0],
      ['true', true],
      ['FALSE', false],
      ['True', true],
    ] as const;
    for (const [text, value] of values) expect(where(`x = ${text}`)).toEqual(cmp('x', '=', value));
    expect(Object.is((where('x = -0') as { value: number }).value, -0)).toBe(true);
  });

  it('reads both quote styles and every escape', () => {
    const strings: Array<[string, string]> = [
      [`'it''s'`, "it's"],
      [`'it\\'s'`, "it's"],
      [`"say ""hi"""`, 'say "hi"'],
      [`"a\\"b"`, 'a"b'],
      [`'back\\\\slash'`, 'back\\slash'],
      [`'\\n\\t\\r'`, '\n\t\r'],
      [`'\\q'`, 'q'],
      [`''`, ''],
      [`"it's"`, "it's"],
      [`'say "hi"'`, 'say "hi"'],
      [`'line\nbreak'`, 'line\nbreak'],
      [`'é 😀'`, 'é 😀'],
      [`'AND OR )'`, 'AND OR )'],
    ];
    for (const [text, value] of strings) expect(where(`x = ${text}`)).toEqual(cmp('x', '=', value));
  });

  it('reads backtick field names, keywords among them', () => {
    expect(where('`Any Name` = 1')).toEqual(cmp('Any Name', '=', 1));
    expect(where('`order` = 1')).toEqual(cmp('order', '=', 1));
    expect(where('`tick``name` = 1')).toEqual(cmp('tick`name', '=', 1));
    expect(where("`it's \\ ok` = 1")).toEqual(cmp("it's \\ ok", '=', 1));
  });
});

describe('parseQuery: structure', () => {
  const [a, b, c] = [cmp('a', '=', 1), cmp('b', '=', 2), cmp('c', '=', 3)];

  it('binds AND tighter than OR', () => {
    expect(where('a = 1 OR b = 2 AND c = 3')).toEqual({
      kind: 'or',
      left: a,
      right: { kind: 'and', left: b, right: c },
    });
    expect(where('a = 1 AND b = 2 OR c = 3')).toEqual({
      kind: 'or',
      left: { kind: 'and', left: a, right: b },
      right: c,
    });
  });

  it('associates to the left', () => {
    expect(where('a = 1 AND b = 2 AND c = 3')).toEqual({
      kind: 'and',
      left: { kind: 'and', left: a, right: b },
      right: c,
    });
    expect(where('a = 1 OR b = 2 OR c = 3')).toEqual({ kind: 'or', left: { kind: 'or', left: a, right: b }, right: c });
  });

  it('groups with parentheses', () => {
    expect(where('(a = 1 OR b = 2) AND c = 3')).toEqual({
      kind: 'and',
      left: { kind: 'or', left: a, right: b },
      right: c,
    });
    expect(where('a = 1 AND (b = 2 AND c = 3)')).toEqual({
      kind: 'and',
      left: a,
      right: { kind: 'and', left: b, right: c },
    });
    expect(where('(((a = 1)))')).toEqual(a);
  });

  it('applies NOT to the next operand only', () => {
    expect(where('NOT a = 1 AND b = 2')).toEqual({ kind: 'and', left: { kind: 'not', expr: a }, right: b });
    expect(where('NOT (a = 1 OR b = 2)')).toEqual({ kind: 'not', expr: { kind: 'or', left: a, right: b } });
    expect(where('not NOT a = 1')).toEqual({ kind: 'not', expr: { kind: 'not', expr: a } });
  });

  it('reads keywords in any case', () => {
    const q = "a = 1 oR b iN (2) AnD c not BETWEEN 1 and 2 Or d Starts_With 'x' or e Is nOt NuLl order BY a dEsC, b";
    const expected: VisibilityQuery = {
      where: {
        kind: 'or',
        left: {
          kind: 'or',
          left: {
            kind: 'or',
            left: a,
            right: {
              kind: 'and',
              left: { kind: 'in', field: 'b', values: [2], negated: false, position: 0 },
              right: { kind: 'between', field: 'c', low: 1, high: 2, negated: true, position: 0 },
            },
          },
          right: { kind: 'startsWith', field: 'd', prefix: 'x', position: 0 },
        },
        right: { kind: 'isNull', field: 'e', negated: true, position: 0 },
      },
      orderBy: [
        { field: 'a', direction: 'DESC', position: 0 },
        { field: 'b', direction: 'ASC', position: 0 },
      ],
    };
    expect(strip(parseQuery(q))).toEqual(strip(expected));
  });

  it('parses ORDER BY, with ASC by default', () => {
    expect(parseQuery('a = 1 ORDER BY StartTime DESC, `Run Id`, b asc')).toEqual({
      where: { kind: 'compare', field: 'a', op: '=', value: 1, position: 0, valuePosition: 4 },
      orderBy: [
        { field: 'StartTime', direction: 'DESC', position: 15 },
        { field: 'Run Id', direction: 'ASC', position: 31 },
        { field: 'b', direction: 'ASC', position: 41 },
      ],
    });
    expect(parseQuery('order by CloseTime')).toEqual({
      orderBy: [{ field: 'CloseTime', direction: 'ASC', position: 9 }],
    });
  });

  it('treats empty and whitespace-only text as no filter', () => {
    for (const text of ['', '   ', '\n\t ']) expect(parseQuery(text)).toEqual({ orderBy: [] });
  });
});

describe('parseQuery: errors', () => {
  const cases: Array<[string, number, string]> = [
    ['ExecutionStatus =', 17, "expected a value after '=' at position 17, found end of query"],
    ["WorkflowType = 'x' AND", 22, 'expected a field name at position 22, found end of query'],
    [
      'AND = 1',
      0,
      'expected a field name at position 0, found AND (quote it as `AND` to use a keyword as a field name)',
    ],
    ['a == 1', 3, "expected a value after '=' at position 3, found '='"],
    ['a = b', 4, "expected a value after '=' at position 4, found 'b' (quote text values as '...')"],
    ['a = NULL', 4, "expected a value after '=' at position 4, found NULL (use IS NULL or IS NOT NULL)"],
    ["a = 'abc", 4, "expected a value after '=' at position 4, found an unterminated string (no closing ')"],
    ['`abc = 1', 0, 'expected a field name at position 0, found an unterminated quoted field name (no closing `)'],
    ['`` = 1', 0, 'expected a field name at position 0, found an empty quoted field name'],
    ['a = 12abc', 4, "expected a value after '=' at position 4, found invalid number '12abc'"],
    ['a = 1.2.3', 4, "expected a value after '=' at position 4, found invalid number '1.2.3'"],
    ['a = 1e999', 4, "expected a value after '=' at position 4, found number 1e999, which is out of range"],
    ['a = -', 4, "expected a value after '=' at position 4, found an unexpected character '-'"],
    ['a = 1 # b', 6, "expected AND, OR, ORDER BY or end of query at position 6, found an unexpected character '#'"],
    ['a = 1 b = 2', 6, "expected AND, OR, ORDER BY or end of query at position 6, found 'b'"],
    ['a = 1)', 5, "expected AND, OR, ORDER BY or end of query at position 5, found ')'"],
    ['((a = 1)', 8, "expected ')' at position 8 to close the '(' at position 0, found end of query"],
    ['()', 1, "expected a field name at position 1, found ')'"],
    [
      'a',
      1,
      'expected an operator (=, !=, <>, >, >=, <, <=, IN, NOT IN, BETWEEN, STARTS_WITH, IS NULL) after a at position 1, found end of query',
    ],
    ['a IN 1', 5, "expected '(' after IN at position 5, found number 1"],
    ['a IN ()', 6, "expected a value after 'IN (' at position 6, found ')'"],
    ['a IN (1,)', 8, "expected a value after ',' at position 8, found ')'"],
    ['a IN (1 2)', 8, "expected ',' or ')' at position 8 in the IN list opened at position 5, found number 2"],
    ['a BETWEEN 1 OR 2', 12, 'expected AND between the BETWEEN bounds at position 12, found OR'],
    ['a BETWEEN 1 AND', 15, 'expected a value after BETWEEN ... AND at position 15, found end of query'],
    ['a STARTS_WITH 5', 14, 'expected a quoted string after STARTS_WITH at position 14, found number 5'],
    ['a NOT = 1', 6, "expected IN, BETWEEN or STARTS_WITH after NOT at position 6, found '='"],
    ['a IS 1', 5, 'expected NULL after IS at position 5, found number 1'],
    ['a IS NOT', 8, 'expected NULL after IS NOT at position 8, found end of query'],
    ['ORDER a', 6, "expected BY after ORDER at position 6, found 'a'"],
    ['a = 1 ORDER BY', 14, 'expected a field name in ORDER BY at position 14, found end of query'],
    ['ORDER BY a DESC b', 16, "expected ',' or end of query after the ORDER BY item at position 16, found 'b'"],
    ['ORDER BY a, ', 12, 'expected a field name in ORDER BY at position 12, found end of query'],
    ['a = 1 AND\u0001', 9, 'expected a field name at position 9, found an unexpected character U+0001'],
  ];
  it.each(cases)('%j fails at %i', (text, position, message) => {
    const err = syntaxError(text);
    expect(err.message).toBe(message);
    expect(err.position).toBe(position);
    expect(err.name).toBe('QuerySyntaxError');
  });

  it('caps nesting instead of overflowing the stack', () => {
    expect(where(`${'('.repeat(64)}a = 1${')'.repeat(64)}`)).toEqual(cmp('a', '=', 1));
    expect(syntaxError(`${'('.repeat(65)}a = 1${')'.repeat(65)}`).position).toBe(64);
    expect(syntaxError(`${'NOT '.repeat(65)}a = 1`).position).toBe(256);
    expect(syntaxError('('.repeat(200_000)).position).toBe(64);
    expect(syntaxError('NOT '.repeat(200_000)).position).toBe(256);
  });

  it('caps the number of conditions and values', () => {
    expect(() => parseQuery(Array.from({ length: 1000 }, () => 'a = 1').join(' AND '))).not.toThrow();
    const many = Array.from({ length: 1001 }, () => 'a = 1').join(' OR ');
    expect(syntaxError(many).position).toBe(1000 * 'a = 1 OR '.length);
    expect(syntaxError(`a IN (${Array(10_001).fill(1).join(',')})`).position).toBe(6 + 2 * 10_000);
  });
});

describe('formatQuery', () => {
  it('prints a canonical form', () => {
    expect(formatQuery(parseQuery("a=1 or b<>'x' and not c in (1,2) order by a"))).toBe(
      "a = 1 OR b != 'x' AND NOT (c IN (1, 2)) ORDER BY a ASC",
    );
  });

  it('keeps the shape of right-nested trees with parentheses', () => {
    const [a, b, c] = [cmp('a', '=', 1), cmp('b', '=', 2), cmp('c', '=', 3)];
    const q = (w: Expr): VisibilityQuery => ({ where: w, orderBy: [] });
    expect(formatQuery(q({ kind: 'and', left: a, right: { kind: 'and', left: b, right: c } }))).toBe(
      'a = 1 AND (b = 2 AND c = 3)',
    );
    expect(formatQuery(q({ kind: 'or', left: a, right: { kind: 'or', left: b, right: c } }))).toBe(
      'a = 1 OR (b = 2 OR c = 3)',
    );
    expect(formatQuery(q({ kind: 'and', left: { kind: 'or', left: a, right: b }, right: c }))).toBe(
      '(a = 1 OR b = 2) AND c = 3',
    );
    expect(formatQuery(q({ kind: 'or', left: a, right: { kind: 'and', left: b, right: c } }))).toBe(
      'a = 1 OR b = 2 AND c = 3',
    );
  });

  it('quotes fields and escapes strings', () => {
    const q: VisibilityQuery = {
      where: { kind: 'compare', field: 'and', op: '=', value: "it's \\ fine", position: 0 },
      orderBy: [{ field: 'Any Name', direction: 'DESC', position: 0 }],
    };
    expect(formatQuery(q)).toBe("`and` = 'it''s \\\\ fine' ORDER BY `Any Name` DESC");
    expect(formatQuery({ where: cmp('x', '=', -0), orderBy: [] })).toBe('x = -0');
    expect(() => formatQuery({ where: cmp('x', '=', Number.NaN), orderBy: [] })).toThrow(RangeError);
    expect(formatQuery({ orderBy: [] })).toBe('');
  });
});

// ---- properties ----

/** Any UTF-16 code unit, lone surrogates included: the parser must carry them through untouched in field names. */
const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
/** Literals are text a store keeps: any code unit but NUL, lone surrogates excluded (storable-text.ts). */
const storableString = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ maxLength, unit: anyUnit }).filter(isStorableText);
const fieldName = fc.oneof(
  fc.constantFrom('WorkflowId', 'a', '_x1', 'AND', 'order', 'Any Name', 'tick`name', 'true', 'x-y'),
  fc.string({ minLength: 1, maxLength: 8, unit: anyUnit }),
);
const literal: fc.Arbitrary<Literal> = fc.oneof(
  storableString(8),
  fc.string({ maxLength: 8, unit: fc.constantFrom("'", '"', '\\', 'n', ' ', '`', 'a') }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
);
const op = fc.constantFrom('=', '!=', '>', '>=', '<', '<=' as const);
const { expr } = fc.letrec<{ expr: Expr; leaf: Expr }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 5, depthIdentifier: 'expr' },
    tie('leaf'),
    fc.record({ kind: fc.constant('and' as const), left: tie('expr'), right: tie('expr') }),
    fc.record({ kind: fc.constant('or' as const), left: tie('expr'), right: tie('expr') }),
    fc.record({ kind: fc.constant('not' as const), expr: tie('expr') }),
  ),
  leaf: fc.oneof(
    fc.record({
      kind: fc.constant('compare' as const),
      field: fieldName,
      op,
      value: literal,
      position: fc.constant(0),
    }),
    fc.record({
      kind: fc.constant('in' as const),
      field: fieldName,
      values: fc.array(literal, { minLength: 1, maxLength: 4 }),
      negated: fc.boolean(),
      position: fc.constant(0),
    }),
    fc.record({
      kind: fc.constant('between' as const),
      field: fieldName,
      low: literal,
      high: literal,
      negated: fc.boolean(),
      position: fc.constant(0),
    }),
    fc.record({
      kind: fc.constant('startsWith' as const),
      field: fieldName,
      prefix: storableString(6),
      position: fc.constant(0),
    }),
    fc.record({
      kind: fc.constant('isNull' as const),
      field: fieldName,
      negated: fc.boolean(),
      position: fc.constant(0),
    }),
  ),
}));
const query: fc.Arbitrary<VisibilityQuery> = fc.record(
  {
    where: expr,
    orderBy: fc.array(
      fc.record({ field: fieldName, direction: fc.constantFrom('ASC', 'DESC' as const), position: fc.constant(0) }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ['orderBy'] },
);

/** Every predicate and ORDER BY item, in text order (with the tree printed by formatQuery). */
function leaves(e: Expr | undefined): Expr[] {
  if (!e) return [];
  if (e.kind === 'and' || e.kind === 'or') return [...leaves(e.left), ...leaves(e.right)];
  return e.kind === 'not' ? leaves(e.expr) : [e];
}

describe('properties', () => {
  it('parseQuery(formatQuery(q)) is q, and positions point at fields and values', () => {
    fc.assert(
      fc.property(query, (q) => {
        const text = formatQuery(q);
        const parsed = parseQuery(text);
        expect(strip(parsed)).toEqual(strip(q));
        expect(formatQuery(parsed)).toBe(text);
        for (const leaf of leaves(parsed.where)) {
          if (leaf.kind === 'and' || leaf.kind === 'or' || leaf.kind === 'not') continue;
          const fieldText = formatQuery({ where: { ...leaf, kind: 'isNull', negated: false }, orderBy: [] }).slice(
            0,
            -' IS NULL'.length,
          );
          expect(text.startsWith(fieldText, leaf.position)).toBe(true);
          if (leaf.kind === 'compare') {
            const valueText = formatQuery({ where: leaf, orderBy: [] }).slice(fieldText.length + leaf.op.length + 2);
            expect(text.startsWith(valueText, leaf.valuePosition)).toBe(true);
          }
        }
        for (const item of parsed.orderBy) {
          expect(
            text.startsWith(
              formatQuery({ orderBy: [item] }).slice('ORDER BY '.length, -(item.direction.length + 1)),
              item.position,
            ),
          ).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  const tokenSoup = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'AND',
          'or',
          'NOT',
          'in',
          'BETWEEN',
          'starts_with',
          'IS',
          'NULL',
          'ORDER',
          'BY',
          'asc',
          'DESC',
          'true',
          '(',
          ')',
          ',',
          '=',
          '!=',
          '<>',
          '<',
          '>=',
          "'",
          '"',
          '`',
          '\\',
          '-',
          '.',
          'e',
          '1',
          '2.5',
          'WorkflowId',
          "'x'",
          '"y"',
          '`f g`',
          ' ',
          '  ',
          '\n',
        ),
        fc.string({ maxLength: 3, unit: anyUnit }),
      ),
      { maxLength: 25 },
    )
    .map((parts) => parts.join(' '));

  it('parseQuery returns or throws a QuerySyntaxError positioned inside the text, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: anyUnit }), fc.string({ unit: 'binary' }), tokenSoup), (text) => {
        try {
          const q = parseQuery(text);
          expect(strip(parseQuery(formatQuery(q)))).toEqual(strip(q));
        } catch (err) {
          expect(err).toBeInstanceOf(QuerySyntaxError);
          const { position, message } = err as QuerySyntaxError;
          expect(Number.isInteger(position) && position >= 0 && position <= text.length).toBe(true);
          expect(message).toMatch(new RegExp(`position ${position}\\b`));
          expect(message).not.toMatch(/^could not parse/); // the safety net in parseQuery never fires
        }
      }),
      { numRuns: 3000 },
    );
  });
});
