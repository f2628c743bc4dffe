/**
 * The narrow interface across the sandbox boundary. The worker hands an activation (jobs derived from new
 * history events) in as JSON; the workflow instance applies it, runs until blocked, and hands back its
 * commands as JSON. Nothing else crosses.
 */
import type { FailureInfo } from '../../common/failure.js';
import type { Command } from '../../protocol/commands.js';
import type { WorkflowInfo } from '../types.js';

export type ActivationJob =
  | { type: 'start'; workflowType: string; args: unknown[] }
  | { type: 'resolveActivity'; seq: number; result?: unknown; failure?: FailureInfo }
  | { type: 'fireTimer'; seq: number }
  | { type: 'cancelWorkflow'; reason?: string }
  | { type: 'signal'; name: string; args: unknown[] };

export interface Activation {
  jobs: ActivationJob[];
  /** Workflow time for this activation: the time of its WorkflowTaskStarted event. */
  now: number;
  isReplaying: boolean;
  historyLength: number;
}

export interface ActivationResult {
  commands: Command[];
  /** The workflow task must fail (a bug in workflow code, not a workflow failure). */
  failure?: FailureInfo;
}

/** What the host passes when it creates an instance. */
export interface InstanceInit {
  info: WorkflowInfo;
  randomnessSeed: string;
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
  /** Runs a query handler on the current state; JSON of QueryResult. Never produces commands. */
  query(name: string, argsJson: string): string;
}

export type QueryResult = { result: unknown } | { failure: FailureInfo; notRegistered?: boolean };
