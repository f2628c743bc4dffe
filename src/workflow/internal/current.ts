/**
 * The activator of the run being activated. The workflow runtime is shared by every run in a sandbox; the
 * worker sets the current run before each step of an activation, and an activation (its microtasks included)
 * always finishes before another starts, so workflow code only ever runs while its own run is current.
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
