/**
 * A continued workflow task: the worker that ran an activity also holds its workflow in its sticky cache, so it
 * runs the workflow task that the activity's completion causes at once, on the events it predicts that
 * completion writes, and sends both in one request. The server applies both in one transition (one commit
 * instead of two), but only when history is exactly what the worker predicted:
 *
 *   ...WorkflowTaskStarted (basedOnEventId), WorkflowTaskCompleted, <its command events> (up to lastEventId),
 *   ActivityTaskStarted, ActivityTaskCompleted, WorkflowTaskScheduled, WorkflowTaskStarted
 *
 * with nothing else in between: no signal, timer, cancel request, update or other activity outcome, no task of
 * another worker. The events are written at the worker's clock (`startedTime`, the time the workflow saw), which
 * must lie between the run's last event and now; the WorkflowTaskStarted carries the hints the workflow was
 * given, which must agree with the real ones on whether continue-as-new is suggested. Anything else: the
 * continuation is dropped and the task is scheduled as usual (slower, never wrong).
 */
import type { Transition } from './transition.js';
import { historyHints, startWorkflowTask, type HistoryHints } from './workflow-task.js';

export interface ContinuationClaim {
  basedOnEventId: number;
  lastEventId: number;
  startedTime: number;
  historySizeBytes: number;
  suggestContinueAsNew?: boolean;
}

/**
 * Before the activity's outcome is applied: whether history ends where the worker's cached state says, with
 * this worker's last task. Moves the transition's clock to the worker's when it does.
 */
export function prepareContinuation(t: Transition, claim: ContinuationClaim, identity: string): boolean {
  const s = t.state;
  const ok =
    s.status === 'Running' &&
    s.workflowTask === undefined &&
    s.bufferedEvents.length === 0 &&
    s.stickyIdentity === identity &&
    s.lastCompletedStartedEventId === claim.basedOnEventId &&
    s.lastCommandEventId === claim.lastEventId &&
    s.nextEventId - 1 === claim.lastEventId &&
    !Object.values(s.updates ?? {}).some((u) => u.status === 'requested') &&
    claim.startedTime >= s.lastProgressTime &&
    claim.startedTime <= t.now &&
    t.events.length === 0;
  if (ok) t.now = claim.startedTime;
  return ok;
}

/**
 * After the activity's outcome: when it wrote exactly the predicted events and scheduled this worker's task,
 * starts that task with the claimed hints and returns its id (complete it with completeWorkflowTask).
 */
export function startContinuedTask(t: Transition, claim: ContinuationClaim, identity: string): number | undefined {
  const wt = t.state.workflowTask;
  const expected = ['ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowTaskScheduled'];
  const asPredicted =
    wt !== undefined &&
    wt.state === 'scheduled' &&
    wt.attempt === 1 &&
    wt.stickyIdentity === identity &&
    t.events.length === expected.length &&
    t.events.every((e, i) => e.eventType === expected[i] && e.eventId === claim.lastEventId + 1 + i);
  if (!asPredicted) return undefined;
  const real = historyHints(t, wt.scheduledEventId + 1);
  if (Boolean(real.suggestContinueAsNew) !== Boolean(claim.suggestContinueAsNew)) return undefined;
  if (claim.historySizeBytes > real.historySizeBytes) return undefined;
  const hints: HistoryHints = {
    historySizeBytes: claim.historySizeBytes,
    ...(claim.suggestContinueAsNew ? { suggestContinueAsNew: true as const } : {}),
  };
  startWorkflowTask(t, wt.id, identity, hints);
  return wt.id;
}
