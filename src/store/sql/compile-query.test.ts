/**
 * Tests of the query-to-SQL compiler: the SQL and params of every operator in both dialects, type and field errors
 * with exact positions, NULL semantics, and properties. The decisive property runs random queries against a real
 * in-memory SQLite table and compares the rows (and their order) with a brute-force evaluation of the same tree.
 */
import { isStorableText } from '../../common/storable-text.js';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXECUTION_STATUSES } from '../../protocol/status.js';
import { QuerySyntaxError } from '../../visibility/query-ast.js';
import type { Expr, Literal, VisibilityQuery } from '../../visibility/query-ast.js';
import { formatQuery, parseQuery } from '../../visibility/query-parser.js';
import { compileQuery, createFieldResolver, prefixSuccessor } from './compile-query.js';
import { parseIsoDatetime } from '../../visibility/iso-datetime.js';
import type { QueryField } from '../../visibility/query-fields.js';

const sqlite = (text: string, paramOffset?: number) =>
  compileQuery(parseQuery(text), { dialect: 'sqlite', ...(paramOffset === undefined ? {} : { paramOffset }) });
const pg = (text: string, paramOffset?: number) =>
  compileQuery(parseQuery(text), { dialect: 'postgres', ...(paramOffset === undefined ? {} : { paramOffset }) });

