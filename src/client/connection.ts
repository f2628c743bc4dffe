/**
 * A connection to a Weft server, shared by clients and workers. `withDeadline` and `withAbortSignal` (as
 * Temporal's) bound every call made inside their callback, through an async-local call context.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { clientTlsOptions, TlsConfigError, type TLSConfig } from '../common/tls-config.js';
import { toMs, type Duration } from '../common/duration.js';
import type { ApiKey } from './api-key.js';
import { ServiceError } from './errors.js';
import { HttpTransport, type CallOptions, type CallRequest, type Transport } from './transport.js';
import type { OperationId } from '../protocol/routes.js';

/** What bounds the calls made inside withDeadline / withAbortSignal (nested ones combine). */
interface CallContext {
  deadline?: number;
  signal?: AbortSignal;
}

const callContext = new AsyncLocalStorage<CallContext>();

/** Runs a call with the context's deadline and abort signal; answers DEADLINE_EXCEEDED / CANCELLED as Temporal. */
class BoundedTransport implements Transport {
  constructor(readonly inner: Transport) {}

  async call<T>(op: OperationId, req: CallRequest, opts: CallOptions = {}): Promise<T> {
    const ctx = callContext.getStore();
    if (!ctx) return this.inner.call<T>(op, req, opts);
    const remaining = ctx.deadline === undefined ? undefined : ctx.deadline - Date.now();
    if (remaining !== undefined && remaining <= 0) throw deadlineExceeded(op);
    if (ctx.signal?.aborted) throw cancelled(op, ctx.signal);
    const timeout = remaining === undefined ? undefined : AbortSignal.timeout(remaining);
    const signals = [opts.signal, ctx.signal, timeout].filter((x): x is AbortSignal => x !== undefined);
    const signal = signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    try {
      // retries of an unreachable server stop at the deadline too
      const retryForMs = Math.min(opts.retryForMs ?? 30_000, remaining ?? Infinity);
      return await this.inner.call<T>(op, req, { ...opts, signal, retryForMs });
    } catch (e) {
      if (opts.signal?.aborted) throw e; // the caller's own signal: its error, as before
      if (timeout?.aborted) throw deadlineExceeded(op);
      if (ctx.signal?.aborted) throw cancelled(op, ctx.signal);
      throw e;
    }
  }

  health(): Promise<{ status: string; store?: string }> {
    return this.inner.health();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function deadlineExceeded(op: OperationId): ServiceError {
  return new ServiceError(`${op}: the deadline passed before the server answered`, 'DEADLINE_EXCEEDED', 504);
}

function cancelled(op: OperationId, signal: AbortSignal): ServiceError {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : '';
  return new ServiceError(`${op}: the call was cancelled${reason}`, 'CANCELLED', 499);
}

export interface ConnectionOptions {
  /**
   * Server address; default WEFT_ADDRESS or 127.0.0.1:7411. `host:port` means http://host:port, or
   * https://host:port when `tls` is set.
   */
  address?: string;
  /**
   * Sent as `Authorization: Bearer <key>`. A string, or (Temporal's) a function returning one, called before each
   * request; Weft also takes one returning a promise. `connection.setApiKey(key)` changes it later.
   */
  apiKey?: ApiKey;
  /** How long `connect` waits for the server (TCP/TLS connection and health check); default 10 s (Temporal's). */
  connectTimeout?: Duration;
  /**
   * TLS (as Temporal's): `true` trusts the system CAs; an object names the CA, a client certificate for mutual TLS
   * and the server name to check, in Weft's names or Temporal's (TLSConfig). An https:// address alone is `true`.
   */
  tls?: TLSConfig | boolean | null;
  /** Sent as x-weft-identity (shown in history as who cancelled or terminated). */
  identity?: string;
  /**
   * Weft only: carry calls over one streaming channel (a WebSocket, docs/channel.md) when the server has one,
   * as Temporal's SDK carries them over one gRPC connection; default true. False: one HTTP request per call.
   */
  channel?: boolean;
}

/** The full URL of `address` (default WEFT_ADDRESS, then 127.0.0.1:7411); without a scheme, http, or https with `tls`. */
export function resolveAddress(address?: string, tls = false): string {
  const a = (address ?? process.env.WEFT_ADDRESS ?? '127.0.0.1:7411').replace(/\/+$/, '');
  return /^[a-z]+:\/\//i.test(a) ? a : `${tls ? 'https' : 'http'}://${a}`;
}

export class Connection {
  readonly transport: Transport;
  /** The transport under the deadline layer: where setApiKey goes. */
  private readonly base: Transport;

  private constructor(transport: Transport) {
    this.base = transport;
    this.transport = new BoundedTransport(transport);
  }

  /**
   * Replaces the API key for every later request (Temporal's `setApiKey`): a string, or a function returning
   * one (or a promise of one). An empty string is a TypeError, as is a connection that sends no keys (in-process).
   */
  setApiKey(apiKey: ApiKey): void {
    if (!this.base.setApiKey)
      throw new TypeError('this connection does not send API keys (an in-process test environment connection)');
    this.base.setApiKey(apiKey);
  }

  /**
   * Runs `fn`; every call it makes (through any client on this or another connection) fails with a ServiceError
   * `DEADLINE_EXCEEDED` once `deadline` (a Date, or epoch ms) has passed. Nested: the earlier deadline wins.
   */
  async withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R> {
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    if (!Number.isFinite(at)) throw new TypeError('withDeadline: deadline must be a Date or a number of epoch ms');
    const outer = callContext.getStore();
    const next = Math.min(at, outer?.deadline ?? Infinity);
    return callContext.run({ ...outer, deadline: next }, fn);
  }

  /** Runs `fn`; its calls fail with a ServiceError `CANCELLED` once `signal` aborts (Temporal's CANCELLED). */
  async withAbortSignal<R>(signal: AbortSignal, fn: () => Promise<R>): Promise<R> {
    const outer = callContext.getStore();
    const combined = outer?.signal ? AbortSignal.any([outer.signal, signal]) : signal;
    return callContext.run({ ...outer, signal: combined }, fn);
  }

  /** Connects and checks that the server answers its health check. */
  static async connect(opts: ConnectionOptions = {}): Promise<Connection> {
    const c = Connection.lazy(opts);
    try {
      await c.transport.health();
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  /** A connection that does not check the server now (a worker may start before its server). */
  static lazy(opts: ConnectionOptions = {}): Connection {
    const address = resolveAddress(opts.address, !!opts.tls);
    const secure = address.toLowerCase().startsWith('https://');
    if (opts.tls && !secure)
      throw new TlsConfigError(`tls is set but the address ${address} is not https://: give https://HOST:PORT`);
    return new Connection(
      new HttpTransport(address, {
        ...(opts.apiKey !== undefined && opts.apiKey !== '' ? { apiKey: opts.apiKey } : {}),
        ...(opts.connectTimeout !== undefined ? { connectTimeoutMs: toMs(opts.connectTimeout, 'connectTimeout') } : {}),
        ...(opts.identity ? { identity: opts.identity } : {}),
        ...(opts.channel === false ? { channel: false } : {}),
        ...(secure ? { tls: clientTlsOptions(opts.tls || true) } : {}),
      }),
    );
  }

  /** Wraps another transport (the testing environment's in-process one). */
  static fromTransport(transport: Transport): Connection {
    return new Connection(transport);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
