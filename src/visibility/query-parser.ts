/**
 * The visibility query language: a tokenizer and a recursive-descent parser from text to `VisibilityQuery`, and
 * `formatQuery`, which prints a tree back as text that parses to the same tree.
 *
 *   query     := [expr] [ORDER BY orderItem {',' orderItem}]
 *   expr      := andExpr {OR andExpr}                      (OR binds weaker than AND; both left-associative)
 *   andExpr   := unary {AND unary}
 *   unary     := NOT unary | '(' expr ')' | predicate
 *   predicate := field op literal                           (op: = != <> > >= < <=)
 *              | field [NOT] IN '(' literal {',' literal} ')'
 *              | field [NOT] BETWEEN literal AND literal
 *              | field [NOT] STARTS_WITH string             (NOT STARTS_WITH parses to NOT (field STARTS_WITH ...))
 *              | field IS [NOT] NULL
 *   orderItem := field [ASC | DESC]
 *   field     := identifier [A-Za-z_][A-Za-z0-9_]* (not a keyword) | `backtick quoted` (`` for a backtick)
 *   literal   := 'string' | "string" | number | TRUE | FALSE
 *
 * Strings escape their quote by doubling it or with a backslash; `\n` `\t` `\r` are control characters and a
 * backslash before any other character stands for that character. Numbers: -?digits[.digits][e[+-]digits].
 * Keywords are case-insensitive. Every error is a QuerySyntaxError with the 0-based position of the offending token;
 * nothing else is ever thrown (nesting and size are capped so no input can exhaust the stack).
 */
import { isStorableText, UNSTORABLE_CHARS } from '../common/storable-text.js';
import { QuerySyntaxError } from './query-ast.js';
import type { CompareOp, Expr, Literal, OrderBy, VisibilityQuery } from './query-ast.js';

const KEYWORDS = new Set('AND OR NOT IN BETWEEN STARTS_WITH IS NULL ORDER BY ASC DESC TRUE FALSE'.split(' '));
/** Parentheses and NOTs nested deeper than this are refused (keeps recursion far from the stack limit). */
const MAX_DEPTH = 64;
/** Predicates in one query; the compiled SQL stays small and every tree walk stays shallow. */
const MAX_PREDICATES = 1000;
/** Literals in one query (IN lists included); far below SQLite's and Postgres' bound-parameter limits. */
const MAX_VALUES = 10_000;

type Token =
  | { kind: 'word'; text: string; upper: string; position: number } // identifier or keyword
  | { kind: 'field'; text: string; position: number } // `backtick quoted`
  | { kind: 'string'; value: string; position: number }
  | { kind: 'number'; value: number; text: string; position: number }
  | { kind: 'symbol'; text: string; position: number } // operators, parentheses, comma
  | { kind: 'bad'; description: string; position: number } // reported by the parser, which knows what it expected
  | { kind: 'end'; position: number };

const isIdentStart = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentPart = (c: string): boolean => isIdentStart(c) || isDigit(c);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (isIdentStart(c)) {
      const start = i;
      while (i < text.length && isIdentPart(text[i]!)) i++;
      const word = text.slice(start, i);
      tokens.push({ kind: 'word', text: word, upper: word.toUpperCase(), position: start });
    } else if (isDigit(c) || (c === '-' && isDigit(text[i + 1] ?? ''))) {
      const start = i;
      i = scanNumber(text, i);
      const raw = text.slice(start, i);
      const value = Number(raw);
      if (/[A-Za-z0-9_.]/.test(text[i] ?? '')) {
        // `12abc` or `1.2.3` is one bad token, not a number followed by something else
        while (/[A-Za-z0-9_.]/.test(text[i] ?? '')) i++;
        tokens.push({ kind: 'bad', description: `invalid number '${text.slice(start, i)}'`, position: start });
      } else if (!Number.isFinite(value)) {
        tokens.push({ kind: 'bad', description: `number ${raw}, which is out of range`, position: start });
      } else {
        tokens.push({ kind: 'number', value, text: raw, position: start });
      }
    } else if (c === "'" || c === '"' || c === '`') {
      const value = scanQuoted(text, i, c);
      const start = i;
      i = value.end;
      if (value.value === undefined) {
        const what = c === '`' ? 'quoted field name' : 'string';
        tokens.push({ kind: 'bad', description: `an unterminated ${what} (no closing ${c})`, position: start });
      } else if (c !== '`' && !isStorableText(value.value)) {
        tokens.push({ kind: 'bad', description: `a literal with ${UNSTORABLE_CHARS}`, position: start });
      } else if (c !== '`') {
        tokens.push({ kind: 'string', value: value.value, position: start });
      } else if (value.value === '') {
        tokens.push({ kind: 'bad', description: 'an empty quoted field name', position: start });
      } else {
        tokens.push({ kind: 'field', text: value.value, position: start });
      }
    } else {
      const two = text.slice(i, i + 2);
      const op = ['!=', '<>', '<=', '>='].includes(two) ? two : '=<>(),'.includes(c) ? c : undefined;
      if (op === undefined) {
        const cp = text.codePointAt(i)!;
        tokens.push({ kind: 'bad', description: `an unexpected character ${describeChar(cp)}`, position: i });
        i += cp > 0xffff ? 2 : 1;
      } else {
        tokens.push({ kind: 'symbol', text: op, position: i });
        i += op.length;
      }
    }
  }
  tokens.push({ kind: 'end', position: text.length });
  return tokens;
}

