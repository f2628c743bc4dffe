/**
 * Whole histories of typical workflows, event by event, as a worker replays them; and the history checker
 * itself (test-invariants.ts), shown to reject histories that break each rule.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../protocol/events.js';
import { cmd, EngineDriver } from './test-driver.js';
import { checkHistory, checkInvariants, InvariantViolation } from './test-invariants.js';

/** "id Type key=value" lines: a compact, readable form of a history. */
function lines(events: readonly HistoryEvent[], from = 1): string[] {
  return events.slice(from - 1).map((e) => {
    const a = e.attributes as Record<string, unknown>;
    const refs = [
      'seq',
      'timerId',
      'scheduledEventId',
      'startedEventId',
      'attempt',
      'workflowTaskCompletedEventId',
      'latestCancelRequestedEventId',
    ]
      .filter((k) => a[k] !== undefined)
      .map((k) => `${k}=${String(a[k])}`);
    return [e.eventId, e.eventType, ...refs].join(' ');
  });
}

describe('histories of typical workflows', () => {
  it('three activities in sequence', () => {
    const d = new EngineDriver();
    d.start();
    for (let seq = 1; seq <= 3; seq++) {
      d.runWorkflowTask([cmd.activity(seq)], { identity: 'w', sticky: true });
      d.dispatchActivity(seq, 'w');
      d.advance(10);
      d.completeActivity(seq, `r${seq}`);
    }
    d.runWorkflowTask([cmd.complete('r1 r2 r3')], { identity: 'w' });
    expect(lines(d.events)).toEqual([
      '1 WorkflowExecutionStarted attempt=1',
      '2 WorkflowTaskScheduled attempt=1',
      '3 WorkflowTaskStarted scheduledEventId=2',
      '4 WorkflowTaskCompleted scheduledEventId=2 startedEventId=3',
      '5 ActivityTaskScheduled seq=1 workflowTaskCompletedEventId=4',
      '6 ActivityTaskStarted scheduledEventId=5 attempt=1',
      '7 ActivityTaskCompleted scheduledEventId=5 startedEventId=6',
      '8 WorkflowTaskScheduled attempt=1',
      '9 WorkflowTaskStarted scheduledEventId=8',
      '10 WorkflowTaskCompleted scheduledEventId=8 startedEventId=9',
      '11 ActivityTaskScheduled seq=2 workflowTaskCompletedEventId=10',
      '12 ActivityTaskStarted scheduledEventId=11 attempt=1',
      '13 ActivityTaskCompleted scheduledEventId=11 startedEventId=12',
      '14 WorkflowTaskScheduled attempt=1',
      '15 WorkflowTaskStarted scheduledEventId=14',
      '16 WorkflowTaskCompleted scheduledEventId=14 startedEventId=15',
      '17 ActivityTaskScheduled seq=3 workflowTaskCompletedEventId=16',
      '18 ActivityTaskStarted scheduledEventId=17 attempt=1',
      '19 ActivityTaskCompleted scheduledEventId=17 startedEventId=18',
      '20 WorkflowTaskScheduled attempt=1',
      '21 WorkflowTaskStarted scheduledEventId=20',
      '22 WorkflowTaskCompleted scheduledEventId=20 startedEventId=21',
      '23 WorkflowExecutionCompleted workflowTaskCompletedEventId=22',
    ]);
    checkInvariants(d);
  });

  it('two activities and a timer racing a running workflow task, a failed task, and a cancellation', () => {
    const d = new EngineDriver();
    d.start();
    d.runWorkflowTask([cmd.activity(1), cmd.activity(2), cmd.timer(1, 5000)]);
    d.dispatchActivity(1, 'a');
    d.dispatchActivity(2, 'a');
    d.completeActivity(1, 'one'); // WT 2 scheduled
    d.dispatchWorkflowTask();
    d.completeActivity(2, 'two'); // buffered behind WT 2
    d.failWorkflowTask(); // WT 2 fails: buffered events follow its WorkflowTaskFailed
    d.advanceBy(1000); // retry backoff ends
    d.dispatchWorkflowTask(); // transient attempt 2
    d.advanceBy(4000); // the timer fires during it: buffered
    d.requestCancel(); // buffered too
    d.completeWorkflowTask([cmd.cancelTimer(1)]); // overtakes its TimerFired
    d.runWorkflowTask([cmd.cancel()]);
    expect(lines(d.events)).toEqual([
      '1 WorkflowExecutionStarted attempt=1',
      '2 WorkflowTaskScheduled attempt=1',
      '3 WorkflowTaskStarted scheduledEventId=2',
      '4 WorkflowTaskCompleted scheduledEventId=2 startedEventId=3',
      '5 ActivityTaskScheduled seq=1 workflowTaskCompletedEventId=4',
      '6 ActivityTaskScheduled seq=2 workflowTaskCompletedEventId=4',
      '7 TimerStarted seq=1 timerId=1 workflowTaskCompletedEventId=4',
      '8 ActivityTaskStarted scheduledEventId=5 attempt=1',
      '9 ActivityTaskCompleted scheduledEventId=5 startedEventId=8',
      '10 WorkflowTaskScheduled attempt=1',
      '11 WorkflowTaskStarted scheduledEventId=10',
      '12 WorkflowTaskFailed scheduledEventId=10 startedEventId=11',
      '13 ActivityTaskStarted scheduledEventId=6 attempt=1',
      '14 ActivityTaskCompleted scheduledEventId=6 startedEventId=13',
      '15 WorkflowTaskScheduled attempt=2',
      '16 WorkflowTaskStarted scheduledEventId=15',
      '17 WorkflowTaskCompleted scheduledEventId=15 startedEventId=16',
      '18 TimerCanceled timerId=1 startedEventId=7 workflowTaskCompletedEventId=17',
      '19 WorkflowExecutionCancelRequested',
      '20 WorkflowTaskScheduled attempt=1',
      '21 WorkflowTaskStarted scheduledEventId=20',
      '22 WorkflowTaskCompleted scheduledEventId=20 startedEventId=21',
      '23 WorkflowExecutionCanceled workflowTaskCompletedEventId=22',
    ]);
    checkInvariants(d);
  });

  it('an activity that is retried twice shows one ActivityTaskStarted, for its last attempt', () => {
    const d = new EngineDriver();
    d.start();
    d.runWorkflowTask([cmd.activity(1, { retryPolicy: { initialInterval: 100 } })]);
    for (let i = 0; i < 2; i++) {
      d.dispatchActivity(1);
      d.failActivity(1, { kind: 'application', message: `try ${i + 1}`, type: 'Flaky' });
      d.advanceBy(1000);
    }
    d.dispatchActivity(1);
    d.completeActivity(1, 'ok');
    d.runWorkflowTask([cmd.complete()]);
    expect(lines(d.events, 5)).toEqual([
      '5 ActivityTaskScheduled seq=1 workflowTaskCompletedEventId=4',
      '6 ActivityTaskStarted scheduledEventId=5 attempt=3',
      '7 ActivityTaskCompleted scheduledEventId=5 startedEventId=6',
      '8 WorkflowTaskScheduled attempt=1',
      '9 WorkflowTaskStarted scheduledEventId=8',
      '10 WorkflowTaskCompleted scheduledEventId=8 startedEventId=9',
      '11 WorkflowExecutionCompleted workflowTaskCompletedEventId=10',
    ]);
    expect(d.eventAs(6, 'ActivityTaskStarted').attributes.lastFailure?.message).toBe('try 2');
  });
});

