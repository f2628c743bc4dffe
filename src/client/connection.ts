/** A connection to a Weft server, shared by clients and workers. */
import { HttpTransport, type Transport } from './transport.js';

export interface ConnectionOptions {
  /** Server address; default WEFT_ADDRESS or http://127.0.0.1:7411. `host:port` means http://host:port. */
  address?: string;
  apiKey?: string;
  tls?: unknown;
  /** Sent as x-weft-identity (shown in history as who cancelled or terminated). */
  identity?: string;
}

export function resolveAddress(address?: string): string {
  const a = address ?? process.env.WEFT_ADDRESS ?? 'http://127.0.0.1:7411';
  return /^[a-z]+:\/\//i.test(a) ? a.replace(/\/+$/, '') : `http://${a.replace(/\/+$/, '')}`;
}

export class Connection {
  private constructor(readonly transport: Transport) {}

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
    if (opts.tls) throw new Error('tls is not supported yet in this version of Weft');
    return new Connection(
      new HttpTransport(resolveAddress(opts.address), {
        ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
        ...(opts.identity ? { identity: opts.identity } : {}),
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
