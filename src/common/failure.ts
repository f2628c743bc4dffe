/**
 * One error tree for every side (workflow sandbox, worker, client, server), all under `WeftFailure`.
 *
 * `instanceof` must work across the `node:vm` boundary, where each realm has its own copy of these
 * classes. Each class therefore carries a symbol brand (`Symbol.for`, shared by every realm) and
 * answers `instanceof` by the brand rather than by prototype identity, as Temporal's SDK does.
 *
 * This module runs inside the workflow sandbox: no Node imports.
 */
import type { Duration } from './duration.js';

/**
 * Temporal's enum objects: the values are the short strings Weft stores and sends; the prefixed members are
 * Temporal's deprecated aliases, kept so code written against older SDKs runs too. The types leave out the
 * `..._UNSPECIFIED: undefined` member.
 */
export const TimeoutType = {
  START_TO_CLOSE: 'START_TO_CLOSE',
  SCHEDULE_TO_START: 'SCHEDULE_TO_START',
  SCHEDULE_TO_CLOSE: 'SCHEDULE_TO_CLOSE',
  HEARTBEAT: 'HEARTBEAT',
  TIMEOUT_TYPE_START_TO_CLOSE: 'START_TO_CLOSE',
  TIMEOUT_TYPE_SCHEDULE_TO_START: 'SCHEDULE_TO_START',
  TIMEOUT_TYPE_SCHEDULE_TO_CLOSE: 'SCHEDULE_TO_CLOSE',
  TIMEOUT_TYPE_HEARTBEAT: 'HEARTBEAT',
  TIMEOUT_TYPE_UNSPECIFIED: undefined,
} as const;
export type TimeoutType = NonNullable<(typeof TimeoutType)[keyof typeof TimeoutType]>;

export const RetryState = {
  IN_PROGRESS: 'IN_PROGRESS',
  NON_RETRYABLE_FAILURE: 'NON_RETRYABLE_FAILURE',
  TIMEOUT: 'TIMEOUT',
  MAXIMUM_ATTEMPTS_REACHED: 'MAXIMUM_ATTEMPTS_REACHED',
  RETRY_POLICY_NOT_SET: 'RETRY_POLICY_NOT_SET',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  CANCEL_REQUESTED: 'CANCEL_REQUESTED',
  RETRY_STATE_IN_PROGRESS: 'IN_PROGRESS',
  RETRY_STATE_NON_RETRYABLE_FAILURE: 'NON_RETRYABLE_FAILURE',
  RETRY_STATE_TIMEOUT: 'TIMEOUT',
  RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED: 'MAXIMUM_ATTEMPTS_REACHED',
  RETRY_STATE_RETRY_POLICY_NOT_SET: 'RETRY_POLICY_NOT_SET',
  RETRY_STATE_INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  RETRY_STATE_CANCEL_REQUESTED: 'CANCEL_REQUESTED',
  RETRY_STATE_UNSPECIFIED: undefined,
} as const;
export type RetryState = NonNullable<(typeof RetryState)[keyof typeof RetryState]>;

/**
 * How severe an application failure is (Temporal's enum). `BENIGN`: an expected failure (a retry-until-ready
 * poll, say); the worker logs an activity failing with it at DEBUG instead of WARN.
 */
export const ApplicationFailureCategory = {
  BENIGN: 'BENIGN',
} as const;
export type ApplicationFailureCategory = (typeof ApplicationFailureCategory)[keyof typeof ApplicationFailureCategory];

/** The serialised form of a failure, as stored in history and sent over the wire. */
export interface FailureInfo {
  kind: 'application' | 'activity' | 'childWorkflow' | 'cancelled' | 'timeout' | 'terminated' | 'server';
  message: string;
  /** Application error type (ApplicationFailure.type), or the JS class name of a plain Error. */
  type?: string;
  stack?: string;
  nonRetryable?: boolean;
  details?: unknown[];
  cause?: FailureInfo;
  timeoutType?: TimeoutType;
  lastHeartbeatDetails?: unknown;
  retryState?: RetryState;
  activityType?: string;
  activityId?: string;
  identity?: string;
  workflowType?: string;
  workflowId?: string;
  runId?: string;
  namespace?: string;
  /** ApplicationFailure.category. */
  category?: ApplicationFailureCategory;
}

const BRANDS = new WeakMap<object, symbol>();

/**
 * Brands `cls`: `x instanceof cls` then holds for instances from any realm that carry the brand. Subclasses
 * inherit static members, so the check looks up the brand of the class it is asked about (`this`); a class
 * without a brand of its own gets the ordinary prototype check.
 */
