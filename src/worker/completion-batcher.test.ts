import { describe, expect, it } from 'vitest';
import { createLogger } from '../common/logger.js';
import type { CompleteTasksResponse, CompletionResult, TaskCompletion } from '../protocol/tasks.js';
import type { CallRequest, Transport } from '../client/transport.js';
import { CompletionBatcher } from './completion-batcher.js';
import { Slots } from './slots.js';

const completion = (token: string): TaskCompletion => ({ kind: 'activityTaskCompleted', taskToken: token, result: 1 });

/** A server that answers each completeTasks call with the next of `answers` (results by task token). */
function fakeServer(answers: Array<Record<string, CompletionResult>>) {
  const calls: Array<{ tokens: string[]; retriesUnavailable: unknown }> = [];
  const transport: Transport = {
    call: <T>(_op: string, req: CallRequest): Promise<T> => {
      const body = req.body as { completions: TaskCompletion[]; retriesUnavailable?: boolean };
      const tokens = body.completions.map((c) => c.taskToken);
      calls.push({ tokens, retriesUnavailable: body.retriesUnavailable });
      const answer = answers[calls.length - 1] ?? {};
      const res: CompleteTasksResponse = {
        results: tokens.map((t) => answer[t] ?? { ok: true }),
        workflowTasks: [],
        activityTasks: [],
      };
      return Promise.resolve(res as T);
    },
    health: () => Promise.resolve({ status: 'ok' }),
    close: () => Promise.resolve(),
  };
  return { transport, calls };
}

function batcherOn(
  transport: Transport,
  onSettled: (c: TaskCompletion, r: CompletionResult | undefined) => void,
): CompletionBatcher {
  return new CompletionBatcher({
    transport,
    namespace: 'default',
    identity: 'w',
    taskQueue: 'q',
    workflowSlots: new Slots(0),
    activitySlots: new Slots(0),
    log: createLogger('silent'),
    onTasks: () => undefined,
    acceptEager: () => true,
    onSettled,
  });
}

describe('CompletionBatcher: a completion the server could not write while the rest of its batch was applied', () => {
  it('is sent again alone, and each completion is settled once, with its final answer', async () => {
    const unavailable: CompletionResult = { ok: false, error: { code: 'STORE_UNAVAILABLE', message: 'disk full' } };
    const { transport, calls } = fakeServer([{ b: unavailable }, { b: unavailable }, {}]);
    const settled: Array<[string, CompletionResult | undefined]> = [];
    const batcher = batcherOn(transport, (c, r) => settled.push([c.taskToken, r]));
    batcher.submit(completion('a'));
    batcher.submit(completion('b'));
    batcher.submit(completion('c'));
    await batcher.drain();
    expect(calls.map((c) => c.tokens)).toEqual([['a', 'b', 'c'], ['b'], ['b']]);
    expect(calls.every((c) => c.retriesUnavailable === true)).toBe(true);
    expect(settled).toEqual([
      ['a', { ok: true }],
      ['c', { ok: true }],
      ['b', { ok: true }],
    ]);
    expect(batcher.pending).toBe(0);
  });

  it('a rejection of another kind (its task is gone) is settled at once, not sent again', async () => {
    const gone: CompletionResult = { ok: false, error: { code: 'TASK_NOT_FOUND', message: 'timed out' } };
    const { transport, calls } = fakeServer([{ a: gone }]);
    const settled: string[] = [];
    const batcher = batcherOn(transport, (c, r) => settled.push(`${c.taskToken}:${r?.error?.code ?? 'ok'}`));
    batcher.submit(completion('a'));
    await batcher.drain();
    expect(calls).toHaveLength(1);
    expect(settled).toEqual(['a:TASK_NOT_FOUND']);
  });
});
