/** Request validation shared by HTTP and in-process calls: same schemas, same error codes and messages. */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { ApiError } from '../../common/api-error.js';
import { checkJsonDepth, MAX_JSON_DEPTH } from '../json-depth.js';
import { ID_PATTERN } from '../../protocol/schema-common.js';
import { UNSTORABLE_CHARS } from '../../common/storable-text.js';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    compiled.set(schema, c);
  }
  return c;
}

/**
 * Checks `value` against `schema`; `coerce` converts strings of the query string and path to numbers and
 * booleans first. Throws INVALID_ARGUMENT naming the first bad field.
 */
export function validate(
  schema: TSchema | undefined,
  value: unknown,
  where: 'body' | 'query' | 'params',
  coerce = false,
): unknown {
  if (!schema) return value;
  let v = value;
  if (where === 'body' && v === undefined) v = schema.type === 'object' && !schema.required?.length ? {} : v;
  if (coerce) v = Value.Convert(schema, v);
  const c = checker(schema);
  if (c.Check(v)) return v;
  const first = c.Errors(v).First();
  const path = first?.path ? first.path.replace(/^\//, '').replace(/\//g, '.') : '';
  const field = path ? `${where}.${path}` : where;
  const message =
    first?.schema.pattern === ID_PATTERN ? `must not contain ${UNSTORABLE_CHARS}` : (first?.message ?? 'invalid');
  throw new ApiError('INVALID_ARGUMENT', `${field}: ${message}`, { field });
}

/** The request's body, bounded in depth first (before anything copies or walks it) and then validated. */
export function validateBody(schema: TSchema | undefined, body: unknown, depthLimit = MAX_JSON_DEPTH): unknown {
  checkJsonDepth(body, 'body', depthLimit);
  return validate(schema, body, 'body');
}