/** The end of the number starting at `start`: -?digits[.digits][e[+-]digits]. */
function scanNumber(text: string, start: number): number {
  let i = start;
  if (text[i] === '-') i++;
  while (isDigit(text[i] ?? '')) i++;
  if (text[i] === '.' && isDigit(text[i + 1] ?? '')) {
    i++;
    while (isDigit(text[i] ?? '')) i++;
  }
  if (text[i] === 'e' || text[i] === 'E') {
    const digitsAt = text[i + 1] === '+' || text[i + 1] === '-' ? i + 2 : i + 1;
    if (isDigit(text[digitsAt] ?? '')) {
      i = digitsAt;
      while (isDigit(text[i] ?? '')) i++;
    }
  }
  return i;
}

/**
 * Reads a quoted string (backslash escapes) or backtick field name (doubled backticks only) starting at `start`.
 * Returns the value (undefined when unterminated) and the index after the closing quote.
 */
function scanQuoted(text: string, start: number, quote: string): { value: string | undefined; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === quote) {
      if (text[i + 1] !== quote) return { value, end: i + 1 };
      value += quote;
      i += 2;
    } else if (c === '\\' && quote !== '`') {
      const next = text[i + 1];
      if (next === undefined) break;
      value += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
      i += 2;
    } else {
      value += c;
      i++;
    }
  }
  return { value: undefined, end: text.length };
}

function describeChar(cp: number): string {
  const printable = cp > 0x20 && cp !== 0x7f && !(cp >= 0xd800 && cp <= 0xdfff);
  return printable ? `'${String.fromCodePoint(cp)}'` : `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'end of query';
    case 'word':
      return KEYWORDS.has(t.upper) ? t.upper : `'${t.text}'`;
    case 'field':
      return `\`${t.text}\``;
    case 'string':
      return `string '${t.value.length > 24 ? t.value.slice(0, 24) + '...' : t.value}'`;
    case 'number':
      return `number ${t.text}`;
    case 'symbol':
      return `'${t.text}'`;
    case 'bad':
      return t.description;
  }
}

