/**
 * Replays exported histories against workflow code, as a check before a deploy: a history whose recorded
 * commands the code no longer produces throws DeterminismViolationError, showing both side by side.
 */
import { DeterminismViolationError } from '../common/failure.js';
import type { History } from '../protocol/events.js';
import { WorkflowMachine } from './replay/workflow-machine.js';
import { bundleWorkflowCode, type WorkflowBundle } from './sandbox/bundler.js';
import { WorkflowSandbox } from './sandbox/vm-sandbox.js';

export interface ReplayOptions {
  workflowsPath?: string;
  workflowBundle?: WorkflowBundle;
}

export interface ReplayResult {
  workflowId: string;
  runId: string;
  error?: DeterminismViolationError | Error;
}

let replayCounter = 0;

function runOf(
  history: History,
  workflowId?: string,
): { workflowId: string; runId: string; workflowType: string; taskQueue: string } {
  const first = history.events[0];
  if (!first || first.eventType !== 'WorkflowExecutionStarted')
    throw new Error('history must start with WorkflowExecutionStarted');
  const a = first.attributes;
  return {
    workflowId: workflowId ?? a.workflowId,
    runId: `replay-${++replayCounter}`,
    workflowType: a.workflowType,
    taskQueue: a.taskQueue,
  };
}

export async function sandboxFor(opts: ReplayOptions): Promise<WorkflowSandbox> {
  const bundle =
    opts.workflowBundle ??
    (opts.workflowsPath ? await bundleWorkflowCode({ workflowsPath: opts.workflowsPath }) : undefined);
  if (!bundle) throw new TypeError('give workflowsPath or workflowBundle');
  return new WorkflowSandbox(bundle, () => {});
}

/** Replays one history in a given sandbox; throws on a mismatch. */
export function replayInSandbox(sandbox: WorkflowSandbox, history: History, workflowId?: string, runId?: string): void {
  const run = runOf(history, workflowId);
  const machine = new WorkflowMachine(sandbox, { namespace: 'default', ...run, ...(runId ? { runId } : {}) });
  try {
    const r = machine.apply(history.events);
    if (r?.failure) throw new Error(`workflow code failed during replay: ${r.failure.message}`);
    machine.finishReplay();
  } finally {
    machine.dispose();
  }
}

/** Replays one history; throws DeterminismViolationError (or the workflow's own error) when it does not match. */
export async function runReplayHistory(opts: ReplayOptions, history: History, workflowId?: string): Promise<void> {
  replayInSandbox(await sandboxFor(opts), history, workflowId);
}

export type ReplayInput = History | { workflowId: string; history: History };

/** Replays many histories in one sandbox; yields one result per history (error set when it failed). */
export async function* runReplayHistories(
  opts: ReplayOptions,
  histories: Iterable<ReplayInput> | AsyncIterable<ReplayInput>,
): AsyncIterableIterator<ReplayResult> {
  const sandbox = await sandboxFor(opts);
  for await (const h of histories) {
    const history = 'history' in h ? h.history : h;
    const given = 'workflowId' in h ? h.workflowId : undefined;
    const first = history.events[0];
    const workflowId =
      given ?? (first?.eventType === 'WorkflowExecutionStarted' ? first.attributes.workflowId : 'unknown');
    try {
      replayInSandbox(sandbox, history, workflowId);
      yield { workflowId, runId: '' };
    } catch (e) {
      yield { workflowId, runId: '', error: e instanceof Error ? e : new Error(String(e)) };
    }
  }
}

export { DeterminismViolationError };
