/**
 * The narrow interface across the sandbox boundary. The worker hands an activation (jobs derived from new
 * history events) in as JSON; the workflow instance applies it, runs until blocked, and hands back its
 * commands as JSON. Nothing else crosses.
 */
import type { FailureInfo } from '../../common/failure.js';
import type { Headers } from '../../common/interceptors.js';
import type { Command } from '../../protocol/commands.js';
import type { LocalActivityBackoff } from '../../protocol/markers.js';
import type { WorkflowInfo } from '../types.js';
import type { LocalActivityCancel, LocalActivityRequest } from './local-activation.js';

export type ActivationJob =
  | { type: 'start'; workflowType: string; args: unknown[]; headers?: Headers }
  | { type: 'resolveActivity'; seq: number; result?: unknown; failure?: FailureInfo }
  /** A local activity's outcome (from its marker): a result, a final failure, or retry after a timer (backoff). */
  | {
      type: 'resolveLocalActivity';
      seq: number;
      result?: unknown;
      failure?: FailureInfo;
      backoff?: LocalActivityBackoff;
    }
  | { type: 'fireTimer'; seq: number }
  | { type: 'cancelWorkflow'; reason?: string }
  | { type: 'signal'; name: string; args: unknown[]; headers?: Headers }
  /** A child started (runId) or could not be started (failure). */
  | { type: 'resolveChildStart'; seq: number; runId?: string; failure?: FailureInfo }
  /** A child closed: its result, or the ChildWorkflowFailure. */
  | { type: 'resolveChild'; seq: number; result?: unknown; failure?: FailureInfo }
  /** A signal or cancel request to another workflow was delivered (or failed). */
  | { type: 'resolveExternal'; kind: 'signal' | 'cancel'; seq: number; failure?: FailureInfo }
  /** An update: validate it (a new one) and run its handler; a replayed one was accepted, so no validation. */
  | { type: 'doUpdate'; updateId: string; name: string; args: unknown[]; runValidator: boolean; headers?: Headers };

export interface Activation {
  jobs: ActivationJob[];
  /** Workflow time for this activation: the time of its WorkflowTaskStarted event. */
  now: number;
  isReplaying: boolean;
  historyLength: number;
  /** Bytes of history as of this task's WorkflowTaskStarted. */
  historySize?: number;
  continueAsNewSuggested?: boolean;
  /** Replaying: the patch ids of the Patch markers among this task's command events (what patched() answers). */
  patches?: string[];
  /** Replaying: the SDK flags this task's WorkflowTaskCompleted recorded (src/workflow/internal/sdk-flags.ts). */
  sdkFlags?: number[];
  /** Live: the server records the flags the task uses (else no flag is used: the old behaviour throughout). */
  sdkFlagsRecordable?: boolean;
}

export interface ActivationResult {
  commands: Command[];
  /** The workflow task must fail (a bug in workflow code, not a workflow failure). */
  failure?: FailureInfo;
  /** Local activities to run (in the worker, not through the server), and ones to stop. */
  localActivities?: LocalActivityRequest[];
  localActivityCancels?: LocalActivityCancel[];
  /** Updates the validators rejected in this activation. */
  updateRejections?: Array<{ updateId: string; failure: FailureInfo }>;
  /** Calls the workflow made to the worker's sinks (proxySinks), for the worker to make after the activation. */
  sinkCalls?: SinkCall[];
  /** Live: the SDK flags this activation consulted for the first time in the run (for the task's completion). */
  sdkFlags?: number[];
}

/** A call to an injected sink function, made by the worker (not during replay unless the sink asks). */
export interface SinkCall {
  ifaceName: string;
  fnName: string;
  args: unknown[];
  isReplaying: boolean;
  /** workflowInfo() when the call was made (the first argument the injected function gets). */
  info: WorkflowInfo;
}

/** What the host passes when it creates an instance. */
export interface InstanceInit {
  /** typedSearchAttributes is made by the instance, from searchAttributes. */
  info: Omit<WorkflowInfo, 'typedSearchAttributes'>;
  randomnessSeed: string;
  /**
   * The worker's `workflowFailureErrorTypes` for this workflow type: errors of these type names (or extending
   * them) fail the execution or the update instead of the workflow task.
   */
  failureErrorTypes?: string[];
}

/** Hooks the context's deterministic globals call into, for the instance being activated. */
export interface GlobalHooks {
  now(): number;
  random(): number;
  uuid4(): string;
  setTimeout(fn: (...args: unknown[]) => void, ms: number, args: unknown[]): number;
  clearTimeout(handle: number): void;
  log(level: string, message: string, attrs?: Record<string, unknown>): void;
}

/** What a workflow bundle's module instance exposes to the host. */
export interface WorkflowInstance {
  hooks: GlobalHooks;
  activate(activationJson: string): void;
  /** Resolves conditions that became true; true if any did (run microtasks and ask again). */
  unblockConditions(): boolean;
  /** Commands of this activation, as JSON (ActivationResult). */
  conclude(): string;
  /** Starts a query (its handler and inbound interceptors) on the current state. Never produces commands. */
  query(name: string, argsJson: string, headersJson?: string): void;
  /** The started query's outcome once the microtasks ran: JSON of QueryResult. */
  queryResult(): string;
  /** The run leaves the worker (internals interceptors' dispose). */
  dispose(): void;
}

export type QueryResult = ({ result: unknown } | { failure: FailureInfo; notRegistered?: boolean }) & {
  sinkCalls?: SinkCall[];
};
