/** How a run's state is stored: its core as one JSON document; activities and buffered events one row each. */
import type { ExecutionState } from '../engine/state.js';

/** A run's state as JSON, without its activities and buffered events. */
export function coreJson(s: ExecutionState): string {
  const { activities: _activities, bufferedEvents: _buffered, ...core } = s;
  return JSON.stringify(core);
}
