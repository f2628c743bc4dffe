/**
 * Sync match: when a transition creates a task and a poll is waiting for one like it, the task is started in
 * that same transition and handed to the poll once it commits. No task row is written, and no second
 * transition is needed to start it (a new workflow's first task, a timer's wake-up, activities beyond what a
 * worker took eagerly).
 */
import { ApiError } from '../common/api-error.js';
import { getActivity, startActivityAttempt } from '../engine/activity.js';
import type { ActivityState, ExecutionState } from '../engine/state.js';
import type { Transition } from '../engine/transition.js';
import { startWorkflowTask, type StartedWorkflowTask } from '../engine/workflow-task.js';
import type { ServerContext } from './context.js';
import type { Reservation } from './matching.js';
import type { CommitOutcomeHandler } from './run-updater.js';
import { activityTaskOf, startedActivityInput, workflowTaskOf } from './service/dispatch.js';

type Handoff =
  | {
      r: Reservation;
      kind: 'workflow';
      state: ExecutionState;
      started: StartedWorkflowTask;
      taskId: number;
      attempt: number;
      sticky: boolean;
    }
  | { r: Reservation; kind: 'activity'; state: ExecutionState; a: ActivityState };

export function syncMatch(ctx: ServerContext, t: Transition): CommitOutcomeHandler | undefined {
  if (t.tasksAdded.length === 0 || t.state.status !== 'Running') return undefined;
  const handoffs: Handoff[] = [];
  for (const row of [...t.tasksAdded]) {
    const r = ctx.matching.reserve(row);
    if (!r) continue;
    const identity = r.want.identity;
    try {
      if (row.kind === 'workflow') {
        const taskId = Number(row.key.slice(row.key.indexOf(':') + 1));
        const sticky = t.state.stickyIdentity === identity;
        const started = startWorkflowTask(t, taskId, identity);
        handoffs.push({
          r,
          kind: 'workflow',
          state: t.state,
          started,
          taskId,
          attempt: t.state.workflowTask!.attempt,
          sticky,
        });
      } else {
        const [, seq, attempt] = row.key.split(':');
        const a = getActivity(t, Number(seq), Number(attempt));
        startActivityAttempt(t, a, identity);
        handoffs.push({ r, kind: 'activity', state: t.state, a });
      }
    } catch (e) {
      r.release();
      if (!(e instanceof ApiError)) {
        // the transition is abandoned: every poll taken for it goes on waiting, none is left hanging
        for (const h of handoffs) h.r.release();
        throw e;
      }
    }
  }
  if (handoffs.length === 0) return undefined;
  return {
    // the tasks go out before the transition's caller is answered: a new run's first task reaches its worker
    // first, and the starter's answer follows (the worker's task is what the run's progress waits for)
    committed: () => Promise.all(handoffs.map((h) => deliver(ctx, h))),
    failed: () => {
      for (const h of handoffs) h.r.release();
    },
  };
}

async function deliver(ctx: ServerContext, h: Handoff): Promise<void> {
  try {
    if (h.kind === 'workflow') {
      const task = await workflowTaskOf(ctx, h.state, h.started, h.taskId, h.attempt, h.sticky);
      h.r.deliver({ workflowTasks: [task], activityTasks: [] });
    } else {
      const scheduled = await startedActivityInput(ctx, h.state, h.a);
      h.r.deliver({ workflowTasks: [], activityTasks: [activityTaskOf(h.state, h.a, scheduled)] });
    }
  } catch (e) {
    // started but not handed over: timed out at once (startedActivityInput, workflowTaskOf)
    ctx.log.error({ err: e, runId: h.state.runId }, 'could not hand a started task to its poll');
    h.r.release();
  }
}
