/**
 * Replays exported histories against workflow code, as a check before a deploy: a history whose recorded
 * commands the code no longer produces throws DeterminismViolationError, showing both side by side.
 * `runReplayHistories` bundles once, replays each history in its own run of one sandbox (disposed after it), and
 * yields one result per history without stopping at a failure; it pulls the next history only after yielding,
 * so an async iterable that fetches histories one by one keeps one in memory at a time.
 */
import { DeterminismViolationError } from '../common/failure.js';
import { checkFailureErrorTypes } from './worker-options.js';
import { codecsOf, type DataConverter } from '../common/payload-codec.js';
import { decodeEvents } from './task-codec.js';
import type { History } from '../protocol/events.js';
import { WorkflowMachine } from './replay/workflow-machine.js';
import { bundleWorkflowCode } from './sandbox/bundler.js';
import { loadWorkflowBundle, type WorkflowBundleOption } from './sandbox/bundle-option.js';
import { WorkflowSandbox } from './sandbox/vm-sandbox.js';

export interface ReplayOptions {
  workflowsPath?: string;
  /** `{ code }` from bundleWorkflowCode, or `{ codePath }` naming a file holding it. */
  workflowBundle?: WorkflowBundleOption;
  /** The payload codecs the workflows' workers use: an encoded history is decoded before it is replayed. */
  dataConverter?: DataConverter;
  /** The workers' `workflowFailureErrorTypes`, so runs that failed by them replay (checked as Worker.create does). */
  workflowFailureErrorTypes?: Record<string, string[]>;
}

export interface ReplayResult {
  workflowId: string;
  /** The run id given with the history; '' when only the history was given (history JSON holds no run id). */
  runId: string;
  /** From the history's WorkflowExecutionStarted event (undefined when the history does not start with it). */
  workflowType?: string;
  /** Set when the replay failed: a DeterminismViolationError, or the error that stopped it. */
  error?: DeterminismViolationError | Error;
}

/** A history (`{ events }`, as `fetchHistory()` and `weft workflow history --output json` give it), or one with its ids. */
export type ReplayInput = History | { workflowId: string; runId?: string; history: History };

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
    (opts.workflowBundle ? await loadWorkflowBundle(opts.workflowBundle) : undefined) ??
    (opts.workflowsPath ? await bundleWorkflowCode({ workflowsPath: opts.workflowsPath }) : undefined);
  if (!bundle) throw new TypeError('give workflowsPath or workflowBundle');
  checkFailureErrorTypes(opts.workflowFailureErrorTypes);
  const sandbox = new WorkflowSandbox(bundle, () => {});
  sandbox.failureErrorTypes = opts.workflowFailureErrorTypes;
  return sandbox;
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
  const sandbox = await sandboxFor(opts);
  replayInSandbox(sandbox, await decoded(opts, history), workflowId);
}

/** The history with its payloads decoded by the options' codecs (as it is without any). */
async function decoded(opts: ReplayOptions, history: History): Promise<History> {
  const codecs = codecsOf(opts.dataConverter);
  return codecs ? { ...history, events: await decodeEvents(codecs, history.events) } : history;
}

/** The history and the ids an input names; throws when it is not a history. */
function unpack(input: ReplayInput): { history: History; workflowId?: string; runId?: string } {
  if (typeof input !== 'object' || input === null) throw new TypeError('not a history: expected { events: [...] }');
  const withIds = 'history' in input ? input : undefined;
  const history = withIds ? withIds.history : (input as History);
  if (typeof history !== 'object' || history === null || !Array.isArray(history.events))
    throw new TypeError('not a history: expected { events: [...] }');
  return {
    history,
    ...(withIds?.workflowId !== undefined ? { workflowId: withIds.workflowId } : {}),
    ...(withIds?.runId !== undefined ? { runId: withIds.runId } : {}),
  };
}

/** Replays many histories in one sandbox; yields one result per history (error set when it failed). */
export async function* runReplayHistories(
  opts: ReplayOptions,
  histories: Iterable<ReplayInput> | AsyncIterable<ReplayInput>,
): AsyncIterableIterator<ReplayResult> {
  const sandbox = await sandboxFor(opts);
  for await (const input of histories) {
    let result: ReplayResult;
    try {
      const { history, workflowId: given, runId } = unpack(input);
      const first = history.events[0];
      const started = first?.eventType === 'WorkflowExecutionStarted' ? first.attributes : undefined;
      const workflowId = given ?? started?.workflowId ?? 'unknown';
      result = { workflowId, runId: runId ?? '', ...(started ? { workflowType: started.workflowType } : {}) };
      try {
        replayInSandbox(sandbox, await decoded(opts, history), workflowId, runId);
      } catch (e) {
        result.error = e instanceof Error ? e : new Error(String(e));
      }
    } catch (e) {
      result = { workflowId: 'unknown', runId: '', error: e instanceof Error ? e : new Error(String(e)) };
    }
    yield result;
  }
}

export { DeterminismViolationError };
