/**
 * Carries out a run's outbox effects (see OutboxEffect): starting a child, signalling or cancelling another
 * workflow, telling a parent that its child closed, applying a parent close policy. Each effect is applied to
 * the other run first (idempotently: request ids, or a check of the other run's state), then removed from
 * its own run together with the outcome events. A crash in between repeats the effect, which changes nothing
 * the second time.
 */
import { ApiError } from '../../common/api-error.js';
import { childClosed, childStartFailed, childStarted, externalRequestDone } from '../../engine/children.js';
import { requestCancelWorkflow, signalWorkflow, terminateWorkflow } from '../../engine/requests.js';
import type { ExecutionState, OutboxEffect } from '../../engine/state.js';
import type { TimerRow, Transition } from '../../engine/transition.js';
import type { ServerContext } from '../context.js';
import { NO_WRITE } from '../run-updater.js';
import { loadRun } from './resolve-run.js';
import { checkStartSearchAttributes } from './search-attributes.js';
import { startWorkflowWith } from './start-workflow.js';
import { scheduleWorkflowClosed } from './schedule-runner.js';

const IDENTITY = 'weft-server';

/** Removes the effect from its run, with the events that report its outcome there. */
type Done = (report?: (t: Transition) => void) => Promise<unknown>;

export async function runOutboxEffect(ctx: ServerContext, row: TimerRow): Promise<void> {
  let source: ExecutionState;
  try {
    source = (await ctx.cache.get(row.runId)).state;
  } catch (e) {
    if (e instanceof ApiError && e.code === 'WORKFLOW_NOT_FOUND') return;
    throw e;
  }
  let effect = source.outbox?.[row.key];
  if (!effect) {
    // done already, or the cached copy predates the commit that added it (in a cluster): ask the store
    ctx.cache.invalidate(row.runId);
    source = (await ctx.cache.get(row.runId)).state;
    effect = source.outbox?.[row.key];
    if (!effect) return;
  }
  const done: Done = (report) =>
    ctx.updater.update(row.runId, (t) => {
      if (t.state.outbox?.[row.key] === undefined) return NO_WRITE;
      t.removeOutbox(row.key);
      report?.(t);
      return undefined;
    });
  switch (effect.kind) {
    case 'startChild':
      return startChild(ctx, source, effect, done);
    case 'signalExternal':
    case 'cancelExternal': {
      const kind = effect.kind === 'signalExternal' ? 'signal' : 'cancel';
      const outcome = await requestExternal(ctx, source, effect);
      await done((t) => externalRequestDone(t, kind, effect.seq, outcome));
      return;
    }
    case 'notifyParent': {
      const { parent, outcome } = effect;
      await updateIfExists(ctx, parent.runId, (t) => {
        if (t.state.workflowId !== parent.workflowId) return NO_WRITE;
        childClosed(t, parent.initiatedEventId, source.runId, outcome);
        return undefined;
      });
      await done();
      return;
    }
    case 'notifySchedule': {
      await scheduleWorkflowClosed(ctx, effect.scheduleRef, source.workflowId, effect.status);
      await done();
      return;
    }
    case 'closeChild': {
      await closeChild(ctx, source.namespace, effect, `parent ${source.workflowId} closed`);
      await done();
      return;
    }
  }
}

async function startChild(
  ctx: ServerContext,
  parent: ExecutionState,
  effect: Extract<OutboxEffect, { kind: 'startChild' }>,
  done: Done,
): Promise<void> {
  const policy = parent.children?.[effect.seq]?.parentClosePolicy ?? 'TERMINATE';
  if (parent.status !== 'Running') {
    await done(); // the parent closed before its child started: nothing to start
    return;
  }
  const entry = parent.children?.[effect.seq];
  if (!entry || entry.runId !== undefined) {
    // a repeat of an effect carried out already: the child's start is recorded, or the child is gone from the
    // parent (its close, or its failed start, was recorded: the only ways an entry made with this effect goes)
    await done();
    return;
  }
  const r = effect.request;
  let runId: string;
  try {
    await checkStartSearchAttributes(ctx, parent.namespace, r.searchAttributes);
    const started = await startWorkflowWith(
      ctx,
      parent.namespace,
      {
        workflowId: r.workflowId,
        workflowType: r.workflowType,
        taskQueue: r.taskQueue,
        args: r.input,
        ...(r.workflowExecutionTimeoutMs ? { workflowExecutionTimeout: r.workflowExecutionTimeoutMs } : {}),
        ...(r.workflowRunTimeoutMs ? { workflowRunTimeout: r.workflowRunTimeoutMs } : {}),
        ...(r.workflowTaskTimeoutMs ? { workflowTaskTimeout: r.workflowTaskTimeoutMs } : {}),
        ...(r.retryPolicy ? { retry: r.retryPolicy } : {}),
        ...(r.workflowIdReusePolicy ? { workflowIdReusePolicy: r.workflowIdReusePolicy as 'ALLOW_DUPLICATE' } : {}),
        ...(r.memo ? { memo: r.memo } : {}),
        ...(r.searchAttributes ? { searchAttributes: r.searchAttributes } : {}),
        ...(r.userMetadata ? { userMetadata: r.userMetadata } : {}),
        ...(r.priority ? { priority: r.priority } : {}),
        ...(r.header ? { header: r.header } : {}),
        ...(r.cronSchedule ? { cronSchedule: r.cronSchedule } : {}),
        requestId: `${parent.runId}:child:${effect.seq}`,
        identity: `${IDENTITY} (parent ${parent.workflowId})`,
      },
      {
        parent: {
          namespace: parent.namespace,
          workflowId: parent.workflowId,
          runId: parent.runId,
          initiatedEventId: effect.initiatedEventId,
        },
        root: parent.root ?? { workflowId: parent.workflowId, runId: parent.runId },
      },
      true,
    );
    runId = started.runId;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status >= 500) throw e;
    const cause = e.code === 'WORKFLOW_ALREADY_STARTED' ? 'WORKFLOW_ALREADY_EXISTS' : e.code;
    await done((t) => childStartFailed(t, effect.seq, cause, e.message));
    return;
  }
  await done((t) => {
    if (childStarted(t, effect.seq, runId) || t.state.status === 'Running' || policy === 'ABANDON') return;
    // the parent closed while its child was starting (its close could not apply the policy: the child had no
    // run yet): the policy becomes an effect of its own in this same transition, retried until it is applied
    t.addOutbox(`close-child:${effect.seq}`, { kind: 'closeChild', workflowId: r.workflowId, runId, policy });
  });
}

