/**
 * A Transport that runs payload codecs (docs/encryption.md): the payloads of a request are encoded before it
 * leaves, those of the answer decoded before the caller sees it, per operation as src/protocol/api-payloads.ts
 * says. Clients and workers without codecs use their connection's transport as it is: this layer does not exist
 * for them, so they pay nothing for it.
 */
import { codecsOf, type DataConverter, type PayloadCodec } from '../common/payload-codec.js';
import { transcode } from '../common/payload-batch.js';
import { CLIENT_PAYLOADS, errorDetailsFields, type PayloadsByOperation } from '../protocol/api-payloads.js';
import type { OperationId } from '../protocol/routes.js';
import { ServiceError } from './errors.js';
import type { CallOptions, CallRequest, Transport } from './transport.js';

export class CodecTransport implements Transport {
  constructor(
    readonly inner: Transport,
    readonly codecs: readonly PayloadCodec[],
    private readonly fields: PayloadsByOperation,
  ) {}

  async call<T>(op: OperationId, req: CallRequest, opts?: CallOptions): Promise<T> {
    const f = this.fields[op];
    if (!f) return this.inner.call<T>(op, req, opts);
    const sent =
      f.request && req.body !== undefined
        ? { ...req, body: await transcode('encode', this.codecs, req.body, f.request) }
        : req;
    let answer: T;
    try {
      answer = await this.inner.call<T>(op, sent, opts);
    } catch (e) {
      throw await this.decodeError(e);
    }
    return f.response && answer !== undefined ? transcode('decode', this.codecs, answer, f.response) : answer;
  }

  /** A failure in an error's details (a query handler's) decoded, as the answer would be. */
  private async decodeError(e: unknown): Promise<unknown> {
    if (!(e instanceof ServiceError) || typeof e.details?.failure !== 'object') return e;
    const details = await transcode('decode', this.codecs, e.details, errorDetailsFields);
    return new ServiceError(e.message, e.code, e.status, details);
  }

  health(): Promise<{ status: string; store?: string }> {
    return this.inner.health();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** One codec transport per transport and data converter, so clients sharing both share result waiters. */
const shared = new WeakMap<Transport, WeakMap<DataConverter, Transport>>();

/** The transport a client uses: `transport` itself without codecs, else one that encodes and decodes. */
export function clientTransport(transport: Transport, dataConverter: DataConverter | undefined): Transport {
  const codecs = codecsOf(dataConverter);
  if (!codecs || !dataConverter) return transport;
  let byConverter = shared.get(transport);
  if (!byConverter) shared.set(transport, (byConverter = new WeakMap()));
  let t = byConverter.get(dataConverter);
  if (!t) byConverter.set(dataConverter, (t = new CodecTransport(transport, codecs, CLIENT_PAYLOADS)));
  return t;
}
