/**
 * Child workflows and handles to other workflows, from inside a workflow. A child is started by a command;
 * its handle comes once the server reports it started, its result once it closes. Cancelling the scope a child
 * runs in asks the child to cancel (by its cancellationType); the parent close policy decides what happens to
 * the child when the parent closes first.
 */
import { encodeArgs } from '../common/payload-args.js';
import { optionalMs, type Duration } from '../common/duration.js';
import { CancelledFailure, ChildWorkflowFailure } from '../common/failure.js';
import type { Command } from '../protocol/commands.js';
import type { Activator } from './internal/activator.js';
import { SdkFlags } from './internal/sdk-flags.js';
import type { RetryPolicy } from '../common/retry-policy.js';
import { CancellationScope } from './cancellation-scope.js';
import { retryToWire } from './activities.js';
import { composeInterceptors } from '../common/interceptors.js';
import { currentActivator } from './internal/current.js';
import type { SignalWorkflowInput, StartChildWorkflowExecutionInput } from './interceptors.js';
import type { SignalDefinition } from './messages.js';
import type { ParentClosePolicy, WorkflowIdReusePolicy } from './types.js';
import { checkPriority, type Priority, type VersioningIntent } from '../common/priority.js';
import {
  mergeTypedSearchAttributes,
  type SearchAttributePair,
  type TypedSearchAttributes,
} from '../common/typed-search-attributes.js';

/**
 * ABANDON: leave the child running, reject at once; TRY_CANCEL: ask it to cancel, reject at once;
 * WAIT_CANCELLATION_REQUESTED: ask, reject once the request is recorded in the child;
 * WAIT_CANCELLATION_COMPLETED: ask, and let result() settle with however the child ends.
 */
export const ChildWorkflowCancellationType = {
  ABANDON: 'ABANDON',
  TRY_CANCEL: 'TRY_CANCEL',
  WAIT_CANCELLATION_REQUESTED: 'WAIT_CANCELLATION_REQUESTED',
  WAIT_CANCELLATION_COMPLETED: 'WAIT_CANCELLATION_COMPLETED',
} as const;
export type ChildWorkflowCancellationType =
  (typeof ChildWorkflowCancellationType)[keyof typeof ChildWorkflowCancellationType];

