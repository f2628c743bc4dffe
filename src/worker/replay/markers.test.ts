/**
 * The WorkflowMachine with markers, against a scripted sandbox (each activation answers what the script says):
 * the patch look-ahead, skipped patch markers, and local activity outcomes replayed from their markers.
 */
import { describe, expect, it } from 'vitest';
import { DeterminismViolationError } from '../../common/failure.js';
import type { Command } from '../../protocol/commands.js';
import type { EventAttributes, EventType, HistoryEvent } from '../../protocol/events.js';
import type { Activation, ActivationResult } from '../../workflow/internal/activation.js';
import type { WorkflowSandbox } from '../sandbox/vm-sandbox.js';
import { WorkflowMachine } from './workflow-machine.js';

class ScriptedSandbox {
  readonly activations: Activation[] = [];
  constructor(private readonly script: Array<(a: Activation) => ActivationResult>) {}
  create(): void {}
  dispose(): void {}
  activate(_runId: string, a: Activation): ActivationResult {
    this.activations.push(structuredClone(a));
    const step = this.script[this.activations.length - 1];
    if (!step) throw new Error(`activation ${this.activations.length} is not scripted`);
    return step(a);
  }
}

/** Builds a history from [type, attributes] pairs (ids from 1, one second apart). */
function history(...events: Array<[EventType, Record<string, unknown>]>): HistoryEvent[] {
  return events.map(
    ([eventType, attributes], i) =>
      ({
        eventId: i + 1,
        eventType,
        eventTime: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
        attributes: attributes as unknown as EventAttributes[EventType],
      }) as HistoryEvent,
  );
}

const started: [EventType, Record<string, unknown>] = [
  'WorkflowExecutionStarted',
  {
    workflowType: 'wf',
    workflowId: 'w',
    taskQueue: 'q',
    input: [],
    workflowTaskTimeoutMs: 10_000,
    attempt: 1,
    firstExecutionRunId: 'r',
    randomnessSeed: 's',
  },
];
const task = (scheduled: number): Array<[EventType, Record<string, unknown>]> => [
  ['WorkflowTaskScheduled', { taskQueue: 'q', startToCloseTimeoutMs: 10_000, attempt: 1 }],
  ['WorkflowTaskStarted', { scheduledEventId: scheduled, identity: 'w1' }],
  ['WorkflowTaskCompleted', { scheduledEventId: scheduled, startedEventId: scheduled + 1, identity: 'w1' }],
];
const timerStarted = (seq: number): [EventType, Record<string, unknown>] => [
  'TimerStarted',
  { timerId: String(seq), seq, startToFireTimeoutMs: 1000, workflowTaskCompletedEventId: 4 },
];
const patchMarker = (patchId: string): [EventType, Record<string, unknown>] => [
  'MarkerRecorded',
  { markerName: 'Patch', details: { patchId, deprecated: false }, workflowTaskCompletedEventId: 4 },
];
const localMarker = (seq: number, activityType: string, result: unknown): [EventType, Record<string, unknown>] => [
  'MarkerRecorded',
  {
    markerName: 'LocalActivity',
    details: { seq, activityType, activityId: String(seq), attempt: 1, result },
    workflowTaskCompletedEventId: 4,
  },
];
const timer = (seq: number): Command => ({ type: 'StartTimer', seq, startToFireTimeoutMs: 1000 });
const localRequest = (seq: number, activityType = 'charge') => ({
  seq,
  activityType,
  activityId: String(seq),
  args: [],
  attempt: 1,
  originalScheduleTime: 0,
});

function machine(script: Array<(a: Activation) => ActivationResult>): {
  m: WorkflowMachine;
  sandbox: ScriptedSandbox;
} {
  const sandbox = new ScriptedSandbox(script);
  const m = new WorkflowMachine(sandbox as unknown as WorkflowSandbox, {
    namespace: 'default',
    workflowId: 'w',
    runId: 'r',
    workflowType: 'wf',
    taskQueue: 'q',
  });
  return { m, sandbox };
}

function replayError(m: WorkflowMachine, events: HistoryEvent[]): DeterminismViolationError {
  try {
    m.apply(events);
    m.finishReplay();
  } catch (e) {
    if (e instanceof DeterminismViolationError) return e;
    throw e;
  }
  throw new Error('replay passed');
}

