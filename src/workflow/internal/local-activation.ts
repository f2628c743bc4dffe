/**
 * What crosses the sandbox boundary for local activities: the workflow asks the worker to run one (a request,
 * not a command: the server never sees it), or to stop one; the worker answers with a `resolveLocalActivity`
 * job, built from the LocalActivity marker it records (or, on replay, reads back).
 */
import type { RetryPolicyInput } from '../../protocol/schema-common.js';

export interface LocalActivityRequest {
  seq: number;
  activityType: string;
  activityId: string;
  args: unknown[];
  /** 1 for a new activity; more when it is retried after a durable backoff timer. */
  attempt: number;
  /** Workflow time of the first attempt's scheduling (schedule-to-close counts from it). */
  originalScheduleTime: number;
  startToCloseTimeoutMs?: number;
  scheduleToCloseTimeoutMs?: number;
  retryPolicy?: RetryPolicyInput;
  /** Headers the workflow's outbound interceptors set, for the activity's inbound interceptors. */
  headers?: Record<string, unknown>;
}

export interface LocalActivityCancel {
  seq: number;
  /**
   * The workflow already stopped waiting (TRY_CANCEL, ABANDON): nothing is recorded for it. Otherwise
   * (WAIT_CANCELLATION_COMPLETED) the worker records how the cancelled attempt ended.
   */
  resolved: boolean;
  /** ABANDON: let the running attempt finish on its own; its outcome is ignored. */
  abandon: boolean;
}
