/**
 * Hostile requests: a mostly valid request of one operation with exactly one hostile part (its body, a path
 * parameter, its query, its headers, its method or its framing), or a request hostile throughout.
 */
import fc from 'fast-check';
import { validRequest, type OperationSpec, type ValidRequest } from './valid-request.js';

export interface FuzzRequest {
  /** `http`: through an HTTP client on a reused connection; `raw`: bytes on a socket of its own. */
  kind: 'http' | 'raw';
  /** Which part is hostile, and how (for the report). */
  label: string;
  /** The operation it was made from (`POST /api/v1/...`), unless it is hostile throughout. */
  operation?: string;
  /** Its operationId in the OpenAPI document. */
  operationId?: string;
  method: string;
  /** Path and query as sent (already encoded). */
  target: string;
  headers: Record<string, string>;
  body?: string;
  /** For `raw`: the whole request as bytes (latin1). */
  raw?: string;
  /** For `raw`: whether an answer must come (a request cut short may get none). */
  expectAnswer?: boolean;
}

const deepArray = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

/** Strings that have broken servers: empty, dots, NUL, injections, lone surrogates, the very long. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '.',
  '..',
  '../../../../etc/passwd',
  '\u0000',
  "' OR 1=1 --",
  '"; DROP TABLE executions; --',
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '\ud800',
  '\u202e\u0301\ufeff',
  '😀'.repeat(600),
  'a'.repeat(1_001),
  'b'.repeat(70_000),
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'null',
  '-1',
  '1e309',
  'NaN',
  '0x10',
  '9007199254740993',
  '[]',
  '{}',
  'a/b',
  '%2F',
  '\\',
];

/** Path segments whose raw form is itself broken (bad percent-encodings, NUL, invalid UTF-8). */
const RAW_BAD_SEGMENTS = ['%zz', '%', '%2', '%E0%A4%A', '%00', '%ED%A0%80', '%C0%AF', '..%2F..%2F'];

const hostileString = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_STRINGS), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 1 },
  { arbitrary: fc.string({ maxLength: 3000 }), weight: 1 },
);

/** JSON values no one should send: deep, huge, long, odd numbers, anything at all. */
const hostileJsonText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(300, 5_000, 100_000).map(deepArray),
  fc.constantFrom(300, 5_000, 50_000).map(deepObject),
  fc.constant(`"${'x'.repeat(3 * 1024 * 1024)}"`),
  fc.constant(`[${'0,'.repeat(100_000)}0]`),
  fc.constantFrom('1e308', '-0', '123456789012345678901234567890', '-1', '0.5', 'true', 'null', '""', '"\\ud800"'),
  hostileString.map((s) => JSON.stringify(s)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
);

/** Body texts that are not the JSON they claim to be, or are JSON with traps in it. */
const BAD_BODY_TEXTS = [
  '',
  '{',
  '{"a":1}}',
  "{'a':1}",
  'NaN',
  '\ufeff{}',
  '{"a":"\\ud800"}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"workflowId":"a","workflowId":"b"}',
  '\u0000',
  '[]',
  '1',
];

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  'application/json; charset=utf-16le',
  'application/json, text/plain',
  'application/vnd.api+json',
  '*/*',
  'application/json; a=' + 'b'.repeat(5000),
];

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

function pathOf(op: OperationSpec, params: Record<string, string>, raw: Record<string, string> = {}): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => raw[name] ?? encodeURIComponent(params[name] ?? 'x'));
}

function queryOf(q: Record<string, string | string[]>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) for (const x of Array.isArray(v) ? v : [v]) s.append(k, x);
  const text = s.toString();
  return text ? `?${text}` : '';
}

/** A string a path may carry: encoded when it can be, else a broken encoding. */
function encodeSegment(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80'; // a lone surrogate has no UTF-8: send the bytes it would be
  }
}

function base(v: ValidRequest, label: string): FuzzRequest {
  const body = v.body === undefined ? undefined : JSON.stringify(v.body);
  return {
    kind: 'http',
    label,
    operation: `${v.op.method} ${v.op.path}`,
    ...(v.op.operationId ? { operationId: v.op.operationId } : {}),
    method: v.op.method,
    target: pathOf(v.op, v.params) + queryOf(v.query),
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    ...(body !== undefined ? { body } : {}),
  };
}

/** `body` with one of its fields (or items) replaced by the JSON text `value`; the whole when it has none. */
function withValueInside(body: unknown, pick: number, value: string): string {
  if (body === null || typeof body !== 'object') return value;
  const keys = Object.keys(body);
  if (keys.length === 0) return value;
  const placeholder = 'HOSTILE-7f3a';
  const copy: Record<string, unknown> = Array.isArray(body) ? { ...body } : { ...(body as object) };
  copy[keys[pick % keys.length]!] = placeholder;
  const text = Array.isArray(body) ? JSON.stringify(Object.values(copy)) : JSON.stringify(copy);
  return text.replace(`"${placeholder}"`, () => value);
}

