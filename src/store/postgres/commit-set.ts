/**
 * A batch of mutations flattened by table for `weft_commit_set` (migration 0009): one set-based statement per
 * table for the whole batch, instead of weft_commit's statements per mutation. Measured on a seq3 batch dump
 * replayed against PostgreSQL alone (docs/speed-plan.md): about 30 % less time a batch of 45 mutations; no
 * gain for a handful, so only large batches go this way (PgStoreOptions.setBatchMin).
 *
 * The set-based function applies the batch whole or not at all, and the caller then falls back to weft_commit
 * for each mutation's own answer. For that to write what weft_commit would have written, no two mutations of
 * the batch may touch the same run or the same workflow id (their statements would then have to run in order)
 * and none may carry schedules (written by weft_commit only): such a batch is not flattened.
 */
import type { WireMutation } from '../sqlite/wire-mutation.js';

/** The JSON text of the flattened batch, or undefined when the batch must go through weft_commit. */
export function setBatchJson(batch: readonly WireMutation[]): string | undefined {
  const runs = new Set<string>();
  const workflows = new Set<string>();
  const b: Record<string, unknown[]> = {};
  const push = (key: string, row: unknown): void => {
    (b[key] ??= []).push(row);
  };
  for (const m of batch) {
    if (m.schedules?.length) return undefined;
    for (const c of m.currentRuns) {
      const wf = `${c[0]}\u0000${c[1]}`;
      if (workflows.has(wf)) return undefined;
      workflows.add(wf);
      if (c[4] === null) push('ci', [c[0], c[1], c[2], c[3]]);
      else push('cu', c);
    }
    for (const x of m.executions) {
      const run = x.runId;
      if (runs.has(run)) return undefined;
      runs.add(run);
      if (x.expectedVersion === 0)
        push('ei', [
          run,
          x.namespace,
          x.workflowId,
          x.workflowType,
          x.taskQueue,
          x.status,
          x.startTime,
          x.closeTime,
          x.historyLength,
          x.lastProgress,
          x.state,
        ]);
      else push('eu', [run, x.expectedVersion, x.status, x.closeTime, x.lastProgress, x.historyLength, x.state]);
      for (const e of x.events) push('ev', [run, e[0], e[1], e[2], e[3]]);
      for (const k of x.tasksRemoved) push('td', [run, k]);
      for (const t of x.tasksAdded) push('ta', [run, t[0], t[1], t[2], t[3], t[4], t[5], t[6] ?? null]);
      for (const k of x.timersRemoved) push('md', [run, k]);
      for (const t of x.timersAdded) push('ma', [run, t[0], t[1], t[2]]);
      for (const seq of x.activitiesRemoved) push('ad', [run, seq]);
      for (const a of x.activities) push('aa', [run, a[0], a[1]]);
      if (x.buffered.rewrite) push('br', run);
      for (const r of x.buffered.rows) push('ba', [run, r[0], r[1]]);
      if (x.searchAttributes) {
        if (x.expectedVersion !== 0) push('sd', run);
        for (const r of x.searchAttributes) push('sa', [run, ...r]);
      }
      if (x.closed) push('cl', [run, x.status, x.namespace, x.workflowId]);
    }
    for (const n of m.notices ?? []) push('no', n);
  }
  return JSON.stringify(b);
}
