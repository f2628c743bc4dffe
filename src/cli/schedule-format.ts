/** How `weft schedule describe` and `list` show schedules in table output. */
import type { ScheduleActionResult, ScheduleDescription, ScheduleSummary } from '../protocol/schedule-api.js';
import { formatMs } from '../schedules/spec.js';
import { isoTime, printFields, printLine, printTable, shortJson } from './output.js';

const ms = (v: unknown): string | undefined => (typeof v === 'number' ? formatMs(v) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export const stateWord = (paused: boolean): string => (paused ? 'paused' : 'active');

function stateText(d: ScheduleDescription): string {
  const s = d.state;
  if (!s.limitedActions) return stateWord(s.paused);
  return `${stateWord(s.paused)}, ${s.remainingActions} action${s.remainingActions === 1 ? '' : 's'} left`;
}

function actionRows(actions: ScheduleActionResult[]): string[][] {
  return actions.map((a) => [isoTime(a.scheduledAt), isoTime(a.takenAt), a.workflowId, a.status]);
}

export function printScheduleDescription(d: ScheduleDescription): void {
  const a = d.action;
  const i = d.info;
  printLine('Schedule:');
  printFields([
    ['ScheduleId', d.scheduleId],
    ['Spec', d.specDescription],
    ['State', stateText(d)],
    ['Note', d.state.note],
    ['WorkflowType', str(a.workflowType)],
    ['TaskQueue', str(a.taskQueue)],
    ['WorkflowIdPrefix', str(a.workflowId) ?? d.scheduleId],
    ['Input', shortJson(a.args ?? [], 200)],
    ['ExecutionTimeout', ms(a.workflowExecutionTimeoutMs)],
    ['RunTimeout', ms(a.workflowRunTimeoutMs)],
    ['TaskTimeout', ms(a.workflowTaskTimeoutMs)],
    ['OverlapPolicy', d.policies.overlap],
    ['CatchupWindow', formatMs(d.policies.catchupWindowMs)],
    ['PauseOnFailure', d.policies.pauseOnFailure],
    ['Actions', i.numActions],
    ['SkippedOverlap', i.numActionsSkippedOverlap],
    ['MissedCatchupWindow', i.numActionsMissedCatchupWindow],
    ['StartRefused', i.numActionsRefused],
    ['Buffered', i.bufferSize],
    ['BufferDropped', i.bufferDropped],
    ['Created', isoTime(i.createdAt)],
    ['Updated', isoTime(i.lastUpdatedAt)],
  ]);
  printLine();
  printLine('Next action times:');
  if (i.nextActionTimes.length === 0) printLine(d.state.paused ? '  (none while paused)' : '  (none)');
  for (const t of i.nextActionTimes) printLine(`  ${isoTime(t)}`);
  printLine();
  printLine('Recent actions:');
  printTable(['Scheduled', 'Taken', 'Workflow id', 'Status'], actionRows(i.recentActions));
  printLine();
  printLine('Running workflows:');
  printTable(
    ['Workflow id', 'Run id'],
    i.runningWorkflows.map((r) => [r.workflowId, r.runId]),
  );
}

export const SCHEDULE_HEAD = ['Schedule id', 'State', 'Workflow type', 'Spec', 'Next run', 'Last action'];

export function scheduleRow(s: ScheduleSummary): string[] {
  const last = s.recentActions[s.recentActions.length - 1];
  return [
    s.scheduleId,
    stateWord(s.paused),
    s.workflowType,
    s.specDescription,
    s.nextActionTime ? isoTime(s.nextActionTime) : '',
    last ? `${isoTime(last.scheduledAt)} ${last.status}` : '',
  ];
}
