/**
 * Text every store can keep: no NUL character and no unpaired UTF-16 surrogate. PostgreSQL's text columns take
 * neither (and UTF-8, so Temporal's protobuf, has no unpaired surrogates), so ids, search attribute values and query
 * literals with them are refused with a 400 on every store alike. Payloads are JSON documents and may hold both.
 */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const UNSTORABLE_CHARS = 'NUL characters or unpaired UTF-16 surrogates';

export function isStorableText(s: string): boolean {
  return !UNSTORABLE.test(s);
}
