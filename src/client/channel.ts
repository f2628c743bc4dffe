/**
 * The client's end of the streaming channel (protocol/channel.ts, docs/channel.md): one WebSocket to the server
 * carrying this connection's calls as frames, answered with the status and body HTTP would have sent, so errors
 * are the same ServiceErrors. It is only a faster road: whenever a channel cannot be had (a server without one,
 * a proxy that refuses WebSockets, a server down, a refused key), the caller sends the call as an HTTP request
 * instead, which then answers or fails exactly as it always did.
 */
import WebSocket from 'ws';
import { CHANNEL_PATH, CHANNEL_PROTOCOL, type ChannelAnswer, type ChannelRequest } from '../protocol/channel.js';
import type { OperationId } from '../protocol/routes.js';
import type { ClientTlsOptions } from '../common/tls-config.js';
import { ConnectionError, toServiceError } from './errors.js';
import type { CallRequest } from './transport.js';

export interface ChannelOptions {
  tls?: ClientTlsOptions;
  connectTimeoutMs: number;
}

/** After a channel could not be opened (the server down?), calls go over HTTP for this long before trying again. */
const RETRY_OPEN_MS = 1000;
/** A server that refused the channel for another reason than not having one (a key, a restart): try again after. */
const RETRY_REFUSED_MS = 5000;
/** While calls wait, the server must answer a ping within this long, or the socket is taken for dead. */
const PING_MS = 15_000;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  done: () => void;
}

/** One WebSocket and the calls waiting on it. */
class Socket {
  readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private awaitingPong = false;
  private readonly pinger: NodeJS.Timeout;
  /** Replaced by a newer socket (another API key): closes when its last call is answered. */
  retired = false;

  constructor(
    readonly ws: WebSocket,
    /** The Authorization header it was opened with. */
    readonly authorization: string | undefined,
    private readonly address: string,
  ) {
    ws.on('message', (data) => this.onAnswer(data as Buffer));
    ws.on('pong', () => (this.awaitingPong = false));
    ws.on('close', (code, reason) => {
      clearInterval(this.pinger);
      const why = reason.length ? `${code} ${reason.toString()}` : String(code);
      this.failAll(new ConnectionError(`the channel to ${this.address} closed (${why})`));
    });
    ws.on('error', () => {}); // 'close' follows and fails what waits
    this.pinger = setInterval(() => {
      if (this.pending.size === 0) return;
      if (this.awaitingPong) return ws.terminate();
      this.awaitingPong = true;
      ws.ping();
    }, PING_MS);
    this.pinger.unref();
    this.idle();
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  call<T>(op: OperationId, req: CallRequest, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const id = this.nextId++;
    const frame: ChannelRequest = { id, op };
    if (Object.keys(req.params).length) frame.params = req.params;
    const query = definedEntries(req.query);
    if (query) frame.query = query;
    if (req.body !== undefined) frame.body = req.body;
    const text = JSON.stringify(frame);
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.pending.delete(id)) return;
        if (this.open) this.ws.send(JSON.stringify({ cancel: id }));
        this.settled();
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, done });
      if (this.pending.size === 1) this.busy();
      this.ws.send(text, (err) => {
        if (!err || !this.pending.delete(id)) return;
        done();
        this.settled();
        reject(new ConnectionError(`sending on the channel to ${this.address} failed: ${err.message}`, err));
      });
    });
  }

  close(): void {
    clearInterval(this.pinger);
    if (this.ws.readyState === WebSocket.CONNECTING || this.open) this.ws.close(1000, 'closed by the client');
  }

  private onAnswer(data: Buffer): void {
    let a: ChannelAnswer;
    try {
      a = JSON.parse(data.toString()) as ChannelAnswer;
    } catch {
      this.ws.terminate();
      return;
    }
    const p = this.pending.get(a.id);
    if (!p) return; // cancelled meanwhile
    this.pending.delete(a.id);
    p.done();
    this.settled();
    if (a.status >= 400) p.reject(toServiceError(a.status, a.body));
    else p.resolve(a.body);
  }

  private failAll(err: ConnectionError): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) {
      p.done();
      p.reject(err);
    }
  }

  private settled(): void {
    if (this.pending.size > 0) return;
    if (this.retired) this.close();
    else this.idle();
  }

  /** An idle channel does not keep the process alive (as an idle HTTP connection does not). */
  private idle(): void {
    rawSocket(this.ws)?.unref();
  }

  private busy(): void {
    rawSocket(this.ws)?.ref();
  }
}

