/** RecordMarker: the MarkerRecorded event it writes, and the markers a completion may not hold. */
import { describe, expect, it } from 'vitest';
import type { FailureInfo } from '../common/failure.js';
import type { Command } from '../protocol/commands.js';
import { cmd, EngineDriver } from './test-driver.js';
import { checkInvariants } from './test-invariants.js';

const patch = (patchId: string, deprecated = false): Command => ({
  type: 'RecordMarker',
  markerName: 'Patch',
  details: { patchId, deprecated },
});
const local = (seq: number, extra: Record<string, unknown> = {}, failure?: FailureInfo): Command => ({
  type: 'RecordMarker',
  markerName: 'LocalActivity',
  details: { seq, activityType: 'charge', activityId: String(seq), attempt: 1, ...extra },
  ...(failure ? { failure } : {}),
});

function started(): EngineDriver {
  const d = new EngineDriver();
  d.start();
  d.dispatchWorkflowTask('w1');
  return d;
}

describe('RecordMarker', () => {
  it('writes MarkerRecorded in command order, naming the completion, with details and failure as sent', () => {
    const d = started();
    const failure = {
      kind: 'activity' as const,
      message: 'Local activity failed',
      cause: { kind: 'application' as const, message: 'no' },
    };
    const r = d.completeWorkflowTask([
      patch('v2'),
      cmd.timer(1, 1000),
      local(1, { result: 42 }),
      local(2, {}, failure),
    ]);
    expect(r.rejected).toBeUndefined();
    expect(d.lastEventTypes()).toEqual([
      'WorkflowTaskCompleted',
      'MarkerRecorded',
      'TimerStarted',
      'MarkerRecorded',
      'MarkerRecorded',
    ]);
    const markers = d.ofType('MarkerRecorded');
    expect(markers.map((m) => m.attributes)).toEqual([
      { markerName: 'Patch', details: { patchId: 'v2', deprecated: false }, workflowTaskCompletedEventId: 4 },
      {
        markerName: 'LocalActivity',
        details: { seq: 1, activityType: 'charge', activityId: '1', attempt: 1, result: 42 },
        workflowTaskCompletedEventId: 4,
      },
      {
        markerName: 'LocalActivity',
        details: { seq: 2, activityType: 'charge', activityId: '2', attempt: 1 },
        failure,
        workflowTaskCompletedEventId: 4,
      },
    ]);
    // a marker is history only: nothing pending, no rows, no new workflow task for it
    expect(d.state.workflowTask).toBeUndefined();
    expect([...d.timers.keys()]).toEqual(['timer:1']);
    checkInvariants(d);
  });

  it('a completion with only markers leaves the run waiting for nothing new', () => {
    const d = started();
    d.completeWorkflowTask([patch('a'), local(1, { result: null })]);
    expect(d.workflowTaskRow()).toBeUndefined();
    expect(d.state.needsWorkflowTask).toBe(false);
    checkInvariants(d);
  });

  it.each([
    ['the same patch twice', [patch('x'), patch('x', true)], /patch:x is recorded twice/],
    ['the same local activity twice', [local(3), local(3)], /local:3 is recorded twice/],
    ['a patch without an id', [{ type: 'RecordMarker', markerName: 'Patch', details: {} }], /patchId/],
    [
      'a local activity without a seq',
      [{ type: 'RecordMarker', markerName: 'LocalActivity', details: { activityType: 'a' } }],
      /details\.seq/,
    ],
  ] as Array<[string, Command[], RegExp]>)('rejects %s: the task fails, nothing is recorded', (_, commands, why) => {
    const d = started();
    const r = d.completeWorkflowTask(commands);
    expect(r.rejected).toMatch(why);
    expect(d.ofType('MarkerRecorded')).toHaveLength(0);
    expect(d.lastEventTypes()).toEqual(['WorkflowTaskFailed']);
    checkInvariants(d);
  });

  it('accepts markers of other names as they are', () => {
    const d = started();
    d.completeWorkflowTask([{ type: 'RecordMarker', markerName: 'SideEffect', details: { value: 1 } }, cmd.complete()]);
    expect(d.eventTypes().slice(-2)).toEqual(['MarkerRecorded', 'WorkflowExecutionCompleted']);
    checkInvariants(d);
  });
});