function compileError(text: string, fields?: ReturnType<typeof createFieldResolver>): QuerySyntaxError {
  try {
    compileQuery(parseQuery(text), { dialect: 'sqlite', ...(fields ? { fields } : {}) });
  } catch (err) {
    expect(err).toBeInstanceOf(QuerySyntaxError);
    return err as QuerySyntaxError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to fail`);
}

const T0 = Date.UTC(2026, 0, 1);

describe('compileQuery: SQL per operator', () => {
  it('compiles no filter to 1=1 and the default order', () => {
    expect(sqlite('')).toEqual({
      where: '1=1',
      params: [],
      joins: '',
      joinParams: [],
      orderBy: 'start_time DESC, run_id DESC',
      orderColumns: [
        { column: 'start_time', direction: 'DESC', nullable: false },
        { column: 'run_id', direction: 'DESC', nullable: false },
      ],
    });
  });

  it('compiles comparisons, binding every literal', () => {
    expect(sqlite("WorkflowId = 'a'")).toMatchObject({ where: 'workflow_id = ?', params: ['a'] });
    expect(sqlite("WorkflowId != 'a'")).toMatchObject({ where: 'workflow_id <> ?', params: ['a'] });
    expect(sqlite("WorkflowType <> 'a'")).toMatchObject({ where: 'workflow_type <> ?', params: ['a'] });
    for (const op of ['>', '>=', '<', '<=']) {
      expect(sqlite(`HistoryLength ${op} 7`)).toMatchObject({ where: `history_length ${op} ?`, params: [7] });
    }
    expect(sqlite("TaskQueue < 'q'")).toMatchObject({ where: 'task_queue < ?', params: ['q'] });
    expect(sqlite("RunId = 'r'")).toMatchObject({ where: 'run_id = ?', params: ['r'] });
  });

  it('guards nullable columns so that NULL is false for positive forms and true for negated ones', () => {
    expect(sqlite('CloseTime = 5')).toMatchObject({
      where: '(close_time IS NOT NULL AND close_time = ?)',
      params: [5],
    });
    expect(sqlite('CloseTime != 5')).toMatchObject({ where: '(close_time IS NULL OR close_time <> ?)', params: [5] });
    expect(sqlite('CloseTime IN (1, 2)').where).toBe('(close_time IS NOT NULL AND close_time IN (?, ?))');
    expect(sqlite('CloseTime NOT IN (1, 2)').where).toBe('(close_time IS NULL OR close_time NOT IN (?, ?))');
    expect(sqlite('CloseTime BETWEEN 1 AND 2').where).toBe('(close_time IS NOT NULL AND close_time BETWEEN ? AND ?)');
    expect(sqlite('CloseTime NOT BETWEEN 1 AND 2').where).toBe(
      '(close_time IS NULL OR close_time NOT BETWEEN ? AND ?)',
    );
  });

  it('compiles IN, BETWEEN, IS NULL and the boolean connectives', () => {
    expect(sqlite("RunId IN ('a', 'b')")).toMatchObject({ where: 'run_id IN (?, ?)', params: ['a', 'b'] });
    expect(sqlite("RunId NOT IN ('a')")).toMatchObject({ where: 'run_id NOT IN (?)', params: ['a'] });
    expect(sqlite('HistoryLength BETWEEN 1 AND 9')).toMatchObject({
      where: '(history_length BETWEEN ? AND ?)',
      params: [1, 9],
    });
    expect(sqlite('HistoryLength NOT BETWEEN 1 AND 9').where).toBe('(history_length NOT BETWEEN ? AND ?)');
    expect(sqlite('CloseTime IS NULL')).toMatchObject({ where: 'close_time IS NULL', params: [] });
    expect(sqlite('CloseTime IS NOT NULL').where).toBe('close_time IS NOT NULL');
    expect(sqlite("RunId = 'a' OR RunId = 'b' AND NOT RunId = 'c'")).toMatchObject({
      where: '(run_id = ? OR (run_id = ? AND (NOT (run_id = ?))))',
      params: ['a', 'b', 'c'],
    });
  });

  it('compiles STARTS_WITH to an index-friendly range', () => {
    expect(sqlite("WorkflowId STARTS_WITH 'ord-'")).toMatchObject({
      where: '(workflow_id >= ? AND workflow_id < ?)',
      params: ['ord-', 'ord.'],
    });
    expect(sqlite("WorkflowId STARTS_WITH ''")).toMatchObject({ where: '(workflow_id >= ?)', params: [''] });
    expect(sqlite("WorkflowId STARTS_WITH '\u{10FFFF}'")).toMatchObject({
      where: '(workflow_id >= ?)',
      params: ['\u{10FFFF}'],
    });
    expect(sqlite("WorkflowId STARTS_WITH 'a\u{10FFFF}'").params).toEqual(['a\u{10FFFF}', 'b']);
    expect(sqlite("WorkflowId NOT STARTS_WITH 'x'").where).toBe('(NOT ((workflow_id >= ? AND workflow_id < ?)))');
  });

  it('numbers postgres placeholders from paramOffset + 1', () => {
    expect(pg("WorkflowId = 'a' AND HistoryLength BETWEEN 1 AND 2 OR RunId IN ('x', 'y')")).toMatchObject({
      where: '((workflow_id = $1 AND (history_length BETWEEN $2 AND $3)) OR run_id IN ($4, $5))',
      params: ['a', 1, 2, 'x', 'y'],
    });
    expect(pg("CloseTime != 5 AND WorkflowId STARTS_WITH 'ab'", 3)).toMatchObject({
      where: '((close_time IS NULL OR close_time <> $4) AND (workflow_id >= $5 AND workflow_id < $6))',
      params: [5, 'ab', 'ac'],
    });
    expect(sqlite("WorkflowId = 'a'", 7).where).toBe('workflow_id = ?');
    expect(() => compileQuery({ orderBy: [] }, { dialect: 'postgres', paramOffset: -1 })).toThrow(RangeError);
  });

  it('normalises ExecutionStatus spelling', () => {
    expect(sqlite("ExecutionStatus IN ('running', 'TIMEDOUT', 'continuedAsNew')").params).toEqual([
      'Running',
      'TimedOut',
      'ContinuedAsNew',
    ]);
    expect(sqlite("ExecutionStatus != 'failed'")).toMatchObject({ where: 'status <> ?', params: ['Failed'] });
  });

  it('converts datetimes to epoch milliseconds', () => {
    expect(sqlite("StartTime > '2026-01-01T00:00:00Z'").params).toEqual([T0]);
    expect(sqlite(`StartTime BETWEEN '2026-01-01' AND ${T0 + 5}`).params).toEqual([T0, T0 + 5]);
    expect(sqlite("CloseTime IN ('2026-01-01T05:30:00.250+05:30')").params).toEqual([T0 + 250]);
  });

  it('compiles an empty IN list from a hand-built tree without `IN ()`', () => {
    const q = (negated: boolean): VisibilityQuery => ({
      where: { kind: 'in', field: 'RunId', values: [], negated, position: 0 },
      orderBy: [],
    });
    expect(compileQuery(q(false), { dialect: 'postgres' })).toMatchObject({ where: '(1=0)', params: [] });
    expect(compileQuery(q(true), { dialect: 'postgres' })).toMatchObject({ where: '(1=1)', params: [] });
  });

  it('refuses NUL and lone surrogates in literals (no store keeps them; ids cannot hold them)', () => {
    expect(() => sqlite("WorkflowId = 'a\uD800b\uDC00'")).toThrow(/unpaired UTF-16 surrogates/);
    expect(() => sqlite("WorkflowId = 'a\u0000'")).toThrow(/NUL/);
  });

  it('never puts literal text into SQL', () => {
    const evil = "x'); DROP TABLE executions; --";
    const c = sqlite(
      `WorkflowId = '${evil.replaceAll("'", "''")}' OR RunId STARTS_WITH '${evil.replaceAll("'", "''")}'`,
    );
    expect(c.where).toBe('(workflow_id = ? OR (run_id >= ? AND run_id < ?))');
    expect(c.params.slice(0, 2)).toEqual([evil, evil]);
  });
});

describe('compileQuery: ORDER BY', () => {
  it('appends run_id in the direction of the last column', () => {
    expect(sqlite('ORDER BY WorkflowType ASC, StartTime DESC')).toMatchObject({
      orderBy: 'workflow_type ASC, start_time DESC, run_id DESC',
      orderColumns: [
        { column: 'workflow_type', direction: 'ASC', nullable: false },
        { column: 'start_time', direction: 'DESC', nullable: false },
        { column: 'run_id', direction: 'DESC', nullable: false },
      ],
    });
    expect(sqlite('ORDER BY HistoryLength').orderBy).toBe('history_length ASC, run_id ASC');
  });

  it('does not repeat run_id', () => {
    expect(sqlite('ORDER BY RunId DESC, StartTime').orderBy).toBe('run_id DESC, start_time ASC');
  });

  it('sorts NULL close times as the largest values in both directions', () => {
    expect(sqlite('ORDER BY CloseTime').orderBy).toBe('close_time ASC NULLS LAST, run_id ASC');
    expect(pg('ORDER BY CloseTime DESC').orderBy).toBe('close_time DESC NULLS FIRST, run_id DESC');
  });

  it('rejects unknown fields with their position', () => {
    const err = compileError('ORDER BY StartTime, Bogus');
    expect(err.position).toBe(20);
    expect(err.message).toMatch(/^unknown field 'Bogus' at position 20; known fields: CloseTime, ExecutionStatus/);
  });
});

describe('compileQuery: errors', () => {
  const known = 'CloseTime, ExecutionStatus, HistoryLength, RunId, StartTime, TaskQueue, WorkflowId, WorkflowType';
  const cases: Array<[string, number, string]> = [
    ["Bogus = 'x'", 0, `unknown field 'Bogus' at position 0; known fields: ${known}`],
    [
      "RunId = 'a' AND workflowId = 'x'",
      16,
      `unknown field 'workflowId' at position 16 (did you mean WorkflowId? field names are case-sensitive); known fields: ${known}`,
    ],
    ["toString = 'x'", 0, `unknown field 'toString' at position 0; known fields: ${known}`],
    ["`__proto__` = 'x'", 0, `unknown field '__proto__' at position 0; known fields: ${known}`],
    [
      "ExecutionStatus = 'Runing'",
      18,
      "invalid ExecutionStatus 'Runing' at position 18; valid values: Running, Completed, Failed, Cancelled, Terminated, TimedOut, ContinuedAsNew",
    ],
    [
      "ExecutionStatus IN ('Running', 'Done')",
      31,
      "invalid ExecutionStatus 'Done' at position 31; valid values: Running, Completed, Failed, Cancelled, Terminated, TimedOut, ContinuedAsNew",
    ],
    [
      "ExecutionStatus > 'Running'",
      0,
      '> cannot be used on ExecutionStatus at position 0 (a Keyword field with a fixed set of values); use =, !=, IN, NOT IN or IS [NOT] NULL',
    ],
    [
      "ExecutionStatus NOT BETWEEN 'A' AND 'B'",
      0,
      'NOT BETWEEN cannot be used on ExecutionStatus at position 0 (a Keyword field with a fixed set of values); use =, !=, IN, NOT IN or IS [NOT] NULL',
    ],
    [
      "ExecutionStatus STARTS_WITH 'Run'",
      0,
      'STARTS_WITH needs a free-form Keyword field, but ExecutionStatus at position 0 is a Keyword field with a fixed set of values',
    ],
    [
      "HistoryLength STARTS_WITH '1'",
      0,
      'STARTS_WITH needs a free-form Keyword field, but HistoryLength at position 0 is an Int field',
    ],
    [
      "StartTime STARTS_WITH '2026'",
      0,
      'STARTS_WITH needs a free-form Keyword field, but StartTime at position 0 is a Datetime field',
    ],
    ["HistoryLength = '5'", 16, "HistoryLength is an Int field and needs an integer at position 16, found string '5'"],
    ['HistoryLength > 1.5', 16, 'HistoryLength is an Int field and needs an integer at position 16, found number 1.5'],
    ['HistoryLength IN (1, TRUE)', 21, 'HistoryLength is an Int field and needs an integer at position 21, found TRUE'],
    ['WorkflowId = 5', 13, 'WorkflowId is a Keyword field and needs a quoted string at position 13, found number 5'],
    [
      "WorkflowId BETWEEN 'a' AND 1",
      27,
      'WorkflowId is a Keyword field and needs a quoted string at position 27, found number 1',
    ],
    [
      "StartTime > 'yesterday'",
      12,
      "StartTime is a Datetime field and needs an ISO 8601 time like '2026-01-01T00:00:00Z' or integer epoch ms at position 12, found string 'yesterday'",
    ],
    [
      "CloseTime < '2026-02-30T00:00:00Z'",
      12,
      "CloseTime is a Datetime field and needs an ISO 8601 time like '2026-01-01T00:00:00Z' or integer epoch ms at position 12, found string '2026-02-30T00:00:00Z'",
    ],
    [
      'StartTime > 1.5',
      12,
      "StartTime is a Datetime field and needs an ISO 8601 time like '2026-01-01T00:00:00Z' or integer epoch ms at position 12, found number 1.5",
    ],
    [
      'StartTime > FALSE',
      12,
      "StartTime is a Datetime field and needs an ISO 8601 time like '2026-01-01T00:00:00Z' or integer epoch ms at position 12, found FALSE",
    ],
  ];
  it.each(cases)('%j fails at %i', (text, position, message) => {
    const err = compileError(text);
    expect(err.position).toBe(position);
    expect(err.message).toBe(message);
  });

  it('reports errors from a hand-built tree at the field when value positions are missing', () => {
    const q: VisibilityQuery = {
      where: { kind: 'compare', field: 'HistoryLength', op: '=', value: 'x', position: 9 },
      orderBy: [],
    };
    expect(() => compileQuery(q, { dialect: 'sqlite' })).toThrow(expect.objectContaining({ position: 9 }));
  });
});

describe('custom search attributes', () => {
  const custom = new Map<string, QueryField>([
    ['IsPremium', { column: 'sa_bool_1', type: 'Bool', nullable: true }],
    ['Score', { column: 'sa_double_1', type: 'Double', nullable: true }],
    ['Notes', { column: 'sa_text_1', type: 'Text', nullable: true }],
    ['Region', { column: 'sa_keyword_1', type: 'Keyword', nullable: true }],
  ]);
  const fields = createFieldResolver(custom);
  const compile = (text: string, dialect: 'sqlite' | 'postgres') => compileQuery(parseQuery(text), { dialect, fields });

  it('binds Bool as 1/0 in SQLite and as a boolean in Postgres', () => {
    expect(compile('IsPremium = TRUE', 'sqlite')).toMatchObject({
      where: '(sa_bool_1 IS NOT NULL AND sa_bool_1 = ?)',
      params: [1],
    });
    expect(compile('IsPremium != false', 'postgres')).toMatchObject({
      where: '(sa_bool_1 IS NULL OR sa_bool_1 <> $1)',
      params: [false],
    });
    expect(compileError('IsPremium > TRUE', fields).message).toMatch(/^> cannot be used on IsPremium at position 0/);
    expect(compileError("IsPremium = 'yes'", fields).message).toBe(
      "IsPremium is a Bool field and needs TRUE or FALSE at position 12, found string 'yes'",
    );
  });

  it('accepts any number for Double and prefix search on a nullable Keyword', () => {
    expect(compile('Score BETWEEN -1.5 AND 2e3', 'sqlite').params).toEqual([-1.5, 2000]);
    expect(compile("Region STARTS_WITH 'eu'", 'sqlite').where).toBe(
      '(sa_keyword_1 IS NOT NULL AND sa_keyword_1 >= ? AND sa_keyword_1 < ?)',
    );
    expect(compile('ORDER BY Score DESC', 'sqlite').orderBy).toBe('sa_double_1 DESC NULLS FIRST, run_id DESC');
  });

  it('refuses sorting by Text, and lists custom names among the known fields', () => {
    expect(compileError("Notes > 'x'", fields).message).toMatch(
      /cannot be used on Notes at position 0 \(a Text field\)/,
    );
    expect(compileError('ORDER BY Notes', fields).position).toBe(9);
    expect(compileError("Nope = 'x'", fields).message).toContain(
      'known fields: CloseTime, ExecutionStatus, HistoryLength, IsPremium, Notes, Region, RunId, Score',
    );
  });

  it('sorts by a registered attribute through a LEFT JOIN of its value rows, the name bound', () => {
    const registered = createFieldResolver(
      new Map<string, QueryField>([
        ['Amount', { column: 'int_value', type: 'Int', nullable: true, searchAttribute: 'Amount' }],
        ['Tags', { column: 'text_value', type: 'KeywordList', nullable: true, searchAttribute: 'Tags' }],
        ['Note', { column: 'text_value', type: 'Text', nullable: true, searchAttribute: 'Note' }],
      ]),
    );
    const run = (text: string, dialect: 'sqlite' | 'postgres', paramOffset = 0) =>
      compileQuery(parseQuery(text), { dialect, fields: registered, paramOffset });
    const scalar = run('HistoryLength > 3 ORDER BY Amount DESC', 'sqlite');
    expect(scalar).toMatchObject({
      joins:
        'LEFT JOIN (SELECT run_id AS sort0_run, int_value AS sort0_value FROM search_attribute_values' +
        ' WHERE name = ? AND idx = 0) AS sort0 ON sort0_run = run_id',
      joinParams: ['Amount'],
      where: 'history_length > ?',
      params: [3],
      orderBy: 'sort0_value DESC NULLS FIRST, run_id DESC',
      orderColumns: [
        { column: 'sort0_value', direction: 'DESC', nullable: true, source: 'Amount:Int' },
        { column: 'run_id', direction: 'DESC', nullable: false },
      ],
    });
    // a KeywordList sorts by its smallest item (ties by idx, so one row per run)
    const list = run('ORDER BY Tags, StartTime DESC', 'sqlite');
    expect(list.joins).toBe(
      'LEFT JOIN (SELECT s.run_id AS sort0_run, s.text_value AS sort0_value FROM search_attribute_values AS s' +
        ' WHERE s.name = ? AND NOT EXISTS (SELECT 1 FROM search_attribute_values AS t WHERE t.run_id = s.run_id' +
        ' AND t.name = s.name AND (t.text_value < s.text_value OR (t.text_value = s.text_value AND t.idx < s.idx))))' +
        ' AS sort0 ON sort0_run = run_id',
    );
    expect(list.orderBy).toBe('sort0_value ASC NULLS LAST, start_time DESC, run_id DESC');
    // Postgres: the joins' parameters are numbered first (they come first in the text), after paramOffset
    const pgq = run("Amount = 5 AND Tags = 'x' ORDER BY Tags, Amount", 'postgres', 1);
    expect(pgq.joins).toMatch(
      /^LEFT JOIN \(.* WHERE s\.name = \$2 AND .* AS sort0 ON sort0_run = run_id LEFT JOIN \(.* WHERE name = \$3 AND idx = 0\) AS sort1 ON sort1_run = run_id$/,
    );
    expect(pgq.joinParams).toEqual(['Tags', 'Amount']);
    expect(pgq.where).toMatch(/name = \$4 AND int_value = \$5.* name = \$6 AND text_value = \$7/);
    expect(pgq.params).toEqual(['Amount', 5, 'Tags', 'x']);
    expect(pgq.orderBy).toBe('sort0_value ASC NULLS LAST, sort1_value ASC NULLS LAST, run_id ASC');
    // Text cannot be sorted (as in Temporal); the error points at the ORDER BY item
    const err = compileError('Amount = 1 ORDER BY Amount, Note DESC', registered);
    expect([err.position, err.message]).toEqual([28, 'Note at position 28 is a Text field, which cannot be sorted by']);
    // errors keep text order: a bad WHERE is reported before a bad ORDER BY
    expect(compileError("Amount = 'x' ORDER BY Note", registered).position).toBe(9);
    // built-in orders are untouched: no joins
    expect(run('ORDER BY StartTime', 'sqlite')).toMatchObject({ joins: '', joinParams: [] });
  });

  it('refuses bad definitions', () => {
    expect(() => createFieldResolver(new Map([['RunId', { column: 'x', type: 'Keyword', nullable: true }]]))).toThrow(
      /shadow/,
    );
    expect(() => createFieldResolver(new Map([['X', { column: 'x; DROP', type: 'Keyword', nullable: true }]]))).toThrow(
      /column/,
    );
    const sneaky = { resolve: () => ({ column: 'a b', type: 'Keyword' as const, nullable: false }), names: () => [] };
    expect(() => compileQuery(parseQuery("X = 'x'"), { dialect: 'sqlite', fields: sneaky })).toThrow(/column/);
  });
});

describe('parseIsoDatetime', () => {
  it('reads the RFC 3339 forms', () => {
    const good: Array<[string, number]> = [
      ['2026-01-01T00:00:00Z', T0],
      ['2026-01-01', T0],
      ['2026-01-01T05:30:00+05:30', T0],
      ['2025-12-31T16:00:00-08:00', T0],
      ['2026-01-01t00:00z', T0],
      ['2026-01-01 00:00:00.123456789Z', T0 + 123],
      ['2026-01-01T00:00:00.5Z', T0 + 500],
      ['2024-02-29T12:00:00Z', Date.UTC(2024, 1, 29, 12)],
      ['2000-02-29', Date.UTC(2000, 1, 29)],
      ['0001-01-01T00:00:00Z', -62135596800000],
      ['9999-12-31T23:59:59.999Z', 253402300799999],
      ['1969-12-31T23:59:59.999Z', -1],
    ];
    for (const [text, ms] of good) expect([text, parseIsoDatetime(text)]).toEqual([text, ms]);
  });

  it('rejects everything else', () => {
    const bad = [
      '2026-02-30',
      '2025-02-29',
      '1900-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-01-00',
      '2026-01-01T24:00:00Z',
      '2026-01-01T10:60Z',
      '2026-01-01T10:00:60Z',
      '2026-01-01T10:00:00',
      '2026-01-01T10:00:00+24:00',
      '2026-01-01T10:00:00+05:60',
      '2026-01-01T10:00:00+0530',
      '26-01-01',
      '2026-1-1',
      'yesterday',
      ' 2026-01-01',
      '2026-01-01 ',
      '2026-01-01T10:00:00.Z',
      '2026-01-01T10:00:00.1234567890Z',
      '\uFF12026-01-01',
      '2026-01-01T10Z',
      '',
      '1767225600000',
      '+002026-01-01T00:00:00Z',
    ];
    for (const text of bad) expect([text, parseIsoDatetime(text)]).toEqual([text, undefined]);
  });

  it('agrees with Date for every millisecond of years 0000-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62167219200000, max: 253402300799999 }), (ms) => {
        expect(parseIsoDatetime(new Date(ms).toISOString())).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Compares strings by code point, the order of SQLite's BINARY collation over UTF-8. */
function compareText(a: string, b: string): number {
  const [x, y] = [Array.from(a, (c) => c.codePointAt(0)!), Array.from(b, (c) => c.codePointAt(0)!)];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

describe('prefixSuccessor', () => {
  it('handles the edges', () => {
    expect(prefixSuccessor('ab')).toBe('ac');
    expect(prefixSuccessor('')).toBeUndefined();
    expect(prefixSuccessor('\u{10FFFF}\u{10FFFF}')).toBeUndefined();
    expect(prefixSuccessor('a\u{10FFFF}')).toBe('b');
    expect(prefixSuccessor('\uD7FF')).toBe('\uE000');
    expect(prefixSuccessor('\uFFFF')).toBe('\u{10000}');
    expect(prefixSuccessor('a\u{1F600}')).toBe('a\u{1F601}');
  });

  const text = fc.string({
    unit: fc.oneof(
      fc.constantFrom('a', 'b', '\u{10FFFF}', '\uFFFF', '\uD7FF', '\uE000', '\u{10000}'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    ),
    maxLength: 5,
  });
  it('is above every extension of the prefix and at or below every larger string that is not one', () => {
    fc.assert(
      fc.property(text, text, (prefix, s) => {
        const next = prefixSuccessor(prefix);
        if (s.startsWith(prefix)) expect(next === undefined || compareText(s, next) < 0).toBe(true);
        else if (compareText(s, prefix) > 0) expect(next !== undefined && compareText(s, next) >= 0).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

// ---- typed query trees over the built-in fields ----

type FieldKind = 'keyword' | 'status' | 'datetime' | 'int';
const FIELDS: Record<string, { kind: FieldKind; key: keyof Row }> = {
  WorkflowId: { kind: 'keyword', key: 'workflow_id' },
  RunId: { kind: 'keyword', key: 'run_id' },
  WorkflowType: { kind: 'keyword', key: 'workflow_type' },
  TaskQueue: { kind: 'keyword', key: 'task_queue' },
  ExecutionStatus: { kind: 'status', key: 'status' },
  StartTime: { kind: 'datetime', key: 'start_time' },
  CloseTime: { kind: 'datetime', key: 'close_time' },
  HistoryLength: { kind: 'int', key: 'history_length' },
};
const FIELD_NAMES = Object.keys(FIELDS);

/** Literal generators per field, so every generated tree compiles. */
type Literals = Record<string, fc.Arbitrary<Literal>>;

const randomCase = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join(''));
const statusLiteral = fc.constantFrom(...EXECUTION_STATUSES).chain((s) => fc.oneof(fc.constant(s), randomCase(s)));

/** An epoch-ms time as a number or as ISO text in one of the forms Date.parse reads too (years 0001-9998). */
function timeLiteral(ms: fc.Arbitrary<number>): fc.Arbitrary<Literal> {
  const pad = (n: number) => String(Math.abs(n)).padStart(2, '0');
  return fc.oneof(
    ms,
    ms.map((t) => new Date(t).toISOString()),
    ms.map((t) => new Date(t - (((t % 86_400_000) + 86_400_000) % 86_400_000)).toISOString().slice(0, 10)),
    fc.tuple(ms, fc.integer({ min: -14 * 60, max: 14 * 60 })).map(([t, offset]) => {
      const local = new Date(t + offset * 60_000).toISOString().slice(0, -1); // drop the Z
      return `${local}${offset < 0 ? '-' : '+'}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
    }),
  );
}

