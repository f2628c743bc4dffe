/**
 * Workflow interceptors, with Temporal's names and shapes (`@temporalio/workflow` interceptors). A module listed
 * in the worker's `interceptors.workflowModules` exports `interceptors: WorkflowInterceptorsFactory`; it is
 * bundled with the workflows and called once per run, inside the sandbox.
 */
import type { Headers, Next } from '../common/interceptors.js';
import type { Command } from '../protocol/commands.js';
import type { ChildWorkflowOptions } from './child-workflow.js';
import type { ContinueAsNewOptions } from './continue-as-new.js';
import type { Activation } from './internal/activation.js';
import type { LocalActivityOptions } from './local-activities.js';
import type { TimerOptions } from './timers.js';
import type { ActivityOptions } from './types.js';

export type { Headers, Next };

export type WorkflowInterceptorsFactory = () => WorkflowInterceptors;

export interface WorkflowInterceptors {
  inbound?: WorkflowInboundCallsInterceptor[];
  outbound?: WorkflowOutboundCallsInterceptor[];
  internals?: WorkflowInternalsInterceptor[];
}

export interface WorkflowInboundCallsInterceptor {
  execute?: (input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>) => Promise<unknown>;
  handleSignal?: (input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>) => Promise<void>;
  handleQuery?: (input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>) => Promise<unknown>;
  handleUpdate?: (input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>) => Promise<unknown>;
  /** Synchronous: throwing rejects the update. */
  validateUpdate?: (input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>) => void;
}

export interface WorkflowExecuteInput {
  readonly args: unknown[];
  readonly headers: Headers;
}
export interface SignalInput {
  readonly signalName: string;
  readonly args: unknown[];
  readonly headers: Headers;
}
export interface QueryInput {
  readonly queryId: string;
  readonly queryName: string;
  readonly args: unknown[];
  readonly headers: Headers;
}
export interface UpdateInput {
  readonly updateId: string;
  readonly name: string;
  readonly args: unknown[];
  readonly headers: Headers;
}

export interface WorkflowOutboundCallsInterceptor {
  scheduleActivity?: (
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ) => Promise<unknown>;
  scheduleLocalActivity?: (
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) => Promise<unknown>;
  startChildWorkflowExecution?: (
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) => Promise<[Promise<string>, Promise<unknown>]>;
  signalWorkflow?: (
    input: SignalWorkflowInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>,
  ) => Promise<void>;
  continueAsNew?: (
    input: ContinueAsNewInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>,
  ) => Promise<never>;
  startTimer?: (input: TimerInput, next: Next<WorkflowOutboundCallsInterceptor, 'startTimer'>) => Promise<void>;
  getLogAttributes?: (
    input: GetLogAttributesInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>,
  ) => Record<string, unknown>;
}

export interface ActivityInput {
  readonly activityType: string;
  readonly args: unknown[];
  readonly options: ActivityOptions;
  readonly headers: Headers;
  readonly seq: number;
}
export interface LocalActivityInput {
  readonly activityType: string;
  readonly args: unknown[];
  readonly options: LocalActivityOptions;
  readonly headers: Headers;
  readonly seq: number;
  /** Workflow time (ms) of the first attempt's scheduling; unset on the first request. */
  readonly originalScheduleTime?: number;
  readonly attempt: number;
}
export type ChildWorkflowOptionsWithDefaults = ChildWorkflowOptions & { workflowId: string; args: unknown[] };
export interface StartChildWorkflowExecutionInput {
  readonly workflowType: string;
  readonly options: ChildWorkflowOptionsWithDefaults;
  readonly headers: Headers;
  readonly seq: number;
}
export interface SignalWorkflowInput {
  readonly seq: number;
  readonly signalName: string;
  readonly args: unknown[];
  readonly headers: Headers;
  readonly target:
    | { readonly type: 'external'; readonly workflowExecution: { workflowId: string; runId?: string } }
    | { readonly type: 'child'; readonly childWorkflowId: string };
}
export type ContinueAsNewInputOptions = ContinueAsNewOptions & { workflowType: string };
export interface ContinueAsNewInput {
  readonly args: unknown[];
  readonly headers: Headers;
  readonly options: ContinueAsNewInputOptions;
}
export interface TimerInput {
  readonly durationMs: number;
  readonly seq: number;
  /** The options `sleep` was called with (Temporal's; its `summary` is kept on TimerStarted). */
  readonly options?: TimerOptions;
}
export type GetLogAttributesInput = Record<string, unknown>;

/** Weft's activation and commands take the place of Temporal's core protobufs here. */
export interface WorkflowInternalsInterceptor {
  activate?: (input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>) => void;
  concludeActivation?: (
    input: ConcludeActivationInput,
    next: Next<WorkflowInternalsInterceptor, 'concludeActivation'>,
  ) => ConcludeActivationOutput;
  dispose?: (input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>) => void;
}
export interface ActivateInput {
  readonly activation: Activation;
  readonly batchIndex: number;
}
export interface ConcludeActivationInput {
  readonly commands: Command[];
}
export type ConcludeActivationOutput = ConcludeActivationInput;
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DisposeInput {}
