/**
 * The workflow runtime as the sandbox sees it: evaluated once per sandbox, shared by every run. `api` is what
 * `import ... from 'weft/workflow'` gives workflow code; `createInstance` makes the activator of one run (whose
 * workflow functions come from that run's own instance of the user's modules); `setCurrent` selects the run
 * an activation step is for. Not part of the public API.
 */
import { decodeFailure, type FailureInfo } from '../common/failure.js';
import * as api from './index.js';
import type { InstanceInit, WorkflowInstance } from './internal/activation.js';
import { Activator } from './internal/activator.js';
import { setActivator } from './internal/current.js';

export { api };

/**
 * The activator of one run, made and selected before the run's modules load (then `load` them into it), so
 * that their top level may call weft/workflow (workflowInfo(), new Trigger(), log) for this run, as Temporal's
 * does. `now`: the workflow time the modules see.
 */
export function createInstance(
  initJson: string,
  logSink: (level: string, message: string, attrs?: Record<string, unknown>) => void,
  now: number,
): WorkflowInstance & { load(workflows: Record<string, unknown>, interceptorModules?: unknown[]): void } {
  const init = JSON.parse(initJson) as InstanceInit;
  init.info.startTime = new Date(init.info.startTime);
  init.info.runStartTime = new Date(init.info.runStartTime);
  if (init.info.lastFailure) init.info.lastFailure = decodeFailure(init.info.lastFailure as unknown as FailureInfo);
  const activator = new Activator(init, logSink);
  activator.info.unsafe = { isReplaying: false, now: () => activator.now };
  activator.now = now;
  setActivator(activator);
  return activator;
}

/** An activator for no run, current while the sandbox lists the workflow types (the modules' top level runs). */
export function listingInstance(
  logSink: (level: string, message: string, attrs?: Record<string, unknown>) => void,
): WorkflowInstance & { load(workflows: Record<string, unknown>, interceptorModules?: unknown[]): void } {
  const info = {
    namespace: '',
    workflowId: '',
    runId: '',
    workflowType: '',
    taskQueue: '',
    attempt: 1,
    historyLength: 0,
    historySize: 0,
    continueAsNewSuggested: false,
    startTime: 0,
    runStartTime: 0,
    firstExecutionRunId: '',
  };
  return createInstance(JSON.stringify({ info, randomnessSeed: 'listing' }), logSink, 0);
}

export function setCurrent(instance: WorkflowInstance): void {
  setActivator(instance as unknown as Activator);
}
