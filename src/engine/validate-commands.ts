/** Checks a workflow task's commands before any of them is applied: a bad command fails the task, not the run. */
import { resolveRetryPolicy, type ResolvedRetryPolicy } from '../common/retry-policy.js';
import { TERMINAL_COMMANDS, type Command, type CommandOf } from '../protocol/commands.js';
import type { ExecutionState } from './state.js';

export function resolveActivityRetryPolicy(cmd: CommandOf<'ScheduleActivityTask'>): ResolvedRetryPolicy {
  return resolveRetryPolicy(cmd.retryPolicy, `activity ${cmd.activityType} retry`);
}

/** Returns a description of the first invalid command, or undefined when all are valid. */
export function findInvalidCommand(state: ExecutionState, commands: Command[]): string | undefined {
  const newActivities = new Set<number>();
  const newTimers = new Set<number>();
  const cancelledActivities = new Set<number>();
  const cancelledTimers = new Set<number>();
  const firedDuringTask = new Set(
    state.bufferedEvents
      .filter((b) => b.eventType === 'TimerFired')
      .map((b) => Number((b.attributes as { timerId: string }).timerId)),
  );
  for (let i = 0; i < commands.length; i++) {
    const c = commands[i]!;
    if (TERMINAL_COMMANDS.has(c.type) && i !== commands.length - 1)
      return `command ${i} (${c.type}) closes the workflow but is not the last command`;
    switch (c.type) {
      case 'ScheduleActivityTask': {
        if (state.activities[c.seq] || newActivities.has(c.seq) || state.finishedDuringTask?.[c.seq] !== undefined)
          return `activity seq ${c.seq} is already in use`;
        newActivities.add(c.seq);
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
        break;
      }
      case 'CancelTimer': {
        const known = state.timers[c.seq] !== undefined || newTimers.has(c.seq) || firedDuringTask.has(c.seq);
        if (!known || cancelledTimers.has(c.seq)) return `timer seq ${c.seq} is not pending`;
        cancelledTimers.add(c.seq);
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}
