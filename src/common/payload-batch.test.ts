import { describe, expect, it } from 'vitest';
import { encodeArgs, decodeArgs } from './payload-args.js';
import { transcode, type Walker } from './payload-batch.js';
import type { Payload, PayloadCodec } from './payload-codec.js';
import { isWirePayload, payloadFromJson, payloadToJson, PayloadFormatError } from './wire-payload.js';

const te = new TextEncoder();
const td = new TextDecoder();

/** A codec that wraps each payload's data in `name(...)` and logs its calls. */
function wrapper(name: string, log: string[]): PayloadCodec {
  return {
    async encode(ps: Payload[]) {
      log.push(`${name}.encode(${ps.length})`);
      return ps.map((p) => ({
        metadata: { encoding: te.encode(name), inner: te.encode(JSON.stringify(payloadToJson(p))) },
      }));
    },
    async decode(ps: Payload[]) {
      log.push(`${name}.decode(${ps.length})`);
      return ps.map((p) =>
        td.decode(p.metadata?.encoding) === name ? payloadFromJson(JSON.parse(td.decode(p.metadata!.inner))) : p,
      );
    },
  };
}

const walk: Walker = (b, m) => {
  b.args(m, 'args');
  b.value(m, 'result');
  b.map(m, 'memo');
  b.failure(m, 'failure');
  b.objects(m, 'list', (x) => b.value(x, 'v'));
};

describe('transcode', () => {
  const message = {
    args: encodeArgs(['a', undefined, { $weft: 'lookalike' }, null]),
    result: { deep: [1, 2] },
    memo: { k: 'v', n: 0 },
    failure: {
      kind: 'application',
      message: 'stays plain',
      details: [1, 'two'],
      cause: { kind: 'x', message: 'm', lastHeartbeatDetails: 'hb' },
    },
    list: [{ v: 1 }, 'not an object', { w: 2 }],
    untouched: 'x',
  };

  it('encodes every payload field in one call per codec, in order, and decodes in reverse', async () => {
    const log: string[] = [];
    const codecs = [wrapper('first', log), wrapper('second', log)];
    const before = JSON.stringify(message);
    const enc = await transcode('encode', codecs, message, walk);
    expect(JSON.stringify(message)).toBe(before); // the caller's message is not changed
    expect(log).toEqual(['first.encode(11)', 'second.encode(11)']);
    expect(enc.args.every(isWirePayload)).toBe(true);
    expect(isWirePayload(enc.result)).toBe(true);
    expect(enc.failure.message).toBe('stays plain');
    expect(isWirePayload(enc.failure.cause.lastHeartbeatDetails)).toBe(true);
    expect(enc.list[1]).toBe('not an object');
    expect(enc.list[2]).toEqual({ w: 2 });
    expect(JSON.stringify(enc)).not.toContain('lookalike');
    const dec = await transcode('decode', codecs, JSON.parse(JSON.stringify(enc)) as typeof enc, walk);
    expect(log.slice(2)).toEqual(['second.decode(11)', 'first.decode(11)']);
    expect(dec).toEqual(message);
    expect(decodeArgs(dec.args)).toEqual(['a', undefined, { $weft: 'lookalike' }, null]);
  });

  it('leaves plain values alone when decoding, and calls no codec when there is nothing to do', async () => {
    const log: string[] = [];
    const plain = { args: ['x'], result: 1, memo: { a: 1 } };
    expect(await transcode('decode', [wrapper('c', log)], plain, walk)).toEqual(plain);
    expect(log).toEqual([]);
  });

  it('an undefined result stays absent; a codec that returns the wrong count is an error', async () => {
    const enc = await transcode('encode', [wrapper('c', [])], { result: undefined }, walk);
    expect(enc.result).toBeUndefined();
    const broken: PayloadCodec = { encode: async () => [], decode: async (p) => p };
    await expect(transcode('encode', [broken], { result: 1 }, walk)).rejects.toThrow(/returned 0 payloads for 1/);
  });

  it('a payload no codec decoded is an error naming its encoding', async () => {
    const enc = await transcode('encode', [wrapper('c', [])], { result: 1 }, walk);
    await expect(transcode('decode', [wrapper('other', [])], enc, walk)).rejects.toThrow(/encoding "c"/);
  });
});

describe('payloadFromJson', () => {
  it('refuses what is not a payload', () => {
    for (const bad of [null, 1, { metadata: 1 }, { metadata: { k: 1 } }, { data: '***' }, { data: 'abc' }])
      expect(() => payloadFromJson(bad)).toThrow(PayloadFormatError);
    expect(td.decode(payloadFromJson({ metadata: { k: 'YQ==' }, data: '' }).metadata!.k)).toBe('a');
  });
});
