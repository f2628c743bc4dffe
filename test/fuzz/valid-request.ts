/**
 * Mostly valid requests for an operation of the OpenAPI document: values drawn from each schema, with field
 * names steering them at things that exist (the fuzz workflows, schedules, type and queue), so requests reach
 * the services and not only the validator. The hostile part is added afterwards (hostile.ts).
 */
import fc from 'fast-check';
import { OVERLAP_POLICIES } from '../../src/schedules/state.js';

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

export interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface OperationSpec {
  method: string;
  /** OpenAPI path template, e.g. /api/v1/namespaces/{namespace}/workflows/{workflowId} */
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
  operationId?: string;
}

/** What exists on the fuzzed server for requests to find (created before fuzzing; free to be changed). */
export const TARGETS = {
  workflowIds: ['fz-wf-0', 'fz-wf-1', 'fz-wf-2', 'fz-wf-3'],
  scheduleIds: ['fz-sched-0', 'fz-sched-1'],
  workflowType: 'fz-type',
  taskQueue: 'fz-q',
  /** Polled by the fuzzer: not the fuzz workflows' queue, so their queries find no worker (400), never a mute one. */
  pollQueue: 'fz-poll-q',
};

export function operationsOf(doc: {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: unknown; operationId?: string }>>;
}): OperationSpec[] {
  const out: OperationSpec[] = [];
  for (const [path, methods] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(methods)) {
      const body = (op.requestBody as { content?: Record<string, { schema?: JsonSchema }> } | undefined)?.content?.[
        'application/json'
      ]?.schema;
      out.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        ...(body ? { body } : {}),
        ...(op.operationId ? { operationId: op.operationId } : {}),
      });
    }
  return out;
}

const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

const VISIBILITY_QUERIES = [
  "WorkflowType = 'fz-type'",
  "ExecutionStatus = 'Running' AND StartTime > '2020-01-01T00:00:00Z'",
  "WorkflowId STARTS_WITH 'fz' ORDER BY StartTime DESC",
  "(ExecutionStatus = 'Completed' OR ExecutionStatus = 'Failed') AND TaskQueue IN ('fz-q', 'x')",
  "CloseTime BETWEEN '2020-01-01T00:00:00Z' AND '2030-01-01T00:00:00Z'",
];

/** Values for fields whose name says what they are. */
function hinted(field: string): fc.Arbitrary<unknown> | undefined {
  switch (field) {
    case 'namespace':
      return fc.oneof({ arbitrary: fc.constant('default'), weight: 9 }, { arbitrary: name, weight: 1 });
    case 'workflowId':
      return fc.oneof(
        { arbitrary: fc.constantFrom(...TARGETS.workflowIds), weight: 3 },
        { arbitrary: name.map((n) => `fz-new-${n}`), weight: 2 },
      );
    case 'scheduleId':
      return fc.oneof(
        { arbitrary: fc.constantFrom(...TARGETS.scheduleIds), weight: 3 },
        { arbitrary: name.map((n) => `fz-sched-new-${n}`), weight: 1 },
      );
    case 'workflowType':
      return fc.oneof({ arbitrary: fc.constant(TARGETS.workflowType), weight: 4 }, { arbitrary: name, weight: 1 });
    case 'taskQueue':
      return fc.oneof({ arbitrary: fc.constant(TARGETS.taskQueue), weight: 4 }, { arbitrary: name, weight: 1 });
    case 'query':
      return fc.oneof(fc.constantFrom(...VISIBILITY_QUERIES), fc.string({ maxLength: 40 }));
    case 'waitMs':
      return fc.integer({ min: 0, max: 300 });
    case 'pageSize':
    case 'limit':
    case 'maxEvents':
      return fc.integer({ min: 1, max: 50 });
    case 'spec':
      return fc.oneof(
        fc.constant({ intervals: [{ every: '1h' }] }),
        fc.constant({ cronExpressions: ['0 * * * *'], timezone: 'Europe/Berlin' }),
        fc.constant({ calendars: [{ hour: 9, dayOfWeek: 'MON-FRI' }] }),
        fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      );
    case 'action':
      return fc.record({
        type: fc.constant('startWorkflow'),
        workflowType: fc.constant(TARGETS.workflowType),
        taskQueue: fc.constant(TARGETS.taskQueue),
      });
    case 'overlap':
      return fc.constantFrom<string>(...OVERLAP_POLICIES, 'NOPE');
    case 'backfills':
      return fc.array(
        fc.oneof(
          fc.integer({ min: 1, max: 48 }).map((h) => ({ start: iso(Date.now() - h * HOUR), end: iso(Date.now()) })),
          // the range of finding 1: from 1970, hourly
          fc.constant({ start: '1970-01-01T00:00:00Z', end: iso(Date.now()), overlap: 'ALLOW_ALL' }),
        ),
        { minLength: 1, maxLength: 3 },
      );
    case 'signalName':
    case 'queryType':
    case 'name':
      return fc.oneof(fc.constantFrom('s', 'q', 'u', '__stack_trace'), name);
    case 'runId':
      return fc.oneof(fc.uuid(), fc.string({ maxLength: 10 }));
    default:
      return undefined;
  }
}

/** A value that satisfies `schema` most of the time (patterns are not followed). */
export function valueOf(schema: JsonSchema | undefined, field = ''): fc.Arbitrary<unknown> {
  const h = field ? hinted(field) : undefined;
  if (h) return h;
  if (!schema || Object.keys(schema).length === 0) return fc.jsonValue({ maxDepth: 3 });
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => valueOf(s, field)));
  switch (schema.type) {
    case 'string':
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.max(schema.minLength ?? 0, Math.min(schema.maxLength ?? 20, 20)),
      });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -10, max: Math.min(schema.maximum ?? 1_000, 1_000) });
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1_000,
        max: Math.min(schema.maximum ?? 1e6, 1e6),
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valueOf(schema.items), { maxLength: 3 });
    case 'object':
      return objectOf(schema);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectOf(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const keys = Object.keys(props);
  if (keys.length === 0) return fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const k of keys) model[k] = valueOf(props[k], k);
  return fc.record(model, { requiredKeys: keys.filter((k) => required.has(k)) });
}

export interface ValidRequest {
  op: OperationSpec;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
}

export function validRequest(op: OperationSpec): fc.Arbitrary<ValidRequest> {
  const params: Record<string, fc.Arbitrary<string>> = {};
  const query: Record<string, fc.Arbitrary<string>> = {};
  const optionalQuery: string[] = [];
  const polling = op.path.endsWith('/poll');
  for (const p of op.parameters) {
    const v =
      polling && p.name === 'taskQueue'
        ? fc.constantFrom(TARGETS.pollQueue, 'fz-poll-other')
        : valueOf(p.schema, p.name).map((x) => String(x));
    if (p.in === 'path') params[p.name] = v;
    else if (p.in === 'query') {
      query[p.name] = v;
      if (!p.required) optionalQuery.push(p.name);
    }
  }
  return fc.record({
    op: fc.constant(op),
    params: fc.record(params),
    query: fc.record(query, { requiredKeys: Object.keys(query).filter((k) => !optionalQuery.includes(k)) }),
    body: op.body ? valueOf(op.body) : fc.constant(undefined),
  });
}
