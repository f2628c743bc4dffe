/**
 * Payloads in JSON. A value becomes a Payload as Temporal's default converter makes one (`json/plain`, and
 * `undefined` as `binary/null`); after the codecs it travels, inside the JSON the server stores, as
 *
 *   { "$weft": "payload", "metadata": { "encoding": "<base64>", ... }, "data": "<base64>" }
 *
 * that is Temporal's codec-server JSON form of a payload with the `$weft` marker of src/common/payload-args.ts, so
 * an argument list mixes it with plain arguments safely. Node-only (Buffer): never imported by workflow code.
 */
import { METADATA_ENCODING_KEY, type Payload } from './payload-codec.js';

/** A payload in Temporal's codec-server JSON: metadata values and data in base64. */
export interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

export interface WirePayload extends JsonPayload {
  $weft: 'payload';
}

const JSON_PLAIN = 'json/plain';
const BINARY_NULL = 'binary/null';
const BINARY_PLAIN = 'binary/plain';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An encoded payload as it travels (see the top of this file). */
export function isWirePayload(v: unknown): v is WirePayload {
  return isObject(v) && v.$weft === 'payload';
}

const toBase64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

function fromBase64(s: unknown, what: string): Uint8Array {
  if (typeof s !== 'string' || !BASE64.test(s)) throw new PayloadFormatError(`${what} is not base64 text`);
  return Buffer.from(s, 'base64');
}

/** A payload in JSON that is not one (not base64, wrong types): the caller's input is at fault. */
export class PayloadFormatError extends Error {
  override name = 'PayloadFormatError';
}

/** The payload of a value: JSON text (`json/plain`), or `binary/null` for undefined. */
export function valueToPayload(value: unknown): Payload {
  if (value === undefined) return { metadata: { [METADATA_ENCODING_KEY]: utf8.encode(BINARY_NULL) } };
  return { metadata: { [METADATA_ENCODING_KEY]: utf8.encode(JSON_PLAIN) }, data: utf8.encode(JSON.stringify(value)) };
}

/** The value a decoded payload holds; a payload no codec turned back into JSON is an error naming its encoding. */
export function payloadToValue(p: Payload): unknown {
  const enc = p.metadata?.[METADATA_ENCODING_KEY];
  const encoding = enc ? fromUtf8.decode(enc) : undefined;
  if (encoding === BINARY_NULL) return undefined;
  if (encoding === BINARY_PLAIN) return p.data ?? new Uint8Array();
  if (encoding !== JSON_PLAIN)
    throw new PayloadFormatError(
      `a payload with encoding ${JSON.stringify(encoding ?? null)} reached the payload converter: ` +
        'no payload codec decoded it (is the codec that encoded it, or its key, configured here?)',
    );
  return JSON.parse(fromUtf8.decode(p.data ?? new Uint8Array())) as unknown;
}

/** Temporal's codec-server JSON of a payload. */
export function payloadToJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = toBase64(v);
  return p.data ? { metadata, data: toBase64(p.data) } : { metadata };
}

/** A payload from Temporal's codec-server JSON; throws PayloadFormatError when it is not one. */
export function payloadFromJson(j: unknown, what = 'payload'): Payload {
  if (!isObject(j)) throw new PayloadFormatError(`${what} is not an object`);
  const metadata: Record<string, Uint8Array> = {};
  if (j.metadata !== undefined && j.metadata !== null) {
    if (!isObject(j.metadata)) throw new PayloadFormatError(`${what}.metadata is not an object`);
    for (const [k, v] of Object.entries(j.metadata)) metadata[k] = fromBase64(v, `${what}.metadata.${k}`);
  }
  return j.data === undefined || j.data === null
    ? { metadata }
    : { metadata, data: fromBase64(j.data, `${what}.data`) };
}

export const payloadToWire = (p: Payload): WirePayload => ({ $weft: 'payload', ...payloadToJson(p) });
export const wireToPayload = (w: WirePayload): Payload => payloadFromJson(w);
