/**
 * A schedule as the server keeps it: its spec, action and policies as given (and resolved), what it is doing
 * (running workflows, buffered actions, pending backfills) and what it did (recent actions, counters). One JSON
 * document per schedule, versioned like a run's state.
 */
import type { ExecutionStatus } from '../protocol/status.js';
import type { Priority } from '../common/priority.js';
import type { ResolvedScheduleSpec } from './spec.js';

export const OVERLAP_POLICIES = [
  'SKIP',
  'BUFFER_ONE',
  'BUFFER_ALL',
  'CANCEL_OTHER',
  'TERMINATE_OTHER',
  'ALLOW_ALL',
] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** What each action does: start a workflow (the only action, as in Temporal). */
export interface ScheduleAction {
  type: 'startWorkflow';
  workflowType: string;
  taskQueue: string;
  args: unknown[];
  /** Prefix of the workflow ids; each action's id is `<prefix>-<nominal time>`. Default: the schedule id. */
  workflowId?: string;
  workflowExecutionTimeoutMs?: number;
  workflowRunTimeoutMs?: number;
  workflowTaskTimeoutMs?: number;
  retry?: Record<string, unknown>;
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
  /** Each started workflow's staticSummary / staticDetails (payloads) and priority. */
  userMetadata?: { summary?: unknown; details?: unknown };
  priority?: Priority;
}

export interface SchedulePolicies {
  overlap: OverlapPolicy;
  /** Actions missed (server down) longer ago than this are skipped and counted. */
  catchupWindowMs: number;
  /** A failed or timed-out action pauses the schedule. */
  pauseOnFailure: boolean;
}

export interface RecentAction {
  /** The time the spec gave (or the trigger time), and the time the workflow started. */
  nominalTime: number;
  actualTime: number;
  workflowId: string;
  runId: string;
  status: ExecutionStatus;
}

export interface PendingAction {
  nominalTime: number;
  overlap: OverlapPolicy;
  /** A trigger or a backfill (not from the spec). */
  manual: boolean;
}

export interface ScheduleState {
  namespace: string;
  scheduleId: string;
  /** The spec as given (for describe and update) and resolved (for computing times). */
  specInput: Record<string, unknown>;
  spec: ResolvedScheduleSpec;
  action: ScheduleAction;
  policies: SchedulePolicies;
  paused: boolean;
  note?: string;
  /** The schedule's own memo (Temporal's ScheduleOptions.memo), as given at create. */
  memo?: Record<string, unknown>;
  /** With limitedActions, the schedule takes only this many more actions. */
  limitedActions: boolean;
  remainingActions: number;
  createdAt: number;
  updatedAt: number;
  /** Nominal times up to here have been handled. */
  lastProcessedTime: number;
  /** The nominal time of the latest trigger: two triggers in one millisecond still get distinct times. */
  lastTriggerTime?: number;
  /** Workflows this schedule started that have not closed. */
  running: Array<{ workflowId: string; runId: string; nominalTime: number }>;
  /** Actions waiting for running workflows to close (BUFFER_ONE, BUFFER_ALL, CANCEL_OTHER). */
  buffered: PendingAction[];
  /** Triggers and the not yet handled part of backfills. */
  manual: PendingAction[];
  /** `remaining`: nominal times of the range not yet expanded (absent in states written before it was kept). */
  backfills: Array<{ fromExclusive: number; to: number; overlap: OverlapPolicy; remaining?: number }>;
  /**
   * A catch-up in progress: spec times up to `takeUntil` are taken; those after it up to `skipUntil` are skipped
   * (more were due at once than the catch-up limit).
   */
  catchup?: { takeUntil: number; skipUntil: number };
  /** The newest actions, newest last. */
  recentActions: RecentAction[];
  counters: {
    actions: number;
    skippedOverlap: number;
    missedCatchupWindow: number;
    bufferDropped: number;
    /** Actions whose workflow id was taken (a workflow started by hand with it, say). */
    startRefused: number;
  };
}

export const RECENT_ACTIONS_KEPT = 10;
export const DEFAULT_CATCHUP_WINDOW_MS = 365 * 24 * 3600 * 1000;

/** What a new schedule has done and is doing at `now`: nothing yet. */
export function freshProgress(
  now: number,
): Pick<
  ScheduleState,
  | 'createdAt'
  | 'updatedAt'
  | 'lastProcessedTime'
  | 'running'
  | 'buffered'
  | 'manual'
  | 'backfills'
  | 'recentActions'
  | 'counters'
> {
  return {
    createdAt: now,
    updatedAt: now,
    lastProcessedTime: now,
    running: [],
    buffered: [],
    manual: [],
    backfills: [],
    recentActions: [],
    counters: { actions: 0, skippedOverlap: 0, missedCatchupWindow: 0, bufferDropped: 0, startRefused: 0 },
  };
}
