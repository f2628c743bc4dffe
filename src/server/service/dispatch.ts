/**
 * Handing tasks to workers: marks a task started on its run (one transition through the updater) and builds
 * what the worker receives. Used by polls and by eager dispatch in task completions.
 */
import { ApiError } from '../../common/api-error.js';
import type { Headers } from '../../common/interceptors.js';
import { getActivity, startActivityAttempt } from '../../engine/activity.js';
import type { ActivityState, ExecutionState } from '../../engine/state.js';
import type { TaskRow, Transition } from '../../engine/transition.js';
import { startWorkflowTask, type StartedWorkflowTask } from '../../engine/workflow-task.js';
import type { HistoryEvent } from '../../protocol/events.js';
import type { ActivityTask, WorkflowTask } from '../../protocol/tasks.js';
import type { ServerContext } from '../context.js';
import { requestedUpdates } from '../../engine/updates.js';
import { encodeTaskToken } from '../task-token.js';
import { NO_WRITE } from '../run-updater.js';
import { handOverFailed } from '../lost-starts.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The task a worker gets for an activity attempt; `input` comes from the ActivityTaskScheduled event. */
export function activityTaskOf(
  s: ExecutionState,
  a: Readonly<ActivityState>,
  scheduled: ScheduledActivity,
): ActivityTask {
  const task: ActivityTask = {
    taskToken: encodeTaskToken({
      kind: 'activity',
      namespace: s.namespace,
      runId: s.runId,
      seq: a.seq,
      attempt: a.attempt,
    }),
    namespace: s.namespace,
    workflowId: s.workflowId,
    runId: s.runId,
    workflowType: s.workflowType,
    activityId: a.activityId,
    activityType: a.activityType,
    taskQueue: a.taskQueue,
    input: scheduled.input,
    attempt: a.attempt,
    scheduledTime: iso(a.scheduledTime),
    currentAttemptScheduledTime: iso(a.currentAttemptScheduledTime),
    startedTime: iso(a.startedTime ?? a.currentAttemptScheduledTime),
    idempotencyKey: `${s.workflowId}/${s.runId}/${a.activityId}`,
    scheduledEventId: a.scheduledEventId,
  };
  if (a.scheduleToCloseTimeoutMs !== undefined) task.scheduleToCloseTimeoutMs = a.scheduleToCloseTimeoutMs;
  if (a.startToCloseTimeoutMs !== undefined) task.startToCloseTimeoutMs = a.startToCloseTimeoutMs;
  if (a.heartbeatTimeoutMs !== undefined) task.heartbeatTimeoutMs = a.heartbeatTimeoutMs;
  if (a.heartbeatDetails !== undefined) task.heartbeatDetails = a.heartbeatDetails;
  if (scheduled.header) task.header = scheduled.header;
  return task;
}

/**
 * The events a workflow task carries: only the new ones when the worker holds the workflow in its sticky
 * cache, else the whole history.
 */
export async function workflowTaskOf(
  ctx: ServerContext,
  s: ExecutionState,
  started: StartedWorkflowTask,
  taskId: number,
  attempt: number,
  sticky: boolean,
): Promise<WorkflowTask> {
  const from = sticky ? s.lastCompletedStartedEventId + 1 : 1;
  const lastStored = started.transientEvents.length > 0 ? started.startedEventId - 2 : started.startedEventId;
  const events: HistoryEvent[] = [];
  if (lastStored >= from) {
    try {
      events.push(...(await ctx.updater.readEvents(s.runId, from, lastStored)));
    } catch (e) {
      // a task whose events cannot be read reaches nobody
      handOverFailed(ctx, s, { kind: 'workflow', id: taskId }, e);
      throw e;
    }
  }
  events.push(...started.transientEvents);
  const updates = s.updates ? requestedUpdates(s) : [];
  return {
    taskToken: encodeTaskToken({ kind: 'workflow', namespace: s.namespace, runId: s.runId, taskId }),
    namespace: s.namespace,
    workflowId: s.workflowId,
    runId: s.runId,
    workflowType: s.workflowType,
    taskQueue: s.taskQueue,
    attempt,
    startedEventId: started.startedEventId,
    previousStartedEventId: s.lastCompletedStartedEventId,
    events,
    ...(updates.length > 0 ? { updates } : {}),
    ...(s.historySizeBytes !== undefined ? { historySizeBytes: s.historySizeBytes } : {}),
    recordsSdkFlags: true,
  };
}

/** Starts the workflow task a task row names; undefined if the row is stale. */
export async function dispatchWorkflowTaskRow(
  ctx: ServerContext,
  row: TaskRow,
  identity: string,
): Promise<WorkflowTask | undefined> {
  const taskId = Number(row.key.slice(row.key.indexOf(':') + 1));
  let out: { state: ExecutionState; started: StartedWorkflowTask; attempt: number; sticky: boolean } | undefined;
  try {
    out = await ctx.updater.update(row.runId, (t) => {
      const sticky = t.state.stickyIdentity === identity;
      const started = startWorkflowTask(t, taskId, identity);
      return { state: t.state, started, attempt: t.state.workflowTask!.attempt, sticky };
    });
  } catch (e) {
    if (isStale(e)) return undefined;
    throw e;
  }
  return workflowTaskOf(ctx, out.state, out.started, taskId, out.attempt, out.sticky);
}

