#!/usr/bin/env node
// Medians over runs, as a markdown table: one row per (system, mode, workload), from JSON result lines.
//   node bench/medians.mjs bench/results/*.jsonl [/work/shared/bench/peers/results/*.jsonl]
import { readFileSync } from 'node:fs';

const order = ['seq3', 'fanout100', 'latency1', 'timers', 'replay10k', 'list1m'];
const groups = new Map();
for (const f of process.argv.slice(2)) {
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line);
    const key = `${r.system}\t${r.mode ?? ''}\t${r.workload}`;
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
  const [sa, ma, wa] = a.split('\t');
  const [sb, mb, wb] = b.split('\t');
  return order.indexOf(wa) - order.indexOf(wb) || sa.localeCompare(sb) || ma.localeCompare(mb);
});
console.log(
  '| workload | system | mode | runs | wf/s (median) | p50 ms | p99 ms | seconds | peak MB (PSS sum) | timers lateness mean / p99 ms | errors (all runs) | wf/s per run |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const [key, rs] of rows) {
  const [system, mode, workload] = key.split('\t');
  const m = (k) => median(rs.map((r) => r[k]));
  const late = workload === 'timers' ? `${m('lateness_mean_ms')} / ${m('lateness_p99_ms')}` : '';
  const errors = rs.reduce((n, r) => n + (r.errors ?? 0), 0);
  console.log(
    `| ${workload} | ${system} | ${mode} | ${rs.length} | ${m('wf_per_s')} | ${m('p50_ms')} | ${m('p99_ms')} | ${m('seconds')} | ${m('peak_rss_mb')} | ${late} | ${errors} | ${all(rs, 'wf_per_s')} |`,
  );
}
