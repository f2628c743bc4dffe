// An AES-256-GCM PayloadCodec with key rotation. Every payload is encrypted whole (its metadata and its data) with
// the newest key; its metadata then says only `encoding: binary/encrypted` and which key (`encryption-key-id`).
// Decoding takes any key the codec still knows, so payloads written before a rotation stay readable. Payloads that
// are not encrypted (written before encryption was turned on) pass through unchanged.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from 'weft/common';

export const ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';

export interface EncryptionKey {
  id: string;
  /** 32 bytes (AES-256). */
  key: Uint8Array;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

export class EncryptionCodec implements PayloadCodec {
  private readonly keys = new Map<string, Uint8Array>();
  private readonly current: EncryptionKey;

  /** `keys`: every key still needed to read old payloads, the newest (the one to encrypt with) last. */
  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec: give at least one key');
    for (const k of keys) {
      if (k.key.length !== 32) throw new Error(`EncryptionCodec: key ${k.id} is ${k.key.length} bytes, not 32`);
      this.keys.set(k.id, k.key);
    }
    this.current = keys[keys.length - 1]!;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      cipher.setAAD(utf8.encode(this.current.id)); // the key id cannot be swapped without the tag failing
      const body = Buffer.concat([cipher.update(serialize(p)), cipher.final()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: utf8.encode(ENCODING), [METADATA_KEY_ID]: utf8.encode(this.current.id) },
        data: Buffer.concat([iv, body, cipher.getAuthTag()]),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const encoding = p.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || fromUtf8.decode(encoding) !== ENCODING) return p;
      const idBytes = p.metadata?.[METADATA_KEY_ID];
      const id = idBytes ? fromUtf8.decode(idBytes) : '';
      const key = this.keys.get(id);
      if (!key) throw new Error(`no encryption key with id ${JSON.stringify(id)} is configured`);
      const data = p.data ?? new Uint8Array();
      if (data.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted payload is too short');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(utf8.encode(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return deserialize(plain);
    });
  }
}

/** The whole payload as bytes: JSON with base64 metadata values and data (Temporal's codec-server JSON). */
function serialize(p: Payload): Uint8Array {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = b64(v);
  return utf8.encode(JSON.stringify({ metadata, ...(p.data ? { data: b64(p.data) } : {}) }));
}

function deserialize(bytes: Uint8Array): Payload {
  const j = JSON.parse(fromUtf8.decode(bytes)) as { metadata: Record<string, string>; data?: string };
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(j.metadata)) metadata[k] = Buffer.from(v, 'base64');
  return j.data === undefined ? { metadata } : { metadata, data: Buffer.from(j.data, 'base64') };
}
