// replay10k, in a FRESH process (a fresh worker): loads the recorded history (path in argv[2]) and bundles the
// bench workflows, prints {ready}, waits for {go} on stdin, replays with Worker.runReplayHistory, prints the
// timing and its own memory, then waits for stdin to close (so the parent can take a last memory sample).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { WORKFLOWS_PATH, distImport, stdinMessages } from './lib.mjs';

const file = process.argv[2];
const procStatus = (key) =>
  Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN);
const mb = (kb) => Math.round((kb / 1024) * 10) / 10;

const t0 = performance.now();
const { Worker, bundleWorkflowCode } = await distImport('worker/index.js');
const imported = performance.now();
const history = JSON.parse(readFileSync(file, 'utf8'));
const loaded = performance.now();
const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
const bundled = performance.now();
process.stdout.write(
  JSON.stringify({
    ready: 'replay',
    pid: process.pid,
    events: history.events.length,
    import_ms: imported - t0,
    load_ms: loaded - imported,
    bundle_ms: bundled - loaded,
    rss_before_mb: mb(procStatus('VmRSS')),
  }) + '\n',
);

for await (const msg of stdinMessages()) {
  if (msg.go) {
    let error;
    const s = performance.now();
    try {
      await Worker.runReplayHistory({ workflowBundle }, history);
    } catch (e) {
      error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    const replayMs = performance.now() - s;
    process.stdout.write(
      JSON.stringify({
        done: 'replay',
        replay_ms: replayMs,
        ...(error ? { error } : {}),
        vm_hwm_mb: mb(procStatus('VmHWM')),
        rss_after_mb: mb(procStatus('VmRSS')),
        heap_used_mb: Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10,
      }) + '\n',
    );
  }
}
process.exit(0);
