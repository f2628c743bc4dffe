/**
 * How a client reaches the server: over HTTP (undici connection pool, keep-alive), or in-process (the testing
 * environment calls the server's operations directly, with the same validation). Both answer the same
 * errors: ServiceError with the API's code, or ConnectionError when the server cannot be reached.
 */
import { Pool, errors as undiciErrors } from 'undici';
import { fillPath, IDEMPOTENT, ROUTES, type OperationId } from '../protocol/routes.js';
import { ConnectionError, isTransient, ServiceError } from './errors.js';

export interface CallRequest {
  params: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Keep retrying an idempotent call this long while the server cannot be reached (default 30s). */
  retryForMs?: number;
}

export interface Transport {
  call<T>(op: OperationId, req: CallRequest, opts?: CallOptions): Promise<T>;
  /** GET /healthz: resolves with the server's answer, rejects when it is down or unhealthy. */
  health(): Promise<{ status: string; store?: string }>;
  close(): Promise<void>;
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
  private readonly headers: Record<string, string>;
  /** With a JSON body (a request without one must not claim a content type). */
  private readonly jsonHeaders: Record<string, string>;

  constructor(
    readonly address: string,
    opts: { apiKey?: string; identity?: string } = {},
  ) {
    const url = new URL(address);
    this.pool = new Pool(url.origin, { connections: 128, keepAliveTimeout: 60_000, headersTimeout: 0, bodyTimeout: 0 });
    this.headers = {};
    if (opts.apiKey) this.headers.authorization = `Bearer ${opts.apiKey}`;
    if (opts.identity) this.headers['x-weft-identity'] = opts.identity;
    this.jsonHeaders = { ...this.headers, 'content-type': 'application/json' };
  }

  call<T>(op: OperationId, req: CallRequest, opts: CallOptions = {}): Promise<T> {
    return withReconnect(op, () => this.once<T>(op, req, opts.signal), opts);
  }

  private async once<T>(op: OperationId, req: CallRequest, signal?: AbortSignal): Promise<T> {
    const route = ROUTES[op];
    const path = `/api/v1${fillPath(route.path, req.params)}${toQueryString(req.query)}`;
    let res;
    try {
      res = await this.pool.request({
        method: route.method,
        path,
        headers: req.body !== undefined ? this.jsonHeaders : this.headers,
        ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (signal?.aborted) throw e;
      const err = e as Error & { code?: string };
      if (
        e instanceof undiciErrors.UndiciError ||
        ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'UND_ERR_SOCKET'].includes(err.code ?? '')
      )
        throw new ConnectionError(`cannot reach the Weft server at ${this.address}: ${err.message}`, err);
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
      res = await this.pool.request({ method: 'GET', path: '/healthz', headersTimeout: 10_000, bodyTimeout: 10_000 });
    } catch (e) {
      throw new ConnectionError(`cannot reach the Weft server at ${this.address}: ${(e as Error).message}`, e as Error);
    }
    const data = (await res.body.json()) as { status: string; store?: string; error?: { message?: string } };
    if (res.statusCode !== 200)
      throw new ServiceError(data.error?.message ?? 'server unhealthy', 'UNAVAILABLE', res.statusCode);
    return data;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

export function toServiceError(status: number, data: unknown): ServiceError {
  const e = (data as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | undefined)
    ?.error;
  return new ServiceError(e?.message ?? `HTTP ${status}`, e?.code ?? 'UNKNOWN', status, e?.details);
}
