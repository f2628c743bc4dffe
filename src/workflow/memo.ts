/**
 * `upsertMemo` (Temporal's name and semantics): merges keys into the run's memo; a key set to undefined or null is
 * removed, and an object value replaces the old one whole. `workflowInfo().memo` shows the change at once,
 * `describe()` once the workflow task completes.
 */
import { currentActivator } from './internal/current.js';

export function upsertMemo(memo: Record<string, unknown>): void {
  if (memo === null || typeof memo !== 'object' || Array.isArray(memo))
    throw new TypeError('upsertMemo takes an object of memo keys to values');
  const upserted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(memo)) upserted[key] = value ?? null;
  if (Object.keys(upserted).length === 0) return;
  const activator = currentActivator();
  activator.pushCommand({ type: 'ModifyWorkflowProperties', upsertedMemo: upserted });
  const next: Record<string, unknown> = { ...(activator.info.memo ?? {}) };
  for (const [key, value] of Object.entries(upserted)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  activator.info.memo = next;
}
