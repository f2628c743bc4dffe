/** Commands and the events that record them, described for a nondeterminism error (side by side). */
import type { CommandDescription } from '../../common/failure.js';
import type { Command } from '../../protocol/commands.js';
import type { HistoryEvent } from '../../protocol/events.js';
import { describeMarkerCommand, describeMarkerEvent } from './markers.js';

export function describeEvent(ev: HistoryEvent): CommandDescription {
  if (ev.eventType === 'MarkerRecorded') return describeMarkerEvent(ev);
  const a = ev.attributes as Record<string, unknown>;
  const detail =
    ev.eventType === 'ActivityTaskScheduled'
      ? `activityType=${String(a.activityType)} activityId=${String(a.activityId)}`
      : ev.eventType === 'TimerStarted'
        ? `duration=${String(a.startToFireTimeoutMs)}ms`
        : ev.eventType === 'StartChildWorkflowExecutionInitiated'
          ? `workflowType=${String(a.workflowType)} workflowId=${String(a.workflowId)}`
          : ev.eventType === 'SignalExternalWorkflowExecutionInitiated'
            ? `signal=${String(a.signalName)} workflowId=${String(a.workflowId)}`
            : undefined;
  const seq = typeof a.seq === 'number' ? a.seq : ev.eventType === 'TimerCanceled' ? Number(a.timerId) : undefined;
  return {
    eventId: ev.eventId,
    kind: ev.eventType,
    ...(seq !== undefined ? { seq } : {}),
    ...(detail ? { detail } : {}),
  };
}

export function describeCommand(cmd: Command): CommandDescription {
  if (cmd.type === 'RecordMarker') return describeMarkerCommand(cmd);
  const seq = 'seq' in cmd ? cmd.seq : undefined;
  const detail =
    cmd.type === 'ScheduleActivityTask'
      ? `activityType=${cmd.activityType} activityId=${cmd.activityId}`
      : cmd.type === 'StartTimer'
        ? `duration=${cmd.startToFireTimeoutMs}ms`
        : cmd.type === 'StartChildWorkflowExecution'
          ? `workflowType=${cmd.workflowType} workflowId=${cmd.workflowId}`
          : cmd.type === 'SignalExternalWorkflowExecution'
            ? `signal=${cmd.signalName} workflowId=${cmd.workflowId}`
            : undefined;
  return { kind: cmd.type, ...(seq !== undefined ? { seq } : {}), ...(detail ? { detail } : {}) };
}

export function formatDesc(d: CommandDescription): string {
  return [d.kind, d.seq !== undefined ? `seq=${d.seq}` : '', d.detail ?? ''].filter(Boolean).join(' ');
}
