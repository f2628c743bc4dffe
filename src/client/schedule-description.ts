/**
 * Schedules as the TypeScript client shows them: Temporal's `ScheduleDescription` and `ScheduleSummary` shapes
 * (Dates, `info.numActionsTaken`, an action's workflow under `action.workflow`), plus what Weft knows beyond them.
 * The HTTP API and the CLI keep the server's own shape, which stays reachable as `raw`.
 */
import { decodeArgs } from '../common/payload-args.js';
import type {
  ScheduleActionResult as WireActionResult,
  ScheduleDescription as WireDescription,
  ScheduleSummary as WireSummary,
} from '../protocol/schedule-api.js';
import type { ScheduleSpecInput } from '../schedules/spec.js';
import { executionStatusOf, type WorkflowExecutionStatusInfo } from './execution-info.js';
import type { ScheduleAction, ScheduleOverlapPolicy } from './schedule-types.js';

export interface ScheduleExecutionStartWorkflowActionResult {
  type: 'startWorkflow';
  workflow: { workflowId: string; firstExecutionRunId: string };
}
export type ScheduleExecutionActionResult = ScheduleExecutionStartWorkflowActionResult;

export interface ScheduleExecutionResult {
  scheduledAt: Date;
  takenAt: Date;
  action: ScheduleExecutionActionResult;
  /** Weft: the started workflow's id, run id and status as the schedule last saw them. */
  workflowId: string;
  runId: string;
  status: WorkflowExecutionStatusInfo;
}

/** The action in the form create and update take (timeouts as milliseconds). */
export type ScheduleDescriptionAction = Omit<ScheduleAction, 'workflowType' | 'args'> & {
  workflowType: string;
  args: unknown[];
};

export interface ScheduleDescription {
  scheduleId: string;
  /** Weft's spec, in the form create takes. */
  spec: ScheduleSpecInput;
  /** Weft: the spec in words. */
  specDescription: string;
  action: ScheduleDescriptionAction;
  policies: {
    overlap: ScheduleOverlapPolicy;
    /** Milliseconds. */
    catchupWindow: number;
    pauseOnFailure: boolean;
    /** Weft's name for catchupWindow. */
    catchupWindowMs: number;
  };
  state: {
    paused: boolean;
    note?: string;
    /** Set only when the schedule takes a limited number of actions. */
    remainingActions?: number;
    /** Weft: whether remainingActions applies. */
    limitedActions: boolean;
  };
  /** The schedule's own memo (given at create). */
  memo?: Record<string, unknown>;
  info: {
    recentActions: ScheduleExecutionResult[];
    nextActionTimes: Date[];
    numActionsTaken: number;
    numActionsMissedCatchupWindow: number;
    numActionsSkippedOverlap: number;
    createdAt: Date;
    lastUpdatedAt: Date | undefined;
    runningActions: ScheduleExecutionActionResult[];
    /** Weft: numActionsTaken by its older name. */
    numActions: number;
    /** Weft: the running workflows as `{ workflowId, runId }`. */
    runningWorkflows: Array<{ workflowId: string; runId: string }>;
    /** Weft: actions whose workflow start the server refused. */
    numActionsRefused: number;
    /** Weft: buffered actions dropped (BUFFER_ONE keeps one). */
    bufferDropped: number;
    /** Weft: actions waiting in the buffer. */
    bufferSize: number;
  };
  /** Weft: the version an update is based on. */
  conflictToken: string;
  raw: WireDescription;
}

export interface ScheduleSummary {
  scheduleId: string;
  action: { type: 'startWorkflow'; workflowType: string };
  state: { paused: boolean; note?: string };
  info: { recentActions: ScheduleExecutionResult[]; nextActionTimes: Date[] };
  /** The schedule's own memo. */
  memo?: Record<string, unknown>;
  /** Weft: the fields of the server's summary, as before. */
  paused: boolean;
  note?: string;
  workflowType: string;
  specDescription: string;
  nextActionTime?: string;
  recentActions: WireActionResult[];
  raw: WireSummary;
}