export function brand(cls: { prototype: object; name: string }, name: string): void {
  const sym = Symbol.for(`weft.failure.${name}`);
  BRANDS.set(cls, sym);
  Object.defineProperty(cls.prototype, sym, { value: true, enumerable: false });
  Object.defineProperty(cls.prototype, 'name', { value: name, enumerable: false, writable: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value: function (this: object, instance: unknown): boolean {
      const own = BRANDS.get(this);
      if (own === undefined) return Function.prototype[Symbol.hasInstance].call(this, instance);
      return typeof instance === 'object' && instance !== null && (instance as Record<symbol, unknown>)[own] === true;
    },
  });
}

export class WeftFailure extends Error {
  /** The serialised failure this error was decoded from, when it came over the wire. */
  failure?: FailureInfo;
  constructor(message?: string, cause?: Error) {
    super(message ?? '');
    if (cause !== undefined) this.cause = cause;
  }
  declare cause?: Error;
}
brand(WeftFailure, 'WeftFailure');
/** Temporal's name for the base class of every failure: the same class, so `instanceof TemporalFailure` ports. */
export { WeftFailure as TemporalFailure };

/** The message of the innermost cause of `error` (Temporal's `rootCause`); undefined for no error. */
export function rootCause(error: unknown): string | undefined {
  if (error instanceof WeftFailure) return error.cause ? rootCause(error.cause) : error.message;
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : undefined;
}

export interface ApplicationFailureOptions {
  message?: string;
  type?: string;
  nonRetryable?: boolean;
  details?: unknown[];
  cause?: Error;
  /** Kept on the failure; Weft's retries do not read it yet (the retry policy's backoff applies). */
  nextRetryDelay?: Duration;
  category?: ApplicationFailureCategory;
}

export class ApplicationFailure extends WeftFailure {
  constructor(
    message?: string,
    public readonly type?: string,
    public readonly nonRetryable: boolean = false,
    public readonly details?: unknown[],
    cause?: Error,
    /** Temporal's position; Weft keeps it on the error but does not honour it yet. */
    public readonly nextRetryDelay?: Duration,
    public readonly category?: ApplicationFailureCategory,
  ) {
    super(message, cause);
  }
  static create(opts: ApplicationFailureOptions): ApplicationFailure {
    return new ApplicationFailure(
      opts.message,
      opts.type,
      opts.nonRetryable ?? false,
      opts.details,
      opts.cause,
      opts.nextRetryDelay,
      opts.category,
    );
  }
  static retryable(message?: string, type?: string, ...details: unknown[]): ApplicationFailure {
    return new ApplicationFailure(message, type ?? 'Error', false, details);
  }
  static nonRetryable(message?: string, type?: string, ...details: unknown[]): ApplicationFailure {
    return new ApplicationFailure(message, type ?? 'Error', true, details);
  }
  /** Wraps any thrown value; an ApplicationFailure is returned as is. */
  static fromError(err: unknown, opts: Omit<ApplicationFailureOptions, 'cause'> = {}): ApplicationFailure {
    if (err instanceof ApplicationFailure) return err;
    const e = err instanceof Error ? err : new Error(String(err));
    const f = new ApplicationFailure(
      opts.message ?? e.message,
      opts.type ?? e.name,
      opts.nonRetryable ?? false,
      opts.details,
    );
    f.stack = e.stack;
    return f;
  }
}
brand(ApplicationFailure, 'ApplicationFailure');

export class ActivityFailure extends WeftFailure {
  constructor(
    message: string | undefined,
    public readonly activityType: string,
    public readonly activityId: string | undefined,
    public readonly retryState: RetryState,
    public readonly identity: string | undefined,
    cause?: Error,
  ) {
    super(message ?? 'Activity task failed', cause);
  }
}
brand(ActivityFailure, 'ActivityFailure');

export class ChildWorkflowFailure extends WeftFailure {
  constructor(
    public readonly namespace: string | undefined,
    public readonly execution: { workflowId: string; runId?: string },
    public readonly workflowType: string,
    public readonly retryState: RetryState,
    cause?: Error,
  ) {
    super('Child Workflow execution failed', cause);
  }
}
brand(ChildWorkflowFailure, 'ChildWorkflowFailure');

export class CancelledFailure extends WeftFailure {
  constructor(
    message?: string,
    public readonly details: unknown[] = [],
    cause?: Error,
  ) {
    super(message ?? 'Cancelled', cause);
  }
}
brand(CancelledFailure, 'CancelledFailure');

