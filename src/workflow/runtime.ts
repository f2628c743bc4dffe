/**
 * Entry point of a workflow bundle's module instance, called by the worker's sandbox: creates the activator
 * of one run. Not part of the public API.
 */
import type { InstanceInit, WorkflowInstance } from './internal/activation.js';
import { Activator } from './internal/activator.js';
import { setActivator } from './internal/current.js';

export function createInstance(
  initJson: string,
  workflows: Record<string, unknown>,
  logSink: (level: string, message: string, attrs?: Record<string, unknown>) => void,
): WorkflowInstance {
  const init = JSON.parse(initJson) as InstanceInit;
  init.info.startTime = new Date(init.info.startTime);
  init.info.runStartTime = new Date(init.info.runStartTime);
  const activator = new Activator(init, workflows, logSink);
  activator.info.unsafe = { isReplaying: false, now: () => activator.now };
  setActivator(activator);
  return activator;
}
