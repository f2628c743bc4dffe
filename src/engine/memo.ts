/**
 * ModifyWorkflowProperties (Temporal's `upsertMemo`): merges keys into the run's memo, a null value removes its key.
 * The event records what the command set; the run's whole memo is in its state (describe shows it). The values
 * are payloads the server does not read (a codec may have encoded them).
 */
import type { CommandOf } from '../protocol/commands.js';
import type { Transition } from './transition.js';

/** Checks one ModifyWorkflowProperties command. */
export function invalidMemoUpsert(cmd: CommandOf<'ModifyWorkflowProperties'>): string | undefined {
  const keys = Object.keys(cmd.upsertedMemo);
  if (keys.length === 0) return 'upsertMemo needs at least one key';
  if (keys.some((k) => k.length === 0)) return 'upsertMemo: a memo key may not be empty';
  return undefined;
}

/** The memo after an upsert; undefined when no key is left. */
export function mergeMemo(
  current: Record<string, unknown> | undefined,
  upsert: Record<string, unknown>,
): Record<string, unknown> | undefined {
  const next: Record<string, unknown> = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(upsert)) {
    if (value === null || value === undefined) delete next[key];
    else next[key] = value;
  }
  return Object.keys(next).length > 0 ? next : undefined;
}

export function modifyWorkflowProperties(
  t: Transition,
  cmd: CommandOf<'ModifyWorkflowProperties'>,
  completedEventId: number,
): void {
  t.writeNow('WorkflowPropertiesModified', {
    upsertedMemo: cmd.upsertedMemo,
    workflowTaskCompletedEventId: completedEventId,
  });
  const memo = mergeMemo(t.state.memo, cmd.upsertedMemo);
  if (memo) t.state.memo = memo;
  else delete t.state.memo;
}
