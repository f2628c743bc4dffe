/**
 * The commands that close a workflow run. Kept apart from the command schemas (commands.ts, built with TypeBox) so
 * that a worker, which needs this set but not the schemas, does not load TypeBox.
 */
import type { CommandType } from './commands.js';

export const TERMINAL_COMMANDS: ReadonlySet<CommandType> = new Set<CommandType>([
  'CompleteWorkflowExecution',
  'FailWorkflowExecution',
  'CancelWorkflowExecution',
  'ContinueAsNewWorkflowExecution',
]);