/** Starts the activity attempt a task row names; undefined if the row is stale. */
export async function dispatchActivityTaskRow(
  ctx: ServerContext,
  row: TaskRow,
  identity: string,
): Promise<ActivityTask | undefined> {
  const [, seqText, attemptText] = row.key.split(':');
  let started: { state: ExecutionState; a: ActivityState };
  try {
    started = await ctx.updater.update(row.runId, (t) => {
      const a = getActivity(t, Number(seqText), Number(attemptText));
      startActivityAttempt(t, a, identity);
      return { state: t.state, a };
    });
  } catch (e) {
    if (isStale(e)) return undefined;
    throw e;
  }
  return activityTaskOf(started.state, started.a, await startedActivityInput(ctx, started.state, started.a));
}

/**
 * Starts the activity attempts that task rows of one run name, in one transition (a poll often takes several of
 * one run: a fan-out's activities); the answer has each row's task in the rows' order, undefined for a stale row
 * or one that could not be handed over. Throws when the transition could not be written (no row was started);
 * after it, a row whose own start failed (in a cluster, one started by a read of the store) goes to `unstarted`,
 * and an attempt started whose input could not be read is timed out (startedActivityInput): the rest still go.
 */
export async function dispatchRunActivityTaskRows(
  ctx: ServerContext,
  runId: string,
  rows: readonly TaskRow[],
  identity: string,
  unstarted: (row: TaskRow, e: unknown) => void,
): Promise<Array<ActivityTask | undefined>> {
  const out = new Array<ActivityTask | undefined>(rows.length);
  let got: Array<[number, ActivityState]> = [];
  let state: ExecutionState | undefined;
  try {
    const r = await ctx.updater.update(runId, (t) => {
      const started: Array<[number, ActivityState]> = [];
      rows.forEach((row, i) => {
        const [, seqText, attemptText] = row.key.split(':');
        const a = startableActivity(t, Number(seqText), Number(attemptText));
        if (!a) return;
        startActivityAttempt(t, a, identity);
        started.push([i, a]);
      });
      return started.length === 0 ? NO_WRITE : { state: t.state, started };
    });
    if (r !== NO_WRITE) ({ state, started: got } = r);
  } catch (e) {
    if (isStale(e)) return out;
    throw e;
  }
  const done = new Set(got.map(([i]) => i));
  // a row not started on this copy of the run is stale, unless the copy lags the store (in a cluster): one at a
  // time, such a row gets the updater's one re-read from the store
  if (ctx.updater.rereadStaleTasks)
    await Promise.all(
      rows.map(async (row, i) => {
        if (done.has(i)) return;
        try {
          out[i] = await dispatchActivityTaskRow(ctx, row, identity);
        } catch (e) {
          unstarted(row, e);
        }
      }),
    );
  await Promise.all(
    got.map(async ([i, a]) => {
      // one that fails is timed out (nobody gets it); the others are handed over
      out[i] = await startedActivityInput(ctx, state!, a).then(
        (input) => activityTaskOf(state!, a, input),
        (err: unknown) => {
          ctx.log.warn({ err, runId, seq: a.seq }, 'could not hand out a started activity task');
          return undefined;
        },
      );
    }),
  );
  return out;
}

/** The activity attempt a task row names, if it is still waiting for a worker (the run's copy of it, to change). */
function startableActivity(t: Transition, seq: number, attempt: number): ActivityState | undefined {
  const a = t.state.activities[seq];
  if (!a || a.attempt !== attempt || a.state !== 'scheduled') return undefined;
  return t.activity(seq);
}

/** What an activity's task takes from its ActivityTaskScheduled event (the state keeps neither). */
export interface ScheduledActivity {
  input: unknown[];
  header?: Headers;
}

/**
 * An activity's input and headers, from its ActivityTaskScheduled event, for an attempt just started for a worker
 * (`s`: the state its transition left). If the store is away for it, nobody gets the attempt: it is timed out.
 */
export async function startedActivityInput(
  ctx: ServerContext,
  s: ExecutionState,
  a: Readonly<ActivityState>,
): Promise<ScheduledActivity> {
  const id = a.scheduledEventId;
  let ev: HistoryEvent | undefined;
  try {
    [ev] = await ctx.updater.readEvents(s.runId, id, id);
  } catch (e) {
    handOverFailed(ctx, s, { kind: 'activity', seq: a.seq, attempt: a.attempt }, e);
    throw e;
  }
  if (ev?.eventType !== 'ActivityTaskScheduled')
    throw new Error(`run ${s.runId}: event ${id} is not ActivityTaskScheduled`);
  const { input, header } = ev.attributes;
  return header ? { input, header } : { input };
}

function isStale(e: unknown): boolean {
  return e instanceof ApiError && (e.code === 'TASK_NOT_FOUND' || e.code === 'WORKFLOW_NOT_FOUND');
}