/** The TCP (or TLS) socket under a WebSocket (ws keeps it as `_socket`; absent before the upgrade). */
function rawSocket(ws: WebSocket): { ref(): void; unref(): void } | undefined {
  return (ws as unknown as { _socket?: { ref(): void; unref(): void } })._socket;
}

function definedEntries(q: CallRequest['query']): Record<string, string | number | boolean> | undefined {
  if (!q) return undefined;
  let out: Record<string, string | number | boolean> | undefined;
  for (const k in q) {
    const v = q[k];
    if (v !== undefined) (out ??= {})[k] = v;
  }
  return out;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** The channel of one HttpTransport: opened at the first call, opened again after it closes. */
export class Channel {
  private socket: Socket | undefined;
  private opening: Promise<Socket | undefined> | undefined;
  /** No channel before this time (epoch ms): Infinity when the server has none. */
  private notBefore = 0;
  private closed = false;
  private readonly url: string;
  /** Sockets replaced (another API key) that still have calls waiting. */
  private readonly retired = new Set<Socket>();

  constructor(
    private readonly address: string,
    private readonly opts: ChannelOptions,
  ) {
    const u = new URL(address);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.pathname = CHANNEL_PATH;
    this.url = u.toString();
  }

  /** Whether calls are going over the channel now (for status and tests). */
  get isOpen(): boolean {
    return this.socket?.open ?? false;
  }

  /** Whether the server was found to have no channel (every call goes over HTTP). */
  get unsupported(): boolean {
    return this.notBefore === Infinity;
  }

  /**
   * Sends the call over the channel, or answers undefined when there is none to be had now: the caller sends it
   * over HTTP. `headers` are this call's (the API key and identity); a different key opens a new channel.
   */
  send<T>(
    op: OperationId,
    req: CallRequest,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<T> | undefined {
    const s = this.socket;
    if (s?.open && s.authorization === headers.authorization) return s.call<T>(op, req, signal);
    if (this.closed || Date.now() < this.notBefore) return undefined;
    return this.openAndSend<T>(op, req, headers, signal);
  }

  private async openAndSend<T>(
    op: OperationId,
    req: CallRequest,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<T> {
    const s = await this.ready(headers);
    if (!s) throw NO_CHANNEL;
    return s.call<T>(op, req, signal);
  }

  private async ready(headers: Record<string, string>): Promise<Socket | undefined> {
    for (;;) {
      const s = this.socket;
      if (s?.open && s.authorization === headers.authorization) return s;
      if (this.closed || Date.now() < this.notBefore) return undefined;
      if (!this.opening) {
        this.opening = this.open(headers).finally(() => (this.opening = undefined));
      }
      const opened = await this.opening;
      if (!opened) return undefined;
      if (opened.authorization === headers.authorization) return opened;
      // opened for another key by a concurrent call: open again for this one
    }
  }

  private open(headers: Record<string, string>): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.url, CHANNEL_PROTOCOL, {
        headers,
        perMessageDeflate: false,
        handshakeTimeout: this.opts.connectTimeoutMs,
        maxPayload: 0,
        ...(this.opts.tls ? { ...this.opts.tls, rejectUnauthorized: true } : {}),
      });
      let settled = false;
      const give = (s: Socket | undefined, retryAfterMs?: number): void => {
        if (settled) return;
        settled = true;
        if (retryAfterMs !== undefined) this.notBefore = Date.now() + retryAfterMs;
        resolve(s);
      };
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        ws.terminate();
        // no channel here (an older server, or one with the channel off, answers 404; a proxy may say 400 or 405)
        const none = res.statusCode === 404 || res.statusCode === 400 || res.statusCode === 405;
        give(undefined, none ? Infinity : RETRY_REFUSED_MS);
      });
      ws.once('error', () => give(undefined, RETRY_OPEN_MS));
      ws.once('close', () => give(undefined, RETRY_OPEN_MS));
      ws.once('open', () => {
        if (this.closed) {
          ws.close(1000, 'closed by the client');
          return give(undefined);
        }
        const s = new Socket(ws, headers.authorization, this.address);
        const previous = this.socket;
        this.socket = s;
        if (previous?.open) this.retire(previous);
        ws.once('close', () => {
          if (this.socket === s) this.socket = undefined;
          this.retired.delete(s);
        });
        give(s);
      });
    });
  }

  private retire(s: Socket): void {
    s.retired = true;
    if (s.pending.size === 0) s.close();
    else this.retired.add(s);
  }

  close(): void {
    this.closed = true;
    this.socket?.close();
    for (const s of this.retired) s.close();
    this.retired.clear();
  }
}

/** Thrown inside openAndSend when no channel could be opened: the transport sends the call over HTTP. */
export const NO_CHANNEL = new Error('no channel');