function typedLeaf(literals: Literals): fc.Arbitrary<Expr> {
  return fc.constantFrom(...FIELD_NAMES).chain((field): fc.Arbitrary<Expr> => {
    const kind = FIELDS[field]!.kind;
    const lit = literals[kind]!;
    const ops = kind === 'status' ? (['=', '!='] as const) : (['=', '!=', '>', '>=', '<', '<='] as const);
    const options: Array<fc.Arbitrary<Expr>> = [
      fc.record({
        kind: fc.constant('compare' as const),
        field: fc.constant(field),
        op: fc.constantFrom(...ops),
        value: lit,
        position: fc.constant(0),
      }),
      fc.record({
        kind: fc.constant('in' as const),
        field: fc.constant(field),
        values: fc.array(lit, { minLength: 1, maxLength: 4 }),
        negated: fc.boolean(),
        position: fc.constant(0),
      }),
      fc.record({
        kind: fc.constant('isNull' as const),
        field: fc.constant(field),
        negated: fc.boolean(),
        position: fc.constant(0),
      }),
    ];
    if (kind !== 'status') {
      options.push(
        fc.record({
          kind: fc.constant('between' as const),
          field: fc.constant(field),
          low: lit,
          high: lit,
          negated: fc.boolean(),
          position: fc.constant(0),
        }),
      );
    }
    if (kind === 'keyword') {
      options.push(
        fc.record({
          kind: fc.constant('startsWith' as const),
          field: fc.constant(field),
          prefix: lit as fc.Arbitrary<string>,
          position: fc.constant(0),
        }),
      );
    }
    return fc.oneof(...options);
  });
}

