/**
 * Temporal's "codec server": `POST …/encode` and `POST …/decode` with `{ "payloads": [{ "metadata": { k: base64 },
 * "data": base64 }] }`, answering the same shape, run through the given codecs. The web UI and the CLI
 * (`--codec-endpoint`) call it to show decoded payloads to a person allowed to see them; it holds the keys, the
 * Weft server never does. CORS lets a browser page of an allowed origin call it. Bad input is a 4xx with
 * `{ "error": { "code", "message" } }`, as the Weft API answers; nothing a caller sends stops the server.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { decodePayloads, encodePayloads, type PayloadCodec } from '../common/payload-codec.js';
import { payloadFromJson, payloadToJson, PayloadFormatError } from '../common/wire-payload.js';

export interface CodecRequestInfo {
  /** The `X-Namespace` header the web UI sends ('' when absent). */
  namespace: string;
  headers: IncomingHttpHeaders;
  operation: 'encode' | 'decode';
}

export interface CodecHandlerOptions {
  /** The codecs, in the order the clients and workers have them (`dataConverter.payloadCodecs`). */
  codecs: PayloadCodec[];
  /**
   * Who may call: resolve false to answer 403. Check an `Authorization` header (the UI can forward its login's
   * token, the CLI sends `--codec-auth`). Default: everyone who can reach the server.
   */
  authorize?: (request: CodecRequestInfo) => boolean | Promise<boolean>;
  /**
   * Origins whose pages may call it (the web UI's, such as `http://127.0.0.1:7411`), allowed with credentials;
   * `'*'` (the default) lets any page call it, without credentials.
   */
  allowedOrigins?: string[] | '*';
  /** Largest request body accepted (default 16 MiB). */
  maxBodyBytes?: number;
}

type ErrorCode =
  | 'INVALID_JSON'
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'PERMISSION_DENIED'
  | 'CODEC_FAILED'
  | 'INTERNAL';

class CodecHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const ALLOWED_HEADERS = 'Content-Type, Authorization, X-Namespace';

function corsHeaders(opts: CodecHandlerOptions, origin: string | undefined): Record<string, string> {
  const allowed = opts.allowedOrigins ?? '*';
  if (allowed === '*') return { 'access-control-allow-origin': '*' };
  if (!origin || !allowed.includes(origin)) return { vary: 'Origin' };
  return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body?: unknown): void {
  if (res.headersSent) return;
  const text = body === undefined ? undefined : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(text !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** The request body, up to `max` bytes (more: 413, and the connection is closed after the answer). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > max) return reject(tooLarge(max));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        reject(tooLarge(max));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new CodecHttpError(400, 'INVALID_ARGUMENT', 'the request body was cut off'));
    });
  });
}

const tooLarge = (max: number): CodecHttpError =>
  new CodecHttpError(413, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${max} bytes`);

/** The payloads of a request body, checked; throws a 400 naming what is wrong. */
function parsePayloads(body: Buffer): ReturnType<typeof payloadFromJson>[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new CodecHttpError(400, 'INVALID_JSON', `the body is not JSON: ${(e as Error).message}`);
  }
  const payloads = (json as { payloads?: unknown } | null)?.payloads;
  if (typeof json !== 'object' || json === null || !Array.isArray(payloads))
    throw new CodecHttpError(400, 'INVALID_ARGUMENT', 'expected { "payloads": [...] }');
  try {
    return payloads.map((p, i) => payloadFromJson(p, `payloads[${i}]`));
  } catch (e) {
    if (e instanceof PayloadFormatError) throw new CodecHttpError(400, 'INVALID_ARGUMENT', e.message);
    throw e;
  }
}

async function answer(opts: CodecHandlerOptions, req: IncomingMessage): Promise<unknown> {
  const path = new URL(req.url ?? '/', 'http://codec').pathname.replace(/\/+$/, '');
  const operation = path.endsWith('/encode') ? 'encode' : path.endsWith('/decode') ? 'decode' : undefined;
  if (!operation) throw new CodecHttpError(404, 'NOT_FOUND', 'POST /encode or /decode');
  if (req.method !== 'POST')
    throw new CodecHttpError(405, 'METHOD_NOT_ALLOWED', `${req.method ?? ''} ${path}: use POST`);
  const namespace = String(req.headers['x-namespace'] ?? '');
  if (opts.authorize && !(await opts.authorize({ namespace, headers: req.headers, operation })))
    throw new CodecHttpError(403, 'PERMISSION_DENIED', `not allowed to ${operation} payloads`);
  const payloads = parsePayloads(await readBody(req, opts.maxBodyBytes ?? 16 * 1024 * 1024));
  let out;
  try {
    out =
      operation === 'encode'
        ? await encodePayloads(opts.codecs, payloads)
        : await decodePayloads(opts.codecs, payloads);
  } catch (e) {
    throw new CodecHttpError(422, 'CODEC_FAILED', `the codecs could not ${operation} the payloads: ${messageOf(e)}`);
  }
  return { payloads: out.map(payloadToJson) };
}

/** A Node `http` request handler serving `/encode` and `/decode` (mount it where you like, or startCodecServer). */
export function createCodecHandler(opts: CodecHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const cors = corsHeaders(opts, origin);
    if (req.method === 'OPTIONS') {
      return send(res, 204, {
        ...cors,
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': '600',
      });
    }
    answer(opts, req).then(
      (body) => send(res, 200, cors, body),
      (e: unknown) => {
        const err =
          e instanceof CodecHttpError ? e : new CodecHttpError(500, 'INTERNAL', `codec server error: ${messageOf(e)}`);
        const close: Record<string, string> = err.status === 413 ? { connection: 'close' } : {};
        send(res, err.status, { ...cors, ...close }, { error: { code: err.code, message: err.message } });
      },
    );
  };
}
