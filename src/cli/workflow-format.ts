/** How `weft workflow ...` shows executions, descriptions, histories and failures in table output. */
import type { WorkflowExecutionInfo } from '../client/execution-info.js';
import type { FailureInfo } from '../common/failure.js';
import type { DescribeWorkflowResponse, WorkflowResultResponse } from '../protocol/api.js';
import type { HistoryEvent } from '../protocol/events.js';
import { isoTime, printFields, printLine, printTable, shortJson } from './output.js';

const FAILURE_CLASS: Record<FailureInfo['kind'], string> = {
  application: 'ApplicationFailure',
  activity: 'ActivityFailure',
  childWorkflow: 'ChildWorkflowFailure',
  cancelled: 'CancelledFailure',
  timeout: 'TimeoutFailure',
  terminated: 'TerminatedFailure',
  server: 'ServerFailure',
};

/** One line per failure in the cause chain: `ApplicationFailure [type]: message`. */
export function failureLines(f: FailureInfo): string[] {
  const lines: string[] = [];
  for (let c: FailureInfo | undefined = f, depth = 0; c && depth < 20; c = c.cause, depth++) {
    const extra: string[] = [];
    if (c.activityType) extra.push(`activity ${c.activityType}${c.activityId ? ` #${c.activityId}` : ''}`);
    if (c.timeoutType) extra.push(`timeout ${c.timeoutType}`);
    if (c.retryState && c.retryState !== 'RETRY_POLICY_NOT_SET') extra.push(`retry state ${c.retryState}`);
    if (c.nonRetryable) extra.push('non-retryable');
    const type = c.type ? ` [${c.type}]` : '';
    lines.push(
      `${depth === 0 ? '' : 'caused by: '}${FAILURE_CLASS[c.kind] ?? c.kind}${type}: ${c.message}${extra.length ? ` (${extra.join(', ')})` : ''}`,
    );
  }
  return lines;
}

/** The outcome of a closed run as one phrase: why it did not complete. */
export function outcomeSummary(r: WorkflowResultResponse): string {
  if (r.failure) return failureLines(r.failure).join('; ');
  if (r.status === 'Terminated') return r.reason ? `terminated: ${r.reason}` : 'terminated';
  if (r.status === 'Cancelled') return 'cancelled';
  if (r.status === 'TimedOut') return 'timed out';
  return r.status;
}

/** The CLI keeps Weft's state names (`Running`, ...): they come from the server's summary (`raw`). */
export function executionRow(e: WorkflowExecutionInfo): string[] {
  return [e.workflowId, e.runId, e.type, e.raw.status, isoTime(e.startTime), isoTime(e.closeTime)];
}
export const EXECUTION_HEAD = ['Workflow id', 'Run id', 'Type', 'Status', 'Start', 'Close'];

export function executionJson(e: WorkflowExecutionInfo): Record<string, unknown> {
  return {
    workflowId: e.workflowId,
    runId: e.runId,
    type: e.type,
    taskQueue: e.taskQueue,
    status: e.raw.status,
    startTime: isoTime(e.startTime),
    ...(e.closeTime ? { closeTime: isoTime(e.closeTime) } : {}),
    historyLength: e.historyLength,
  };
}

/** A start's staticSummary / staticDetails: the text, or the payload as JSON when it stays encoded (no codec). */
function metadataField(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : shortJson(v, 200);
}

export function printDescription(d: DescribeWorkflowResponse): void {
  const e = d.execution;
  printLine('Execution:');
  printFields([
    ['WorkflowId', e.workflowId],
    ['RunId', e.runId],
    ['Type', e.workflowType],
    ['TaskQueue', e.taskQueue],
    ['Status', e.status],
    ['StartTime', isoTime(e.startTime)],
    ['ExecutionTime', e.executionTime ? isoTime(e.executionTime) : undefined],
    ['CloseTime', e.closeTime ? isoTime(e.closeTime) : undefined],
    ['HistoryLength', e.historyLength],
    ['Attempt', e.attempt],
    ['FirstRunId', e.firstRunId !== e.runId ? e.firstRunId : undefined],
    ['CancelRequested', e.cancelRequested ? true : undefined],
    ['LastBuildId', e.lastBuildId],
    ['Parent', e.parent ? `${e.parent.workflowId} (run ${e.parent.runId})` : undefined],
    ['Memo', e.memo ? shortJson(e.memo, 200) : undefined],
    ['SearchAttributes', e.searchAttributes ? shortJson(e.searchAttributes, 200) : undefined],
    ['StaticSummary', metadataField(e.userMetadata?.summary)],
    ['StaticDetails', metadataField(e.userMetadata?.details)],
    ['Priority', e.priority ? shortJson(e.priority, 200) : undefined],
  ]);
  if (d.result) {
    printLine();
    printLine('Outcome:');
    printFields(
      d.result.status === 'Completed'
        ? [['Result', shortJson(d.result.result ?? null, 200)]]
        : [
            ['Failure', outcomeSummary(d.result)],
            ['ContinuedAs', d.result.newExecutionRunId],
          ],
    );
  }
  const wt = d.pendingWorkflowTask;
  if (wt) {
    printLine();
    printLine('Pending workflow task:');
    printFields([
      ['State', wt.state],
      ['Attempt', wt.attempt],
      ['Scheduled', isoTime(wt.scheduledTime)],
      ['Started', wt.startedTime ? isoTime(wt.startedTime) : undefined],
      ['LastFailure', wt.lastFailure ? failureLines(wt.lastFailure).join('; ') : undefined],
    ]);
  }
  if (e.status === 'Running' || d.pendingActivities.length > 0) {
    printLine();
    printLine('Pending activities:');
    printTable(
      ['Activity id', 'Type', 'State', 'Attempt', 'Scheduled', 'Last started', 'Last failure'],
      d.pendingActivities.map((a) => [
        a.activityId,
        a.activityType,
        a.state,
        a.maximumAttempts > 0 ? `${a.attempt}/${a.maximumAttempts}` : String(a.attempt),
        isoTime(a.scheduledTime),
        a.lastStartedTime ? isoTime(a.lastStartedTime) : '',
        a.lastFailure ? shortJson(a.lastFailure.message, 60).replace(/^"|"$/g, '') : '',
      ]),
    );
  }
  if (d.pendingTimers.length > 0) {
    printLine();
    printLine('Pending timers:');
    printTable(
      ['Timer id', 'Fires at'],
      d.pendingTimers.map((t) => [t.timerId, isoTime(t.fireTime)]),
    );
  }
  if (d.pendingChildren.length > 0) {
    printLine();
    printLine('Pending child workflows:');
    printTable(
      ['Workflow id', 'Run id', 'Type', 'State', 'Parent close policy'],
      d.pendingChildren.map((c) => [c.workflowId, c.runId ?? '', c.workflowType, c.state, c.parentClosePolicy]),
    );
  }
}

/** Attributes that say little in a one-line summary. */
const QUIET_ATTRIBUTES = new Set([
  'randomnessSeed',
  'retryPolicy',
  'scheduledEventId',
  'startedEventId',
  'workflowTaskCompletedEventId',
  'latestCancelRequestedEventId',
  'firstExecutionRunId',
  'requestId',
  'seq',
  'workflowId',
]);

/** A history event's attributes in one short line: `key=value` pairs, failures by their message. */
export function eventSummary(ev: HistoryEvent, max = 100): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(ev.attributes as Record<string, unknown>)) {
    if (v === undefined || QUIET_ATTRIBUTES.has(k)) continue;
    if (k === 'failure' && v && typeof v === 'object')
      parts.push(`failure=${shortJson((v as FailureInfo).message, 60)}`);
    else parts.push(`${k}=${typeof v === 'string' ? v : shortJson(v, 60)}`);
  }
  const s = parts.join(' ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function printHistory(events: HistoryEvent[]): void {
  printTable(
    ['Id', 'Time', 'Type', 'Details'],
    events.map((ev) => [String(ev.eventId), isoTime(ev.eventTime), ev.eventType, eventSummary(ev)]),
    '(no events)',
  );
}
