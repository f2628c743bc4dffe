/**
 * Tasks started by a commit whose answer reached nobody. Either the commit's answer was lost (the SQLite writer
 * thread died after its COMMIT, a PostgreSQL connection broke while the commit ran), so whoever was to get them
 * (a poll, a worker's completion taking its next tasks eagerly, an eager start) heard of a failure; or the commit
 * was answered but what the task carries could not be read afterwards (its events, an activity's input: the
 * store went away), so it was never handed over. The store then holds them started by a worker that never had
 * them, and only their start-to-close timeout would bring them back: 10 s for a workflow task, minutes or hours
 * for an activity. So each one still started by that commit's transition (its `startId`: the same request sent
 * again and written makes another) is timed out at once, and retried as after a worker's crash. The checks run
 * with the server's reread of its queues and timers, and are tried again with it while the store is away.
 */
import { keys, type ExecutionState } from '../engine/state.js';
import { fireTimer } from '../engine/timers.js';
import type { Transition } from '../engine/transition.js';
import { StoreUnavailableError } from '../store/store.js';
import type { ServerContext } from './context.js';
import { NO_WRITE } from './run-updater.js';

/** A task a transition started: a workflow task (by its id) or an activity's attempt. */
export type StartedTask = { kind: 'workflow'; id: number } | { kind: 'activity'; seq: number; attempt: number };

/** A check to make: `given` is the state the starting transition left. */
interface Check {
  given: ExecutionState;
  task: StartedTask;
}

/**
 * The checks still to make. They run with the server's reread of its task queues and timers (ServerContext.reread),
 * which is asked for with each one: a store that does not answer fails the reread, which is tried again with
 * backoff for as long as it takes, so no check is given up while the store is away.
 */
export class LostStarts {
  private pending: Check[] = [];

  constructor(private readonly ctx: ServerContext) {}

  /** Checks the tasks these transitions started (their commit's outcome is unknown). */
  addTransitions(transitions: readonly Transition[]): void {
    for (const t of transitions) {
      for (const n of t.notes ?? []) {
        if (n.kind === 'workflowTaskStarted') this.add(t.state, { kind: 'workflow', id: n.id });
        else if (n.kind === 'activityStarted') this.add(t.state, { kind: 'activity', seq: n.seq, attempt: n.attempt });
      }
    }
  }

  /** Checks `task`, started in `given` (a task that the same transition also ended is not lost). */
  add(given: ExecutionState, task: StartedTask): void {
    const started = taskOf(given, task);
    if (started?.state !== 'started' || started.startId === undefined) return;
    this.pending.push({ given, task });
    void this.ctx.reread.request();
  }

  /** Makes the pending checks; throws (after trying them all) when the store did not answer one: it stays. */
  async run(): Promise<void> {
    const checks = this.pending;
    this.pending = [];
    let unavailable: unknown;
    for (const c of checks) {
      try {
        await timeOutIfStillStarted(this.ctx, c.given, c.task);
      } catch (e) {
        if (!(e instanceof StoreUnavailableError)) {
          this.ctx.log.warn({ err: e, runId: c.given.runId }, 'could not time out a task no worker received');
          continue;
        }
        this.pending.push(c);
        unavailable ??= e;
      }
    }
    if (unavailable !== undefined) throw unavailable;
  }
}

/** The task in a run's state, when it is still that one (that workflow task, that attempt). */
function taskOf(s: ExecutionState, task: StartedTask): { state: string; startId?: string } | undefined {
  if (task.kind === 'workflow') return s.workflowTask?.id === task.id ? s.workflowTask : undefined;
  const a = s.activities[task.seq];
  return a?.attempt === task.attempt ? a : undefined;
}

/**
 * Times out `task` if the store still shows it started by the transition that left `given`: not by the same
 * request sent again and written (another transition, maybe the same worker and time), and untouched since.
 */
export async function timeOutIfStillStarted(
  ctx: ServerContext,
  given: ExecutionState,
  task: StartedTask,
): Promise<void> {
  const startId = taskOf(given, task)?.startId;
  if (startId === undefined) return;
  const key = task.kind === 'workflow' ? keys.wtStartToClose(task.id) : keys.actStartToClose(task.seq, task.attempt);
  await ctx.updater.update(given.runId, (u) => {
    const now = u.state.status === 'Running' ? taskOf(u.state, task) : undefined;
    if (now?.state !== 'started' || now.startId !== startId) return NO_WRITE;
    u.removeTimer(key);
    fireTimer(u, key);
    return undefined;
  });
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
    ctx.lostStarts.add(state, task);
    throw e;
  }
}
