/**
 * `undefined` survives the round trip, as with Temporal's default data converter: a void result reaches its
 * caller as undefined (not null), and an undefined argument stays undefined, for workflows, activities, local
 * activities, children, continue-as-new, signals, queries and updates. Over real HTTP and SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeArgs, encodeArgs } from '../src/common/payload-args.js';
import * as activities from './fixtures/undefined-activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'undefined-roundtrip';

describe('the argument list encoding', () => {
  it('round-trips undefined, null and look-alike objects through JSON', () => {
    const args = [undefined, null, 1, { $weft: 'undefined' }, { a: undefined }, [undefined], undefined];
    const wire = JSON.parse(JSON.stringify(encodeArgs(args))) as unknown[];
    expect(wire).toEqual([
      { $weft: 'undefined' },
      null,
      1,
      { $weft: 'value', value: { $weft: 'undefined' } },
      {},
      [null],
      { $weft: 'undefined' },
    ]);
    const back = decodeArgs(wire);
    expect(back).toHaveLength(7);
    expect(back[0]).toBeUndefined();
    expect(back[1]).toBeNull();
    expect(back[3]).toEqual({ $weft: 'undefined' });
    expect(back[6]).toBeUndefined();
    // plain lists (the CLI's --input, other HTTP clients) need no encoding
    expect(decodeArgs([null, 'a'])).toEqual([null, 'a']);
    expect(decodeArgs(undefined)).toEqual([]);
  });
});

describe('undefined round trip', () => {
  let ts: TestServer;
  let w: Awaited<ReturnType<typeof startWorker>>;

  beforeAll(async () => {
    ts = await startTestServer();
    w = await startWorker(ts, { taskQueue: TQ, workflowsPath: fixture('undefined-workflows.ts'), activities });
  });
  afterAll(async () => {
    await w?.stop();
    await ts?.stop();
  });

  it('a void workflow gives undefined to its caller, a null one null', async () => {
    const v = await ts.client.workflow.execute('voidWorkflow', { taskQueue: TQ, workflowId: uid() });
    expect(v).toBeUndefined();
    const n = await ts.client.workflow.execute('nullWorkflow', { taskQueue: TQ, workflowId: uid() });
    expect(n).toBeNull();
  });

  it('undefined workflow arguments stay undefined, also through continue-as-new', async () => {
    const r = await ts.client.workflow.execute('argsWorkflow', {
      taskQueue: TQ,
      workflowId: uid(),
      args: [undefined, null, { a: undefined, b: 2 }, undefined],
    });
    expect(r).toBe('4:undefined,null,{"b":2},undefined');
    const c = await ts.client.workflow.execute('continuing', { taskQueue: TQ, workflowId: uid(), args: [0] });
    expect(c).toBe('2:1,undefined from a chain');
  });

  it('activities, local activities, children, signals, queries and updates keep undefined', async () => {
    const handle = await ts.client.workflow.start('roundTrip', {
      taskQueue: TQ,
      workflowId: uid(),
      args: [undefined, 1],
    });
    await handle.signal('argsSignal', undefined, null);
    expect(await handle.query('argsQuery', undefined, 'q')).toBe('2:undefined,"q"');
    expect(await handle.query('voidQuery')).toBeUndefined();
    expect(await handle.executeUpdate('argsUpdate', { args: [null, undefined] })).toBe('2:null,undefined');
    expect(await handle.executeUpdate('voidUpdate', { args: [] })).toBeUndefined();
    const upd = await handle.startUpdate('voidUpdate', { args: [], waitForStage: 'ACCEPTED' });
    expect(await upd.result()).toBeUndefined();
    await handle.signal('finish');
    expect(await handle.result()).toEqual({
      args: '2:undefined,1',
      activityArgs: '4:undefined,null,{"b":1},undefined',
      activityVoid: '1:undefined',
      activityNull: '1:null',
      localArgs: '2:undefined,2',
      localVoid: '1:undefined',
      childArgs: '3:undefined,"x",undefined',
      childVoid: '1:undefined',
      childNull: '1:null',
      signals: '2:undefined,null',
    });
    // signal-with-start carries undefined in both lists
    const sws = await ts.client.workflow.signalWithStart('roundTrip', {
      taskQueue: TQ,
      workflowId: uid(),
      args: [undefined],
      signal: 'argsSignal',
      signalArgs: [undefined],
    });
    await sws.signal('finish');
    const r = (await sws.result()) as Record<string, string>;
    expect(r['args']).toBe('1:undefined');
    expect(r['signals']).toBe('1:undefined');
  });

  it('over HTTP: a void result has no `result` field, and plain argument lists work as before', async () => {
    const base = `${ts.server.address}/api/v1/namespaces/default/workflows`;
    const workflowId = uid();
    const start = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflowId, workflowType: 'argsWorkflow', taskQueue: TQ, args: [null, 1] }),
    });
    expect(start.status).toBe(200);
    const body = await waitFor(async () => {
      const res = await fetch(`${base}/${workflowId}/result`);
      const b = (await res.json()) as { status: string; result?: unknown };
      return b.status === 'Completed' ? b : undefined;
    });
    expect(body.result).toBe('2:null,1');
    const voidId = uid();
    await ts.client.workflow.execute('voidWorkflow', { taskQueue: TQ, workflowId: voidId });
    const res = (await (await fetch(`${base}/${voidId}/result`)).json()) as Record<string, unknown>;
    expect(res['status']).toBe('Completed');
    expect('result' in res).toBe(false);
    const history = await ts.client.workflow.getHandle(voidId).fetchHistory();
    const completed = history.events.find((e) => e.eventType === 'WorkflowExecutionCompleted');
    expect(completed && 'result' in completed.attributes).toBe(false);
  });
});
