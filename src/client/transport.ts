/**
 * How a client reaches the server: over HTTP (undici connection pool, keep-alive), or in-process (the testing
 * environment calls the server's operations directly, with the same validation). Both answer the same
 * errors: ServiceError with the API's code, or ConnectionError when the server cannot be reached.
 */
import { Pool, errors as undiciErrors } from 'undici';
import { fillPath, IDEMPOTENT, ROUTES, type OperationId } from '../protocol/routes.js';
import type { ClientTlsOptions } from '../common/tls-config.js';
import { ConnectionError, isTransient, ServiceError, toServiceError } from './errors.js';
import { checkApiKey, currentApiKey, type ApiKey } from './api-key.js';
import { StartBatcher } from './start-batcher.js';
import { Channel, NO_CHANNEL } from './channel.js';

export interface CallRequest {
  params: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Keep retrying an idempotent call this long while the server cannot be reached (default 30s). */
  retryForMs?: number;
  /**
   * Give up on one attempt that has had no answer this long (a ConnectionError, retried like one): a bound for
   * long polls, whose server answers within a known time, against an answer lost on the way (a half-open
   * connection). None by default.
   */
  timeoutMs?: number;
}

export interface Transport {
  call<T>(op: OperationId, req: CallRequest, opts?: CallOptions): Promise<T>;
  /** GET /healthz: resolves with the server's answer, rejects when it is down or unhealthy. */
  health(): Promise<{ status: string; store?: string }>;
  close(): Promise<void>;
  /** Replaces the API key sent from now on (transports that send one). */
  setApiKey?(key: ApiKey): void;
}

/** HttpTransport's options: `tls` for an https:// address (none: the system CAs). */
export interface HttpTransportOptions {
  apiKey?: ApiKey;
  identity?: string;
  tls?: ClientTlsOptions;
  /** How long to wait for the connection and the health check's answer (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * Send calls over the streaming channel (one WebSocket, docs/channel.md) when the server has one; default true.
   * False: every call is an HTTP request.
   */
  channel?: boolean;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Retries a call while the server is unreachable (or its store is), with jittered exponential backoff. */
export async function withReconnect<T>(op: OperationId, fn: () => Promise<T>, opts: CallOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.retryForMs ?? 30_000);
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isTransient(e) || !IDEMPOTENT.has(op) || opts.signal?.aborted || Date.now() >= deadline) throw e;
      const delay = Math.min(100 * 2 ** attempt, 2000) * (0.5 + Math.random() / 2);
      await sleep(delay, opts.signal);
    }
  }
}

