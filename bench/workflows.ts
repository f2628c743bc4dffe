// The benchmark workflows (WORKLOADS.md), bundled by the worker with esbuild like any Weft workflow code.
// Activities live in ./activities.mjs (plain JS, so the worker runs with plain node against dist/).
import { condition, defineSignal, proxyActivities, setHandler, sleep } from 'weft/workflow';

interface BenchActivities {
  step(v: number): Promise<number>;
  idx(i: number): Promise<number>;
  now(): Promise<number>;
}

const { step, idx, now } = proxyActivities<BenchActivities>({ startToCloseTimeout: '1m' });

/** seq3: three sequential activities step(v) = v + 1; returns x + 3. */
export async function seq3(x: number): Promise<number> {
  const a = await step(x);
  const b = await step(a);
  return await step(b);
}

/** fanout100: `width` activities started in parallel, activity i returns i; returns the sum. */
export async function fanout100(width: number): Promise<number> {
  const vals = await Promise.all(Array.from({ length: width }, (_, i) => idx(i)));
  return vals.reduce((a, b) => a + b, 0);
}

/** latency1: one activity. */
export async function latency1(x: number): Promise<number> {
  return await step(x);
}

/**
 * timers: t0 from an activity (wall clock), a durable sleep, then the wake-up lateness. Inside a workflow,
 * Date.now() is the time of the workflow task that runs after the timer fired (deterministic, as in Temporal).
 */
export async function timers(sleepMs: number): Promise<number> {
  const t0 = await now();
  await sleep(sleepMs);
  return Date.now() - (t0 + sleepMs);
}

/**
 * long1k: `n` sequential activities, each returning its own finish time (wall clock); the driver turns them into
 * the time per step at the start, the middle and the end of the run (flat cost: no replay from the start).
 */
export async function long1k(n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) times.push(await now());
  return times;
}

/** replay10k: `n` sequential tiny activities, to record one long history; returns n. */
export async function longHistory(n: number): Promise<number> {
  let v = 0;
  for (let i = 0; i < n; i++) v = await step(v);
  return v;
}

/** idle100k: the signal that would end an `idle('signal')` run (never sent: the runs only wait). */
const wake = defineSignal('wake');

/**
 * idle100k: a run that only waits, on a durable timer of `sleepMs` ('timer') or on the signal `wake` ('signal');
 * returns its kind. What is measured is what a waiting run costs the server.
 */
export async function idle(kind: 'timer' | 'signal', sleepMs: number): Promise<string> {
  if (kind === 'timer') {
    await sleep(sleepMs);
    return kind;
  }
  let woken = false;
  setHandler(wake, () => {
    woken = true;
  });
  await condition(() => woken);
  return kind;
}
