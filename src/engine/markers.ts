/**
 * RecordMarker: a marker is history only (no state, no rows). Patch markers are keyed by patch id, local
 * activity markers by the activity's seq; a completion may not record the same key twice.
 */
import type { CommandOf } from '../protocol/commands.js';
import { LOCAL_ACTIVITY_MARKER, PATCH_MARKER } from '../protocol/markers.js';
import type { Transition } from './transition.js';

/** Checks one RecordMarker command; `seen` holds the keys of the markers before it in the same completion. */
export function invalidMarker(cmd: CommandOf<'RecordMarker'>, seen: Set<string>): string | undefined {
  const d = cmd.details;
  let key: string;
  if (cmd.markerName === PATCH_MARKER) {
    if (typeof d.patchId !== 'string' || d.patchId.length === 0)
      return 'a Patch marker needs details.patchId (a non-empty string)';
    key = `patch:${d.patchId}`;
  } else if (cmd.markerName === LOCAL_ACTIVITY_MARKER) {
    if (typeof d.seq !== 'number' || !Number.isInteger(d.seq) || d.seq < 1)
      return 'a LocalActivity marker needs details.seq (an integer >= 1)';
    if (typeof d.activityType !== 'string' || d.activityType.length === 0)
      return 'a LocalActivity marker needs details.activityType';
    key = `local:${d.seq}`;
  } else {
    return undefined; // other markers are the workflow's own business
  }
  if (seen.has(key)) return `marker ${key} is recorded twice in one workflow task`;
  seen.add(key);
  return undefined;
}

export function recordMarker(
  t: Transition,
  cmd: CommandOf<'RecordMarker'>,
  workflowTaskCompletedEventId: number,
): void {
  t.writeNow('MarkerRecorded', {
    markerName: cmd.markerName,
    details: cmd.details,
    ...(cmd.failure ? { failure: cmd.failure } : {}),
    workflowTaskCompletedEventId,
  });
}