function toQueryString(q: CallRequest['query']): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q))
    if (v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

export class HttpTransport implements Transport {
  private readonly pool: Pool;
  /** The starts of one event-loop turn, sent in one request. */
  private readonly starts = new StartBatcher((op, req) => withReconnect(op, () => this.once(op, req), {}));
  private headers: Record<string, string>;
  /** With a JSON body (a request without one must not claim a content type). */
  private jsonHeaders: Record<string, string>;
  /** A key function, called for each request (a string key is in the headers). */
  private apiKeyFn: (() => string | Promise<string>) | undefined;
  private readonly baseHeaders: Record<string, string>;
  private readonly connectTimeoutMs: number;

  /** A client certificate is sent (for the hint when a server closes the connection at once). */
  private readonly clientCert: boolean;
  /** The streaming channel, when on: calls go over it while it can be had, else as HTTP requests. */
  readonly channel: Channel | undefined;

  constructor(
    readonly address: string,
    opts: HttpTransportOptions = {},
  ) {
    const url = new URL(address);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.pool = new Pool(url.origin, {
      connections: 128,
      keepAliveTimeout: 60_000,
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: {
        timeout: this.connectTimeoutMs,
        ...(opts.tls ? { ...opts.tls, rejectUnauthorized: true } : {}),
      },
    });
    this.clientCert = opts.tls?.cert !== undefined;
    this.channel =
      opts.channel === false
        ? undefined
        : new Channel(address, { connectTimeoutMs: this.connectTimeoutMs, ...(opts.tls ? { tls: opts.tls } : {}) });
    this.baseHeaders = opts.identity ? { 'x-weft-identity': opts.identity } : {};
    this.headers = this.baseHeaders;
    this.jsonHeaders = this.headers;
    this.setApiKey(opts.apiKey);
  }

  setApiKey(key: ApiKey | undefined): void {
    const checked = key === undefined ? undefined : checkApiKey(key);
    this.apiKeyFn = typeof checked === 'function' ? checked : undefined;
    this.headers = typeof checked === 'string' ? { ...this.baseHeaders, ...bearer(checked) } : this.baseHeaders;
    this.jsonHeaders = { ...this.headers, 'content-type': 'application/json' };
  }

  /** The headers of one request: with the key function's current key, if there is one. */
  private async headersFor(json: boolean): Promise<Record<string, string>> {
    const headers = json ? this.jsonHeaders : this.headers;
    if (!this.apiKeyFn) return headers;
    return { ...headers, ...bearer(await currentApiKey(this.apiKeyFn)) };
  }

  call<T>(op: OperationId, req: CallRequest, opts: CallOptions = {}): Promise<T> {
    if (op === 'startWorkflow' && this.starts.takes(req, opts)) return this.starts.add<T>(req);
    const { timeoutMs } = opts;
    if (timeoutMs !== undefined)
      return withReconnect(op, () => this.onceWithin<T>(op, req, timeoutMs, opts.signal), opts);
    return withReconnect(op, () => this.once<T>(op, req, opts.signal), opts);
  }

  /** One attempt, abandoned (a ConnectionError) when no answer came within `timeoutMs`. */
  private async onceWithin<T>(op: OperationId, req: CallRequest, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(signal!.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    try {
      return await this.once<T>(op, req, ac.signal);
    } catch (e) {
      if (timedOut && !signal?.aborted)
        throw new ConnectionError(`no answer from the Weft server at ${this.address} within ${timeoutMs} ms (${op})`);
      throw e;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async once<T>(op: OperationId, req: CallRequest, signal?: AbortSignal): Promise<T> {
    if (this.channel) {
      const sent = this.channel.send<T>(op, req, await this.headersFor(false), signal);
      if (sent)
        try {
          return await sent;
        } catch (e) {
          if (e !== NO_CHANNEL) throw e;
        }
    }
    const route = ROUTES[op];
    const path = `/api/v1${fillPath(route.path, req.params)}${toQueryString(req.query)}`;
    const headers = await this.headersFor(req.body !== undefined);
    let res;
    try {
      res = await this.pool.request({
        method: route.method,
        path,
        headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      const err = e as Error & { code?: string };
      if (
        e instanceof undiciErrors.UndiciError ||
        ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'UND_ERR_SOCKET'].includes(err.code ?? '') ||
        isTlsFailure(err)
      )
        throw unreachable(this.address, err);
      throw e;
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (e) {
      throw new ConnectionError(
        `connection to ${this.address} failed while reading the answer: ${(e as Error).message}`,
        e as Error,
      );
    }
    const data = text ? (JSON.parse(text) as unknown) : undefined;
    if (res.statusCode >= 400) throw toServiceError(res.statusCode, data);
    return data as T;
  }

  async health(): Promise<{ status: string; store?: string }> {
    let res;
    try {
      const timeout = this.connectTimeoutMs;
      res = await this.pool.request({ method: 'GET', path: '/healthz', headersTimeout: timeout, bodyTimeout: timeout });
    } catch (e) {
      throw unreachable(this.address, e as Error, this.closedHint());
    }
    const data = (await res.body.json()) as { status: string; store?: string; error?: { message?: string } };
    if (res.statusCode !== 200)
      throw new ServiceError(data.error?.message ?? 'server unhealthy', 'UNAVAILABLE', res.statusCode);
    return data;
  }

  async close(): Promise<void> {
    this.channel?.close();
    await this.pool.close();
  }

  /**
   * Why a server may close a new connection at once: given at the health check (the first contact), where
   * a refused or missing client certificate (TLS 1.3 refuses it after the handshake) or a plain-HTTP request to
   * an https server shows as the connection closed, nothing more.
   */
  private closedHint(): string {
    if (/^http:/i.test(this.address)) return 'if the server serves https, give an https:// address';
    return this.clientCert
      ? 'the server may not accept this client certificate: is it signed by the CA the server trusts?'
      : 'the server may require a client certificate (mutual TLS): give tls.cert and tls.key (--tls-cert, --tls-key)';
  }
}

const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

/** Node's codes for a peer certificate that does not verify (OpenSSL's X509_V_ERR_* names) and a wrong name. */
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const isTlsFailure = (e: { code?: string }): boolean =>
  CERTIFICATE_ERRORS.has(e.code ?? '') || (e.code ?? '').startsWith('ERR_SSL_');

/**
 * The ConnectionError for a request that reached no server: retryable, except a TLS failure (a certificate
 * that does not verify, a server that does not speak TLS), which trying again does not mend.
 */
function unreachable(address: string, err: Error & { code?: string }, closedHint?: string): ConnectionError {
  const code = err.code ?? '';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return new ConnectionError(
      `the TLS certificate of the server at ${address} is not issued for the name this client checks: ${err.message}; ` +
        'give the name it was issued for (tls.serverName, --tls-server-name) or an address with that name',
      err,
      false,
    );
  if (CERTIFICATE_ERRORS.has(code))
    return new ConnectionError(
      `the TLS certificate of the server at ${address} does not verify: ${err.message} (${code}); ` +
        'give the CA certificate that signed it (tls.ca, --tls-ca)',
      err,
      false,
    );
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER')
    return new ConnectionError(
      `the server at ${address} does not speak TLS: if it serves plain HTTP, give an http:// address`,
      err,
      false,
    );
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED')
    return new ConnectionError(
      `the server at ${address} requires a client certificate (mutual TLS): give tls.cert and tls.key`,
      err,
      false,
    );
  if (code.startsWith('ERR_SSL_')) {
    // OpenSSL's "...:SSL routines:<function>:<reason>:<file>:<line>": the reason says it
    const reason = /SSL routines:[^:]*:([^:]+)/.exec(err.message)?.[1] ?? err.message;
    return new ConnectionError(`the TLS handshake with the server at ${address} failed: ${reason}`, err, false);
  }
  const hint = closedHint && code === 'UND_ERR_SOCKET' ? ` (${closedHint})` : '';
  return new ConnectionError(`cannot reach the Weft server at ${address}: ${err.message}${hint}`, err);
}
