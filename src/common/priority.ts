/**
 * Temporal's `Priority` and `VersioningIntent` option types. A start's priority is kept with its run (describe,
 * history, `workflowInfo().priority`, the runs it continues as, children and activities without their own) and
 * orders its tasks: a task queue hands out tasks of a smaller `priorityKey` first (1 first; 0 or none: the
 * default, 3), first in, first out within a key. Fairness keys and weights are kept, not used. Weft has no worker
 * versioning: a versioning intent is checked and left out (docs/api.md).
 */
export interface Priority {
  /** 1 is the highest; Temporal's default is 3 of 5. */
  priorityKey?: number;
  fairnessKey?: string;
  fairnessWeight?: number;
}

export type VersioningIntent = 'COMPATIBLE' | 'DEFAULT';

/** Checks a priority as Temporal does (a TypeError for a bad one). */
export function checkPriority(priority: Priority | undefined): void {
  if (priority === undefined) return;
  if (typeof priority !== 'object' || priority === null) throw new TypeError('priority must be an object');
  const k = priority.priorityKey;
  if (k !== undefined && !(Number.isInteger(k) && k >= 0))
    throw new TypeError(`priority.priorityKey must be a non-negative integer, got ${String(k)}`);
  const w = priority.fairnessWeight;
  if (w !== undefined && !(typeof w === 'number' && Number.isFinite(w) && w > 0))
    throw new TypeError(`priority.fairnessWeight must be a positive number, got ${String(w)}`);
  if (priority.fairnessKey !== undefined && typeof priority.fairnessKey !== 'string')
    throw new TypeError('priority.fairnessKey must be a string');
}
