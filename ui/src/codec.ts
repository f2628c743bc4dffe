/**
 * Payloads shown decoded by a codec endpoint (Temporal's "codec server", `weft/codec-server`, docs/encryption.md).
 * The endpoint is a setting of this browser (localStorage); the browser calls it itself, so keys and decoded data
 * never pass through the Weft server. A page hands the values it shows to `usePayloadCodec`: every encoded payload
 * (`{ "$weft": "payload", ... }`) in them that is not decoded yet goes to `POST <endpoint>/decode` in one request,
 * and `show(value)` gives the value back with the decoded payloads put in, and what could not be decoded. Answers
 * are kept by payload, so a page that polls asks again only for new payloads (and for failed ones after a while).
 * Without a setting `show` returns the value as it is.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { apiKeyStore } from './api.js';

export interface CodecSettings {
  /** http(s) URL, no trailing slash: the UI posts to `<endpoint>/decode`. */
  endpoint: string;
  /** Send the session's Weft API key as `Authorization: Bearer <key>` (Temporal's "pass access token"). */
  passApiKey: boolean;
}

const ENDPOINT_KEY = 'weft.codecEndpoint';
const PASS_KEY_KEY = 'weft.codecPassApiKey';
const TIMEOUT_MS = 15_000;
const RETRY_FAILED_MS = 15_000;
const MAX_CACHED = 20_000;

function load(): CodecSettings | undefined {
  try {
    const endpoint = localStorage.getItem(ENDPOINT_KEY);
    return endpoint ? { endpoint, passApiKey: localStorage.getItem(PASS_KEY_KEY) === 'true' } : undefined;
  } catch {
    return undefined;
  }
}

let settings = load();

type Entry =
  { state: 'pending' } | { state: 'decoded'; value: unknown } | { state: 'failed'; error: string; at: number };

/** Decoding answers by namespace and payload. */
const cache = new Map<string, Entry>();
let version = 0;
const listeners = new Set<() => void>();

function changed(): void {
  version++;
  listeners.forEach((l) => l());
}

function applySettings(next: CodecSettings | undefined): void {
  settings = next;
  cache.clear();
  changed();
}

// another tab changed the setting
window.addEventListener('storage', (e) => {
  if (e.key === ENDPOINT_KEY || e.key === PASS_KEY_KEY || e.key === null) applySettings(load());
});

export const getCodecSettings = (): CodecSettings | undefined => settings;