describe('patch markers in replay', () => {
  it('hands a replayed task the patch ids among its command events, also those after other commands', () => {
    // the code schedules a timer, then asks patched('p'), whose marker therefore follows the timer
    const { m, sandbox } = machine([
      (a) => ({ commands: a.patches?.includes('p') ? [timer(1), patchCommand('p')] : [timer(1)] }),
      () => ({ commands: [] }),
    ]);
    m.apply(history(started, ...task(2), timerStarted(1), patchMarker('p'), ...task(7).slice(0, 2)));
    m.finishReplay();
    expect(sandbox.activations.map((a) => [a.isReplaying, a.patches])).toEqual([
      [true, ['p']],
      [false, undefined],
    ]);
  });

  it('skips a patch marker the code no longer asks about, and still matches the commands around it', () => {
    const { m } = machine([() => ({ commands: [timer(1)] })]);
    m.apply(history(started, ...task(2), patchMarker('gone'), timerStarted(1)));
    m.finishReplay();
    const { m: m2 } = machine([() => ({ commands: [timer(2)] })]);
    expect(replayError(m2, history(started, ...task(2), patchMarker('gone'), timerStarted(1))).message).toMatch(
      /history recorded: +TimerStarted seq=1/,
    );
  });
});

describe('local activity markers in replay', () => {
  it('resolves a requested local activity from its marker and matches what the code does next', () => {
    const { m, sandbox } = machine([
      () => ({ commands: [], localActivities: [localRequest(1)] }),
      (a) => ({ commands: a.jobs[0]?.type === 'resolveLocalActivity' ? [timer(1)] : [] }),
    ]);
    m.apply(history(started, ...task(2), localMarker(1, 'charge', 42), timerStarted(1)));
    m.finishReplay();
    expect(sandbox.activations[1]).toMatchObject({
      isReplaying: true,
      historyLength: 3, // the task's own time and length
      jobs: [{ type: 'resolveLocalActivity', seq: 1, result: 42 }],
    });
    expect(m.markers.pendingLocal.size).toBe(0);
  });

  it('a marker for a local activity the code did not ask for is nondeterministic', () => {
    const { m } = machine([() => ({ commands: [], localActivities: [localRequest(1, 'refund')] })]);
    const err = replayError(m, history(started, ...task(2), localMarker(1, 'charge', 1)));
    expect(err.message).toMatch(/history recorded: +MarkerRecorded seq=1 marker=LocalActivity activityType=charge/);
    expect(err.message).toMatch(/code produced: +LocalActivity seq=1 activityType=refund/);
  });

  it('a local activity still pending when replay leaves its completed task is nondeterministic', () => {
    const { m } = machine([() => ({ commands: [timer(1)], localActivities: [localRequest(1)] })]);
    const err = replayError(
      m,
      history(started, ...task(2), timerStarted(1), ['TimerFired', { timerId: '1', startedEventId: 5 }]),
    );
    expect(err.eventId).toBe(6);
    expect(err.message).toMatch(/code produced: +LocalActivity seq=1 activityType=charge/);
  });

  it('live: an outcome joins the task commands as a marker, then the workflow goes on from it', () => {
    const { m, sandbox } = machine([
      () => ({ commands: [timer(1)], localActivities: [localRequest(2)] }),
      () => ({ commands: [{ type: 'CompleteWorkflowExecution', result: 'ok' }] }),
    ]);
    const r = m.apply(history(started, ...task(2).slice(0, 2)));
    expect(r?.localActivities).toHaveLength(1);
    const marker = {
      type: 'RecordMarker' as const,
      markerName: 'LocalActivity',
      details: { seq: 2, activityType: 'charge', activityId: '2', attempt: 1, result: 'paid' },
    };
    m.resolveLocalActivity(marker);
    expect(sandbox.activations[1]).toMatchObject({ isReplaying: false, jobs: [{ seq: 2, result: 'paid' }] });
    expect(m.commands.map((c) => c.type)).toEqual(['StartTimer', 'RecordMarker', 'CompleteWorkflowExecution']);
    expect(() => m.resolveLocalActivity(marker)).toThrow(/not pending/);
  });
});

function patchCommand(patchId: string): Command {
  return { type: 'RecordMarker', markerName: 'Patch', details: { patchId, deprecated: false } };
}