export class TimeoutFailure extends WeftFailure {
  constructor(
    message: string | undefined,
    public readonly lastHeartbeatDetails: unknown,
    public readonly timeoutType: TimeoutType,
    /** An activity's timeout: the failure of the attempt before it, when there was one (history records it). */
    cause?: Error,
  ) {
    super(message ?? `Timeout (${timeoutType})`, cause);
  }
}
brand(TimeoutFailure, 'TimeoutFailure');

export class TerminatedFailure extends WeftFailure {
  constructor(message?: string, cause?: Error) {
    super(message ?? 'Terminated', cause);
  }
}
brand(TerminatedFailure, 'TerminatedFailure');

export class ServerFailure extends WeftFailure {
  constructor(
    message?: string,
    public readonly nonRetryable: boolean = false,
    cause?: Error,
  ) {
    super(message, cause);
  }
}
brand(ServerFailure, 'ServerFailure');

/** Client side: the workflow closed unsuccessfully. `cause` says how (application failure, timeout, ...). */
export class WorkflowFailedError extends WeftFailure {
  constructor(
    message: string,
    cause: Error | undefined,
    public readonly retryState: RetryState = 'RETRY_POLICY_NOT_SET',
  ) {
    super(message, cause);
  }
}
brand(WorkflowFailedError, 'WorkflowFailedError');

/** One side of a determinism mismatch: what the history recorded, or what the code produced. */
export interface CommandDescription {
  eventId?: number;
  kind: string;
  seq?: number;
  detail?: string;
}

/**
 * Replay produced commands that differ from the recorded history. The message names the workflow, the event
 * and shows the recorded and the produced command side by side.
 */
export class DeterminismViolationError extends WeftFailure {
  constructor(
    message: string,
    public readonly workflowId?: string,
    public readonly runId?: string,
    public readonly workflowType?: string,
    public readonly eventId?: number,
    public readonly expected?: CommandDescription,
    public readonly produced?: CommandDescription,
  ) {
    super(message);
  }
}
brand(DeterminismViolationError, 'DeterminismViolationError');

/** True for a cancellation, directly or as the cause of an activity or child workflow failure. */
export function isCancellation(err: unknown): boolean {
  return (
    err instanceof CancelledFailure ||
    ((err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) && err.cause instanceof CancelledFailure)
  );
}

function toDetails(d: unknown[] | undefined): unknown[] | undefined {
  return d === undefined || d.length === 0 ? undefined : d;
}

/** Serialises any thrown value. Plain Errors become application failures typed by their class name. */
export function encodeFailure(err: unknown): FailureInfo {
  // decoded from the wire and rethrown unchanged: keep the original, including fields we do not model
  if (err instanceof WeftFailure && err.failure && err.failure.message === err.message) return err.failure;
  const cause = err instanceof Error && err.cause !== undefined ? encodeFailure(err.cause) : undefined;
  const base = (kind: FailureInfo['kind'], e: Error): FailureInfo => {
    const f: FailureInfo = { kind, message: e.message };
    if (e.stack) f.stack = e.stack;
    if (cause) f.cause = cause;
    return f;
  };
  if (err instanceof ApplicationFailure) {
    const f = base('application', err);
    if (err.type !== undefined) f.type = err.type;
    if (err.nonRetryable) f.nonRetryable = true;
    const d = toDetails(err.details);
    if (d) f.details = d;
    if (err.category) f.category = err.category;
    return f;
  }
  if (err instanceof CancelledFailure) {
    const f = base('cancelled', err);
    const d = toDetails(err.details);
    if (d) f.details = d;
    return f;
  }
  if (err instanceof TimeoutFailure) {
    const f = base('timeout', err);
    f.timeoutType = err.timeoutType;
    if (err.lastHeartbeatDetails !== undefined) f.lastHeartbeatDetails = err.lastHeartbeatDetails;
    return f;
  }
  if (err instanceof TerminatedFailure) return base('terminated', err);
  if (err instanceof ServerFailure) {
    const f = base('server', err);
    if (err.nonRetryable) f.nonRetryable = true;
    return f;
  }
  if (err instanceof ActivityFailure) {
    const f = base('activity', err);
    f.activityType = err.activityType;
    if (err.activityId !== undefined) f.activityId = err.activityId;
    f.retryState = err.retryState;
    if (err.identity !== undefined) f.identity = err.identity;
    return f;
  }
  if (err instanceof ChildWorkflowFailure) {
    const f = base('childWorkflow', err);
    f.workflowType = err.workflowType;
    f.workflowId = err.execution.workflowId;
    if (err.execution.runId !== undefined) f.runId = err.execution.runId;
    if (err.namespace !== undefined) f.namespace = err.namespace;
    f.retryState = err.retryState;
    return f;
  }
  if (err instanceof Error) {
    const f = base('application', err);
    f.type = errorTypeName(err);
    return f;
  }
  return { kind: 'application', message: typeof err === 'string' ? err : safeString(err), type: 'Error' };
}

