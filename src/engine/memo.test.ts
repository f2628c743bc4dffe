/** upsertMemo's command: merged into the run's memo, recorded as WorkflowPropertiesModified, checked first. */
import { describe, expect, it } from 'vitest';
import type { Command } from '../protocol/commands.js';
import { mergeMemo } from './memo.js';
import { cmd, EngineDriver } from './test-driver.js';
import { checkInvariants } from './test-invariants.js';

const upsert = (upsertedMemo: Record<string, unknown>): Command => ({ type: 'ModifyWorkflowProperties', upsertedMemo });

describe('ModifyWorkflowProperties', () => {
  it('merges into the start memo, removes null keys and records what the command set', () => {
    const d = new EngineDriver();
    d.start({ memo: { a: 1, b: { x: 1 } } });
    d.runWorkflowTask([upsert({ b: { y: 2 }, c: 'three' }), cmd.timer(1, 1000)]);
    expect(d.state.memo).toEqual({ a: 1, b: { y: 2 }, c: 'three' });
    const ev = d.lastOfType('WorkflowPropertiesModified');
    expect(ev.attributes).toEqual({ upsertedMemo: { b: { y: 2 }, c: 'three' }, workflowTaskCompletedEventId: 4 });
    expect(d.eventTypes(4)).toEqual(['WorkflowTaskCompleted', 'WorkflowPropertiesModified', 'TimerStarted']);

    d.advanceBy(1000);
    d.runWorkflowTask([upsert({ a: null, b: null, c: null })]);
    expect(d.state.memo).toBeUndefined();
    checkInvariants(d);
  });

  it('sets a memo on a run started without one, and continue-as-new carries it over', () => {
    const d = new EngineDriver();
    d.start();
    d.runWorkflowTask([
      upsert({ stage: 'two' }),
      { type: 'ContinueAsNewWorkflowExecution', workflowType: 'Flow', taskQueue: 'q', input: [] },
    ]);
    expect(d.state.memo).toEqual({ stage: 'two' });
    expect(d.last?.continuation?.memo).toEqual({ stage: 'two' });
  });

  it('an empty upsert or an empty key fails the task (BAD_COMMAND), not the run', () => {
    const d = new EngineDriver();
    d.start({ memo: { a: 1 } });
    d.dispatchWorkflowTask();
    expect(d.completeWorkflowTask([upsert({})]).rejected).toMatch(/at least one key/);
    expect(d.lastOfType('WorkflowTaskFailed').attributes).toMatchObject({ cause: 'BAD_COMMAND' });
    d.advanceBy(1000);
    d.dispatchWorkflowTask();
    expect(d.completeWorkflowTask([upsert({ '': 1 })]).rejected).toMatch(/may not be empty/);
    expect(d.state.status).toBe('Running');
    expect(d.state.memo).toEqual({ a: 1 });
  });
});

describe('mergeMemo', () => {
  it('replaces values whole and drops null and undefined', () => {
    expect(mergeMemo({ a: { x: 1 }, b: 2 }, { a: { y: 1 }, b: undefined, c: 0 })).toEqual({ a: { y: 1 }, c: 0 });
    expect(mergeMemo(undefined, { a: null })).toBeUndefined();
  });
});
