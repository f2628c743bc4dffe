#!/usr/bin/env node
// Medians over runs, as a markdown table: one row per (system, mode, store, servers, workload), from JSON result
// lines (lines that say `skipped` are listed apart, not counted as runs).
//   node bench/medians.mjs bench/results/*.jsonl [/work/shared/bench/peers/results/*.jsonl]
import { readFileSync } from 'node:fs';

const order = ['seq3', 'fanout100', 'latency1', 'timers', 'long1k', 'replay10k', 'list1m', 'idle100k', 'burst', 'soak'];
const groups = new Map();
const skipped = [];
for (const f of process.argv.slice(2)) {
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    if (r.skipped) {
      skipped.push(r);
      continue;
    }
    const key = `${r.system}\t${r.mode ?? ''}\t${r.workload}\t${r.store ?? ''}\t${r.servers ?? ''}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
  }
}
const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return '';
  const m = s.length >> 1;
  const v = s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  return Math.round(v * 100) / 100;
};
const all = (rs, k) => rs.map((r) => r[k]).join(' / ');
const rows = [...groups.entries()].sort(([a], [b]) => {
  const [sa, ma, wa, sta, na] = a.split('\t');
  const [sb, mb, wb, stb, nb] = b.split('\t');
  return (
    order.indexOf(wa) - order.indexOf(wb) ||
    sa.localeCompare(sb) ||
    ma.localeCompare(mb) ||
    sta.localeCompare(stb) ||
    Number(na) - Number(nb)
  );
});
console.log(
  '| workload | system | mode | store | servers | runs | wf/s (median) | p50 ms | p99 ms | seconds | peak MB (PSS sum) | timers lateness mean / p99 ms | errors (all runs) | wf/s per run |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [key, rs] of rows) {
  const [system, mode, workload, store, servers] = key.split('\t');
  const m = (k) => median(rs.map((r) => r[k]));
  const late = workload === 'timers' ? `${m('lateness_mean_ms')} / ${m('lateness_p99_ms')}` : '';
  const errors = rs.reduce((n, r) => n + (r.errors ?? 0), 0);
  console.log(
    `| ${workload} | ${system} | ${mode} | ${store} | ${servers} | ${rs.length} | ${m('wf_per_s')} | ${m('p50_ms')} | ${m('p99_ms')} | ${m('seconds')} | ${m('peak_rss_mb')} | ${late} | ${errors} | ${all(rs, 'wf_per_s')} |`,
  );
}
for (const r of skipped) console.log(`\n${r.workload} (${r.store ?? ''}) skipped: ${r.skipped}`);
