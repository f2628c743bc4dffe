// Fills a store with N closed executions through the store's own commit() (the real write path, so the rows and
// indexes are exactly what the server writes), in big group-committed batches.
//   node bench/list1m-fill.mjs <file> <rows>           SQLite: SqliteStore, synchronous=OFF (it is a fixture,
//                                                      rebuilt if lost); writes to <file>.tmp and renames it to
//                                                      <file> when complete
//   node bench/list1m-fill.mjs <postgres://url> <rows> PostgreSQL: PgStore.commit into that (fresh, temp-named)
//                                                      database; run.mjs renames the database when this says
//                                                      {filled}, so a fill cut half-way is never taken as complete
import { renameSync, rmSync } from 'node:fs';
import { distImport } from './lib.mjs';
import { closedState } from './list1m-data.mjs';

const [target, rowsArg] = process.argv.slice(2);
const ROWS = Number(rowsArg);
const BATCH = 20_000;
const POSTGRES = /^postgres(ql)?:\/\//.test(target);
const file = POSTGRES ? undefined : target;
const tmp = `${file}.tmp`;
if (!POSTGRES) for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
process.stdin.on('end', () => process.exit(1)).resume(); // parent gone: give up (the temp store is never used)

/** The mutation that writes closed execution j, as the server writes a run that closed. */
function closedMutation(j) {
  const state = closedState(j, ROWS);
  return {
    currentRuns: [
      {
        namespace: state.namespace,
        workflowId: state.workflowId,
        runId: state.runId,
        status: state.status,
        expectedRunId: null,
      },
    ],
    executions: [
      {
        state,
        expectedVersion: 0,
        newEvents: [],
        tasksRemoved: [],
        tasksAdded: [],
        timersRemoved: [],
        timersAdded: [],
        closed: true,
      },
    ],
  };
}

/** Commits every row, BATCH commit() calls per event-loop turn (one group-committed transaction each). */
async function fill(store) {
  const started = Date.now();
  for (let i = 0; i < ROWS; i += BATCH) {
    const commits = [];
    for (let j = i; j < Math.min(ROWS, i + BATCH); j++) commits.push(store.commit(closedMutation(j)));
    await Promise.all(commits); // one event-loop turn: one transaction
    if ((i / BATCH) % 10 === 9)
      console.error(`[list1m-fill] ${i + BATCH} / ${ROWS} rows, ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return started;
}

if (POSTGRES) {
  const { PgStore } = await distImport('store/postgres/pg-store.js');
  const store = new PgStore({ url: target, poolSize: 2 });
  await store.init();
  const started = await fill(store);
  await store.close();
  // counted, then VACUUM (ANALYZE): planner statistics and the visibility map, the state autovacuum brings a
  // long-lived database to by itself (done now, so that no run is measured while autovacuum works on it)
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: target });
  await c.connect();
  const count = Number((await c.query('SELECT count(*) AS n FROM executions')).rows[0].n);
  if (count !== ROWS) throw new Error(`filled ${count} rows, wanted ${ROWS}`);
  const vacuumStarted = Date.now();
  await c.query('VACUUM (ANALYZE)');
  await c.end();
  console.log(
    JSON.stringify({
      filled: ROWS,
      seconds: (Date.now() - started) / 1000,
      vacuum_seconds: (Date.now() - vacuumStarted) / 1000,
    }),
  );
  process.exit(0);
}

const { SqliteStore } = await distImport('store/sqlite/sqlite-store.js');
const store = new SqliteStore({ path: tmp, synchronous: 'OFF' });
await store.init();
const started = await fill(store);
const db = store.database;
const count = db.prepare('SELECT count(*) FROM executions').pluck().get();
if (count !== ROWS) throw new Error(`filled ${count} rows, wanted ${ROWS}`);
db.pragma('wal_checkpoint(TRUNCATE)');
// no ANALYZE: a server's own store has no planner statistics either
await store.close();
renameSync(tmp, file);
rmSync(`${tmp}-wal`, { force: true });
rmSync(`${tmp}-shm`, { force: true });
console.log(JSON.stringify({ filled: ROWS, seconds: (Date.now() - started) / 1000 }));
process.exit(0);
