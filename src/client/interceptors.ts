/**
 * Client interceptors (Temporal's `WorkflowClientInterceptor`): wrap the calls a client makes for a workflow
 * and set the headers the workflow's inbound interceptors receive. `new Client({ interceptors: { workflow:
 * [...] } })`, outermost first.
 */
import type { Headers, Next } from '../common/interceptors.js';
import type { WorkflowStartOptions } from './workflow-client.js';

export type { Headers, Next };

export interface WorkflowExecution {
  workflowId: string;
  runId?: string;
}

/** Start options as the client sends them (`args` included). */
export type CompiledWorkflowOptions = WorkflowStartOptions & { args: unknown[] };

export interface WorkflowStartInput {
  readonly workflowType: string;
  readonly headers: Headers;
  readonly options: CompiledWorkflowOptions;
}
export interface WorkflowSignalInput {
  readonly signalName: string;
  readonly args: unknown[];
  readonly workflowExecution: WorkflowExecution;
  readonly headers: Headers;
}
export interface WorkflowSignalWithStartInput {
  readonly workflowType: string;
  readonly signalName: string;
  readonly signalArgs: unknown[];
  readonly headers: Headers;
  readonly options: CompiledWorkflowOptions;
}
export interface WorkflowQueryInput {
  readonly queryType: string;
  readonly args: unknown[];
  readonly workflowExecution: WorkflowExecution;
  readonly headers: Headers;
}

export interface WorkflowClientInterceptor {
  /** Resolves with the run id. */
  start?: (input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'start'>) => Promise<string>;
  signal?: (input: WorkflowSignalInput, next: Next<WorkflowClientInterceptor, 'signal'>) => Promise<void>;
  /** Resolves with the run id. */
  signalWithStart?: (
    input: WorkflowSignalWithStartInput,
    next: Next<WorkflowClientInterceptor, 'signalWithStart'>,
  ) => Promise<string>;
  query?: (input: WorkflowQueryInput, next: Next<WorkflowClientInterceptor, 'query'>) => Promise<unknown>;
}

/** Temporal's older name. */
export type WorkflowClientCallsInterceptor = WorkflowClientInterceptor;

export interface WorkflowClientInterceptors {
  /** Temporal's deprecated per-handle factories; their interceptors are made once per call's workflow id. */
  calls?: Array<(input: { workflowId: string; runId?: string }) => WorkflowClientInterceptor>;
}

export interface ClientInterceptors {
  workflow?: WorkflowClientInterceptor[] | WorkflowClientInterceptors;
}

/** The workflow interceptors for a call about `workflowId`. */
export function workflowInterceptorsFor(
  workflow: ClientInterceptors['workflow'],
  workflowId: string,
  runId?: string,
): WorkflowClientInterceptor[] {
  if (!workflow) return [];
  if (Array.isArray(workflow)) return workflow;
  return (workflow.calls ?? []).map((f) => f({ workflowId, ...(runId !== undefined ? { runId } : {}) }));
}
