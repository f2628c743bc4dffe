/** The engine: pure functions from (run state, input, now) to a Transition. No I/O, no clock reads. */
export * from './state.js';
export * from './transition.js';
export * from './start.js';
export * from './workflow-task.js';
export * from './activity.js';
export * from './requests.js';
export * from './timers.js';
export * from './close.js';
