/**
 * SDK flags: a behaviour change made under a flag keeps histories recorded before it replaying. The histories
 * in fixtures/histories were recorded by the build before the flags existed (a TRY_CANCEL child given up on; a
 * child cancelled in the task that starts it; a signal-with-start; a scope timeout of 0; a signal and a timer's fire in one task): they replay with
 * today's code, and the same histories claiming the flag do not, which shows the flag is what picks the old
 * behaviour.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DeterminismViolationError, Worker } from '../src/worker/index.js';
import type { HistoryEvent } from '../src/protocol/events.js';
import { SdkFlagSet, SdkFlags } from '../src/workflow/internal/sdk-flags.js';
import { fixture } from './helpers.js';

const recorded = (name: string): { events: HistoryEvent[] } =>
  JSON.parse(readFileSync(fixture(`histories/${name}`), 'utf8')) as { events: HistoryEvent[] };

/** The same history, every workflow task claiming the flag. */
const withFlag = (h: { events: HistoryEvent[] }, flag: number): { events: HistoryEvent[] } => ({
  events: h.events.map((e) =>
    e.eventType === 'WorkflowTaskCompleted'
      ? ({ ...e, attributes: { ...e.attributes, sdkFlags: [flag] } } as HistoryEvent)
      : e,
  ),
});

describe('SDK flags', () => {
  it.each([
    ['child-try-cancel-before-sdk-flags.json', 'children.ts', SdkFlags.ChildCancellationAsTemporal],
    ['child-cancelled-at-once-before-sdk-flags.json', 'children.ts', SdkFlags.ChildCancellationAsTemporal],
    ['signal-with-start-before-sdk-flags.json', 'workflows.ts', SdkFlags.SignalsBeforeStart],
    ['zero-scope-timeout-before-sdk-flags.json', 'workflows.ts', SdkFlags.TimerDurationsAsTemporal],
    ['signal-and-timer-in-one-task-before-sdk-flags.json', 'workflows.ts', SdkFlags.ActivationOrderAsTemporal],
  ])('%s replays with the behaviour it was recorded with; claiming the flag, it does not', async (name, file, flag) => {
    const history = recorded(name);
    const opts = { workflowsPath: fixture(file) };
    await expect(Worker.runReplayHistory(opts, history)).resolves.toBeUndefined();
    await expect(Worker.runReplayHistory(opts, withFlag(history, flag))).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });

  it('a live task uses a flag and reports it once; a replayed task uses only the flags recorded so far', () => {
    const live = new SdkFlagSet();
    expect(live.has(SdkFlags.ChildCancellationAsTemporal, false)).toBe(true);
    expect(live.has(SdkFlags.ChildCancellationAsTemporal, false)).toBe(true);
    expect(live.take()).toEqual([SdkFlags.ChildCancellationAsTemporal]);
    expect(live.take()).toBeUndefined();
    expect(live.has(SdkFlags.ChildCancellationAsTemporal, true)).toBe(true); // known to the run from then on

    // live on a server that would not record the flag: the old behaviour, and nothing to report
    const oldServer = new SdkFlagSet();
    expect(oldServer.has(SdkFlags.ChildCancellationAsTemporal, false, false)).toBe(false);
    expect(oldServer.take()).toBeUndefined();

    const replay = new SdkFlagSet();
    expect(replay.has(SdkFlags.ChildCancellationAsTemporal, true)).toBe(false);
    replay.addRecorded([SdkFlags.ChildCancellationAsTemporal]);
    expect(replay.has(SdkFlags.ChildCancellationAsTemporal, true)).toBe(true);
    expect(replay.take()).toBeUndefined(); // recorded already: nothing to report
  });
});