function typedQuery(literals: Literals): fc.Arbitrary<VisibilityQuery> {
  const leaf = typedLeaf(literals);
  const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'typed' },
      leaf,
      fc.record({ kind: fc.constant('and' as const), left: tie('expr'), right: tie('expr') }),
      fc.record({ kind: fc.constant('or' as const), left: tie('expr'), right: tie('expr') }),
      fc.record({ kind: fc.constant('not' as const), expr: tie('expr') }),
    ),
  }));
  const orderItem = fc.record({
    field: fc.constantFrom(...FIELD_NAMES),
    direction: fc.constantFrom('ASC', 'DESC' as const),
    position: fc.constant(0),
  });
  return fc.record({ where: expr, orderBy: fc.array(orderItem, { maxLength: 3 }) }, { requiredKeys: ['orderBy'] });
}

/** A literal as the compiler must bind it, worked out independently of the compiler. */
function expectedParam(field: string, v: Literal): unknown {
  const kind = FIELDS[field]!.kind;
  if (kind === 'status') return EXECUTION_STATUSES.find((s) => s.toLowerCase() === String(v).toLowerCase());
  if (kind === 'datetime' && typeof v === 'string') return Date.parse(v);
  return v;
}

function expectedParams(e: Expr | undefined): unknown[] {
  if (!e) return [];
  switch (e.kind) {
    case 'and':
    case 'or':
      return [...expectedParams(e.left), ...expectedParams(e.right)];
    case 'not':
      return expectedParams(e.expr);
    case 'compare':
      return [expectedParam(e.field, e.value)];
    case 'in':
      return e.values.map((v) => expectedParam(e.field, v));
    case 'between':
      return [expectedParam(e.field, e.low), expectedParam(e.field, e.high)];
    case 'startsWith': {
      const next = prefixSuccessor(e.prefix);
      return next === undefined ? [e.prefix] : [e.prefix, next];
    }
    case 'isNull':
      return [];
  }
}

