/**
 * A PayloadCodec that asks a codec server (`POST <endpoint>/encode|decode`) to do the work: what the CLI uses
 * for `--codec-endpoint`, and what a process that must not hold the keys can use as its codec.
 */
import type { Payload, PayloadCodec } from '../common/payload-codec.js';
import { payloadFromJson, payloadToJson } from '../common/wire-payload.js';

export interface RemotePayloadCodecOptions {
  /** The codec server's address (`http://127.0.0.1:8888`, or one with a path prefix). */
  endpoint: string;
  /** Sent as `X-Namespace`, as the web UI does. */
  namespace?: string;
  /** More headers, such as `{ authorization: 'Bearer ...' }`. */
  headers?: Record<string, string>;
}

export class RemotePayloadCodec implements PayloadCodec {
  private readonly endpoint: string;

  constructor(private readonly opts: RemotePayloadCodecOptions) {
    this.endpoint = opts.endpoint.replace(/\/+$/, '');
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return this.call('encode', payloads);
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return this.call('decode', payloads);
  }

  private async call(op: 'encode' | 'decode', payloads: Payload[]): Promise<Payload[]> {
    if (payloads.length === 0) return [];
    const url = `${this.endpoint}/${op}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.opts.namespace ? { 'x-namespace': this.opts.namespace } : {}),
          ...this.opts.headers,
        },
        body: JSON.stringify({ payloads: payloads.map(payloadToJson) }),
      });
    } catch (e) {
      throw new Error(`cannot reach the codec server at ${url}: ${(e as Error).cause ?? (e as Error).message}`);
    }
    const text = await res.text();
    let body: { payloads?: unknown; error?: { message?: string } } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (!res.ok)
      throw new Error(
        `the codec server at ${url} answered ${res.status}: ${body?.error?.message ?? text.slice(0, 200)}`,
      );
    if (!Array.isArray(body?.payloads) || body.payloads.length !== payloads.length)
      throw new Error(`the codec server at ${url} did not answer { payloads } with one payload for each sent`);
    return body.payloads.map((p, i) => payloadFromJson(p, `payloads[${i}]`));
  }
}