const bodyMutation = (v: ValidRequest): fc.Arbitrary<FuzzRequest> =>
  fc.oneof(
    hostileJsonText.map((text) => ({ ...base(v, 'body: a hostile JSON value'), body: text })),
    fc
      .tuple(fc.nat(), hostileJsonText)
      .map(([pick, text]) => ({ ...base(v, 'body: one field hostile'), body: withValueInside(v.body, pick, text) })),
    fc.constantFrom(...BAD_BODY_TEXTS).map((text) => ({ ...base(v, 'body: not the JSON it claims'), body: text })),
    fc.constantFrom(...CONTENT_TYPES).map((ct) => {
      const r = base(v, `body: content-type ${ct.slice(0, 40)}`);
      return { ...r, headers: { ...r.headers, 'content-type': ct }, body: r.body ?? '{}' };
    }),
    fc.constant({
      ...base(v, 'body: a JSON body, wanted or not'),
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    }),
  );

const pathMutation = (v: ValidRequest): fc.Arbitrary<FuzzRequest> => {
  const names = Object.keys(v.params);
  if (names.length === 0) return bodyMutation(v);
  return fc
    .tuple(fc.constantFrom(...names), fc.boolean(), hostileString, fc.constantFrom(...RAW_BAD_SEGMENTS))
    .map(([name, rawSegment, s, bad]) => {
      const r = base(v, `path: ${name} ${rawSegment ? `raw ${bad}` : 'hostile'}`);
      const target = pathOf(v.op, v.params, { [name]: rawSegment ? bad : encodeSegment(s) }) + queryOf(v.query);
      return { ...r, target };
    });
};

const queryMutation = (v: ValidRequest): fc.Arbitrary<FuzzRequest> =>
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom(...Object.keys(v.query), 'pageSize', 'waitMs', 'runId', '__proto__', 'a[b]'),
        fc.string(),
      ),
      fc.oneof(hostileString, fc.constantFrom('-1', '1e12', 'abc', '')),
      fc.boolean(),
    )
    .map(([key, value, repeat]) => {
      const r = base(v, `query: ${key.slice(0, 20)}${repeat ? ' repeated' : ''}`);
      const q: Record<string, string | string[]> = { ...v.query, [key]: repeat ? [value, value] : value };
      return { ...r, target: pathOf(v.op, v.params) + queryOf(q) };
    });

const headerSafe = fc.string({ maxLength: 300 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'));

const headerMutation = (v: ValidRequest): fc.Arbitrary<FuzzRequest> =>
  fc.oneof(
    fc
      .tuple(headerSafe, fc.constantFrom('x-weft-identity', 'accept', 'content-encoding', 'expect', 'origin'))
      .map(([value, header]) => {
        const r = base(v, `header: ${header}`);
        return { ...r, headers: { ...r.headers, [header]: value } };
      }),
    fc.constantFrom('gzip', 'br', 'deflate', 'identity, gzip').map((enc) => {
      const r = base(v, `header: content-encoding ${enc} on a plain body`);
      return { ...r, headers: { ...r.headers, 'content-encoding': enc }, body: r.body ?? '{}' };
    }),
    fc.constantFrom('text/html', 'application/xml', '*/*', '').map((accept) => {
      const r = base(v, `header: accept ${accept}`);
      return { ...r, headers: { ...r.headers, accept } };
    }),
    fc.constantFrom(20_000, 120_000, 200_000).map((n) => {
      const r = base(v, `header: ${n} bytes`);
      return { ...r, headers: { ...r.headers, 'x-filler': 'f'.repeat(n) } };
    }),
    fc.integer({ min: 50, max: 300 }).map((n) => {
      const r = base(v, `header: ${n} headers`);
      const many: Record<string, string> = {};
      for (let i = 0; i < n; i++) many[`x-h-${i}`] = String(i);
      return { ...r, headers: { ...r.headers, ...many } };
    }),
  );

const methodMutation = (v: ValidRequest): fc.Arbitrary<FuzzRequest> =>
  fc.constantFrom(...METHODS.filter((m) => m !== v.op.method)).map((method) => {
    const r = base(v, `method: ${method} instead of ${v.op.method}`);
    return { ...r, method, ...(method === 'GET' || method === 'HEAD' ? { body: undefined, headers: {} } : {}) };
  });

/** Requests whose framing is broken: only a raw socket sends these. */
const framingMutation = (v: ValidRequest): fc.Arbitrary<FuzzRequest> => {
  const r = base(v, '');
  const body = r.body ?? '{}';
  const line = `${v.op.method} ${r.target} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
  const cases: Array<[string, string, boolean]> = [
    ['framing: content-length shorter than the body', `${line}Content-Length: 1\r\n\r\n${body}`, true],
    ['framing: content-length longer than the body, then EOF', `${line}Content-Length: 99999\r\n\r\n${body}`, false],
    [
      'framing: both content-length and chunked',
      `${line}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      true,
    ],
    ['framing: broken chunked body', `${line}Transfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`, true],
    ['framing: negative content-length', `${line}Content-Length: -5\r\n\r\n${body}`, true],
    ['framing: header line without a colon', `${line}no colon here\r\n\r\n`, true],
    ['framing: obsolete line folding', `${line}X-A: a\r\n  folded\r\n\r\n`, true],
    ['framing: NUL in a header', `${line}X-A: a\u0000b\r\n\r\n`, true],
    ['framing: HTTP/1.0 without Host', `${v.op.method} ${r.target} HTTP/1.0\r\n\r\n`, true],
    ['framing: lower-case method', `${v.op.method.toLowerCase()} ${r.target} HTTP/1.1\r\nHost: x\r\n\r\n`, true],
    ['framing: unknown method', `BREW ${r.target} HTTP/1.1\r\nHost: x\r\n\r\n`, true],
    ['framing: HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', true],
    ['framing: not HTTP', `${'\u0001\u00ff'.repeat(50)}\r\n\r\n`, true],
    ['framing: absolute URI', `GET http://127.0.0.1${r.target} HTTP/1.1\r\nHost: x\r\n\r\n`, true],
    ['framing: 1.5 MB of headers', `${line}X-A: ${'a'.repeat(1_500_000)}\r\n\r\n`, true],
  ];
  return fc.constantFrom(...cases).map(([label, raw, expectAnswer]) => ({
    ...r,
    kind: 'raw' as const,
    label,
    raw,
    expectAnswer,
  }));
};