class Parser {
  private i = 0;
  private depth = 0;
  private predicates = 0;
  private values = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): VisibilityQuery {
    const query: VisibilityQuery = { orderBy: [] };
    if (this.peek().kind !== 'end' && !this.isKeyword('ORDER')) query.where = this.orExpr();
    if (this.isKeyword('ORDER')) {
      this.next();
      this.expectKeyword('BY', 'after ORDER');
      do query.orderBy.push(this.orderItem());
      while (this.acceptSymbol(','));
      if (this.peek().kind !== 'end') this.fail("',' or end of query after the ORDER BY item");
    } else if (this.peek().kind !== 'end') {
      this.fail('AND, OR, ORDER BY or end of query');
    }
    return query;
  }

  private orExpr(): Expr {
    let left = this.andExpr();
    while (this.acceptKeyword('OR')) left = { kind: 'or', left, right: this.andExpr() };
    return left;
  }

  private andExpr(): Expr {
    let left = this.unary();
    while (this.acceptKeyword('AND')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (this.isKeyword('NOT') || this.isSymbol('(')) {
      if (++this.depth > MAX_DEPTH) {
        throw new QuerySyntaxError(`query nests deeper than ${MAX_DEPTH} levels at position ${t.position}`, t.position);
      }
      this.next();
      let expr: Expr;
      if (t.kind === 'symbol') {
        expr = this.orExpr();
        if (!this.acceptSymbol(')')) this.fail("')'", '', ` to close the '(' at position ${t.position}`);
      } else {
        expr = { kind: 'not', expr: this.unary() };
      }
      this.depth--;
      return expr;
    }
    return this.predicate();
  }

  private predicate(): Expr {
    const { name: field, position } = this.field('a field name');
    if (++this.predicates > MAX_PREDICATES) {
      throw new QuerySyntaxError(`query has more than ${MAX_PREDICATES} conditions at position ${position}`, position);
    }
    const t = this.peek();
    if (t.kind === 'symbol' && t.text !== '(' && t.text !== ')' && t.text !== ',') {
      this.next();
      const op: CompareOp = t.text === '<>' ? '!=' : (t.text as CompareOp);
      const v = this.literal(`after '${t.text}'`);
      return { kind: 'compare', field, op, value: v.value, position, valuePosition: v.position };
    }
    let negated = false;
    if (this.acceptKeyword('NOT')) {
      negated = true;
      if (!this.isKeyword('IN') && !this.isKeyword('BETWEEN') && !this.isKeyword('STARTS_WITH')) {
        this.fail('IN, BETWEEN or STARTS_WITH after NOT');
      }
    }
    if (this.acceptKeyword('IN')) {
      const open = this.peek();
      if (!this.acceptSymbol('(')) this.fail("'(' after IN");
      const values: Literal[] = [];
      const valuePositions: number[] = [];
      do {
        const v = this.literal(values.length === 0 ? "after 'IN ('" : "after ','");
        values.push(v.value);
        valuePositions.push(v.position);
      } while (this.acceptSymbol(','));
      if (!this.acceptSymbol(')')) this.fail("',' or ')'", '', ` in the IN list opened at position ${open.position}`);
      return { kind: 'in', field, values, negated, position, valuePositions };
    }
    if (this.acceptKeyword('BETWEEN')) {
      const low = this.literal('after BETWEEN');
      this.expectKeyword('AND', 'between the BETWEEN bounds');
      const high = this.literal('after BETWEEN ... AND');
      return {
        kind: 'between',
        field,
        low: low.value,
        high: high.value,
        negated,
        position,
        lowPosition: low.position,
        highPosition: high.position,
      };
    }
    if (this.acceptKeyword('STARTS_WITH')) {
      const p = this.peek();
      if (p.kind !== 'string') this.fail('a quoted string after STARTS_WITH');
      this.next();
      this.countValue(p.position);
      const expr: Expr = { kind: 'startsWith', field, prefix: p.value, position, prefixPosition: p.position };
      return negated ? { kind: 'not', expr } : expr;
    }
    if (this.acceptKeyword('IS')) {
      const isNegated = this.acceptKeyword('NOT');
      this.expectKeyword('NULL', isNegated ? 'after IS NOT' : 'after IS');
      return { kind: 'isNull', field, negated: isNegated, position };
    }
    return this.fail(`an operator (=, !=, <>, >, >=, <, <=, IN, NOT IN, BETWEEN, STARTS_WITH, IS NULL) after ${field}`);
  }

  private orderItem(): OrderBy {
    const { name: field, position } = this.field('a field name in ORDER BY');
    if (this.acceptKeyword('DESC')) return { field, direction: 'DESC', position };
    this.acceptKeyword('ASC');
    return { field, direction: 'ASC', position };
  }

  private field(what: string): { name: string; position: number } {
    const t = this.peek();
    if (t.kind === 'field' || (t.kind === 'word' && !KEYWORDS.has(t.upper))) {
      this.next();
      return { name: t.text, position: t.position };
    }
    const hint = t.kind === 'word' ? ` (quote it as \`${t.text}\` to use a keyword as a field name)` : '';
    return this.fail(what, hint);
  }

  private literal(where: string): { value: Literal; position: number } {
    const t = this.peek();
    let value: Literal | undefined;
    if (t.kind === 'string' || t.kind === 'number') value = t.value;
    else if (t.kind === 'word' && (t.upper === 'TRUE' || t.upper === 'FALSE')) value = t.upper === 'TRUE';
    if (value === undefined) {
      const hint =
        t.kind === 'word' && t.upper === 'NULL'
          ? ' (use IS NULL or IS NOT NULL)'
          : t.kind === 'word' || t.kind === 'field'
            ? " (quote text values as '...')"
            : '';
      return this.fail(`a value ${where}`, hint);
    }
    this.next();
    this.countValue(t.position);
    return { value, position: t.position };
  }

  private countValue(position: number): void {
    if (++this.values > MAX_VALUES) {
      throw new QuerySyntaxError(`query has more than ${MAX_VALUES} values at position ${position}`, position);
    }
  }

  private peek(): Token {
    return this.tokens[this.i]!; // the 'end' token is never consumed
  }

  private next(): void {
    if (this.peek().kind !== 'end') this.i++;
  }

  private isKeyword(word: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.upper === word;
  }

  private isSymbol(symbol: string): boolean {
    const t = this.peek();
    return t.kind === 'symbol' && t.text === symbol;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.next();
    return true;
  }

  private acceptSymbol(symbol: string): boolean {
    if (!this.isSymbol(symbol)) return false;
    this.next();
    return true;
  }

  private expectKeyword(word: string, where: string): void {
    if (!this.acceptKeyword(word)) this.fail(`${word} ${where}`);
  }

  /** `expected <expected> at position N<context>, found <token><hint>`, positioned at the current token. */
  private fail(expected: string, hint = '', context = ''): never {
    const t = this.peek();
    throw new QuerySyntaxError(
      `expected ${expected} at position ${t.position}${context}, found ${describe(t)}${hint}`,
      t.position,
    );
  }
}

