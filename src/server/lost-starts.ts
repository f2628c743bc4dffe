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
 *
 * The same holds for an answer that was built but reached nobody: its caller hung up or cancelled the request
 * (a worker that crashed with a poll waiting on the server's commit). The tasks it carries are timed out at once
 * (undelivered()). An answer lost after it was sent (the caller dies as it arrives) is not seen: its tasks wait
 * for their start-to-close timeouts, as in Temporal.
 */
import { keys, type ExecutionState } from '../engine/state.js';
import { fireTimer } from '../engine/timers.js';
import type { Transition } from '../engine/transition.js';
import { StoreUnavailableError } from '../store/store.js';
import type { ServerContext } from './context.js';
import { NO_WRITE } from './run-updater.js';
import { decodeTaskToken } from './task-token.js';
import type { ActivityTask, WorkflowTask } from '../protocol/tasks.js';

/** A task a transition started: a workflow task (by its id) or an activity's attempt. */
export type StartedTask = { kind: 'workflow'; id: number } | { kind: 'activity'; seq: number; attempt: number };

/** A check to make: the task, in its run, as started by the transition `startId`. */
export interface LostStart {
  runId: string;
  task: StartedTask;
  startId: string;
}

/**
 * The checks still to make (one per task and start, however often it is added). They run with the server's
 * reread of its task queues and timers (ServerContext.reread): a store that does not answer fails the reread,
 * which is tried again with backoff for as long as it takes, so no check is given up while the store is away.
 */
export class LostStarts {
  private pending = new Map<string, LostStart>();

  constructor(private readonly ctx: ServerContext) {}

  /** The checks for the tasks these transitions started (the caller adds them, and asks for the reread). */
  static of(transitions: readonly Transition[]): LostStart[] {
    const out: LostStart[] = [];
    for (const t of transitions) {
      for (const n of t.notes ?? []) {
        const task: StartedTask | undefined =
          n.kind === 'workflowTaskStarted'
            ? { kind: 'workflow', id: n.id }
            : n.kind === 'activityStarted'
              ? { kind: 'activity', seq: n.seq, attempt: n.attempt }
              : undefined;
        const check = task && lostStartOf(t.state, task);
        if (check) out.push(check);
      }
    }
    return out;
  }

  /** Adds checks; they are made by the next reread (which the caller asks for). */
  add(checks: readonly LostStart[]): void {
    for (const c of checks) {
      const id = c.task.kind === 'workflow' ? `w${c.task.id}` : `a${c.task.seq}:${c.task.attempt}`;
      this.pending.set(`${c.runId}\u0000${id}\u0000${c.startId}`, c);
    }
  }

  /** Makes the pending checks; throws (after trying them all) when the store did not answer one: it stays. */
  async run(): Promise<void> {
    const checks = [...this.pending];
    this.pending.clear();
    let unavailable: unknown;
    for (const [key, c] of checks) {
      try {
        await timeOutIfStillStarted(this.ctx, c);
      } catch (e) {
        if (!(e instanceof StoreUnavailableError)) {
          this.ctx.log.warn({ err: e, runId: c.runId }, 'could not time out a task no worker received');
          continue;
        }
        this.pending.set(key, c);
        unavailable ??= e;
      }
    }
    if (unavailable !== undefined) throw unavailable;
  }
}

/** What a started task's state tells of its start. */
interface StartedTaskState {
  state: string;
  startId?: string;
  startedEventId?: number;
  startedTime?: number;
}

/** The task in a run's state, when it is still that one (that workflow task, that attempt). */
function taskOf(s: ExecutionState, task: StartedTask): StartedTaskState | undefined {
  if (task.kind === 'workflow') return s.workflowTask?.id === task.id ? s.workflowTask : undefined;
  const a = s.activities[task.seq];
  return a?.attempt === task.attempt ? a : undefined;
}

/** The check for `task` as `given` (the state its starting transition left) has it started; none if it is not. */
export function lostStartOf(given: ExecutionState, task: StartedTask): LostStart | undefined {
  // a task the same transition also ended (a continued workflow task) is not lost
  const startId = taskOf(given, task)?.startId;
  return startId === undefined ? undefined : { runId: given.runId, task, startId };
}

/**
 * Times out the task if the store still shows it started by transition `startId`: not by the same request sent
 * again and written (another transition, maybe the same worker and time), and untouched since. Reads the run
 * from the store, not from this server's cache: the commit in question may have landed unheard.
 */
export async function timeOutIfStillStarted(ctx: ServerContext, { runId, task, startId }: LostStart): Promise<void> {
  const key = task.kind === 'workflow' ? keys.wtStartToClose(task.id) : keys.actStartToClose(task.seq, task.attempt);
  await ctx.updater.dropCached(runId);
  await ctx.updater.update(runId, (u) => {
    const now = u.state.status === 'Running' ? taskOf(u.state, task) : undefined;
    if (now?.state !== 'started' || now.startId !== startId) return NO_WRITE;
    u.removeTimer(key);
    fireTimer(u, key);
    return undefined;
  });
}

/** A task an answer carries, and what tells its start apart: a workflow task's started event, an attempt's time. */
interface SentTask {
  runId: string;
  task: StartedTask;
  isThatStart: (t: StartedTaskState) => boolean;
}

/** Whether an answer carries tasks (a cheap look, for every answer sent). */
export function carriesTasks(answer: unknown): boolean {
  if (typeof answer !== 'object' || answer === null) return false;
  const a = answer as { workflowTasks?: unknown[]; activityTasks?: unknown[]; eagerWorkflowTask?: unknown };
  return (a.workflowTasks?.length ?? 0) > 0 || (a.activityTasks?.length ?? 0) > 0 || a.eagerWorkflowTask !== undefined;
}

/** The started tasks an answer carries (a poll's, a completion's eager tasks, an eager start's first task). */
export function tasksIn(answer: unknown): SentTask[] {
  if (typeof answer !== 'object' || answer === null) return [];
  const a = answer as { workflowTasks?: unknown; activityTasks?: unknown; eagerWorkflowTask?: unknown };
  const out: SentTask[] = [];
  const add = (t: unknown): void => {
    const sent = typeof t === 'object' && t !== null ? (t as Partial<WorkflowTask & ActivityTask>) : undefined;
    if (typeof sent?.taskToken !== 'string') return;
    let token: ReturnType<typeof decodeTaskToken>;
    try {
      token = decodeTaskToken(sent.taskToken);
    } catch {
      return; // not a token this server made
    }
    if (token.kind === 'workflow') {
      const startedEventId = sent.startedEventId;
      out.push({
        runId: token.runId,
        task: { kind: 'workflow', id: token.taskId },
        isThatStart: (w) => w.startedEventId === startedEventId,
      });
    } else {
      const startedTime = Date.parse(sent.startedTime ?? '');
      out.push({
        runId: token.runId,
        task: { kind: 'activity', seq: token.seq, attempt: token.attempt },
        isThatStart: (x) => x.startedTime === startedTime,
      });
    }
  };
  if (Array.isArray(a.workflowTasks)) a.workflowTasks.forEach(add);
  if (Array.isArray(a.activityTasks)) a.activityTasks.forEach(add);
  add(a.eagerWorkflowTask);
  return out;
}

/**
 * An answer that will reach nobody (its caller hung up, or cancelled the request, or its channel closed): each
 * task it carries that its run still shows started by that hand-over is timed out now, not after its
 * start-to-close timeout. Found from the answer itself (the tasks' tokens and start marks), so handing tasks out
 * costs nothing more.
 */
export function undelivered(ctx: ServerContext, answer: unknown): void {
  const sent = tasksIn(answer);
  if (sent.length === 0) return;
  ctx.log.info({ tasks: sent.length }, 'an answer carrying started tasks reached nobody: timing them out');
  for (const t of sent)
    timeOutUndelivered(ctx, t).catch((e: unknown) =>
      ctx.log.warn({ err: e, runId: t.runId }, 'could not time out a task no worker received'),
    );
}

async function timeOutUndelivered(ctx: ServerContext, { runId, task, isThatStart }: SentTask): Promise<void> {
  const { state } = (await ctx.updater.begin(runId)).transition;
  const now = state.status === 'Running' ? taskOf(state, task) : undefined;
  const check = now?.state === 'started' && isThatStart(now) ? lostStartOf(state, task) : undefined;
  if (check) timeOutNow(ctx, [check]);
}

/**
 * Times out these started tasks now, each if its run still shows it started that way; while the store is away,
 * with the reread, once it answers.
 */
export function timeOutNow(ctx: ServerContext, checks: readonly LostStart[]): void {
  for (const c of checks)
    timeOutIfStillStarted(ctx, c).catch((e: unknown) => {
      if (e instanceof StoreUnavailableError) {
        ctx.lostStarts.add([c]);
        void ctx.reread.request();
      } else ctx.log.warn({ err: e, runId: c.runId }, 'could not time out a task no worker received');
    });
}

/**
 * A started task's hand-over failed (`e`, already thrown on to its caller). When the store was away for it,
 * nobody will get the task: it is timed out, with the next reread. Any other failure would come back every time,
 * and is left to the task's own timeout, so a task that cannot be handed over is not started again and again
 * without a pause.
 */
export function handOverFailed(ctx: ServerContext, state: ExecutionState, task: StartedTask, e: unknown): void {
  const check = e instanceof StoreUnavailableError ? lostStartOf(state, task) : undefined;
  if (!check) return;
  ctx.lostStarts.add([check]);
  void ctx.reread.request();
}
