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

export function createInstance(
  initJson: string,
  workflows: Record<string, unknown>,
  logSink: (level: string, message: string, attrs?: Record<string, unknown>) => void,
  interceptorModules: unknown[] = [],
): WorkflowInstance {
  const init = JSON.parse(initJson) as InstanceInit;
  init.info.startTime = new Date(init.info.startTime);
  init.info.runStartTime = new Date(init.info.runStartTime);
  if (init.info.lastFailure) init.info.lastFailure = decodeFailure(init.info.lastFailure as unknown as FailureInfo);
  const activator = new Activator(init, workflows, logSink, interceptorModules);
  activator.info.unsafe = { isReplaying: false, now: () => activator.now };
  return activator;
}

export function setCurrent(instance: WorkflowInstance): void {
  setActivator(instance as unknown as Activator);
}
