/**
 * Temporal's data converter, as far as Weft has one: `PayloadCodec`s that transform payloads (encrypt, compress)
 * on their way out of the process and back. Weft's payload converter is fixed (JSON, `undefined` as `binary/null`),
 * so a `DataConverter` holds codecs only. Where payloads are and how an encoded one travels: docs/encryption.md.
 * Types and pure functions only: this module is also reachable from workflow code (through `weft/common`).
 */

/** Temporal's `Payload`: metadata (`encoding` says how `data` is to be read) and bytes. */
export interface Payload {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

/**
 * Temporal's `PayloadCodec`: turns payloads into what the server stores (`encode`) and back (`decode`), one for
 * one, in order. It must be able to decode what it encoded with any earlier configuration it still supports.
 */
export interface PayloadCodec {
  encode(payloads: Payload[]): Promise<Payload[]>;
  decode(payloads: Payload[]): Promise<Payload[]>;
}

/**
 * Temporal's `DataConverter`, on `Client`, `Worker.create` and the test environment. Payloads are encoded by the
 * codecs in array order and decoded in the opposite order (`[compression, encryption]` compresses, then encrypts).
 */
export interface DataConverter {
  payloadCodecs?: PayloadCodec[];
}

/** The metadata key naming a payload's encoding (Temporal's `METADATA_ENCODING_KEY`). */
export const METADATA_ENCODING_KEY = 'encoding';

/** The codecs of a data converter; undefined when there are none (then nothing is encoded: the wire is as without). */
export function codecsOf(dataConverter: DataConverter | undefined): readonly PayloadCodec[] | undefined {
  const codecs = dataConverter?.payloadCodecs;
  return codecs && codecs.length > 0 ? codecs : undefined;
}

function checkCount(what: 'encode' | 'decode', i: number, given: number, got: unknown): Payload[] {
  if (!Array.isArray(got) || got.length !== given)
    throw new TypeError(
      `payload codec ${i} ${what}() returned ${Array.isArray(got) ? `${got.length} payloads` : typeof got} ` +
        `for ${given}: a codec must return one payload for each it is given`,
    );
  return got as Payload[];
}

/** Encodes through each codec, first to last (as Temporal). */
export async function encodePayloads(codecs: readonly PayloadCodec[], payloads: Payload[]): Promise<Payload[]> {
  let out = payloads;
  for (let i = 0; i < codecs.length; i++) out = checkCount('encode', i, out.length, await codecs[i]!.encode(out));
  return out;
}

/** Decodes through each codec, last to first (as Temporal). */
export async function decodePayloads(codecs: readonly PayloadCodec[], payloads: Payload[]): Promise<Payload[]> {
  let out = payloads;
  for (let i = codecs.length - 1; i >= 0; i--) out = checkCount('decode', i, out.length, await codecs[i]!.decode(out));
  return out;
}
