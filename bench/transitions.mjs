#!/usr/bin/env node
// Diagnosis, not a workload: what one workflow costs the store. A server (SQLite), a worker and a client in this
// process run N workflows with C in flight, with the store's commit wrapped, and print per workflow the run
// transitions written, timer and task rows added and removed, and how many new tasks a waiting poll took at once
// (sync match) against how many were queued. Uses dist/ (npm run build first), or BENCH_DIST.
//   node bench/transitions.mjs                       # seq3, N=2000, C=100
//   WF=latency1 C=1 N=200 node bench/transitions.mjs
//   WF=fanout100 ARG=100 N=50 C=10 node bench/transitions.mjs   (ARG: the workflow's argument, default 1)
//   WORKER_OPTIONS='{"maxConcurrentWorkflowTaskPolls":4}' node bench/transitions.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { distImport, WORKFLOWS_PATH } from './lib.mjs';
import * as activities from './activities.mjs';

const { startServer } = await distImport('server/index.js');
const { Client, Connection } = await distImport('client/index.js');
const { Worker } = await distImport('worker/index.js');

const type = process.env.WF ?? 'seq3';
const n = Number(process.env.N ?? 2000);
const inFlight = Number(process.env.C ?? 100);
const dir = mkdtempSync(path.join(tmpdir(), 'weft-transitions-'));
const server = await startServer({ port: 0, db: path.join(dir, 'weft.db'), logLevel: 'warn' });

const counts = { transitions: 0, timersAdded: 0, timersRemoved: 0, tasksAdded: 0, tasksRemoved: 0 };
const { store, matching } = server.context;
const commit = store.commit.bind(store);
store.commit = (m) => {
  for (const e of m.executions) {
    counts.transitions++;
    counts.timersAdded += e.timersAdded.length;
    counts.timersRemoved += e.timersRemoved.length;
    counts.tasksAdded += e.tasksAdded.length;
    counts.tasksRemoved += e.tasksRemoved.length;
  }
  return commit(m);
};
const syncMatch = { workflow: [0, 0], activity: [0, 0] }; // [taken by a waiting poll, tried]
const reserve = matching.reserve.bind(matching);
matching.reserve = (row) => {
  const r = reserve(row);
  syncMatch[row.kind][1]++;
  if (r) syncMatch[row.kind][0]++;
  return r;
};

const connection = await Connection.connect({ address: server.address });
const worker = await Worker.create({
  ...JSON.parse(process.env.WORKER_OPTIONS ?? '{}'),
  connection,
  taskQueue: 'transitions',
  workflowsPath: WORKFLOWS_PATH,
  activities,
});
const running = worker.run();
const client = new Client({ connection });
let next = 0;
await Promise.all(
  Array.from({ length: inFlight }, async () => {
    while (next < n) {
      const i = next++;
      await client.workflow.execute(type, {
        taskQueue: 'transitions',
        workflowId: `t-${i}`,
        args: [Number(process.env.ARG ?? 1)],
      });
    }
  }),
);
const per = (x) => Number((x / n).toFixed(2));
console.log(
  JSON.stringify({
    workload: type,
    n,
    in_flight: inFlight,
    per_workflow: Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, per(v)])),
    sync_match: syncMatch,
  }),
);
worker.shutdown();
await running;
await connection.close();
await server.stop();
rmSync(dir, { recursive: true, force: true });
