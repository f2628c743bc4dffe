/**
 * Tasks started by a commit whose answer reached nobody. Either the commit's answer was lost (the SQLite writer
 * thread died after its COMMIT, a PostgreSQL connection broke while the commit ran), so whoever was to get them
 * (a poll, a worker's completion taking its next tasks eagerly, an eager start) heard of a failure; or the commit
 * was answered but what the task carries could not be read afterwards (its events, an activity's input: the
 * store went away), so it was never handed over. The store then holds them started by a worker that never had
 * them, and only their start-to-close timeout would bring them back: 10 s for a workflow task, minutes or hours
 * for an activity. So each one still started by that commit's transition (its `startId`: the same request sent
 * again and written makes another) is timed out at once, and retried as after a worker's crash.
 */
import { keys, type ExecutionState } from '../engine/state.js';
import { fireTimer } from '../engine/timers.js';
import type { Transition } from '../engine/transition.js';
import { StoreUnavailableError } from '../store/store.js';
import type { ServerContext } from './context.js';
import { NO_WRITE } from './run-updater.js';

/** A task a transition started: a workflow task (by its id) or an activity's attempt. */
export type StartedTask = { kind: 'workflow'; id: number } | { kind: 'activity'; seq: number; attempt: number };

const TRIES = 6;
const FIRST_RETRY_MS = 250;

/** Times out the tasks these transitions started, where the commit of unknown outcome was written after all. */
export function timeOutLostStarts(ctx: ServerContext, transitions: readonly Transition[]): void {
  for (const t of transitions) {
    for (const n of t.notes ?? []) {
      if (n.kind === 'workflowTaskStarted') void timeOutIfStillStarted(ctx, t.state, { kind: 'workflow', id: n.id });
      else if (n.kind === 'activityStarted')
        void timeOutIfStillStarted(ctx, t.state, { kind: 'activity', seq: n.seq, attempt: n.attempt });
    }
  }
}

/** The task in a run's state, when it is still that one (that workflow task, that attempt). */
function taskOf(
  s: ExecutionState,
  task: StartedTask,
): { state: string; startId?: string } | undefined {
  if (task.kind === 'workflow') return s.workflowTask?.id === task.id ? s.workflowTask : undefined;
  const a = s.activities[task.seq];
  return a?.attempt === task.attempt ? a : undefined;
}

/**
 * Times out `task` if the store still shows it as `given` (the state its starting transition left) has it;
 * never throws (a store still away is tried again a few times, then left to the task's own timeout).
 */
export async function timeOutIfStillStarted(
  ctx: ServerContext,
  given: ExecutionState,
  task: StartedTask,
): Promise<void> {
  const runId = given.runId;
  // a task the same transition also ended (as a continued workflow task) is not lost
  const started = taskOf(given, task);
  if (started?.state !== 'started' || started.startId === undefined) return;
  const { startId } = started;
  // still started by that very transition: not by the same request sent again (same worker, same time), and
  // nobody has touched it since
  const startedBy = (s: ExecutionState): boolean => {
    const now = s.status === 'Running' ? taskOf(s, task) : undefined;
    return now?.state === 'started' && now.startId === startId;
  };
  const key = task.kind === 'workflow' ? keys.wtStartToClose(task.id) : keys.actStartToClose(task.seq, task.attempt);
  for (let i = 0, waitMs = FIRST_RETRY_MS; i < TRIES; i++, waitMs *= 2) {
    try {
      await ctx.updater.update(runId, (u) => {
        if (!startedBy(u.state)) return NO_WRITE;
        u.removeTimer(key);
        fireTimer(u, key);
        return undefined;
      });
      return;
    } catch (e) {
      if (ctx.shutdown.signal.aborted) return;
      // the store still away is tried again a few times; after that, the task's own timeout brings it back
      if (!(e instanceof StoreUnavailableError) || i === TRIES - 1) {
        ctx.log.warn({ err: e, runId, key }, 'could not time out a task whose start was written unanswered');
        return;
      }
      await new Promise((r) => setTimeout(r, waitMs).unref());
    }
  }
}

/** Awaits what a started task's hand-over needs; when that fails, the task is timed out (nobody will get it). */
export async function orTimeOut<T>(
  ctx: ServerContext,
  state: ExecutionState,
  task: StartedTask,
  p: Promise<T>,
): Promise<T> {
  try {
    return await p;
  } catch (e) {
    void timeOutIfStillStarted(ctx, state, task);
    throw e;
  }
}
