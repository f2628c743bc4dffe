/**
 * Temporal's workflow metadata: the current details a workflow sets for people (`setCurrentDetails`), and the
 * built-in queries' definitions. `__temporal_workflow_metadata` is answered by every run (the handlers it has and
 * its current details). Weft records no stack traces: `__stack_trace` and `__enhanced_stack_trace` are defined so
 * that code naming them ports, and a run answers them only with a handler of its own (else QueryNotRegistered).
 */
import { currentActivator } from './internal/current.js';
import { defineQuery } from './messages.js';

export const WORKFLOW_METADATA_QUERY = '__temporal_workflow_metadata';

/** A handler's name and the description it was set with (Temporal's `temporal.api.sdk.v1.IWorkflowInteractionDefinition`). */
export interface WorkflowInteractionDefinition {
  name: string;
  description?: string;
}

/** What the workflow metadata query answers (Temporal's `temporal.api.sdk.v1.IWorkflowMetadata`). */
export interface WorkflowMetadata {
  definition: {
    type: string;
    queryDefinitions: WorkflowInteractionDefinition[];
    signalDefinitions: WorkflowInteractionDefinition[];
    updateDefinitions: WorkflowInteractionDefinition[];
  };
  currentDetails: string;
}

export const stackTraceQuery = defineQuery<string>('__stack_trace');
export const enhancedStackTraceQuery = defineQuery<unknown>('__enhanced_stack_trace');
export const workflowMetadataQuery = defineQuery<WorkflowMetadata>(WORKFLOW_METADATA_QUERY);

/** The run's current details: what it is doing now, for people (Temporal markdown); '' until set. */
export function getCurrentDetails(): string {
  return currentActivator().currentDetails;
}

/** Sets the run's current details, answered by the workflow metadata query (kept in memory, not in history). */
export function setCurrentDetails(details: string): void {
  if (typeof details !== 'string') throw new TypeError('setCurrentDetails: details must be a string');
  currentActivator().currentDetails = details;
}

/**
 * Temporal's per-workflow definition options, attached to the function as Temporal does: `failureExceptionTypes`
 * is used (errors of those classes fail the execution or the update instead of the workflow task);
 * `versioningBehavior` is kept and not used (Weft has no worker deployment versioning).
 */
export function setWorkflowOptions<A extends unknown[], R>(
  options: WorkflowDefinitionOptions | (() => WorkflowDefinitionOptions),
  fn: (...args: A) => Promise<R>,
): void {
  Object.assign(fn, { workflowDefinitionOptions: options });
}

/** Temporal's workflow definition options. */
export interface WorkflowDefinitionOptions {
  /** Accepted, not used (Weft has no worker deployment versioning). */
  versioningBehavior?: 'PINNED' | 'AUTO_UPGRADE' | string;
  /**
   * Error classes that, thrown by the workflow function, a signal handler or an update handler, fail the
   * workflow execution (or the update) instead of the workflow task; matched by `instanceof`, `Error` matches
   * every error (not non-determinism: that takes the worker's `workflowFailureErrorTypes`).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  failureExceptionTypes?: Array<new (...args: any[]) => Error>;
}

/** Temporal's marker type for what is not an activity function on an activity interface (typing only). */
export const NotAnActivityMethod: unique symbol = Symbol.for('__TEMPORAL_NOT_AN_ACTIVITY_METHOD');