function actionResultOf(a: WireActionResult): ScheduleExecutionResult {
  return {
    scheduledAt: new Date(a.scheduledAt),
    takenAt: new Date(a.takenAt),
    action: { type: 'startWorkflow', workflow: { workflowId: a.workflowId, firstExecutionRunId: a.runId } },
    workflowId: a.workflowId,
    runId: a.runId,
    status: executionStatusOf(a.status),
  };
}

/** A described action in the form create and update take (timeouts back to durations). */
function actionOf(described: Record<string, unknown>): ScheduleDescriptionAction {
  const { workflowExecutionTimeoutMs, workflowRunTimeoutMs, workflowTaskTimeoutMs, userMetadata, ...rest } =
    described as Record<string, number | undefined> & { userMetadata?: { summary?: unknown; details?: unknown } };
  const action = rest as unknown as ScheduleDescriptionAction;
  return {
    ...action,
    type: 'startWorkflow',
    args: decodeArgs(action.args),
    // as Temporal's described action: the user metadata as staticSummary / staticDetails (what create takes)
    ...(typeof userMetadata?.summary === 'string' ? { staticSummary: userMetadata.summary } : {}),
    ...(typeof userMetadata?.details === 'string' ? { staticDetails: userMetadata.details } : {}),
    ...(workflowExecutionTimeoutMs ? { workflowExecutionTimeout: workflowExecutionTimeoutMs } : {}),
    ...(workflowRunTimeoutMs ? { workflowRunTimeout: workflowRunTimeoutMs } : {}),
    ...(workflowTaskTimeoutMs ? { workflowTaskTimeout: workflowTaskTimeoutMs } : {}),
  };
}

export function scheduleDescriptionFromWire(d: WireDescription): ScheduleDescription {
  const i = d.info;
  return {
    scheduleId: d.scheduleId,
    spec: d.spec,
    specDescription: d.specDescription,
    action: actionOf(d.action),
    policies: {
      overlap: d.policies.overlap as ScheduleOverlapPolicy,
      catchupWindow: d.policies.catchupWindowMs,
      pauseOnFailure: d.policies.pauseOnFailure,
      catchupWindowMs: d.policies.catchupWindowMs,
    },
    state: {
      paused: d.state.paused,
      ...(d.state.note !== undefined ? { note: d.state.note } : {}),
      ...(d.state.limitedActions ? { remainingActions: d.state.remainingActions } : {}),
      limitedActions: d.state.limitedActions,
    },
    ...(d.memo !== undefined ? { memo: d.memo } : {}),
    info: {
      recentActions: i.recentActions.map(actionResultOf),
      nextActionTimes: i.nextActionTimes.map((t) => new Date(t)),
      numActionsTaken: i.numActions,
      numActionsMissedCatchupWindow: i.numActionsMissedCatchupWindow,
      numActionsSkippedOverlap: i.numActionsSkippedOverlap,
      createdAt: new Date(i.createdAt),
      lastUpdatedAt: new Date(i.lastUpdatedAt),
      runningActions: i.runningWorkflows.map((r) => ({
        type: 'startWorkflow',
        workflow: { workflowId: r.workflowId, firstExecutionRunId: r.runId },
      })),
      numActions: i.numActions,
      runningWorkflows: i.runningWorkflows,
      numActionsRefused: i.numActionsRefused,
      bufferDropped: i.bufferDropped,
      bufferSize: i.bufferSize,
    },
    conflictToken: d.conflictToken,
    raw: d,
  };
}

export function scheduleSummaryFromWire(s: WireSummary): ScheduleSummary {
  return {
    ...s,
    action: { type: 'startWorkflow', workflowType: s.workflowType },
    state: { paused: s.paused, ...(s.note !== undefined ? { note: s.note } : {}) },
    info: {
      recentActions: s.recentActions.map(actionResultOf),
      nextActionTimes: s.nextActionTime ? [new Date(s.nextActionTime)] : [],
    },
    raw: s,
  };
}