function stringLiterals(e: Expr | undefined): string[] {
  if (!e) return [];
  if (e.kind === 'and' || e.kind === 'or') return [...stringLiterals(e.left), ...stringLiterals(e.right)];
  if (e.kind === 'not') return stringLiterals(e.expr);
  const values =
    e.kind === 'compare'
      ? [e.value]
      : e.kind === 'in'
        ? e.values
        : e.kind === 'between'
          ? [e.low, e.high]
          : e.kind === 'startsWith'
            ? [e.prefix]
            : [];
  return values.filter((v): v is string => typeof v === 'string');
}

function strip<T>(value: T): T {
  if (Array.isArray(value)) return value.map(strip) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !/position/i.test(k))
        .map(([k, v]) => [k, strip(v)]),
    ) as T;
  }
  return value;
}

const SQL_WORDS = new Set([
  'workflow_id',
  'run_id',
  'workflow_type',
  'task_queue',
  'status',
  'start_time',
  'close_time',
  'history_length',
  'AND',
  'OR',
  'NOT',
  'IN',
  'BETWEEN',
  'IS',
  'NULL',
  '(',
  ')',
  ',',
  '=',
  '<>',
  '<',
  '<=',
  '>',
  '>=',
]);

const wideLiterals: Literals = {
  keyword: fc.oneof(
    fc.string({ unit: 'binary', maxLength: 10 }).filter(isStorableText),
    fc.string({ unit: fc.constantFrom("'", '"', '\\', '`', ';', '-', ' ', '?', '$1', 'x'), maxLength: 10 }),
  ),
  status: statusLiteral,
  datetime: timeLiteral(fc.integer({ min: -62135596800000, max: 253370764800000 })),
  int: fc.maxSafeInteger(),
};