const PATH_WORDS = ['api', 'v1', 'namespaces', 'default', 'workflows', 'schedules', 'tasks', 'healthz', 'metrics'];

/** A request hostile throughout: method, path, query, headers and body all drawn at random. */
const whollyHostile: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.oneof(fc.constantFrom(...METHODS), fc.constantFrom('TRACE', 'PROPFIND', 'M-SEARCH')),
    segments: fc.array(
      fc.oneof(fc.constantFrom(...PATH_WORDS), hostileString.map(encodeSegment), fc.constantFrom(...RAW_BAD_SEGMENTS)),
      { maxLength: 8 },
    ),
    query: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 4 }),
    headers: fc.dictionary(fc.stringMatching(/^x-[a-z]{1,10}$/), headerSafe, { maxKeys: 5 }),
    contentType: fc.constantFrom(undefined, 'application/json', 'text/plain'),
    body: fc.option(fc.oneof(hostileJsonText, fc.constantFrom(...BAD_BODY_TEXTS)), { nil: undefined }),
  })
  .map((h) => {
    const target = `/${h.segments.join('/')}${queryOf(h.query)}`;
    const headers = { ...h.headers, ...(h.contentType ? { 'content-type': h.contentType } : {}) };
    const bodyless = h.method === 'GET' || h.method === 'HEAD';
    return {
      kind: 'raw' as const,
      label: 'wholly hostile',
      method: h.method,
      target,
      headers,
      raw:
        `${h.method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('') +
        (h.body !== undefined && !bodyless ? `Content-Length: ${Buffer.byteLength(h.body)}\r\n\r\n${h.body}` : '\r\n'),
      expectAnswer: true,
    };
  });

/** One request for the fuzzer: mostly one hostile part in an operation's request, sometimes none, sometimes all. */
export function fuzzRequest(ops: OperationSpec[], validWeight = 1): fc.Arbitrary<FuzzRequest> {
  const oneHostilePart = fc
    .constantFrom(...ops)
    .chain(validRequest)
    .chain((v) =>
      fc.oneof(
        { arbitrary: bodyMutation(v), weight: v.op.body ? 4 : 1 },
        { arbitrary: pathMutation(v), weight: 3 },
        { arbitrary: queryMutation(v), weight: 2 },
        { arbitrary: headerMutation(v), weight: 2 },
        { arbitrary: methodMutation(v), weight: 1 },
        { arbitrary: framingMutation(v), weight: 1 },
      ),
    );
  const valid = fc
    .constantFrom(...ops)
    .chain(validRequest)
    .map((v) => base(v, 'valid'));
  return fc.oneof(
    { arbitrary: oneHostilePart, weight: 8 },
    { arbitrary: valid, weight: validWeight },
    { arbitrary: whollyHostile, weight: 1 },
  );
}
