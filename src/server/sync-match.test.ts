/** syncMatch: polls taken for a transition are released when the transition is abandoned, never left hanging. */
import { describe, expect, it } from 'vitest';
import { startRun } from '../engine/start.js';
import { startInput } from '../engine/test-driver.js';
import type { ServerContext } from './context.js';
import type { Reservation } from './matching.js';
import { syncMatch } from './sync-match.js';

describe('syncMatch', () => {
  it('a bug (not an ApiError) while starting one task releases every poll taken for the transition', () => {
    // a new run's first workflow task, and an activity task row behind it
    const t = startRun(startInput({ runId: 'r1' }), Date.now());
    expect(t.tasksAdded).toHaveLength(1);
    t.tasksAdded.push({ ...t.tasksAdded[0]!, kind: 'activity', key: 'activity:1:1' });
    const settled: string[] = [];
    let n = 0;
    const reservation = (): Reservation => {
      const id = `poll${++n}`;
      return {
        want: { namespace: 'default', taskQueue: t.state.taskQueue, identity: 'w1' } as Reservation['want'],
        deliver: () => void settled.push(`${id} delivered`),
        release: () => void settled.push(`${id} released`),
      };
    };
    const ctx = { matching: { reserve: reservation } } as unknown as ServerContext;
    // the workflow task starts; starting the activity hits a bug
    t.activity = () => {
      throw new TypeError('a bug');
    };
    expect(() => syncMatch(ctx, t)).toThrow('a bug');
    expect(settled.sort()).toEqual(['poll1 released', 'poll2 released']);
  });
});
