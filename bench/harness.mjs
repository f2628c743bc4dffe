// VENDORED from /work/shared/bench/peers/common/harness.ts (the peers' harness: Restate, DBOS), converted to plain
// JS so `npm run bench` runs with plain node and without ../shared. The logic is unchanged: only the TypeScript
// types were removed, plus TWO additions: measureClosedLoop takes an optional trailing `extra` object (as
// measureTimers already does) whose fields are added to the JSON line (Weft adds `mode` and `store`); and a
// Sampler group may be an ARRAY of root pids (processTree takes one root or several), so one group `server`
// covers N server processes (SERVERS=N) and peak_rss_mb keeps meaning server + worker.
// Shared benchmark harness: workload parameters, closed-loop driver,
// percentile stats, /proc-based memory + CPU sampler, JSON result lines.
// Only node builtins, so both peers (and later our own engine) can import it.
import { readFile, readdir, appendFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

export const W = {
  seq3: {
    n: Number(process.env.W1_N ?? 2000),
    concurrency: Number(process.env.W1_C ?? 100),
    warmup: Number(process.env.W1_WARMUP ?? 200),
  },
  fanout100: {
    n: Number(process.env.W2_N ?? 50),
    concurrency: Number(process.env.W2_C ?? 10),
    width: 100,
    warmup: Number(process.env.W2_WARMUP ?? 10),
  },
  latency1: { n: Number(process.env.W3_N ?? 300), warmup: Number(process.env.W3_WARMUP ?? 20) },
  timers: { n: Number(process.env.W4_N ?? 2000), sleepMs: 1000 },
};

export const now = () => performance.now();

/** nearest-rank percentile on an ascending-sorted array */
export function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}
const r2 = (x) => Math.round(x * 100) / 100;
export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return {
    p50: r2(pct(s, 50)),
    p99: r2(pct(s, 99)),
    mean: r2(mean),
    max: r2(s[s.length - 1] ?? NaN),
    min: r2(s[0] ?? NaN),
  };
}

/**
 * Closed-loop driver: runs fn(i) for i in [0,n) keeping at most `concurrency`
 * calls outstanding. Returns per-call end-to-end latencies (ms) and wall time.
 */
export async function closedLoop(n, concurrency, fn) {
  const lat = new Array(n);
  let next = 0;
  let errors = 0;
  let firstError = undefined;
  const t0 = now();
  async function lane() {
    while (true) {
      const i = next++;
      if (i >= n) return;
      const s = now();
      try {
        await fn(i);
      } catch (e) {
        errors++;
        firstError ??= e;
      }
      lat[i] = now() - s;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
  const seconds = (now() - t0) / 1000;
  if (firstError) console.error('first error:', firstError);
  return { lat, seconds, errors };
}

// ---------------------------------------------------------------- /proc sampler
const PAGE_KB = 4;
const CLK_TCK = 100;

async function allPids() {
  const ents = await readdir('/proc');
  return ents.filter((e) => /^\d+$/.test(e)).map(Number);
}
async function ppidOf(pid) {
  try {
    const s = await readFile(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(rest[1]);
  } catch {
    return -1;
  }
}
/** root pid plus all its descendants (ADDITION, Weft: `root` may be an array of roots: all their trees) */
export async function processTree(root) {
  const pids = await allPids();
  const parent = new Map();
  await Promise.all(pids.map(async (p) => parent.set(p, await ppidOf(p))));
  const out = new Set([].concat(root));
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, pp] of parent)
      if (!out.has(p) && out.has(pp)) {
        out.add(p);
        grew = true;
      }
  }
  return [...out].filter((p) => parent.has(p));
}
async function memOf(pid) {
  try {
    const s = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
    const rss = /^Rss:\s+(\d+)/m.exec(s);
    const pss = /^Pss:\s+(\d+)/m.exec(s);
    return { rssKb: Number(rss?.[1] ?? 0), pssKb: Number(pss?.[1] ?? 0) };
  } catch {
    return null;
  }
}
async function cpuTicks(pid) {
  try {
    const s = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return 0;
  }
}

/** @typedef {Record<string, number | number[]>} Groups group name -> root pid(s) (trees are included) */
/** groups whose name starts with this prefix are sampled (CPU, memory) but left out of peak_rss_mb */
export const NOT_IN_TOTAL = 'client:';

/**
 * Samples every `intervalMs` the PSS/RSS of each process group (root + descendants).
 * peak_rss_mb reported = peak over samples of the SUM of PSS over all groups
 * (PSS = RSS with shared pages split between sharers, so Postgres' shared_buffers
 * are not counted once per backend). Per-group RSS/PSS peaks and CPU seconds are extras.
 */
export class Sampler {
  timer = undefined;
  peakTotalPss = 0;
  peakTotalRss = 0;
  peakPss = {};
  peakRss = {};
  startPss = {};
  cpuStart = {};
  trees = {};
  busy = false;
  constructor(groups, intervalMs = 100) {
    this.groups = groups;
    this.intervalMs = intervalMs;
  }