/** Keeps the setting in this browser (in memory only when storage is blocked); undefined turns decoding off. */
export function saveCodecSettings(next: CodecSettings | undefined): void {
  try {
    if (next) {
      localStorage.setItem(ENDPOINT_KEY, next.endpoint);
      localStorage.setItem(PASS_KEY_KEY, String(next.passApiKey));
    } else {
      localStorage.removeItem(ENDPOINT_KEY);
      localStorage.removeItem(PASS_KEY_KEY);
    }
  } catch {
    // kept for this page only
  }
  applySettings(next);
}

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** The endpoint as the setting keeps it; throws a message for a person when `text` is not a usable URL. */
export function parseCodecEndpoint(text: string): string {
  const t = text.trim();
  const example = 'such as http://127.0.0.1:8888 or https://codec.example.com/weft';
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    throw new Error(`"${t}" is not a URL: give the codec endpoint's http:// or https:// address, ${example}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`the codec endpoint must be an http:// or https:// URL (not ${url.protocol}), ${example}`);
  if (url.username || url.password)
    throw new Error('give the codec endpoint without user:password@ (browsers refuse such URLs)');
  if (url.search || url.hash) throw new Error('give the codec endpoint without ?query or #fragment');
  if (location.protocol === 'https:' && url.protocol === 'http:' && !isLoopback(url.hostname))
    throw new Error(
      'this page is served over https: the browser blocks an http:// codec endpoint, give an https:// one',
    );
  return url.origin + url.pathname.replace(/\/+$/, '');
}

export function useCodecSettings(): CodecSettings | undefined {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = (): void => setTick((t) => t + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return settings;
}

/** An encoded payload in the API's JSON (src/common/wire-payload.ts): metadata values and data in base64. */
interface WirePayload {
  $weft: 'payload';
  metadata?: Record<string, string>;
  data?: string;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isWirePayload = (v: unknown): v is WirePayload => isObj(v) && v.$weft === 'payload';
const keyOf = (ns: string, p: WirePayload): string => `${ns}\n${JSON.stringify(p.metadata ?? {})}\n${p.data ?? ''}`;

/** Every encoded payload in `v` (not inside one). */
function collect(v: unknown, found: (p: WirePayload) => void): void {
  if (Array.isArray(v)) v.forEach((x) => collect(x, found));
  else if (isWirePayload(v)) found(v);
  else if (isObj(v)) for (const x of Object.values(v)) collect(x, found);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const fromBase64 = (s: unknown): Uint8Array =>
  Uint8Array.from(atob(typeof s === 'string' ? s : ''), (c) => c.charCodeAt(0));

/** The value a payload the endpoint gave back holds: JSON for `json/plain`, undefined for `binary/null`. */
function payloadValue(p: unknown): unknown {
  const meta = isObj(p) && isObj(p.metadata) ? p.metadata : {};
  const encoding = meta.encoding === undefined ? undefined : utf8.decode(fromBase64(meta.encoding));
  if (encoding === 'binary/null') return undefined;
  if (encoding === 'json/plain') return JSON.parse(utf8.decode(fromBase64(isObj(p) ? p.data : ''))) as unknown;
  throw new Error(
    `the codec endpoint gave a payload back with encoding ${JSON.stringify(encoding ?? null)}, not decoded ` +
      '(does it have the codec and key that encoded it?)',
  );
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** One `POST <endpoint>/decode` for `payloads`; never throws: a failure is every payload's entry. */
async function decodeBatch(s: CodecSettings, ns: string, payloads: WirePayload[]): Promise<Entry[]> {
  const url = `${s.endpoint}/decode`;
  const fail = (error: string): Entry[] => payloads.map((): Entry => ({ state: 'failed', error, at: Date.now() }));
  const key = s.passApiKey ? apiKeyStore.get() : undefined;
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-namespace': ns,
        ...(key ? { authorization: `Bearer ${key}` } : {}),
      },
      body: JSON.stringify({ payloads: payloads.map(({ metadata, data }) => ({ metadata: metadata ?? {}, data })) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    text = await res.text();
  } catch (e) {
    return fail(
      `cannot reach the codec endpoint ${url} (${messageOf(e)}): is it running, and does it allow this page's ` +
        `origin ${location.origin}?`,
    );
  }
  let body: { payloads?: unknown; error?: { message?: string } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (!res.ok)
    return fail(`the codec endpoint ${url} answered ${res.status}: ${body?.error?.message ?? text.slice(0, 200)}`);
  const out = body?.payloads;
  if (!Array.isArray(out) || out.length !== payloads.length)
    return fail(`the codec endpoint ${url} did not answer { payloads } with one payload for each sent`);
  return out.map((p: unknown): Entry => {
    try {
      return { state: 'decoded', value: payloadValue(p) };
    } catch (e) {
      return { state: 'failed', error: messageOf(e), at: Date.now() };
    }
  });
}

/** Asks the endpoint, in one request, for the payloads in `roots` it has not answered (or failed a while ago). */
function requestDecoding(s: CodecSettings, ns: string, roots: readonly unknown[]): void {
  const todo = new Map<string, WirePayload>();
  const now = Date.now();
  for (const root of roots)
    collect(root, (p) => {
      const k = keyOf(ns, p);
      const e = cache.get(k);
      if (!e || (e.state === 'failed' && now - e.at > RETRY_FAILED_MS)) todo.set(k, p);
    });
  if (todo.size === 0) return;
  const keys = [...todo.keys()];
  for (const k of keys) {
    cache.delete(k);
    cache.set(k, { state: 'pending' });
  }
  // the oldest answers go first
  for (const k of cache.keys()) {
    if (cache.size <= MAX_CACHED) break;
    cache.delete(k);
  }
  changed();
  void decodeBatch(s, ns, [...todo.values()]).then((entries) => {
    if (settings !== s) return; // the setting changed meanwhile
    entries.forEach((e, i) => cache.set(keys[i]!, e));
    changed();
  });
}

/** How the payloads of a shown value fared; absent when it holds none (or there is no codec endpoint). */
export interface DecodeStatus {
  decoded: number;
  /** at the endpoint now */
  pending: number;
  /** shown encoded */
  failed: number;
  /** why, each message once */
  errors: string[];
}

export interface Shown<T> {
  value: T;
  status?: DecodeStatus;
}

function substitute(v: unknown, ns: string, st: DecodeStatus): unknown {
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    v.forEach((x, i) => {
      const y = substitute(x, ns, st);
      if (y !== x) (out ??= v.slice())[i] = y;
    });
    return out ?? v;
  }
  if (!isObj(v)) return v;
  if (isWirePayload(v)) {
    const e = cache.get(keyOf(ns, v));
    if (e?.state === 'decoded') {
      st.decoded++;
      return e.value;
    }
    if (e?.state === 'failed') {
      st.failed++;
      if (!st.errors.includes(e.error)) st.errors.push(e.error);
    } else st.pending++;
    return v;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, x] of Object.entries(v)) {
    const y = substitute(x, ns, st);
    if (y !== x) (out ??= { ...v })[k] = y;
  }
  return out ?? v;
}

export interface PayloadView {
  /** A codec endpoint is set. */
  enabled: boolean;
  /** `value` with its payloads decoded where the endpoint could (a value without any: itself, no status). */
  show<T>(value: T): Shown<T>;
}

/**
 * Decoding for one view: `roots` are the values it shows (the payloads of all of them go in one request); `show`
 * gives each part back decoded. Re-renders when answers come in.
 */
export function usePayloadCodec(ns: string, roots: readonly unknown[]): PayloadView {
  const s = useCodecSettings();
  const memo = useRef(new WeakMap<object, { version: number; shown: Shown<unknown> }>());
  useEffect(() => {
    if (s) requestDecoding(s, ns, roots);
  }, [s, ns, ...roots]);
  return {
    enabled: s !== undefined,
    show<T>(value: T): Shown<T> {
      if (!s || typeof value !== 'object' || value === null) return { value };
      const hit = memo.current.get(value);
      if (hit && hit.version === version) return hit.shown as Shown<T>;
      const status: DecodeStatus = { decoded: 0, pending: 0, failed: 0, errors: [] };
      const out = substitute(value, ns, status) as T;
      const shown: Shown<T> = status.decoded + status.pending + status.failed > 0 ? { value: out, status } : { value };
      memo.current.set(value, { version, shown });
      return shown;
    },
  };
}
