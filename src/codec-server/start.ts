/** `startCodecServer`: the codec handler on its own HTTP port (as Temporal's codec server samples run it). */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCodecHandler, type CodecHandlerOptions } from './handler.js';

export interface CodecServerOptions extends CodecHandlerOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1: only this machine (put TLS and authentication in front before opening it wider). */
  host?: string;
}

export interface CodecServer {
  /** `http://host:port`: give it to the CLI's `--codec-endpoint` and the web UI. */
  readonly address: string;
  stop(): Promise<void>;
}

export async function startCodecServer(opts: CodecServerOptions): Promise<CodecServer> {
  const server = createServer(createCodecHandler(opts));
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
