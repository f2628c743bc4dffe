import { describe, expect, it } from 'vitest';
import { ServiceError } from './errors.js';
import { StartBatcher } from './start-batcher.js';

const req = (workflowId: string) => ({ params: { namespace: 'default' }, body: { workflowId, workflowType: 'w' } });

describe('StartBatcher', () => {
  it('a server without the batch route gets plain starts, from then on', async () => {
    const sent: string[] = [];
    const b = new StartBatcher(async <T>(op: string, r: { body?: unknown }) => {
      sent.push(op);
      if (op === 'startWorkflows') throw new ServiceError('no route POST /x', 'NOT_FOUND', 404);
      return { runId: `run-${(r.body as { workflowId: string }).workflowId}`, started: true } as T;
    });
    const first = await Promise.all(['a', 'b'].map((id) => b.add<{ runId: string }>(req(id))));
    expect(first.map((r) => r.runId)).toEqual(['run-a', 'run-b']);
    expect(sent).toEqual(['startWorkflows', 'startWorkflow', 'startWorkflow']);
    expect(b.takes(req('c'), {})).toBe(false);
  });

  it('a batch too large for the server is sent one start at a time; other errors fail every start', async () => {
    let calls = 0;
    const tooLarge = new StartBatcher(async <T>(op: string) => {
      calls++;
      if (op === 'startWorkflows') throw new ServiceError('body too large', 'PAYLOAD_TOO_LARGE', 413);
      return { runId: 'r', started: true } as T;
    });
    await Promise.all(['a', 'b', 'c'].map((id) => tooLarge.add(req(id))));
    expect(calls).toBe(4);
    expect(tooLarge.takes(req('d'), {})).toBe(true);

    const down = new StartBatcher(async () => {
      throw new ServiceError('store down', 'STORE_UNAVAILABLE', 503);
    });
    const out = await Promise.allSettled(['a', 'b'].map((id) => down.add(req(id))));
    expect(out.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });

  it('starts that wait, start eagerly or carry their own signal or retry budget go alone', () => {
    const b = new StartBatcher(async <T>() => ({}) as T);
    expect(b.takes({ params: {}, body: { waitMs: 10 } }, {})).toBe(false);
    expect(b.takes({ params: {}, body: { eagerWorkflowTask: { identity: 'me' } } }, {})).toBe(false);
    expect(b.takes(req('a'), { signal: new AbortController().signal })).toBe(false);
    expect(b.takes(req('a'), { retryForMs: 0 })).toBe(false);
    expect(b.takes(req('a'), {})).toBe(true);
  });
});