describe('the history checker rejects broken histories', () => {
  /** A small valid history to break: one activity, completed. */
  function valid(): { events: HistoryEvent[]; completions: Map<number, ReturnType<typeof cmd.activity>[]> } {
    const d = new EngineDriver();
    d.start();
    d.runWorkflowTask([cmd.activity(1), cmd.timer(1, 1000)]);
    d.dispatchActivity(1);
    d.completeActivity(1);
    d.runWorkflowTask([cmd.complete()]);
    return { events: structuredClone(d.events), completions: new Map(d.completions) };
  }

  // the valid history: 1 Started, 2-4 first task, 5 ActivityTaskScheduled, 6 TimerStarted, 7-8 activity
  // started and completed, 9-11 second task, 12 WorkflowExecutionCompleted
  const breakers: [string, (events: HistoryEvent[]) => HistoryEvent[], RegExp][] = [
    ['a gap in event ids', (e) => e.filter((x) => x.eventId !== 3), /not dense/],
    ['events after the close event', (e) => renumber([...e, { ...e[6]! }]), /after the close event/],
    ['a command event elsewhere', (e) => renumber(swap(e, 6, 7)), /not recorded/],
    [
      'a command event with nothing to record',
      (e) => renumber(insertAfter(e, 8, { ...e[5]! })),
      /command event outside/,
    ],
    [
      'a second outstanding workflow task',
      (e) => renumber(insertAfter(e, 9, { ...e[8]! })),
      /two workflow tasks outstanding/,
    ],
    [
      'an event between WorkflowTaskStarted and WorkflowTaskCompleted',
      (e) => renumber(swap(e, 9, 8)),
      /not followed directly|does not follow/,
    ],
    [
      'an outcome naming no ActivityTaskScheduled',
      (e) => patch(patch(e, 7, { scheduledEventId: 6 }), 8, { scheduledEventId: 6 }),
      /names no ActivityTaskScheduled/,
    ],
    [
      'an outcome with the wrong startedEventId',
      (e) => patch(e, 8, { startedEventId: 5 }),
      /startedEventId should be 7/,
    ],
    ['an activity that ends twice', (e) => renumber(insertAfter(e, 8, { ...e[7]! })), /ended twice/],
    [
      'a TimerFired before its time',
      (e) =>
        renumber(
          insertAfter(e, 8, {
            eventType: 'TimerFired',
            eventTime: e[5]!.eventTime,
            attributes: { timerId: '1', startedEventId: 6 },
          }),
        ),
      /before its time/,
    ],
    [
      'a transient workflow task that did not complete',
      (e) => patch(e, 9, { attempt: 2 }),
      /attempt 2 after a completed task/,
    ],
  ];

  it('accepts the unbroken history', () => {
    const { events, completions } = valid();
    expect(() => checkHistory(events, completions)).not.toThrow();
  });

  it.each(breakers)('%s', (_name, breakIt, message) => {
    const { events, completions } = valid();
    const broken = breakIt(events);
    let err: unknown;
    try {
      checkHistory(broken, completions);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvariantViolation);
    expect((err as Error).message).toMatch(message);
  });
});

function renumber(e: HistoryEvent[]): HistoryEvent[] {
  return e.map((ev, i) => ({ ...ev, eventId: i + 1 }));
}

function swap(e: HistoryEvent[], i: number, j: number): HistoryEvent[] {
  const out = [...e];
  [out[i - 1], out[j - 1]] = [out[j - 1]!, out[i - 1]!];
  return out;
}

function patch(e: HistoryEvent[], id: number, attrs: Record<string, unknown>): HistoryEvent[] {
  return e.map((x) => (x.eventId === id ? ({ ...x, attributes: { ...x.attributes, ...attrs } } as HistoryEvent) : x));
}

function insertAfter(e: HistoryEvent[], id: number, ev: Partial<HistoryEvent>): HistoryEvent[] {
  const out = [...e];
  out.splice(id, 0, { ...e[id - 1]!, ...ev } as HistoryEvent);
  return out;
}
