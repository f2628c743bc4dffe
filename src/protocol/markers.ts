/**
 * Markers: what a `RecordMarker` command writes into history (`MarkerRecorded`) for the workflow to read back on
 * replay. Two kinds exist:
 *  - `Patch`: `patched(id)` / `deprecatePatch(id)` ran on the new code path; keyed by `patchId` (once per run).
 *  - `LocalActivity`: the outcome of a local activity (result, final failure, or "retry after a timer"); keyed
 *    by `seq`, the activity's sequence number (local and ordinary activities share one counter).
 * This module runs inside the workflow sandbox too: no imports beyond types.
 */
import type { FailureInfo } from '../common/failure.js';
import type { CommandOf } from './commands.js';

export const PATCH_MARKER = 'Patch';
export const LOCAL_ACTIVITY_MARKER = 'LocalActivity';

export interface PatchMarkerDetails {
  patchId: string;
  /** Recorded by deprecatePatch(): the old path is gone from the code. */
  deprecated: boolean;
}

/** Local activity attempts ran out of workflow task time (or the backoff was long): retry after a durable timer. */
export interface LocalActivityBackoff {
  /** The attempt to make after the timer. */
  attempt: number;
  delayMs: number;
  /** Workflow time of the first attempt's scheduling (the schedule-to-close timeout counts from it). */
  originalScheduleTime: number;
}

export interface LocalActivityMarkerDetails {
  seq: number;
  activityType: string;
  activityId: string;
  /** The last attempt made. */
  attempt: number;
  /** Set when the activity completed. */
  result?: unknown;
  /** Set when the activity is to be retried in a later workflow task (the marker's failure is the last attempt's). */
  backoff?: LocalActivityBackoff;
}

type MarkerCommand = CommandOf<'RecordMarker'>;
interface MarkerLike {
  markerName: string;
  details: Record<string, unknown>;
  failure?: FailureInfo;
}

export function patchMarker(patchId: string, deprecated: boolean): MarkerCommand {
  const details: PatchMarkerDetails = { patchId, deprecated };
  return { type: 'RecordMarker', markerName: PATCH_MARKER, details: { ...details } };
}

/** The patch id of a patch marker; undefined for any other marker. */
export function patchIdOf(m: MarkerLike): string | undefined {
  if (m.markerName !== PATCH_MARKER) return undefined;
  const id = m.details.patchId;
  return typeof id === 'string' ? id : undefined;
}

/** The details of a local activity marker; undefined for any other marker (or a malformed one). */
export function localActivityOf(m: MarkerLike): LocalActivityMarkerDetails | undefined {
  if (m.markerName !== LOCAL_ACTIVITY_MARKER) return undefined;
  const d = m.details;
  if (typeof d.seq !== 'number' || typeof d.activityType !== 'string') return undefined;
  return d as unknown as LocalActivityMarkerDetails;
}
