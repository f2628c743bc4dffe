/**
 * Argument lists travel as JSON arrays, where `undefined` has no spelling (JSON.stringify writes `null`). Temporal
 * encodes each argument as its own payload, and `undefined` as the `binary/null` payload, so a workflow, activity,
 * signal, query or update called with `undefined` sees `undefined`. Weft keeps the JSON array and marks such an
 * argument in it: `{ "$weft": "undefined" }`. An argument that is itself an object with a `$weft` key is escaped as
 * `{ "$weft": "value", "value": <the argument> }`, so every list round-trips exactly. Any other element (`null`
 * included) is the argument as it is: lists written by hand (the CLI's `--input`, other HTTP clients) need no
 * encoding. Only top-level arguments are marked; inside an argument, JSON's rules apply as in Temporal's JSON
 * converter (`undefined` fields are dropped, `undefined` array items become `null`).
 *
 * A single value (a result) needs no marker: an absent `result` field means `undefined`.
 *
 * With payload codecs configured (docs/encryption.md), each argument travels encoded, as
 * `{ "$weft": "payload", "metadata": {...}, "data": "<base64>" }` (src/common/wire-payload.ts).
 */

const MARK = '$weft';

function isMarked(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, MARK);
}

/** The JSON form of an argument list: `undefined` items marked, look-alike objects escaped. */
export function encodeArgs(args: readonly unknown[]): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const enc = a === undefined ? { [MARK]: 'undefined' } : isMarked(a) ? { [MARK]: 'value', value: a } : a;
    if (enc !== a) (out ??= args.slice())[i] = enc;
  }
  return out ?? (args as unknown[]);
}

/** One argument in its JSON-array form (as encodeArgs writes it). */
export function encodeArg(a: unknown): unknown {
  return a === undefined ? { [MARK]: 'undefined' } : isMarked(a) ? { [MARK]: 'value', value: a } : a;
}

/** The argument one item of an encoded JSON array stands for (as decodeArgs reads it). */
export function decodeArg(a: unknown): unknown {
  if (!isMarked(a)) return a;
  const tag = a[MARK];
  return tag === 'undefined' ? undefined : tag === 'value' ? a['value'] : a;
}

/** The argument list an encoded JSON array stands for (a missing list is no arguments). */
export function decodeArgs(args: readonly unknown[] | undefined | null): unknown[] {
  if (!Array.isArray(args)) return [];
  let out: unknown[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const a: unknown = args[i];
    if (!isMarked(a)) continue;
    const tag = a[MARK];
    if (tag === 'undefined') (out ??= args.slice())[i] = undefined;
    else if (tag === 'value') (out ??= args.slice())[i] = a['value'];
  }
  return out ?? (args as unknown[]);
}