describe('properties over built-in fields', () => {
  it('formatQuery round-trips, and compileQuery binds every literal and puts none in the SQL', () => {
    fc.assert(
      fc.property(typedQuery(wideLiterals), fc.nat(5), (q, offset) => {
        const parsed = parseQuery(formatQuery(q));
        expect(strip(parsed)).toEqual(strip(q));
        const expected = expectedParams(q.where);
        for (const dialect of ['sqlite', 'postgres'] as const) {
          const c = compileQuery(parsed, { dialect, paramOffset: offset });
          expect(c.params).toEqual(expected);
          const tokens = c.where.match(/\$\d+|\?|[A-Za-z_]+|<>|<=|>=|\S/g) ?? [];
          const placeholders = tokens.filter((t) => t === '?' || t.startsWith('$'));
          expect(placeholders).toEqual(
            dialect === 'sqlite' ? expected.map(() => '?') : expected.map((_, i) => `$${offset + i + 1}`),
          );
          if (q.where) for (const t of tokens) if (!placeholders.includes(t)) expect(SQL_WORDS).toContain(t);
          // a literal made only of SQL's own characters (e.g. '?') could match by chance; the token check covers those
          for (const s of stringLiterals(q.where))
            if (/[^A-Za-z0-9_ (),=<>?$]/.test(s)) expect(c.where).not.toContain(s);
        }
      }),
      { numRuns: 400 },
    );
  });
});

