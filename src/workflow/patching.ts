/**
 * Versioning workflow code while runs of the old code are in flight, with Temporal's semantics:
 *
 *   v1:  await oldStep();
 *   v2:  if (patched('new-step')) await newStep(); else await oldStep();   // old runs replay the old path
 *   v3:  deprecatePatch('new-step'); await newStep();                     // once no v1 run is left
 *   v4:  await newStep();                                                  // once no v2 run is left
 *
 * Running new code (not replaying), patched(id) records a Patch marker and answers true. Replaying, it answers
 * true if and only if the workflow task being replayed recorded that marker: the worker hands the task's patch
 * ids in before activating it (the marker may come after commands that the code produces earlier). An id
 * answers the same for the rest of the run. A Patch marker in history that the code no longer asks about (v4
 * replaying v2 or v3 histories) is skipped by the replayer.
 */
import { patchMarker } from '../protocol/markers.js';
import { currentActivator } from './internal/current.js';

function patch(patchId: string, deprecated: boolean): boolean {
  if (typeof patchId !== 'string' || patchId.length === 0)
    throw new TypeError('patched/deprecatePatch: the patch id must be a non-empty string');
  const activator = currentActivator();
  const known = activator.patchAnswers.get(patchId);
  if (known !== undefined) return known;
  activator.checkMayCommand(); // a first answer records a marker: not from a query or a validator
  const use = !activator.isReplaying || activator.replayPatches.has(patchId);
  activator.patchAnswers.set(patchId, use);
  if (use) activator.pushCommand(patchMarker(patchId, deprecated));
  return use;
}

/** True when the run is on the code path introduced under `patchId` (new runs, and runs that took it before). */
export function patched(patchId: string): boolean {
  return patch(patchId, false);
}

/** The old path of `patchId` is gone: keeps replaying histories that recorded the patch, records it in new runs. */
export function deprecatePatch(patchId: string): void {
  patch(patchId, true);
}
