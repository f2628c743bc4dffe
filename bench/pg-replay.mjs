// Diagnosis only: replays weft_commit batches dumped by BENCH_PG_TRACE_DUMP (pg-trace.mjs) against a fresh
// database, one call at a time, and prints the time per call (p50, mean, p90), so a change to the commit
// function can be measured against PostgreSQL alone, without the server, worker and client around it.
//   node bench/pg-replay.mjs DUMP [SQL_FILE...]
// Each SQL_FILE (e.g. a variant of weft_commit) is run after the migrations, before the replay.
// WEFT_BENCH_PG names the admin connection (default postgres://postgres@127.0.0.1:5432/postgres).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import pg from 'pg';

const [dumpFile, ...sqlFiles] = process.argv.slice(2);
if (!dumpFile) {
  console.error('usage: node bench/pg-replay.mjs DUMP [SQL_FILE...]');
  process.exit(2);
}
const admin = process.env.WEFT_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `weft_replay_${process.pid}`;
const url = new URL(admin);
url.pathname = `/${name}`;
const a = new pg.Client({ connectionString: admin });
await a.connect();
await a.query(`CREATE DATABASE ${name}`);
try {
  execFileSync(process.execPath, ['dist/cli/main.js', 'store', 'migrate', '--db', url.href], { stdio: 'ignore' });
  const c = new pg.Client({ connectionString: url.href });
  await c.connect();
  for (const f of sqlFiles) await c.query(readFileSync(f, 'utf8'));
  const batches = readFileSync(dumpFile, 'utf8').trim().split('\n');
  const ms = [];
  let refused = 0;
  for (const b of batches) {
    const t = process.hrtime.bigint();
    const r = await c.query('SELECT weft_commit($1::jsonb, 0) AS o', [b]);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    refused += r.rows[0].o.filter((o) => o !== null).length;
  }
  await c.end();
  const warm = ms.slice(Math.min(20, ms.length >> 2)).sort((x, y) => x - y);
  const q = (p) => warm[Math.min(warm.length - 1, Math.floor(p * warm.length))].toFixed(3);
  const mean = (warm.reduce((s, x) => s + x, 0) / warm.length).toFixed(3);
  console.log(
    JSON.stringify({
      dump: dumpFile,
      variants: sqlFiles,
      calls: batches.length,
      refused,
      p50_ms: +q(0.5),
      mean_ms: +mean,
      p90_ms: +q(0.9),
    }),
  );
} finally {
  await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await a.end();
}
