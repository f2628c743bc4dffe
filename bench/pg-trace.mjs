// Diagnosis only (server-main.mjs with BENCH_PG_TRACE=1): where a server's time goes on PostgreSQL.
//   - every statement sent by `pg` (pool and cluster link): count, round-trip time (dispatch -> answer), by text;
//   - pool.query: time from the call to the answer, and the part spent waiting for a free pooled connection;
//   - group commit: batches, mutations per batch (histogram), time per weft_commit call;
//   - HTTP requests received, by method + route (ids replaced by :id);
//   - the event loop's utilisation over the server's life;
//   - BENCH_PG_TRACE_DUMP=file: every weft_commit batch appended to that file (JSON, one line each), to replay it
//     against PostgreSQL alone.
// It wraps library prototypes in this process only; nothing changes in what is sent or stored. The report goes
// to stderr (stdout carries the JSON ready line).
import { performance } from 'node:perf_hooks';
import { appendFileSync } from 'node:fs';
import http from 'node:http';

const now = () => performance.now();
/** BENCH_PG_TRACE_DUMP=file: append every weft_commit batch (its JSON) to that file, one line each. */
const dump = process.env.BENCH_PG_TRACE_DUMP;
const stats = new Map(); // key -> { n, ms, max }
const add = (key, ms) => {
  let s = stats.get(key);
  if (!s) stats.set(key, (s = { n: 0, ms: 0, max: 0 }));
  s.n++;
  s.ms += ms;
  if (ms > s.max) s.max = ms;
};
const batchSizes = new Map(); // size bucket -> count
const outcomes = new Map(); // mutations refused (conflicts...) and batches that failed, by message
const count = (k) => outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
let poolWaitMs = 0;
let poolWaits = 0; // pool.query calls that found no idle connection
let poolCalls = 0;
let maxWaiting = 0;
const routes = new Map(); // HTTP requests by route
const elu0 = performance.eventLoopUtilization();
const t0 = now();
let storeRef;

const shortText = (text) =>
  String(typeof text === 'object' && text ? text.text : text)
    .replace(/\s+/g, ' ')
    .slice(0, 90);

export async function install() {
  const pg = (await import('pg')).default;
  const clientQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, values, callback) {
    const key = `sql ${shortText(config)}`;
    const s = now();
    const cb = typeof values === 'function' ? values : callback;
    if (typeof cb === 'function') {
      const wrapped = (err, res) => {
        add(key, now() - s);
        cb(err, res);
      };
      return typeof values === 'function'
        ? clientQuery.call(this, config, wrapped)
        : clientQuery.call(this, config, values, wrapped);
    }
    const r = clientQuery.call(this, config, values, callback);
    if (r && typeof r.then === 'function')
      r.then(
        () => add(key, now() - s),
        () => add(key, now() - s),
      );
    return r;
  };
  const poolQuery = pg.Pool.prototype.query;
  pg.Pool.prototype.query = function (text, values, cb) {
    if (dump && typeof text === 'string' && text.includes('weft_commit(')) appendFileSync(dump, `${values[0]}\n`);
    poolCalls++;
    const waiting = this.idleCount === 0 && this.totalCount >= this.options.max;
    if (waiting) poolWaits++;
    maxWaiting = Math.max(maxWaiting, this.waitingCount + (waiting ? 1 : 0));
    const s = now();
    const connect = this.connect;
    // time to get a connection: the pool's connect callback, for this call only
    this.connect = (done) => {
      this.connect = connect;
      return connect.call(this, (err, client, release) => {
        poolWaitMs += now() - s;
        done(err, client, release);
      });
    };
    const r = poolQuery.call(this, text, values, cb);
    const key = `pool.query ${shortText(text)}`;
    if (r && typeof r.then === 'function')
      r.then(
        () => add(key, now() - s),
        () => add(key, now() - s),
      );
    return r;
  };
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, ...rest) {
    if (event === 'request') {
      const route = `${req.method} ${req.url
        .split('?')[0]
        .replace(/\/[0-9a-f-]{20,}|\/[a-z]\w*-\w+(?=\/|$)/gi, '/:id')}`;
      routes.set(route, (routes.get(route) ?? 0) + 1);
    }
    return emit.call(this, event, req, ...rest);
  };
}

/** Wraps the store's group-commit sink (a private field, reachable from JS) to see the batches. */
export function attach(store) {
  storeRef = store;
  const sink = store?.committer?.sink;
  if (!sink) return;
  const write = sink.write;
  sink.write = async (batch) => {
    const bucket =
      batch.length <= 4 ? String(batch.length) : batch.length <= 16 ? '5-16' : batch.length <= 64 ? '17-64' : '65+';
    batchSizes.set(bucket, (batchSizes.get(bucket) ?? 0) + 1);
    const s = now();
    try {
      const outcome = await write(batch);
      for (const err of outcome) if (err) count(`refused: ${String(err.message).replace(/[0-9a-f-]{36}|\d+/g, '#')}`);
      return outcome;
    } catch (e) {
      count(`batch failed: ${String(e?.message ?? e).slice(0, 80)}`);
      throw e;
    } finally {
      add('group commit: one batch (weft_commit call, pool wait included)', now() - s);
    }
  };
}

export function report(who) {
  const elu = performance.eventLoopUtilization(elu0);
  const lines = [
    `[pg-trace] ${who}: ${((now() - t0) / 1000).toFixed(1)} s, event loop utilisation ${elu.utilization.toFixed(2)}`,
  ];
  lines.push(
    `[pg-trace]   pool.query calls ${poolCalls}, ${poolWaits} found every connection busy (max ${maxWaiting} waiting), time to get a connection: total ${poolWaitMs.toFixed(0)} ms`,
  );
  const sizes = [...batchSizes.entries()].map(([k, v]) => `${k}:${v}`).join(' ');
  const cs = storeStats();
  lines.push(`[pg-trace]   group-commit batches by size: ${sizes}${cs}`);
  for (const [k, n] of outcomes) lines.push(`[pg-trace]   ${String(n).padStart(7)} x ${k}`);
  for (const [k, s] of [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms))
    lines.push(
      `[pg-trace]   ${String(s.n).padStart(7)} x ${(s.ms / s.n).toFixed(3).padStart(8)} ms (max ${s.max.toFixed(1)}) = ${(s.ms / 1000).toFixed(2)} s  ${k}`,
    );
  for (const [k, n] of [...routes.entries()].sort((a, b) => b[1] - a[1]))
    lines.push(`[pg-trace]   ${String(n).padStart(7)} HTTP ${k}`);
  console.error(lines.join('\n'));
}

function storeStats() {
  const c = storeRef?.commitStats;
  const set = storeRef?.setBatchStats;
  const setText = set ? `; set-based: ${set.applied} applied, ${set.fellBack} fell back to weft_commit` : '';
  return c ? ` (commitStats: ${c.mutations} mutations in ${c.batches} batches${setText})` : '';
}