// ---- semantics: SQLite against a brute-force evaluator ----

interface Row {
  run_id: string;
  workflow_id: string;
  workflow_type: string;
  task_queue: string;
  status: string;
  start_time: number;
  close_time: number | null;
  history_length: number;
}

/** Strings that sit on the edges of code point order (surrogate pairs, U+FFFF, U+10FFFF, NUL, combining marks). */
const EDGE_TEXT = [
  '',
  'é',
  'e\u0301',
  '\uFFFF',
  '\u{10000}',
  '\u{10FFFF}',
  'a\u{10FFFF}',
  'a\u{10FFFF}b',
  '\uD7FF',
  '\uE000',
  "it's",
  'a%b_c',
];
const POOLS = {
  workflow_id: ['wf-1', 'wf-10', 'wf-2', 'wf', 'order-1', 'Order-1', 'b', ...EDGE_TEXT],
  workflow_type: ['OrderFlow', 'orderflow', 'Payment', 'Pay', 'payment-v2', ''],
  task_queue: ['default', 'q-1', 'q-10', 'Q-2', 'queue\u{1F600}'],
  run_prefix: ['r', 'R', 'é', '\u{1F600}', '\uFFFF', 'r-'],
};
const HOUR = 3_600_000;
const time = fc.oneof(
  fc.integer({ min: 0, max: 240 }).map((h) => T0 + h * HOUR),
  fc.integer({ min: T0, max: T0 + 240 * HOUR }),
);

const rowArb = fc.record({
  workflow_id: fc.constantFrom(...POOLS.workflow_id),
  workflow_type: fc.constantFrom(...POOLS.workflow_type),
  task_queue: fc.constantFrom(...POOLS.task_queue),
  status: fc.constantFrom(...EXECUTION_STATUSES),
  start_time: time,
  duration: fc.integer({ min: 0, max: 72 * HOUR }),
  history_length: fc.integer({ min: 0, max: 60 }),
  run_prefix: fc.constantFrom(...POOLS.run_prefix),
});
const ROWS: Row[] = fc.sample(rowArb, { numRuns: 400, seed: 20260101 }).map((r, i) => ({
  run_id: `${r.run_prefix}${i}`,
  workflow_id: r.workflow_id,
  workflow_type: r.workflow_type,
  task_queue: r.task_queue,
  status: r.status,
  start_time: r.start_time,
  close_time: r.status === 'Running' ? null : r.start_time + r.duration,
  history_length: r.history_length,
}));

/** Literals near the data: pool values, their prefixes, random text, and times around the rows' times. */
const keywordLiteral = fc.oneof(
  fc.constantFrom(
    ...POOLS.workflow_id,
    ...POOLS.workflow_type,
    ...POOLS.task_queue,
    ...ROWS.slice(0, 30).map((r) => r.run_id),
  ),
  fc.constantFrom(...POOLS.workflow_id, ...POOLS.workflow_type, ...POOLS.task_queue, ...POOLS.run_prefix).chain((s) => {
    const points = Array.from(s);
    return fc.nat(points.length).map((n) => points.slice(0, n).join(''));
  }),
  fc.string({
    unit: fc.constantFrom('a', 'w', 'f', '-', '1', 'r', 'R', 'O', 'q', '\u{10FFFF}', '\uFFFF'),
    maxLength: 4,
  }),
);
const nearLiterals: Literals = {
  keyword: keywordLiteral,
  status: statusLiteral,
  datetime: timeLiteral(
    fc.oneof(time, fc.constantFrom(...ROWS.slice(0, 40).flatMap((r) => [r.start_time, r.close_time ?? T0]))),
  ),
  int: fc.integer({ min: -1, max: 61 }),
};

function compareValues(a: string | number, b: string | number): number {
  return typeof a === 'number' && typeof b === 'number' ? a - b : compareText(String(a), String(b));
}

/** The query's meaning, written directly: NULL fails positive predicates and passes their negations. */
function evaluate(e: Expr, row: Row): boolean {
  switch (e.kind) {
    case 'and':
      return evaluate(e.left, row) && evaluate(e.right, row);
    case 'or':
      return evaluate(e.left, row) || evaluate(e.right, row);
    case 'not':
      return !evaluate(e.expr, row);
    case 'isNull':
      return (row[FIELDS[e.field]!.key] === null) !== e.negated;
  }
  const v = row[FIELDS[e.field]!.key];
  const lit = (x: Literal) => expectedParam(e.field, x) as string | number;
  switch (e.kind) {
    case 'compare': {
      if (v === null) return e.op === '!=';
      const c = compareValues(v, lit(e.value));
      return { '=': c === 0, '!=': c !== 0, '<': c < 0, '<=': c <= 0, '>': c > 0, '>=': c >= 0 }[e.op];
    }
    case 'in':
      return v === null ? e.negated : e.values.some((x) => compareValues(v, lit(x)) === 0) !== e.negated;
    case 'between':
      return v === null
        ? e.negated
        : (compareValues(v, lit(e.low)) >= 0 && compareValues(v, lit(e.high)) <= 0) !== e.negated;
    case 'startsWith':
      return v !== null && String(v).startsWith(e.prefix);
  }
}

