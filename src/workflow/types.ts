/** Public types of `weft/workflow`. */
import type { Priority, VersioningIntent } from '../common/priority.js';
import type { TypedSearchAttributes } from '../common/typed-search-attributes.js';
import type { Duration } from '../common/duration.js';
import type { RetryPolicy } from '../common/retry-policy.js';

export interface WorkflowInfo {
  workflowId: string;
  runId: string;
  workflowType: string;
  taskQueue: string;
  namespace: string;
  attempt: number;
  /** Events in history so far (the id of the current WorkflowTaskStarted). */
  historyLength: number;
  /** Bytes of history so far (as of the current WorkflowTaskStarted), as Temporal's. */
  historySize: number;
  /** True once history is long enough that the workflow should continue as new. */
  continueAsNewSuggested: boolean;
  firstExecutionRunId: string;
  continuedFromExecutionRunId?: string;
  parent?: { workflowId: string; runId: string; namespace: string };
  /** A child's root: the run at the top of its chain of parents (undefined for a run without a parent, as Temporal's). */
  root?: { workflowId: string; runId: string };
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
  /** The search attributes as Temporal's TypedSearchAttributes (`get(defineSearchAttributeKey(name, type))`). */
  readonly typedSearchAttributes: TypedSearchAttributes;
  /** A cron workflow's schedule (the `cronSchedule` start option). */
  cronSchedule?: string;
  /** The start's priority (Temporal's `priority` start option): its workflow tasks, and its activities by default. */
  priority?: Priority;
  /** A cron run: the result of the run before it (undefined when it failed or returned nothing). */
  lastResult?: unknown;
  /** A cron run: the failure of the run before it, when it failed. */
  lastFailure?: Error;
  startTime: Date;
  runStartTime: Date;
  executionTimeoutMs?: number;
  runTimeoutMs?: number;
  taskTimeoutMs: number;
  unsafe: { isReplaying: boolean; now(): number };
}

export type ActivityCancellationType = 'TRY_CANCEL' | 'WAIT_CANCELLATION_COMPLETED' | 'ABANDON';

export interface ActivityOptions {
  startToCloseTimeout?: Duration;
  scheduleToCloseTimeout?: Duration;
  scheduleToStartTimeout?: Duration;
  heartbeatTimeout?: Duration;
  retry?: RetryPolicy;
  taskQueue?: string;
  activityId?: string;
  cancellationType?: ActivityCancellationType;
  /** false: never handed back eagerly with the workflow task's completion, always through a poll (Temporal's). */
  allowEagerDispatch?: boolean;
  /**
   * The activity's priority: its tasks are handed out before those of a larger priority key on the same task
   * queue (1 first; none: the workflow's, else 3). Fairness keys and weights are kept, not used.
   */
  priority?: Priority;
  /** Accepted, unused (Weft has no worker versioning). */
  versioningIntent?: VersioningIntent;
  /**
   * A one-line summary for people (Temporal's): kept on the activity's ActivityTaskScheduled event as user
   * metadata (a payload, encoded by the worker's codecs). Local activities accept it and keep none.
   */
  summary?: string;
}

export const ActivityCancellationType = {
  TRY_CANCEL: 'TRY_CANCEL',
  WAIT_CANCELLATION_COMPLETED: 'WAIT_CANCELLATION_COMPLETED',
  ABANDON: 'ABANDON',
} as const;

/** Temporal's enum objects (see TimeoutType in common/failure.ts): short strings, plus Temporal's deprecated prefixed aliases. */
export const ParentClosePolicy = {
  TERMINATE: 'TERMINATE',
  ABANDON: 'ABANDON',
  REQUEST_CANCEL: 'REQUEST_CANCEL',
  PARENT_CLOSE_POLICY_UNSPECIFIED: undefined,
  PARENT_CLOSE_POLICY_TERMINATE: 'TERMINATE',
  PARENT_CLOSE_POLICY_ABANDON: 'ABANDON',
  PARENT_CLOSE_POLICY_REQUEST_CANCEL: 'REQUEST_CANCEL',
} as const;
export type ParentClosePolicy = NonNullable<(typeof ParentClosePolicy)[keyof typeof ParentClosePolicy]>;

export const WorkflowIdReusePolicy = {
  ALLOW_DUPLICATE: 'ALLOW_DUPLICATE',
  ALLOW_DUPLICATE_FAILED_ONLY: 'ALLOW_DUPLICATE_FAILED_ONLY',
  REJECT_DUPLICATE: 'REJECT_DUPLICATE',
  TERMINATE_IF_RUNNING: 'TERMINATE_IF_RUNNING',
  WORKFLOW_ID_REUSE_POLICY_UNSPECIFIED: undefined,
  WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE: 'ALLOW_DUPLICATE',
  WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY: 'ALLOW_DUPLICATE_FAILED_ONLY',
  WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE: 'REJECT_DUPLICATE',
  WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING: 'TERMINATE_IF_RUNNING',
} as const;
export type WorkflowIdReusePolicy = NonNullable<(typeof WorkflowIdReusePolicy)[keyof typeof WorkflowIdReusePolicy]>;

export const WorkflowIdConflictPolicy = {
  FAIL: 'FAIL',
  USE_EXISTING: 'USE_EXISTING',
  TERMINATE_EXISTING: 'TERMINATE_EXISTING',
} as const;
export type WorkflowIdConflictPolicy = (typeof WorkflowIdConflictPolicy)[keyof typeof WorkflowIdConflictPolicy];

/** A function's promise-returning form: what an activity looks like from a workflow. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ActivityFunction = (...args: any[]) => any;
export type ActivityInterfaceFor<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};
