/**
 * Workflow updates: a request the workflow validates, accepts and answers. The request is held in the run's
 * state (not in history) until a workflow task's validator decides: a rejection records nothing; an acceptance
 * is a command (WorkflowExecutionUpdateAccepted, with the arguments), and the handler's end is another
 * (WorkflowExecutionUpdateCompleted, with the outcome). An update id seen before returns the first outcome and
 * runs nothing.
 */
import { ApiError } from '../common/api-error.js';
import type { FailureInfo } from '../common/failure.js';
import type { Headers } from '../common/interceptors.js';
import type { CommandOf } from '../protocol/commands.js';
import type { ExecutionState, UpdateState } from './state.js';
import type { Transition } from './transition.js';

/** Finished updates kept for deduplication (their outcomes): the newest ones. */
const FINISHED_UPDATES_KEPT = 500;

export function requestUpdate(
  t: Transition,
  input: {
    updateId: string;
    name: string;
    args: unknown[];
    identity?: string;
    header?: Headers;
    followsRuns?: boolean;
  },
): UpdateState {
  const s = t.state;
  const known = updateOf(s, input.updateId);
  if (known) return known;
  if (s.status !== 'Running')
    throw new ApiError('WORKFLOW_NOT_RUNNING', `workflow ${s.workflowId} (run ${s.runId}) is ${s.status}`);
  const u: UpdateState = {
    name: input.name,
    status: 'requested',
    args: input.args,
    order: s.nextUpdateOrder ?? 1,
    ...(input.identity !== undefined ? { identity: input.identity } : {}),
    ...(input.header && Object.keys(input.header).length > 0 ? { header: input.header } : {}),
    ...(input.followsRuns ? { followsRuns: true as const } : {}),
  };
  s.nextUpdateOrder = u.order + 1;
  s.updates = { ...s.updates, [input.updateId]: u };
  t.updatesChanged.add(input.updateId);
  s.needsWorkflowTask = true;
  t.scheduleWorkflowTaskIfNeeded();
  // a workflow task must run to deliver it: a delayed start begins now (Temporal's)
  t.endStartBackoff();
  return u;
}

/** Updates waiting for a workflow task to validate them, in the order they came. */
export function requestedUpdates(
  s: Transition['state'],
): Array<{ updateId: string; name: string; args: unknown[]; header?: Headers }> {
  return Object.entries(s.updates ?? {})
    .filter(([, u]) => u.status === 'requested')
    .sort(([, a], [, b]) => a.order - b.order)
    .map(([updateId, u]) => ({
      updateId,
      name: u.name,
      args: u.args ?? [],
      ...(u.header ? { header: u.header } : {}),
    }));
}

function change(t: Transition, updateId: string, u: UpdateState): void {
  t.state.updates = { ...t.state.updates, [updateId]: u };
  t.updatesChanged.add(updateId);
}

export function acceptUpdate(
  t: Transition,
  cmd: CommandOf<'AcceptWorkflowUpdate'>,
  workflowTaskCompletedEventId: number,
): void {
  const u = t.state.updates![cmd.updateId]!;
  const acceptedEventId = t.writeNow('WorkflowExecutionUpdateAccepted', {
    updateId: cmd.updateId,
    name: u.name,
    input: u.args ?? [],
    ...(u.identity !== undefined ? { identity: u.identity } : {}),
    workflowTaskCompletedEventId,
    ...(u.header ? { header: u.header } : {}),
  });
  const { args: _args, header: _header, ...rest } = u;
  change(t, cmd.updateId, { ...rest, status: 'accepted', acceptedEventId });
}

export function completeUpdate(
  t: Transition,
  cmd: CommandOf<'CompleteWorkflowUpdate'>,
  workflowTaskCompletedEventId: number,
): void {
  const u = t.state.updates![cmd.updateId]!;
  const outcome = cmd.failure ? { failure: cmd.failure } : cmd.result === undefined ? {} : { result: cmd.result };
  t.writeNow('WorkflowExecutionUpdateCompleted', {
    updateId: cmd.updateId,
    acceptedEventId: u.acceptedEventId!,
    ...outcome,
    workflowTaskCompletedEventId,
  });
  change(t, cmd.updateId, { name: u.name, status: 'completed', order: u.order, outcome });
  pruneFinished(t);
}

/** The validator said no: the caller hears why; history holds nothing of it. */
export function rejectUpdate(t: Transition, updateId: string, failure: FailureInfo): void {
  const u = updateOf(t.state, updateId);
  if (!u || u.status !== 'requested') return;
  change(t, updateId, { name: u.name, status: 'rejected', order: u.order, outcome: { failure } });
  pruneFinished(t);
}

function pruneFinished(t: Transition): void {
  const all = Object.entries(t.state.updates ?? {});
  const finished = all.filter(([, u]) => u.status === 'completed' || u.status === 'rejected');
  if (finished.length <= FINISHED_UPDATES_KEPT) return;
  finished.sort(([, a], [, b]) => a.order - b.order);
  const drop = new Set(finished.slice(0, finished.length - FINISHED_UPDATES_KEPT).map(([id]) => id));
  t.state.updates = Object.fromEntries(all.filter(([id]) => !drop.has(id)));
}

/** A run's update by id (own entries only: an id such as `constructor` names no update). */
export function updateOf(s: ExecutionState, updateId: string): UpdateState | undefined {
  return s.updates && Object.hasOwn(s.updates, updateId) ? s.updates[updateId] : undefined;
}
