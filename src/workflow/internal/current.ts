/**
 * The activator of this workflow instance. The worker evaluates the workflow bundle once per workflow run
 * (a fresh module instance), so this module-level variable belongs to exactly one run.
 */
import type { Activator } from './activator.js';

let activator: Activator | undefined;

export function setActivator(a: Activator): void {
  activator = a;
}

export function currentActivator(): Activator {
  if (!activator)
    throw new Error('weft/workflow functions can only be called inside a workflow (in the Weft worker sandbox)');
  return activator;
}

export function maybeActivator(): Activator | undefined {
  return activator;
}