  async refreshTrees() {
    for (const [g, root] of Object.entries(this.groups)) this.trees[g] = await processTree(root);
  }
  async groupCpu(g) {
    let t = 0;
    for (const p of this.trees[g] ?? []) t += await cpuTicks(p);
    return t;
  }
  async sample(first = false) {
    if (this.busy) return;
    this.busy = true;
    try {
      let totP = 0,
        totR = 0;
      for (const g of Object.keys(this.groups)) {
        let p = 0,
          r = 0;
        for (const pid of this.trees[g] ?? []) {
          const m = await memOf(pid);
          if (m) {
            p += m.pssKb;
            r += m.rssKb;
          }
        }
        if (first) this.startPss[g] = p;
        this.peakPss[g] = Math.max(this.peakPss[g] ?? 0, p);
        this.peakRss[g] = Math.max(this.peakRss[g] ?? 0, r);
        if (!g.startsWith(NOT_IN_TOTAL)) {
          totP += p;
          totR += r;
        }
      }
      this.peakTotalPss = Math.max(this.peakTotalPss, totP);
      this.peakTotalRss = Math.max(this.peakTotalRss, totR);
    } finally {
      this.busy = false;
    }
  }
  async start() {
    await this.refreshTrees();
    for (const g of Object.keys(this.groups)) this.cpuStart[g] = await this.groupCpu(g);
    await this.sample(true);
    let k = 0;
    this.timer = setInterval(() => {
      // re-scan the trees once a second (postgres backends come and go)
      if (++k % 10 === 0) this.refreshTrees().then(() => this.sample());
      else this.sample();
    }, this.intervalMs);
  }
  async stop() {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
    await this.sample();
    await this.refreshTrees();
    const mb = (kb) => Math.round(kb / 1024);
    const cpu = {};
    for (const g of Object.keys(this.groups)) cpu[g] = r2(((await this.groupCpu(g)) - this.cpuStart[g]) / CLK_TCK);
    const map = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, mb(v)]));
    return {
      peak_rss_mb: mb(this.peakTotalPss),
      peak_rss_sum_mb: mb(this.peakTotalRss),
      pss_start_mb: map(this.startPss),
      pss_peak_mb: map(this.peakPss),
      rss_peak_mb: map(this.peakRss),
      cpu_s: cpu,
    };
  }
}

// ---------------------------------------------------------------- output
/** Result: { system, workload, n, seconds, wf_per_s, p50_ms, p99_ms, peak_rss_mb, ...extras } */
export async function emit(r) {
  const line = JSON.stringify(r);
  console.log(line);
  if (process.env.RESULTS_FILE) await appendFile(process.env.RESULTS_FILE, line + '\n');
}

/**
 * Standard measurement wrapper used by both peers for W1-W3. `warmup` unmeasured
 * executions (indices n..n+warmup-1, same concurrency) run first.
 */
export async function measureClosedLoop(system, workload, groups, n, concurrency, fn, warmup = 0, extra = {}) {
  if (warmup > 0) {
    const w = await closedLoop(warmup, concurrency, (i) => fn(n + i));
    if (w.errors) throw new Error(`${workload}: ${w.errors} errors during warm-up`);
  }
  const sampler = new Sampler(groups);
  await sampler.start();
  const { lat, seconds, errors } = await closedLoop(n, concurrency, fn);
  const { peak_rss_mb, ...mem } = await sampler.stop();
  const s = summary(lat);
  await emit({
    system,
    workload,
    n,
    seconds: r2(seconds),
    wf_per_s: r2(n / seconds),
    p50_ms: s.p50,
    p99_ms: s.p99,
    peak_rss_mb,
    concurrency,
    warmup,
    errors,
    mean_ms: s.mean,
    max_ms: s.max,
    ...extra,
    ...mem,
  });
}

/** W4: start all n at once; fn returns the workflow-reported wake-up lateness (ms). */
export async function measureTimers(system, groups, n, fn, extra = {}) {
  const sampler = new Sampler(groups);
  await sampler.start();
  const late = [];
  const e2e = [];
  let errors = 0;
  let firstError;
  const t0 = now();
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const s = now();
      try {
        late.push(await fn(i));
        e2e.push(now() - s);
      } catch (e) {
        errors++;
        firstError ??= e;
      }
    }),
  );
  const seconds = (now() - t0) / 1000;
  const { peak_rss_mb, ...mem } = await sampler.stop();
  if (firstError) console.error('first error:', firstError);
  const L = summary(late);
  const E = summary(e2e);
  await emit({
    system,
    workload: 'timers',
    n,
    seconds: r2(seconds),
    wf_per_s: r2(n / seconds),
    p50_ms: E.p50,
    p99_ms: E.p99,
    peak_rss_mb,
    errors,
    makespan_s: r2(seconds),
    lateness_mean_ms: L.mean,
    lateness_p50_ms: L.p50,
    lateness_p99_ms: L.p99,
    lateness_max_ms: L.max,
    ...extra,
    ...mem,
  });
}