/** Parses a visibility query; empty or whitespace-only text is "no filter, default order". */
export function parseQuery(text: string): VisibilityQuery {
  try {
    return new Parser(tokenize(text)).parse();
  } catch (err) {
    if (err instanceof QuerySyntaxError) throw err;
    // Unreachable by design; kept so a bug surfaces as a positioned query error rather than a 500.
    throw new QuerySyntaxError(`could not parse the query: ${String(err)}`, 0);
  }
}

// ---- printing ----

function formatField(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name.toUpperCase())) return name;
  return '`' + name.replaceAll('`', '``') + '`';
}

function formatLiteral(v: Literal): string {
  if (typeof v === 'string') return "'" + v.replaceAll('\\', '\\\\').replaceAll("'", "''") + "'";
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (!Number.isFinite(v)) throw new RangeError(`cannot print the number ${v} in a query`);
  return Object.is(v, -0) ? '-0' : String(v); // String() never yields a form the tokenizer rejects
}

function formatExpr(e: Expr): string {
  switch (e.kind) {
    case 'and':
      // left-associative: a right operand of the same kind needs parentheses to keep its shape
      return `${e.left.kind === 'or' ? `(${formatExpr(e.left)})` : formatExpr(e.left)} AND ${
        e.right.kind === 'or' || e.right.kind === 'and' ? `(${formatExpr(e.right)})` : formatExpr(e.right)
      }`;
    case 'or':
      return `${formatExpr(e.left)} OR ${e.right.kind === 'or' ? `(${formatExpr(e.right)})` : formatExpr(e.right)}`;
    case 'not':
      return `NOT (${formatExpr(e.expr)})`;
    case 'compare':
      return `${formatField(e.field)} ${e.op} ${formatLiteral(e.value)}`;
    case 'in':
      return `${formatField(e.field)} ${e.negated ? 'NOT IN' : 'IN'} (${e.values.map(formatLiteral).join(', ')})`;
    case 'between':
      return `${formatField(e.field)} ${e.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${formatLiteral(e.low)} AND ${formatLiteral(e.high)}`;
    case 'startsWith':
      return `${formatField(e.field)} STARTS_WITH ${formatLiteral(e.prefix)}`;
    case 'isNull':
      return `${formatField(e.field)} IS ${e.negated ? 'NOT NULL' : 'NULL'}`;
  }
}

/** Prints a query as text that `parseQuery` turns back into the same tree (positions aside). */
export function formatQuery(q: VisibilityQuery): string {
  const parts: string[] = [];
  if (q.where) parts.push(formatExpr(q.where));
  if (q.orderBy.length > 0) {
    parts.push('ORDER BY ' + q.orderBy.map((o) => `${formatField(o.field)} ${o.direction}`).join(', '));
  }
  return parts.join(' ');
}