/** The list order: the query's columns (default StartTime DESC), then run_id; NULL is larger than every value. */
function sortRows(rows: Row[], q: VisibilityQuery): Row[] {
  const order = q.orderBy.map((o) => ({ key: FIELDS[o.field]!.key, direction: o.direction }));
  if (order.length === 0) order.push({ key: 'start_time', direction: 'DESC' });
  if (!order.some((o) => o.key === 'run_id'))
    order.push({ key: 'run_id', direction: order[order.length - 1]!.direction });
  return [...rows].sort((a, b) => {
    for (const { key, direction } of order) {
      const [x, y] = [a[key], b[key]];
      const c = x === y ? 0 : x === null ? 1 : y === null ? -1 : compareValues(x, y);
      if (c !== 0) return direction === 'ASC' ? c : -c;
    }
    return 0;
  });
}

describe('semantics against SQLite', () => {
  let db: Database.Database;
  beforeAll(() => {
    db = new Database(':memory:');
    db.exec(`CREATE TABLE executions (
      run_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, workflow_type TEXT NOT NULL, task_queue TEXT NOT NULL,
      status TEXT NOT NULL, start_time INTEGER NOT NULL, close_time INTEGER, history_length INTEGER NOT NULL);
      CREATE INDEX by_workflow_id ON executions (workflow_id, start_time, run_id);
      CREATE INDEX by_close ON executions (close_time, run_id);`);
    const insert = db.prepare(
      'INSERT INTO executions VALUES (@run_id, @workflow_id, @workflow_type, @task_queue, @status, @start_time, @close_time, @history_length)',
    );
    for (const row of ROWS) insert.run(row);
  });
  afterAll(() => db.close());

  function select(q: VisibilityQuery, dialect: 'sqlite' | 'postgres', offset = 0): string[] {
    const c = compileQuery(q, { dialect, paramOffset: offset });
    const stmt = db.prepare(`SELECT run_id FROM executions WHERE ${c.where} ORDER BY ${c.orderBy}`).pluck();
    // SQLite reads `$N` as a named parameter, so the Postgres text runs here too
    const args =
      dialect === 'sqlite' ? c.params : [Object.fromEntries(c.params.map((p, i) => [String(offset + i + 1), p]))];
    return stmt.all(...args) as string[];
  }
  const expected = (q: VisibilityQuery) =>
    sortRows(
      ROWS.filter((r) => !q.where || evaluate(q.where, r)),
      q,
    ).map((r) => r.run_id);
  const query = (text: string) => parseQuery(text);

  it('has data that exercises both sides of NULL close times', () => {
    expect(ROWS.filter((r) => r.close_time === null).length).toBeGreaterThan(20);
    expect(ROWS.filter((r) => r.close_time !== null).length).toBeGreaterThan(200);
  });

  it('keeps running workflows in negations of CloseTime predicates and drops them from positive ones', () => {
    const running = ROWS.filter((r) => r.close_time === null)
      .map((r) => r.run_id)
      .sort();
    const t = `'2026-01-05T00:00:00Z'`;
    for (const text of [
      `CloseTime != ${t}`,
      `NOT (CloseTime > ${t})`,
      `CloseTime NOT IN (${t}, 5)`,
      `CloseTime NOT BETWEEN 0 AND ${t}`,
      `NOT CloseTime IS NOT NULL`,
    ]) {
      const ids = select(query(text), 'sqlite');
      expect(
        running.every((id) => ids.includes(id)),
        text,
      ).toBe(true);
    }
    for (const text of [
      `CloseTime = ${t}`,
      `CloseTime < ${t}`,
      `CloseTime >= 0`,
      `CloseTime IN (${t})`,
      `CloseTime BETWEEN 0 AND ${t}`,
      `NOT (CloseTime != ${t})`,
    ]) {
      const ids = select(query(text), 'sqlite');
      expect(
        ids.some((id) => running.includes(id)),
        text,
      ).toBe(false);
    }
    // the complement really is a complement
    const all = select(query(''), 'sqlite').length;
    expect(
      select(query(`CloseTime > ${t}`), 'sqlite').length + select(query(`NOT CloseTime > ${t}`), 'sqlite').length,
    ).toBe(all);
  });

  it('matches STARTS_WITH edge cases', () => {
    for (const prefix of ['', 'a', 'a\u{10FFFF}', '\u{10FFFF}', '\uFFFF', 'wf-1', 'e']) {
      const q = query(`WorkflowId STARTS_WITH '${prefix.replaceAll("'", "''")}'`);
      expect([prefix, select(q, 'sqlite')]).toEqual([prefix, expected(q)]);
      expect(expected(q).length).toBe(ROWS.filter((r) => r.workflow_id.startsWith(prefix)).length);
    }
  });

  it('returns exactly the rows, in exactly the order, that the evaluator picks (both dialects)', () => {
    let nonTrivial = 0;
    fc.assert(
      fc.property(typedQuery(nearLiterals), fc.nat(4), (q, offset) => {
        const q2 = parseQuery(formatQuery(q)); // through the whole pipeline
        const want = expected(q);
        if (want.length > 0 && want.length < ROWS.length) nonTrivial++;
        expect(select(q2, 'sqlite')).toEqual(want);
        expect(select(q2, 'postgres', offset)).toEqual(want);
      }),
      { numRuns: 600, seed: 7, endOnFailure: true },
    );
    expect(nonTrivial).toBeGreaterThan(150); // the generated queries discriminate, not just all-or-nothing
  });

  it('agrees on random queries with a fresh seed each run', () => {
    fc.assert(
      fc.property(typedQuery(nearLiterals), (q) => {
        expect(select(q, 'sqlite')).toEqual(expected(q));
      }),
      { numRuns: 300 },
    );
  });
});
