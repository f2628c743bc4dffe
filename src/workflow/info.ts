/** What a workflow may know about itself, deterministic ids, and logging that is silent during replay. */
import { currentActivator, maybeActivator } from './internal/current.js';
import type { WorkflowInfo } from './types.js';

export function workflowInfo(): WorkflowInfo {
  return currentActivator().info;
}

/** Whether the caller runs inside a workflow (Temporal's): false in activities, clients and plain Node code. */
export function inWorkflowContext(): boolean {
  return maybeActivator() !== undefined;
}

/** A UUID v4 from the workflow's seeded randomness: the same on every replay. */
export function uuid4(): string {
  return currentActivator().hooks.uuid4();
}

type LogFn = (message: string, attrs?: Record<string, unknown>) => void;
const at =
  (level: string): LogFn =>
  (message, attrs) =>
    currentActivator().hooks.log(level, message, attrs);

/**
 * Workflow logger (Temporal's `log` from `@temporalio/workflow`): goes to the worker's log, and says nothing
 * while the workflow replays.
 */
export const log: {
  log(level: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR', message: string, attrs?: Record<string, unknown>): void;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
} = {
  log: (level, message, attrs) =>
    currentActivator().hooks.log(level === 'TRACE' ? 'debug' : level.toLowerCase(), message, attrs),
  trace: at('debug'),
  debug: at('debug'),
  info: at('info'),
  warn: at('warn'),
  error: at('error'),
};