export interface ChildWorkflowOptions {
  /** Default: a deterministic uuid4. */
  workflowId?: string;
  /** The child's arguments (a readonly tuple too, as Temporal's). */
  args?: readonly unknown[];
  /** Default: the parent's task queue. */
  taskQueue?: string;
  workflowExecutionTimeout?: Duration;
  workflowRunTimeout?: Duration;
  workflowTaskTimeout?: Duration;
  retry?: RetryPolicy;
  /** What happens to the child when the parent closes first: TERMINATE (default), ABANDON, REQUEST_CANCEL. */
  parentClosePolicy?: ParentClosePolicy;
  /** How cancelling the child's scope behaves (default WAIT_CANCELLATION_COMPLETED, as in Temporal). */
  cancellationType?: ChildWorkflowCancellationType;
  workflowIdReusePolicy?: WorkflowIdReusePolicy;
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
  /** Temporal's typed form; merged over `searchAttributes` (a name in both takes the typed value). */
  typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes;
  /** Runs the child as a cron workflow (Temporal's): its `result()` then never resolves, as in Temporal. */
  cronSchedule?: string;
  /** The child's staticSummary / staticDetails (its describe shows them). */
  staticSummary?: string;
  staticDetails?: string;
  /** The child's priority (its tasks' priority key); without one it takes its parent's, as in Temporal. */
  priority?: Priority;
  /** Accepted, unused: Weft has no worker versioning. */
  versioningIntent?: VersioningIntent;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyWorkflow = (...args: any[]) => Promise<any>;
type ResultOf<W> = W extends (...args: never[]) => Promise<infer R> ? R : unknown;

export interface ChildWorkflowHandle<W = AnyWorkflow> {
  workflowId: string;
  /** The run the child started with. */
  firstExecutionRunId: string;
  result(): Promise<ResultOf<W>>;
  signal<Args extends unknown[]>(def: SignalDefinition<Args> | string, ...args: Args): Promise<void>;
}

export interface ExternalWorkflowHandle {
  workflowId: string;
  runId?: string;
  signal<Args extends unknown[]>(def: SignalDefinition<Args> | string, ...args: Args): Promise<void>;
  /** Asks the workflow to cancel; resolves once the request is recorded in its history. */
  cancel(): Promise<void>;
}

function typeName(typeOrFn: string | AnyWorkflow): string {
  if (typeof typeOrFn === 'string') return typeOrFn;
  if (!typeOrFn.name) throw new TypeError('startChild: pass the workflow function or its type name');
  return typeOrFn.name;
}

/** Starts a child workflow; resolves with its handle once it has started. */
export async function startChild<W extends AnyWorkflow>(
  typeOrFn: string | W,
  options: ChildWorkflowOptions = {},
): Promise<ChildWorkflowHandle<W>> {
  const activator = currentActivator();
  const scope = CancellationScope.current();
  if (scope.consideredCancelled) throw new CancelledFailure('Cancellation scope cancelled');
  const seq = activator.nextSeq('child');
  const workflowType = typeName(typeOrFn);
  const workflowId = options.workflowId ?? activator.hooks.uuid4();
  const start = composeInterceptors(activator.interceptors.outbound, 'startChildWorkflowExecution', (input) =>
    Promise.resolve(startChildNext(input, scope)),
  );
  const [started, result] = await start({
    workflowType,
    options: { ...options, workflowId, args: [...(options.args ?? [])] },
    headers: {},
    seq,
  });
  const runId = await started;
  return {
    workflowId,
    firstExecutionRunId: runId,
    result: () => result as Promise<ResultOf<W>>,
    signal: (def, ...args) => sendSignal(workflowId, undefined, signalName(def), args, true),
  };
}

/** The innermost startChildWorkflowExecution: the command; its started and result promises. */
function startChildNext(
  input: StartChildWorkflowExecutionInput,
  scope: CancellationScope,
): [Promise<string>, Promise<unknown>] {
  const activator = currentActivator();
  const { workflowType, options, seq, headers } = input;
  const workflowId = options.workflowId;
  const retry = retryToWire(options.retry);
  const searchAttributes = mergeTypedSearchAttributes(options.searchAttributes, options.typedSearchAttributes);
  const execTimeout = optionalMs(options.workflowExecutionTimeout, 'workflowExecutionTimeout');
  const runTimeout = optionalMs(options.workflowRunTimeout, 'workflowRunTimeout');
  const taskTimeout = optionalMs(options.workflowTaskTimeout, 'workflowTaskTimeout');
  checkPriority(options.priority);
  const userMetadata: { summary?: string; details?: string } = {};
  for (const [field, key] of [
    ['staticSummary', 'summary'],
    ['staticDetails', 'details'],
  ] as const) {
    const v = options[field];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new TypeError(`${field} must be a string`);
    userMetadata[key] = v;
  }
  const started = new Promise<string>((resolve, reject) =>
    activator.childStarts.set(seq, { resolve: (v) => resolve(v as string), reject }),
  );
  // `closed`: the child's outcome (or its failed start) reached this run; a cancel that stops waiting settles
  // `result` without it, and the request to cancel the child still goes
  let closed = false;
  let rejectRaw!: (err: unknown) => void;
  const result = new Promise<unknown>((resolve, reject) => {
    rejectRaw = reject;
    activator.childResults.set(seq, {
      resolve: (v) => {
        closed = true;
        resolve(v);
      },
      reject: (e) => {
        closed = true;
        reject(e);
      },
    });
  });
  result.catch(() => undefined); // a child whose result nobody awaits must not be an unhandled rejection
  const command: Command = {
    type: 'StartChildWorkflowExecution',
    seq,
    workflowId,
    workflowType,
    taskQueue: options.taskQueue ?? activator.info.taskQueue,
    input: encodeArgs(options.args ?? []),
    ...(execTimeout ? { workflowExecutionTimeoutMs: execTimeout } : {}),
    ...(runTimeout ? { workflowRunTimeoutMs: runTimeout } : {}),
    ...(taskTimeout ? { workflowTaskTimeoutMs: taskTimeout } : {}),
    ...(retry ? { retryPolicy: retry } : {}),
    parentClosePolicy: options.parentClosePolicy ?? 'TERMINATE',
    ...(options.workflowIdReusePolicy ? { workflowIdReusePolicy: options.workflowIdReusePolicy } : {}),
    ...(options.memo ? { memo: options.memo } : {}),
    ...(searchAttributes ? { searchAttributes } : {}),
    ...(Object.keys(headers).length > 0 ? { header: headers } : {}),
    ...(options.cronSchedule ? { cronSchedule: options.cronSchedule } : {}),
    ...(Object.keys(userMetadata).length > 0 ? { userMetadata } : {}),
    ...(options.priority ? { priority: { ...options.priority } } : {}),
  };
  activator.pushCommand(command);
  const cancellationType = options.cancellationType ?? 'WAIT_CANCELLATION_COMPLETED';
  if (scope.cancellable) {
    scope.cancelRequested.catch((err: unknown) => {
      if (!activator.childResults.has(seq)) return; // closed already
      const cancelled = err instanceof CancelledFailure ? err : new CancelledFailure('Child workflow cancelled');
      if (activator.hasFlag(SdkFlags.ChildCancellationAsTemporal)) cancelAsTemporal(cancelled);
      else cancelAsBefore(activator, { seq, workflowId, started, cancellationType, cancelled });
    });
  }
  return [started, result];

  /** Temporal's way (SdkFlags.ChildCancellationAsTemporal). */
  function cancelAsTemporal(cancelled: CancelledFailure): void {
    const failure = new ChildWorkflowFailure(
      activator.info.namespace,
      { workflowId },
      workflowType,
      'NON_RETRYABLE_FAILURE',
      cancelled,
    );
    if (activator.withdrawCommand(command)) {
      // not sent yet: the child is never started
      const start = activator.childStarts.get(seq);
      activator.childStarts.delete(seq);
      activator.childResults.delete(seq);
      start?.reject(failure);
      rejectRaw(failure);
      return;
    }
    // the result of a child the parent stopped waiting for is a ChildWorkflowFailure caused by the cancellation
    const rejectResult = (): void => {
      if (activator.childResults.delete(seq)) rejectRaw(failure);
    };
    if (cancellationType !== 'ABANDON') {
      // a child is cancelled once it exists; one that fails to start needs nothing
      started.then(
        () => {
          // the child's current run: it may have continued as new since it started
          if (closed) return;
          const requested = requestCancel(workflowId, undefined, true);
          if (cancellationType === 'WAIT_CANCELLATION_REQUESTED') requested.then(rejectResult, () => undefined);
          else void requested.catch(() => undefined);
        },
        () => undefined,
      );
    }
    if (cancellationType === 'ABANDON' || cancellationType === 'TRY_CANCEL') rejectResult();
  }
}

/**
 * Before SdkFlags.ChildCancellationAsTemporal (kept for histories recorded then): TRY_CANCEL does not ask the
 * child to cancel, and a result given up on rejects with the bare CancelledFailure.
 */
function cancelAsBefore(
  activator: Activator,
  c: {
    seq: number;
    workflowId: string;
    started: Promise<string>;
    cancellationType: ChildWorkflowCancellationType;
    cancelled: CancelledFailure;
  },
): void {
  const rejectResult = (): void => {
    const r = activator.childResults.get(c.seq);
    activator.childResults.delete(c.seq);
    r?.reject(c.cancelled);
  };
  if (c.cancellationType !== 'ABANDON') {
    c.started.then(
      () => {
        if (!activator.childResults.has(c.seq)) return;
        const requested = requestCancel(c.workflowId, undefined, true);
        if (c.cancellationType === 'WAIT_CANCELLATION_REQUESTED') requested.then(rejectResult, () => undefined);
        else void requested.catch(() => undefined);
      },
      () => undefined,
    );
  }
  if (c.cancellationType === 'ABANDON' || c.cancellationType === 'TRY_CANCEL') rejectResult();
}

/** Starts a child workflow and waits for its result. */
export async function executeChild<W extends AnyWorkflow>(
  typeOrFn: string | W,
  options: ChildWorkflowOptions = {},
): Promise<ResultOf<W>> {
  const handle = await startChild<W>(typeOrFn, options);
  return handle.result();
}

/** A handle to any workflow, to signal or cancel it from this one. */
export function getExternalWorkflowHandle(workflowId: string, runId?: string): ExternalWorkflowHandle {
  return {
    workflowId,
    ...(runId !== undefined ? { runId } : {}),
    signal: (def, ...args) => sendSignal(workflowId, runId, signalName(def), args, false),
    cancel: () => requestCancel(workflowId, runId, false),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function signalName(def: SignalDefinition<any> | string): string {
  return typeof def === 'string' ? def : def.name;
}

function sendSignal(
  workflowId: string,
  runId: string | undefined,
  name: string,
  args: unknown[],
  childWorkflowOnly: boolean,
): Promise<void> {
  const activator = currentActivator();
  const seq = activator.nextSeq('signalExternal');
  const signal = composeInterceptors(activator.interceptors.outbound, 'signalWorkflow', (input) =>
    sendSignalNext(input, childWorkflowOnly),
  );
  return signal({
    seq,
    signalName: name,
    args,
    headers: {},
    target: childWorkflowOnly
      ? { type: 'child', childWorkflowId: workflowId }
      : { type: 'external', workflowExecution: { workflowId, ...(runId !== undefined ? { runId } : {}) } },
  });
}

function sendSignalNext(input: SignalWorkflowInput, childWorkflowOnly: boolean): Promise<void> {
  const activator = currentActivator();
  const { seq, signalName: name, args, headers, target } = input;
  const workflowId = target.type === 'child' ? target.childWorkflowId : target.workflowExecution.workflowId;
  const runId = target.type === 'child' ? undefined : target.workflowExecution.runId;
  const done = new Promise<void>((resolve, reject) =>
    activator.externals.set(`signal:${seq}`, { resolve: () => resolve(), reject }),
  );
  activator.pushCommand({
    type: 'SignalExternalWorkflowExecution',
    seq,
    workflowId,
    ...(runId !== undefined ? { runId } : {}),
    signalName: name,
    input: encodeArgs(args),
    ...(childWorkflowOnly ? { childWorkflowOnly: true } : {}),
    ...(Object.keys(headers).length > 0 ? { header: headers } : {}),
  });
  return done;
}

function requestCancel(workflowId: string, runId: string | undefined, childWorkflowOnly: boolean): Promise<void> {
  const activator = currentActivator();
  const seq = activator.nextSeq('cancelExternal');
  const done = new Promise<void>((resolve, reject) =>
    activator.externals.set(`cancel:${seq}`, { resolve: () => resolve(), reject }),
  );
  activator.pushCommand({
    type: 'RequestCancelExternalWorkflowExecution',
    seq,
    workflowId,
    ...(runId !== undefined ? { runId } : {}),
    ...(childWorkflowOnly ? { childWorkflowOnly: true } : {}),
  });
  return done;
}