async function requestExternal(
  ctx: ServerContext,
  source: ExecutionState,
  effect: Extract<OutboxEffect, { kind: 'signalExternal' | 'cancelExternal' }>,
): Promise<{ runId: string } | { cause: string; message: string }> {
  try {
    const target = await loadRun(ctx, source.namespace, effect.workflowId, effect.runId);
    const targetRunId = target.state.runId;
    if (effect.childWorkflowOnly && target.state.parent?.workflowId !== source.workflowId)
      return notFound(effect.workflowId, 'it is not a child of this workflow');
    await ctx.updater.update(targetRunId, (t) => {
      if (effect.kind === 'signalExternal')
        signalWorkflow(t, {
          signalName: effect.signalName,
          args: effect.input,
          identity: `workflow ${source.workflowId}`,
          requestId: `${source.runId}:signal:${effect.seq}`,
          ...(effect.header ? { header: effect.header } : {}),
        });
      else requestCancelWorkflow(t, { reason: `requested by workflow ${source.workflowId}`, identity: IDENTITY });
    });
    return { runId: targetRunId };
  } catch (e) {
    if (e instanceof ApiError && (e.code === 'WORKFLOW_NOT_FOUND' || e.code === 'WORKFLOW_NOT_RUNNING'))
      return notFound(effect.workflowId, e.message);
    throw e;
  }
}

function notFound(workflowId: string, why: string): { cause: string; message: string } {
  return {
    cause: 'EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND',
    message: `workflow ${JSON.stringify(workflowId)} cannot be reached: ${why}`,
  };
}

/**
 * Terminates or asks to cancel a child: the run its chain is at now (it may have continued as new, been retried, or
 * be a cron child's later run), as Temporal applies the policy across runs; a chain that closed is left alone.
 */
async function closeChild(
  ctx: ServerContext,
  namespace: string,
  child: { workflowId: string; runId: string; policy: 'TERMINATE' | 'REQUEST_CANCEL' },
  why: string,
): Promise<void> {
  const { policy } = child;
  // the chain's newest run: the workflow id's current run when it descends from the child's first run
  const newest = async (): Promise<string | undefined> => {
    const current = await ctx.store.getCurrentRun(namespace, child.workflowId);
    if (!current || current.runId === child.runId) return current?.runId;
    const run = await ctx.cache.getCommitted(current.runId).catch((e: unknown) => {
      if (e instanceof ApiError && e.code === 'WORKFLOW_NOT_FOUND') return undefined;
      throw e;
    });
    return run?.state.firstExecutionRunId === child.runId ? current.runId : undefined;
  };
  let runId = (await newest()) ?? child.runId;
  // a run that continues (as new, or to a retry) while this applies: the next one, a few times at most
  for (let attempt = 0; attempt < 5; attempt++) {
    let closed = false;
    await updateIfExists(ctx, runId, (t) => {
      if (t.state.status !== 'Running') {
        closed = true;
        return NO_WRITE;
      }
      if (policy === 'TERMINATE')
        terminateWorkflow(t, { reason: `${why} (parent close policy TERMINATE)`, identity: IDENTITY });
      else requestCancelWorkflow(t, { reason: `${why} (parent close policy REQUEST_CANCEL)`, identity: IDENTITY });
      return undefined;
    });
    if (!closed) return;
    const next = await newest();
    if (next === undefined || next === runId) return;
    runId = next;
  }
}

async function updateIfExists(
  ctx: ServerContext,
  runId: string,
  apply: (t: Transition) => typeof NO_WRITE | undefined,
): Promise<void> {
  try {
    await ctx.updater.update(runId, apply);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'WORKFLOW_NOT_FOUND') return;
    throw e;
  }
}