/** A plain error's failure type: its class's name, as Temporal's (`class InsufficientFunds extends Error`). */
function errorTypeName(err: Error): string {
  const ctor = (err as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : err.name;
}

/**
 * What an activity's error is reported as (Temporal's `ensureApplicationFailure`): an `ApplicationFailure` as it
 * is; anything else a retryable application failure typed by its class name, a `CancelledFailure` or
 * `TimeoutFailure` the activity threw itself included (one that ends a cancelled attempt is reported apart).
 */
export function encodeActivityFailure(err: unknown): FailureInfo {
  const f = encodeFailure(err);
  if (f.kind === 'application') return f;
  const out: FailureInfo = {
    kind: 'application',
    message: f.message,
    type: err instanceof Error ? errorTypeName(err) : 'Error',
  };
  if (f.stack) out.stack = f.stack;
  if (f.cause) out.cause = f.cause;
  return out;
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Rebuilds the error class tree from its serialised form. */
export function decodeFailure(f: FailureInfo): WeftFailure {
  const cause = f.cause ? decodeFailure(f.cause) : undefined;
  let err: WeftFailure;
  switch (f.kind) {
    case 'cancelled':
      err = new CancelledFailure(f.message, f.details ?? [], cause);
      break;
    case 'timeout':
      err = new TimeoutFailure(f.message, f.lastHeartbeatDetails, f.timeoutType ?? 'START_TO_CLOSE', cause);
      break;
    case 'terminated':
      err = new TerminatedFailure(f.message, cause);
      break;
    case 'server':
      err = new ServerFailure(f.message, f.nonRetryable ?? false, cause);
      break;
    case 'activity':
      err = new ActivityFailure(
        f.message,
        f.activityType ?? '',
        f.activityId,
        f.retryState ?? 'RETRY_POLICY_NOT_SET',
        f.identity,
        cause,
      );
      break;
    case 'childWorkflow':
      err = new ChildWorkflowFailure(
        f.namespace,
        f.runId !== undefined ? { workflowId: f.workflowId ?? '', runId: f.runId } : { workflowId: f.workflowId ?? '' },
        f.workflowType ?? '',
        f.retryState ?? 'RETRY_POLICY_NOT_SET',
        cause,
      );
      break;
    default:
      err = new ApplicationFailure(f.message, f.type, f.nonRetryable ?? false, f.details, cause, undefined, f.category);
  }
  err.failure = f;
  if (f.stack) err.stack = f.stack;
  return err;
}

const FAILURE_KINDS = new Set<FailureInfo['kind']>([
  'application',
  'activity',
  'childWorkflow',
  'cancelled',
  'timeout',
  'terminated',
  'server',
]);
const STRING_FIELDS = [
  'type',
  'stack',
  'activityType',
  'activityId',
  'identity',
  'workflowType',
  'workflowId',
  'runId',
  'namespace',
] as const;

/**
 * Keeps only the known fields of a failure that came from outside (a worker), with a bounded cause chain, so
 * what the server stores and replays is always well formed.
 */
export function sanitizeFailure(input: unknown, depth = 0): FailureInfo {
  const o = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const kind = FAILURE_KINDS.has(o.kind as FailureInfo['kind']) ? (o.kind as FailureInfo['kind']) : 'application';
  const f: FailureInfo = { kind, message: typeof o.message === 'string' ? o.message : String(o.message ?? '') };
  for (const k of STRING_FIELDS) if (typeof o[k] === 'string') f[k] = o[k];
  if (typeof o.nonRetryable === 'boolean') f.nonRetryable = o.nonRetryable;
  if (Array.isArray(o.details)) f.details = o.details;
  if (typeof o.timeoutType === 'string') f.timeoutType = o.timeoutType as TimeoutType;
  if (typeof o.retryState === 'string') f.retryState = o.retryState as RetryState;
  if (o.category === ApplicationFailureCategory.BENIGN) f.category = o.category;
  if (o.lastHeartbeatDetails !== undefined) f.lastHeartbeatDetails = o.lastHeartbeatDetails;
  if (o.cause !== undefined && o.cause !== null && depth < 20) f.cause = sanitizeFailure(o.cause, depth + 1);
  return f;
}
