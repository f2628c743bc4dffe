/**
 * `client.schedule.list({ query })`: the visibility query language (src/visibility/query-parser.ts) over schedules,
 * evaluated on each schedule's state. The fields are Temporal's schedule visibility fields that Weft's schedules
 * hold: `ScheduleId`, `WorkflowType` and `TaskQueue` (Keyword, the action's), `TemporalSchedulePaused` (Bool).
 * Every operator works as in workflow queries; none of these fields is ever NULL; ORDER BY is refused (schedules
 * list in id order). Errors are QuerySyntaxErrors with the position of the offending field or literal.
 */
import { QuerySyntaxError, type Expr, type Literal } from '../visibility/query-ast.js';
import { parseQuery } from '../visibility/query-parser.js';
import type { ScheduleState } from './state.js';

type FieldType = 'Keyword' | 'Bool';

const FIELDS: ReadonlyMap<string, { type: FieldType; read: (s: ScheduleState) => string | boolean }> = new Map([
  ['ScheduleId', { type: 'Keyword' as const, read: (s: ScheduleState) => s.scheduleId }],
  ['WorkflowType', { type: 'Keyword' as const, read: (s: ScheduleState) => s.action.workflowType }],
  ['TaskQueue', { type: 'Keyword' as const, read: (s: ScheduleState) => s.action.taskQueue }],
  ['TemporalSchedulePaused', { type: 'Bool' as const, read: (s: ScheduleState) => s.paused }],
]);

export const SCHEDULE_QUERY_FIELDS: readonly string[] = [...FIELDS.keys()];

export type ScheduleFilter = (s: ScheduleState) => boolean;

/** A filter for the query text (empty: every schedule); throws QuerySyntaxError. */
export function compileScheduleQuery(text: string): ScheduleFilter {
  const q = parseQuery(text);
  const order = q.orderBy[0];
  if (order)
    throw new QuerySyntaxError(
      `schedules are listed in ScheduleId order: ORDER BY is not supported at position ${order.position}`,
      order.position,
    );
  return q.where ? compile(q.where) : () => true;
}

function fieldOf(name: string, position: number): { type: FieldType; read: (s: ScheduleState) => string | boolean } {
  const f = FIELDS.get(name);
  if (!f)
    throw new QuerySyntaxError(
      `unknown schedule field ${name} at position ${position} (schedule queries take ${SCHEDULE_QUERY_FIELDS.join(', ')})`,
      position,
    );
  return f;
}

/** Checks a literal against the field's type. */
function check(name: string, type: FieldType, value: Literal, position: number): void {
  const ok = type === 'Keyword' ? typeof value === 'string' : typeof value === 'boolean';
  if (!ok) {
    const needs = type === 'Keyword' ? 'a string' : 'TRUE or FALSE';
    throw new QuerySyntaxError(
      `${name} is a ${type} field and needs ${needs} at position ${position}, found ${typeof value} ${JSON.stringify(value)}`,
      position,
    );
  }
}

function refuse(name: string, what: string, position: number): never {
  throw new QuerySyntaxError(`${name} is a Bool field: ${what} is not supported at position ${position}`, position);
}

const compare = (a: string | boolean, op: string, b: Literal): boolean => {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    default:
      return a <= b;
  }
};

function compile(e: Expr): ScheduleFilter {
  switch (e.kind) {
    case 'and': {
      const [l, r] = [compile(e.left), compile(e.right)];
      return (s) => l(s) && r(s);
    }
    case 'or': {
      const [l, r] = [compile(e.left), compile(e.right)];
      return (s) => l(s) || r(s);
    }
    case 'not': {
      const inner = compile(e.expr);
      return (s) => !inner(s);
    }
    case 'compare': {
      const f = fieldOf(e.field, e.position);
      check(e.field, f.type, e.value, e.valuePosition ?? e.position);
      if (f.type === 'Bool' && e.op !== '=' && e.op !== '!=') refuse(e.field, e.op, e.position);
      return (s) => compare(f.read(s), e.op, e.value);
    }
    case 'in': {
      const f = fieldOf(e.field, e.position);
      e.values.forEach((v, i) => check(e.field, f.type, v, e.valuePositions?.[i] ?? e.position));
      const values = new Set<Literal>(e.values);
      return (s) => values.has(f.read(s)) !== e.negated;
    }
    case 'between': {
      const f = fieldOf(e.field, e.position);
      if (f.type === 'Bool') refuse(e.field, 'BETWEEN', e.position);
      check(e.field, f.type, e.low, e.lowPosition ?? e.position);
      check(e.field, f.type, e.high, e.highPosition ?? e.position);
      return (s) => {
        const v = f.read(s);
        return (v >= e.low && v <= e.high) !== e.negated;
      };
    }
    case 'startsWith': {
      const f = fieldOf(e.field, e.position);
      if (f.type === 'Bool') refuse(e.field, 'STARTS_WITH', e.position);
      return (s) => String(f.read(s)).startsWith(e.prefix);
    }
    case 'isNull': {
      fieldOf(e.field, e.position);
      return () => e.negated; // schedule fields always have a value
    }
  }
}
