// Fills a SQLite store with N closed executions through SqliteStore.commit (the real write path, so the rows
// and indexes are exactly what the server writes), in big group-committed batches, synchronous=OFF (it is a
// fixture, rebuilt if lost). Writes to argv[2] + '.tmp' and renames it to argv[2] when complete.
//   node bench/list1m-fill.mjs <file> <rows>
import { renameSync, rmSync } from 'node:fs';
import { distImport } from './lib.mjs';
import { closedState } from './list1m-data.mjs';

const [file, rowsArg] = process.argv.slice(2);
const ROWS = Number(rowsArg);
const BATCH = 20_000;
const tmp = `${file}.tmp`;
for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
process.stdin.on('end', () => process.exit(1)).resume(); // parent gone: give up (the .tmp file is never used)

const { SqliteStore } = await distImport('store/sqlite/sqlite-store.js');
const store = new SqliteStore({ path: tmp, synchronous: 'OFF' });
await store.init();
const started = Date.now();
for (let i = 0; i < ROWS; i += BATCH) {
  const commits = [];
  for (let j = i; j < Math.min(ROWS, i + BATCH); j++) {
    const state = closedState(j, ROWS);
    commits.push(
      store.commit({
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
      }),
    );
  }
  await Promise.all(commits); // one event-loop turn: one transaction
  if ((i / BATCH) % 10 === 9)
    console.error(`[list1m-fill] ${i + BATCH} / ${ROWS} rows, ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
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
