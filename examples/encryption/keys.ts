// The keys the worker, the client and the codec server share. In production they come from a secret store or a
// KMS; here from WEFT_ENCRYPTION_KEYS ("id:base64key,id:base64key", the newest last), or two fixed demo keys.
import { EncryptionCodec, type EncryptionKey } from './codec.js';

const DEMO_KEYS =
  'demo-2025-01:8e4s3e2IU3S5b7dIsOEdmf2uPz0wfE7GfO1n1LjF1Vg=,demo-2025-07:x3l7V0PZ1s0oWfJx2R1WxTt1e2xv2kJ5cQm3a8bH6uE=';

export function loadKeys(text = process.env['WEFT_ENCRYPTION_KEYS']): EncryptionKey[] {
  if (!text) console.warn('WEFT_ENCRYPTION_KEYS is not set: using the demo keys (never in production)');
  return (text ?? DEMO_KEYS).split(',').map((entry) => {
    const [id, key] = entry.trim().split(':');
    if (!id || !key) throw new Error(`WEFT_ENCRYPTION_KEYS: expected id:base64key, got ${JSON.stringify(entry)}`);
    return { id, key: Buffer.from(key, 'base64') };
  });
}

/** The data converter every process of this example uses. */
export const dataConverter = { payloadCodecs: [new EncryptionCodec(loadKeys())] };
