/**
 * Source of the script that runs once in each new sandbox context, before any workflow code: deterministic
 * Date, Math.random, crypto and timers that call the hooks of the run being activated (`__weftCurrent`);
 * no WeakRef or FinalizationRegistry; console routed to the workflow logger; shared intrinsics frozen.
 *
 * Kept as plain JavaScript text (not a TS function turned into source) so no build tool can rewrite it.
 */
export const PRELUDE_SOURCE = String.raw`(() => {
  'use strict';
  const g = globalThis;
  const hooks = () => {
    const h = g.__weftCurrent;
    if (!h) throw new Error('workflow code ran outside of an activation');
    return h;
  };

  const OrigDate = Date;
  function WeftDate(...args) {
    if (!new.target) return new OrigDate(hooks().now()).toString();
    return args.length === 0 ? new OrigDate(hooks().now()) : new OrigDate(...args);
  }
  WeftDate.prototype = OrigDate.prototype;
  WeftDate.now = () => hooks().now();
  WeftDate.parse = OrigDate.parse;
  WeftDate.UTC = OrigDate.UTC;
  Object.defineProperty(OrigDate.prototype, 'constructor', { value: WeftDate, writable: true, configurable: true });
  g.Date = WeftDate;
  Math.random = () => hooks().random();
  g.setTimeout = (fn, ms, ...args) => hooks().setTimeout(fn, ms, args);
  g.clearTimeout = (h) => hooks().clearTimeout(h);
  g.crypto = {
    randomUUID: () => hooks().uuid4(),
    getRandomValues: (arr) => {
      const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(hooks().random() * 256);
      return arr;
    },
  };
  delete g.WeakRef;
  delete g.FinalizationRegistry;
  const fmt = (a) => a.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ');
  g.console = {
    log: (...a) => hooks().log('info', fmt(a)),
    info: (...a) => hooks().log('info', fmt(a)),
    debug: (...a) => hooks().log('debug', fmt(a)),
    warn: (...a) => hooks().log('warn', fmt(a)),
    error: (...a) => hooks().log('error', fmt(a)),
  };

  // hooks for code that runs while a module instance is created, before its activator exists
  g.__weftBootHooks = (now) => {
    let s = now >>> 0;
    const random = () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return {
      now: () => now,
      random,
      uuid4: () => '00000000-0000-4000-8000-000000000000',
      setTimeout: () => {
        throw new Error('setTimeout at module load time is not allowed in workflow code');
      },
      clearTimeout: () => {},
      log: () => {},
    };
  };

  // Freezing a prototype makes "obj.x = v" throw when x is a property of that prototype (the "override
  // mistake": think this.name = 'MyError'). For the properties code commonly overrides, turn them into
  // accessors whose setter defines an own property instead, as SES does.
  const tame = (proto, keys) => {
    for (const key of keys ?? Object.getOwnPropertyNames(proto)) {
      const d = Object.getOwnPropertyDescriptor(proto, key);
      if (!d || !('value' in d) || !d.configurable) continue;
      const value = d.value;
      Object.defineProperty(proto, key, {
        get: () => value,
        set(v) {
          if (this === proto) throw new TypeError("Cannot assign to read only property '" + key + "' of a shared intrinsic");
          Object.defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
        },
        enumerable: d.enumerable,
        configurable: false,
      });
    }
  };
  tame(Object.prototype);
  tame(Function.prototype, ['name', 'toString', 'constructor']);
  tame(Promise.prototype, ['constructor']);
  for (const n of Object.getOwnPropertyNames(g)) {
    if (!/Error$/.test(n)) continue;
    const proto = g[n] && g[n].prototype;
    if (proto) tame(proto, ['name', 'message', 'constructor', 'toString'].filter((k) => Object.prototype.hasOwnProperty.call(proto, k)));
  }

  // freeze the shared intrinsics: one run must not change what another run sees
  const names = Object.getOwnPropertyNames(g).filter(
    (n) => /^[A-Z]/.test(n) || n === 'Math' || n === 'JSON' || n === 'Reflect',
  );
  for (const n of names) {
    const v = g[n];
    if (typeof v === 'function') {
      if (v.prototype) Object.freeze(v.prototype);
      Object.freeze(v);
    } else if (typeof v === 'object' && v !== null) Object.freeze(v);
  }
  Object.freeze(Object.getPrototypeOf(async function () {}).constructor.prototype);
  Object.freeze(Object.getPrototypeOf(function* () {}));
})();
`;
