/**
 * What the WorkflowMachine needs for markers (src/protocol/markers.ts):
 *
 *  - Patch look-ahead. Before a replayed workflow task is activated, the machine collects the patch ids of the
 *    Patch markers among that task's command events and hands them in, so `patched(id)` answers as it did when
 *    the task first ran (its marker may come after commands the code produces before asking). A Patch marker
 *    that the code no longer produces (its `patched`/`deprecatePatch` call was removed) is skipped.
 *  - Local activities. The code asks for them in an activation (requests, not commands); the worker runs them
 *    and records each outcome as a LocalActivity marker, then activates the workflow again with that outcome,
 *    one marker per activation, within the same workflow task. Replay does the same from history: at a
 *    LocalActivity marker, every command the code produced before it must already be matched; the outcome is
 *    handed in, and what the code produces then must match the events that follow. A workflow task never ends
 *    with a local activity still pending (the worker records an outcome for each: src/worker/local-activity-runner.ts),
 *    so one still pending when replay moves past a completed task means the code changed.
 */
import type { CommandDescription, FailureInfo } from '../../common/failure.js';
import type { Command, CommandOf } from '../../protocol/commands.js';
import { TERMINAL_COMMANDS } from '../../protocol/terminal-commands.js';
import { COMMAND_EVENT_TYPES, type HistoryEvent, type HistoryEventOf } from '../../protocol/events.js';
import { localActivityOf, patchIdOf, type LocalActivityMarkerDetails } from '../../protocol/markers.js';
import type { Activation, ActivationJob, ActivationResult } from '../../workflow/internal/activation.js';
import type { LocalActivityRequest } from '../../workflow/internal/local-activation.js';

/** What a MarkerRecorded event means for the commands the code produced (`expected`). */
export type MarkerAction =
  /** The next produced command records this marker: take it. */
  | { kind: 'match' }
  /** A patch the code no longer asks about. */
  | { kind: 'skip' }
  /** Replaying a local activity's outcome: activate the workflow with this job. */
  | { kind: 'resolve'; job: ActivationJob }
  | { kind: 'violation'; produced?: Command; description?: CommandDescription };

export class MarkerReplay {
  /** Local activities the code asked for that have no outcome yet, by seq. */
  readonly pendingLocal = new Map<number, LocalActivityRequest>();
  /** The workflow task being answered or replayed: activations inside it reuse its time and length. */
  private task: Omit<Activation, 'jobs' | 'isReplaying'> | undefined;
  private patchesAhead: string[] = [];
  /** The code closed the workflow: local activities still pending no longer matter. */
  private closed = false;
  workflowTaskTimeoutMs = 10_000;

  /** Collects the patch ids among the command events from events[from] on (the task's, after its completion). */
  lookAhead(events: readonly HistoryEvent[], from: number): void {
    const ids: string[] = [];
    for (let j = from; j < events.length && COMMAND_EVENT_TYPES.has(events[j]!.eventType); j++) {
      const ev = events[j]!;
      if (ev.eventType !== 'MarkerRecorded') continue;
      const id = patchIdOf(ev.attributes);
      if (id !== undefined) ids.push(id);
    }
    this.patchesAhead = ids;
  }

  /** Called for the first activation of a task: remembers it, and hands a replayed task its patch ids. */
  beginTask(activation: Activation): void {
    if (activation.isReplaying && this.patchesAhead.length > 0) activation.patches = this.patchesAhead;
    this.patchesAhead = [];
    const { jobs: _jobs, isReplaying: _replaying, ...task } = activation;
    this.task = task;
  }

  /** Another activation inside the current task, with one job (a local activity's outcome). */
  activationFor(job: ActivationJob, isReplaying: boolean): Activation {
    if (!this.task) throw new Error('no workflow task is being activated');
    const { patches, ...rest } = this.task;
    return { ...rest, jobs: [job], isReplaying, ...(isReplaying && patches ? { patches } : {}) };
  }

  /** Notes the local activities an activation asked for or stopped waiting for. */
  track(r: ActivationResult): ActivationResult {
    for (const req of r.localActivities ?? []) this.pendingLocal.set(req.seq, req);
    for (const c of r.localActivityCancels ?? []) if (c.resolved) this.pendingLocal.delete(c.seq);
    if (r.commands.some((c) => TERMINAL_COMMANDS.has(c.type))) this.closed = true;
    return r;
  }

  /** A local activity the code still waits for, which history should have resolved by now. */
  unresolved(): LocalActivityRequest | undefined {
    if (this.closed) return undefined;
    return this.pendingLocal.values().next().value;
  }

  onMarker(ev: HistoryEventOf<'MarkerRecorded'>, expected: readonly Command[]): MarkerAction {
    const head = expected[0];
    const headMarker = head?.type === 'RecordMarker' ? head : undefined;
    const patchId = patchIdOf(ev.attributes);
    if (patchId !== undefined)
      return headMarker && patchIdOf(headMarker) === patchId ? { kind: 'match' } : { kind: 'skip' };
    const local = localActivityOf(ev.attributes);
    if (!local) {
      return headMarker?.markerName === ev.attributes.markerName
        ? { kind: 'match' }
        : { kind: 'violation', ...(head ? { produced: head } : {}) };
    }
    // the marker this worker recorded itself, coming back from the server (a cached workflow)
    if (headMarker && localActivityOf(headMarker)?.seq === local.seq) return { kind: 'match' };
    if (head) return { kind: 'violation', produced: head };
    const req = this.pendingLocal.get(local.seq);
    if (!req || req.activityType !== local.activityType)
      return { kind: 'violation', ...(req ? { description: describeLocalRequest(req) } : {}) };
    this.pendingLocal.delete(local.seq);
    return { kind: 'resolve', job: resolutionJob(local, ev.attributes.failure) };
  }
}

/** The job that hands a local activity's outcome (its marker) to the workflow. */
export function resolutionJob(d: LocalActivityMarkerDetails, failure: FailureInfo | undefined): ActivationJob {
  return {
    type: 'resolveLocalActivity',
    seq: d.seq,
    ...(d.backoff ? { backoff: d.backoff } : {}),
    ...(failure ? { failure } : d.result === undefined ? {} : { result: d.result }),
  };
}

export function describeLocalRequest(req: LocalActivityRequest): CommandDescription {
  return {
    kind: 'LocalActivity',
    seq: req.seq,
    detail: `activityType=${req.activityType} activityId=${req.activityId}`,
  };
}

function markerDetail(m: { markerName: string; details: Record<string, unknown> }): {
  seq?: number;
  detail: string;
} {
  const patchId = patchIdOf(m);
  if (patchId !== undefined) return { detail: `marker=Patch patchId=${patchId}` };
  const local = localActivityOf(m);
  if (local) return { seq: local.seq, detail: `marker=LocalActivity activityType=${local.activityType}` };
  return { detail: `marker=${m.markerName}` };
}

export function describeMarkerEvent(ev: HistoryEventOf<'MarkerRecorded'>): CommandDescription {
  const { seq, detail } = markerDetail(ev.attributes);
  return { eventId: ev.eventId, kind: ev.eventType, ...(seq !== undefined ? { seq } : {}), detail };
}

export function describeMarkerCommand(cmd: CommandOf<'RecordMarker'>): CommandDescription {
  const { seq, detail } = markerDetail(cmd);
  return { kind: cmd.type, ...(seq !== undefined ? { seq } : {}), detail };
}
