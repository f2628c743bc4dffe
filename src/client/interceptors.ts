/**
 * Client interceptors (Temporal's `WorkflowClientInterceptor`): wrap the calls a client makes for a workflow
 * and set the headers the workflow's inbound interceptors receive. `new Client({ interceptors: { workflow:
 * [...] } })`, outermost first.
 */
import type { QueryRejectCondition } from './errors.js';
import type { Headers, Next } from '../common/interceptors.js';
import type { DescribeWorkflowResponse, UpdateWorkflowResponse } from '../protocol/api.js';
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
  /** The client's queryRejectCondition (Temporal's; the server checks it). */
  readonly queryRejectCondition?: QueryRejectCondition;
  readonly headers: Headers;
}

/** An update as the client sends it (Temporal's WorkflowStartUpdateInput). */
export interface WorkflowStartUpdateInput {
  readonly updateName: string;
  readonly args: unknown[];
  readonly workflowExecution: WorkflowExecution;
  readonly firstExecutionRunId?: string;
  readonly headers: Headers;
  readonly options: { updateId?: string; waitForStage: 'ACCEPTED' | 'COMPLETED' };
}
export interface WorkflowStartUpdateOutput {
  readonly updateId: string;
  readonly workflowRunId: string;
  /** Present once the update completed: its result or failure (Weft's JSON form). */
  readonly outcome?: UpdateWorkflowResponse['outcome'];
}
export interface WorkflowStartUpdateWithStartInput {
  readonly workflowType: string;
  readonly workflowStartOptions: CompiledWorkflowOptions;
  readonly workflowStartHeaders: Headers;
  readonly updateName: string;
  readonly updateArgs: unknown[];
  readonly updateOptions: { updateId?: string; waitForStage: 'ACCEPTED' | 'COMPLETED' };
  readonly updateHeaders: Headers;
}
export interface WorkflowStartUpdateWithStartOutput {
  readonly workflowExecution: { workflowId: string; runId: string };
  readonly updateId: string;
  readonly updateOutcome?: UpdateWorkflowResponse['outcome'];
}
export interface WorkflowTerminateInput {
  readonly workflowExecution: WorkflowExecution;
  readonly reason?: string;
  readonly firstExecutionRunId?: string;
}
export interface WorkflowCancelInput {
  readonly workflowExecution: WorkflowExecution;
  readonly firstExecutionRunId?: string;
}
export interface WorkflowDescribeInput {
  readonly workflowExecution: WorkflowExecution;
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
  /** An update sent to a run (executeUpdate, startUpdate); `headers` reach the workflow's update interceptors. */
  startUpdate?: (
    input: WorkflowStartUpdateInput,
    next: Next<WorkflowClientInterceptor, 'startUpdate'>,
  ) => Promise<WorkflowStartUpdateOutput>;
  startUpdateWithStart?: (
    input: WorkflowStartUpdateWithStartInput,
    next: Next<WorkflowClientInterceptor, 'startUpdateWithStart'>,
  ) => Promise<WorkflowStartUpdateWithStartOutput>;
  terminate?: (input: WorkflowTerminateInput, next: Next<WorkflowClientInterceptor, 'terminate'>) => Promise<void>;
  cancel?: (input: WorkflowCancelInput, next: Next<WorkflowClientInterceptor, 'cancel'>) => Promise<void>;
  /** Resolves with the server's describe answer (the handle turns it into Temporal's description). */
  describe?: (
    input: WorkflowDescribeInput,
    next: Next<WorkflowClientInterceptor, 'describe'>,
  ) => Promise<DescribeWorkflowResponse>;
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
