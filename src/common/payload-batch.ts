/**
 * Encoding or decoding every payload of a message in one codec call. A walker (src/protocol/payload-fields.ts)
 * names where the payloads of a message are (`batch.args(cmd, 'input')`, `batch.failure(ev, 'failure')`); the batch
 * replaces each container it visits with a copy, collects the payloads, runs them through the codecs at once and
 * writes the results into the copies. The caller's objects are never changed (a workflow's commands stay plain for
 * replay); the copies are shallow, so what the walk does not visit is shared.
 */
import { decodeArg, encodeArg } from './payload-args.js';
import { decodePayloads, encodePayloads, type PayloadCodec } from './payload-codec.js';
import {
  isWirePayload,
  payloadToValue,
  payloadToWire,
  valueToPayload,
  wireToPayload,
  type WirePayload,
} from './wire-payload.js';

export type Obj = Record<string, unknown>;
export type Walker = (batch: PayloadBatch, o: Obj) => void;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export class PayloadBatch {
  private readonly items: unknown[] = [];
  private readonly sinks: Array<(v: unknown) => void> = [];

  constructor(readonly direction: 'encode' | 'decode') {}

  /** Encoding: a plain value; decoding: an encoded payload (anything else is left as it is). */
  private take(v: unknown, sink: (v: unknown) => void): void {
    if (this.direction === 'encode' ? v !== undefined : isWirePayload(v)) {
      this.items.push(v);
      this.sinks.push(sink);
    }
  }

  /** `o[key]` is one value, absent when undefined (a result, heartbeat details). */
  value(o: Obj, key: string): void {
    this.take(o[key], (v) => {
      if (v === undefined) delete o[key];
      else o[key] = v;
    });
  }

  /** `o[key]` is an argument list in its JSON form (src/common/payload-args.ts). */
  args(o: Obj, key: string): void {
    this.list(o, key, true);
  }

  /** `o[key]` is a plain list of values (a failure's details). */
  values(o: Obj, key: string): void {
    this.list(o, key, false);
  }

  private list(o: Obj, key: string, marked: boolean): void {
    const list = o[key];
    if (!Array.isArray(list)) return;
    const copy = list.slice();
    o[key] = copy;
    const encoding = this.direction === 'encode';
    for (let i = 0; i < copy.length; i++) {
      const item = copy[i];
      // an undefined argument is a payload too (binary/null), so the list keeps its shape
      if (encoding) {
        this.items.push(marked ? decodeArg(item) : item);
        this.sinks.push((v) => (copy[i] = v));
      } else this.take(item, (v) => (copy[i] = marked ? encodeArg(v) : v));
    }
  }

  /** `o[key]` maps names to values (a memo). */
  map(o: Obj, key: string): void {
    this.object(o, key, (m) => {
      for (const k of Object.keys(m)) this.value(m, k);
    });
  }

  /** `o[key]` is a failure: its details, its last heartbeat details, and its causes'. Messages stay plain. */
  failure(o: Obj, key: string): void {
    this.object(o, key, (f) => {
      this.values(f, 'details');
      this.value(f, 'lastHeartbeatDetails');
      this.failure(f, 'cause');
    });
  }

  /** `o[key]` is an object holding payloads where `walk` says. */
  object(o: Obj, key: string, walk: (copy: Obj) => void): void {
    const v = o[key];
    if (!isObj(v)) return;
    const copy = { ...v };
    o[key] = copy;
    walk(copy);
  }

  /** `o[key]` is a list of objects, each holding payloads where `walk` says. */
  objects(o: Obj, key: string, walk: (copy: Obj) => void): void {
    const list = o[key];
    if (!Array.isArray(list)) return;
    o[key] = list.map((item: unknown) => {
      if (!isObj(item)) return item;
      const copy = { ...item };
      walk(copy);
      return copy;
    });
  }

  /** Runs the collected payloads through the codecs and writes them back. */
  async run(codecs: readonly PayloadCodec[]): Promise<void> {
    if (this.items.length === 0) return;
    if (this.direction === 'encode') {
      const out = await encodePayloads(codecs, this.items.map(valueToPayload));
      out.forEach((p, i) => this.sinks[i]!(payloadToWire(p)));
    } else {
      const out = await decodePayloads(codecs, (this.items as WirePayload[]).map(wireToPayload));
      out.forEach((p, i) => this.sinks[i]!(payloadToValue(p)));
    }
  }
}

/** A copy of `message` with its payloads (where `walk` says) encoded or decoded by `codecs`. */
export async function transcode<T>(
  direction: 'encode' | 'decode',
  codecs: readonly PayloadCodec[],
  message: T,
  walk: Walker,
): Promise<T> {
  const batch = new PayloadBatch(direction);
  const holder: Obj = { message };
  batch.object(holder, 'message', (m) => walk(batch, m));
  await batch.run(codecs);
  return holder.message as T;
}
