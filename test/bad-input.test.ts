/** Bad input answers 4xx with a stable error code and a JSON body; the server stays up. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_STORE, uid, type TestServer } from './helpers.js';

let ts: TestServer;
let base: string;
beforeAll(async () => {
  ts = await startTestServer();
  base = `${ts.server.address}/api/v1/namespaces/default`;
  await ts.client.workflow.register({ workflowType: 'known', taskQueue: 'q' });
});
afterAll(async () => {
  await ts?.stop();
});

async function call(
  method: string,
  url: string,
  body?: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: { error?: { code: string; message: string; details?: Record<string, unknown> } } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    /* not JSON: the assertions below fail with the text */
  }
  return { status: res.status, json, text };
}

const start = (body: unknown) => call('POST', `${base}/workflows`, JSON.stringify(body));

describe('bad input', () => {
  it('malformed JSON: 400 INVALID_JSON', async () => {
    const r = await call('POST', `${base}/workflows`, '{"workflowId": "x", ');
    expect(r.status).toBe(400);
    expect(r.json.error?.code).toBe('INVALID_JSON');
  });

  it('a body that is not an object, or has unknown fields: 400 INVALID_ARGUMENT naming the field', async () => {
    const r1 = await call('POST', `${base}/workflows`, '[1,2]');
    expect(r1.status).toBe(400);
    expect(r1.json.error?.code).toBe('INVALID_ARGUMENT');
    const r2 = await start({ workflowId: uid(), workflowType: 'known', taskQueue: 'q', bogus: 1 });
    expect(r2.status).toBe(400);
    expect(r2.json.error?.code).toBe('INVALID_ARGUMENT');
    const r3 = await start({ workflowType: 'known', taskQueue: 'q' });
    expect(r3.status).toBe(400);
    expect(r3.json.error?.message).toContain('workflowId');
  });

  it('unknown workflow type without a task queue: 400 UNKNOWN_WORKFLOW_TYPE', async () => {
    const r = await start({ workflowId: uid(), workflowType: 'neverRegistered' });
    expect(r.status).toBe(400);
    expect(r.json.error?.code).toBe('UNKNOWN_WORKFLOW_TYPE');
    expect(r.json.error?.message).toContain('neverRegistered');
  });

  it('unknown workflow id: 404 WORKFLOW_NOT_FOUND on describe, result, history, cancel, terminate', async () => {
    for (const [m, p] of [
      ['GET', '/workflows/nope'],
      ['GET', '/workflows/nope/result?waitMs=0'],
      ['GET', '/workflows/nope/history'],
      ['POST', '/workflows/nope/cancel'],
      ['POST', '/workflows/nope/terminate'],
    ] as const) {
      const r = await call(m, `${base}${p}`, m === 'POST' ? '{}' : undefined);
      expect(r.status, `${m} ${p}`).toBe(404);
      expect(r.json.error?.code, `${m} ${p}`).toBe('WORKFLOW_NOT_FOUND');
    }
    const r = await call('GET', `${base}/workflows/nope?runId=00000000-0000-7000-8000-000000000000`);
    expect(r.json.error?.code).toBe('WORKFLOW_NOT_FOUND');
  });

  it('missing or empty task queue: 400 INVALID_ARGUMENT', async () => {
    const r1 = await call('POST', `${base}/workflow-types`, JSON.stringify({ workflowType: 'x' }));
    expect(r1.status).toBe(400);
    expect(r1.json.error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(r1.json.error?.message).toContain('taskQueue');
    const r2 = await start({ workflowId: uid(), workflowType: 'known', taskQueue: '' });
    expect(r2.status).toBe(400);
    expect(r2.json.error?.message).toContain('taskQueue');
  });

  it('ids with NUL or an unpaired surrogate: 400 INVALID_ARGUMENT on every store; payloads may hold both', async () => {
    for (const [field, value] of [
      ['workflowId', 'a\u0000b'],
      ['workflowId', 'a\ud800b'],
      ['taskQueue', 'q\u0000'],
      ['workflowType', '\udc00'],
    ] as const) {
      const r = await start({ workflowId: uid(), workflowType: 'known', taskQueue: 'q', [field]: value });
      expect(r.status, r.text).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: `body.${field}` } });
      expect(r.json.error?.message).toContain('NUL');
    }
    const inPath = await call('GET', `${base}/workflows/a%00b`);
    expect(inPath.status, inPath.text).toBe(400);
    expect(inPath.json.error?.code).toBe('INVALID_ARGUMENT');
    // names, query literals and search attribute values alike
    const signal = await call('POST', `${base}/workflows/x/signal`, JSON.stringify({ signalName: 's\u0000' }));
    expect(signal.json.error, signal.text).toMatchObject({
      code: 'INVALID_ARGUMENT',
      details: { field: 'body.signalName' },
    });
    for (const q of ["WorkflowId = 'a\u0000'", "WorkflowType STARTS_WITH '\u0000'"]) {
      const r = await call('GET', `${base}/workflows?query=${encodeURIComponent(q)}`);
      expect(r.status, r.text).toBe(400);
      expect(r.json.error?.code).toBe('INVALID_QUERY');
    }
    const sa = `Kw${Date.now()}`;
    await ts.client.searchAttributes.create({ name: sa, type: 'KeywordList' });
    for (const value of [['a\u0000'], ['\ud800']]) {
      const r = await start({
        workflowId: uid(),
        workflowType: 'known',
        taskQueue: 'q',
        searchAttributes: { [sa]: value },
      });
      expect(r.status, r.text).toBe(400);
      expect(r.json.error?.code).toBe('INVALID_SEARCH_ATTRIBUTE');
    }
    // an astral character (a valid surrogate pair) is a fine id; NUL and lone surrogates inside payloads are kept
    const workflowId = uid('\u{1F600}');
    const args = ['a\u0000b', 'c\ud800d', { 'k\u0000': 1 }];
    const ok = await start({ workflowId, workflowType: 'known', taskQueue: 'q', args });
    expect(ok.status, ok.text).toBe(200);
    const history = await ts.client.workflow.getHandle(workflowId).fetchHistory();
    expect(history.events[0]?.attributes).toMatchObject({ input: args });
    await ts.client.workflow.getHandle(workflowId).terminate();
  });

  it('a payload over the limit (2 MiB): 413 PAYLOAD_TOO_LARGE', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024 + 10);
    const r = await start({ workflowId: uid(), workflowType: 'known', taskQueue: 'q', args: [big] });
    expect(r.status).toBe(413);
    expect(r.json.error?.code).toBe('PAYLOAD_TOO_LARGE');
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const r2 = await start({ workflowId: uid(), workflowType: 'known', taskQueue: 'q', args: [huge] });
    expect(r2.status).toBe(413);
    expect(r2.json.error?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('invalid durations: 400 INVALID_DURATION naming the field', async () => {
    for (const [field, value] of [
      ['workflowRunTimeout', 'soon'],
      ['workflowExecutionTimeout', '-5s'],
      ['workflowTaskTimeout', 'ten minutes and a bit'],
    ] as const) {
      const r = await start({ workflowId: uid(), workflowType: 'known', taskQueue: 'q', [field]: value });
      expect(r.status, field).toBe(400);
      expect(r.json.error?.code, field).toBe('INVALID_DURATION');
      expect(r.json.error?.details?.field).toBe(field);
    }
    const r = await start({
      workflowId: uid(),
      workflowType: 'known',
      taskQueue: 'q',
      retry: { initialInterval: 'whenever' },
    });
    expect(r.json.error?.code).toBe('INVALID_DURATION');
    const r2 = await start({
      workflowId: uid(),
      workflowType: 'known',
      taskQueue: 'q',
      retry: { maximumAttempts: -1 },
    });
    expect(r2.status).toBe(400);
  });

  it('invalid queries: 400 INVALID_QUERY with the position', async () => {
    for (const [q, pos] of [
      ["WorkflowType = 'x' AND", 22],
      ['ExecutionStatus = ', 18],
      ["Nope = 'x'", 0],
      ["StartTime > 'yesterday'", 12],
    ] as const) {
      const r = await call('GET', `${base}/workflows?query=${encodeURIComponent(q)}`);
      expect(r.status, q).toBe(400);
      expect(r.json.error?.code, q).toBe('INVALID_QUERY');
      expect(r.json.error?.details?.position, q).toBe(pos);
    }
    const c = await call('GET', `${base}/workflow-count?query=${encodeURIComponent("WorkflowId = 'unterminated")}`);
    expect(c.json.error?.code).toBe('INVALID_QUERY');
  });

  it('bad query-string values, unknown routes and bad namespaces answer 4xx', async () => {
    expect((await call('GET', `${base}/workflows?pageSize=abc`)).json.error?.code).toBe('INVALID_ARGUMENT');
    expect((await call('GET', `${base}/workflows?pageSize=0`)).json.error?.code).toBe('INVALID_ARGUMENT');
    expect((await call('GET', `${base}/workflows?pageToken=garbage`)).status).toBe(400);
    expect((await call('GET', `${ts.server.address}/api/v1/nothing-here`)).json.error?.code).toBe('NOT_FOUND');
    expect((await call('GET', `${ts.server.address}/api/v1/namespaces/bad%20ns/workflows`)).json.error?.code).toBe(
      'INVALID_ARGUMENT',
    );
    const r = await call('POST', `${base}/workflows`, 'workflowId=x', { 'content-type': 'text/plain' });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
  });

  it('worker-side bad input: malformed task tokens and completions', async () => {
    const r1 = await call(
      'POST',
      `${base}/tasks/complete`,
      JSON.stringify({ identity: 'x', completions: [{ kind: 'activityTaskCompleted', taskToken: 'nonsense' }] }),
    );
    expect(r1.status).toBe(200);
    expect(
      (r1.json as unknown as { results: Array<{ ok: boolean; error: { code: string } }> }).results[0],
    ).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    const r2 = await call('POST', `${base}/tasks/complete`, JSON.stringify({ identity: 'x', completions: [] }));
    expect(r2.json.error?.code).toBe('INVALID_ARGUMENT');
    const r3 = await call(
      'POST',
      `${base}/activity-tasks/heartbeat`,
      JSON.stringify({ taskToken: 'a.ZGVmYXVsdA.00000000-0000-7000-8000-000000000000.1.1' }),
    );
    expect(r3.status).toBe(404);
    expect(r3.json.error?.code).toBe('WORKFLOW_NOT_FOUND');
  });

  it('is still up and healthy after all of the above', async () => {
    const r = await call('GET', `${ts.server.address}/healthz`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toMatchObject({ status: 'ok', store: TEST_STORE });
  });
});
