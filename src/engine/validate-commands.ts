/** Checks a workflow task's commands before any of them is applied: a bad command fails the task, not the run. */
import { resolveRetryPolicy, type ResolvedRetryPolicy } from '../common/retry-policy.js';
import { TERMINAL_COMMANDS, type Command, type CommandOf } from '../protocol/commands.js';
import { invalidCronSchedule } from './cron.js';
import { invalidMarker } from './markers.js';
import { invalidMemoUpsert } from './memo.js';
import type { ExecutionState } from './state.js';
import { updateOf } from './updates.js';
import type { SearchAttributeChecker } from '../visibility/search-attributes.js';

export function resolveActivityRetryPolicy(cmd: CommandOf<'ScheduleActivityTask'>): ResolvedRetryPolicy {
  return resolveRetryPolicy(cmd.retryPolicy, `activity ${cmd.activityType} retry`);
}

/** Returns a description of the first invalid command, or undefined when all are valid. */
export function findInvalidCommand(
  state: ExecutionState,
  commands: Command[],
  checkSearchAttributes?: SearchAttributeChecker,
): string | undefined {
  const newActivities = new Set<number>();
  const newTimers = new Set<number>();
  const cancelledActivities = new Set<number>();
  const cancelledTimers = new Set<number>();
  const newChildren = new Set<number>();
  const newExternals = new Set<string>();
  const accepted = new Set<string>();
  const completed = new Set<string>();
  const markers = new Set<string>();
  const firedDuringTask = new Set(
    state.bufferedEvents
      .filter((b) => b.eventType === 'TimerFired')
      .map((b) => Number((b.attributes as { timerId: string }).timerId)),
  );
  /** Activity ids of pending activities, each with its seq (built when a command needs it). */
  let pendingActivityIds: Map<string, number> | undefined;
  for (let i = 0; i < commands.length; i++) {
    const c = commands[i]!;
    if (TERMINAL_COMMANDS.has(c.type) && i !== commands.length - 1)
      return `command ${i} (${c.type}) closes the workflow but is not the last command`;
    switch (c.type) {
      case 'ScheduleActivityTask': {
        if (state.activities[c.seq] || newActivities.has(c.seq) || state.finishedDuringTask?.[c.seq] !== undefined)
          return `activity seq ${c.seq} is already in use`;
        newActivities.add(c.seq);
        // as Temporal: an activity id names one pending activity (async completion by id finds it by that)
        pendingActivityIds ??= pendingIdsOf(state);
        if (pendingActivityIds.has(c.activityId))
          return `activity id ${JSON.stringify(c.activityId)} is already in use`;
        pendingActivityIds.set(c.activityId, c.seq);
        if (!c.startToCloseTimeoutMs && !c.scheduleToCloseTimeoutMs)
          return `activity ${c.activityType}: one of startToCloseTimeout or scheduleToCloseTimeout is required`;
        try {
          resolveActivityRetryPolicy(c);
        } catch (e) {
          return (e as Error).message;
        }
        break;
      }
      case 'StartTimer':
        if (state.timers[c.seq] || newTimers.has(c.seq) || firedDuringTask.has(c.seq))
          return `timer seq ${c.seq} is already in use`;
        newTimers.add(c.seq);
        break;
      case 'RequestCancelActivityTask': {
        const a = state.activities[c.seq];
        const known =
          (a && !a.cancelRequested) || newActivities.has(c.seq) || state.finishedDuringTask?.[c.seq] !== undefined;
        if (!known || cancelledActivities.has(c.seq))
          return `activity seq ${c.seq} is not pending (or its cancellation was already requested)`;
        cancelledActivities.add(c.seq);
        // one that has not started is cancelled at once: its id is free again for the commands after this
        if (!a || a.state !== 'started') {
          pendingActivityIds ??= pendingIdsOf(state);
          for (const [id, seq] of pendingActivityIds) if (seq === c.seq) pendingActivityIds.delete(id);
        }
        break;
      }
      case 'CancelTimer': {
        const known = state.timers[c.seq] !== undefined || newTimers.has(c.seq) || firedDuringTask.has(c.seq);
        if (!known || cancelledTimers.has(c.seq)) return `timer seq ${c.seq} is not pending`;
        cancelledTimers.add(c.seq);
        break;
      }
      case 'StartChildWorkflowExecution': {
        if (state.children?.[c.seq] || newChildren.has(c.seq)) return `child workflow seq ${c.seq} is already in use`;
        newChildren.add(c.seq);
        if (c.retryPolicy)
          try {
            resolveRetryPolicy(c.retryPolicy, `child workflow ${c.workflowType} retry`);
          } catch (e) {
            return (e as Error).message;
          }
        if (c.cronSchedule !== undefined) {
          const bad = invalidCronSchedule(c.cronSchedule);
          if (bad) return `child workflow ${c.workflowType}: ${bad}`;
        }
        break;
      }
      case 'SignalExternalWorkflowExecution':
      case 'RequestCancelExternalWorkflowExecution': {
        const key = `${c.type === 'SignalExternalWorkflowExecution' ? 'signal' : 'cancel'}:${c.seq}`;
        if (state.externals?.[key] || newExternals.has(key)) return `${key} is already in use`;
        newExternals.add(key);
        break;
      }
      case 'RecordMarker': {
        const bad = invalidMarker(c, markers);
        if (bad !== undefined) return bad;
        break;
      }
      case 'AcceptWorkflowUpdate': {
        if (updateOf(state, c.updateId)?.status !== 'requested' || accepted.has(c.updateId))
          return `update ${c.updateId} is not waiting to be accepted`;
        accepted.add(c.updateId);
        break;
      }
      case 'CompleteWorkflowUpdate': {
        const known = updateOf(state, c.updateId)?.status === 'accepted' || accepted.has(c.updateId);
        if (!known || completed.has(c.updateId)) return `update ${c.updateId} is not accepted (or already completed)`;
        completed.add(c.updateId);
        break;
      }
      case 'UpsertWorkflowSearchAttributes': {
        if (Object.keys(c.searchAttributes).length === 0) return 'upsertSearchAttributes needs at least one attribute';
        const bad = checkSearchAttributes?.(c.searchAttributes);
        if (bad !== undefined) return `upsertSearchAttributes: ${bad}`;
        break;
      }
      case 'ModifyWorkflowProperties': {
        const bad = invalidMemoUpsert(c);
        if (bad !== undefined) return bad;
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}

function pendingIdsOf(state: ExecutionState): Map<string, number> {
  return new Map(Object.values(state.activities).map((a) => [a.activityId, a.seq]));
}
