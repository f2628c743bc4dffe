// Bench worker process: Worker.create with the bench workflows and activities (default maxCachedWorkflows and
// concurrency), connected to WEFT_ADDRESS, with the heap policy of `weft worker start`. Prints {ready:'worker'}
// once registered and polling; shuts down gracefully on SIGTERM/SIGINT or when the parent closes stdin.
import { applyCliHeapPolicy, createBenchWorker, distImport, extraConnectionOptions, onParentGone } from './lib.mjs';

// the V8 heap policy `weft worker start` applies
await applyCliHeapPolicy();

const { Connection } = await distImport('client/index.js');
const connection = await Connection.connect({ address: process.env.WEFT_ADDRESS, ...extraConnectionOptions() });
const worker = await createBenchWorker(connection, { handleSignals: false });
const force = () => setTimeout(() => process.exit(1), 15_000).unref();
onParentGone(() => {
  force();
  worker.shutdown();
});
const running = worker.run();
process.stdout.write(JSON.stringify({ ready: 'worker', pid: process.pid }) + '\n');
try {
  await running;
  // how the worker got its tasks (polled, eager, continued after an activity), for whoever reads stderr
  if (process.env.BENCH_WORKER_STATUS)
    process.stderr.write(JSON.stringify({ worker: worker.getStatus().tasks }) + '\n');
} finally {
  await connection.close();
}
process.exit(0);
