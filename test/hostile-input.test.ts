/**
 * Hostile input, one finding at a time (issue 9): each request below once crashed the server, ran away or got a
 * 5xx. Each must now answer a 4xx in the documented shape, or do what the policy says, and leave the server up.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceError } from '../src/client/errors.js';
import { TestWorkflowEnvironment } from '../src/testing/index.js';
import { exchange, rawRequest, rawSend } from './raw-http.js';
import { startTestServer, uid, waitFor, type TestServer } from './helpers.js';

let ts: TestServer;
let base: string;
beforeAll(async () => {
  ts = await startTestServer();
  base = `${ts.server.address}/api/v1/namespaces/default`;
  await ts.client.workflow.register({ workflowType: 'known', taskQueue: 'hostile-q' });
});
afterAll(async () => {
  await ts?.stop();
});

interface Answer {
  status: number;
  json: { error?: { code: string; message: string; details?: Record<string, unknown> } } & Record<string, unknown>;
}

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Answer['json']) : {} };
}

async function expectHealthy(): Promise<void> {
  const r = await fetch(`${ts.server.address}/healthz`);
  expect(r.status).toBe(200);
}

const HOUR = 3_600_000;

describe('1. the timer loop and schedule work are bounded', () => {
  it('a backfill from 1970 of an hourly schedule is refused with 400 naming the limit; a short one runs', async () => {
    const scheduleId = uid('hourly');
    await ts.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'known', taskQueue: 'hostile-q' },
      policies: { overlap: 'ALLOW_ALL' },
    });
    const r = await call('POST', `/schedules/${scheduleId}/backfill`, {
      backfills: [{ start: '1970-01-01T00:00:00Z', end: new Date().toISOString(), overlap: 'ALLOW_ALL' }],
    });
    expect(r.status).toBe(400);
    expect(r.json.error?.code).toBe('LIMIT_EXCEEDED');
    expect(r.json.error?.message).toContain('scheduleLimits.maxBackfillActions');
    expect(r.json.error?.details?.limit).toBe(10_000);
    const handle = ts.client.schedule.getHandle(scheduleId);
    expect((await handle.describe()).info.numActions).toBe(0);

    const now = Date.now();
    await handle.backfill([{ start: new Date(now - 5 * HOUR), end: new Date(now), overlap: 'ALLOW_ALL' }]);
    await waitFor(async () => (await handle.describe()).info.numActions === 5, 20_000, '5 backfilled actions');
    // several backfills may not pile up past the limit either
    const twoRanges = await call('POST', `/schedules/${scheduleId}/backfill`, {
      backfills: [
        { start: new Date(now - 6_000 * HOUR).toISOString(), end: new Date(now).toISOString() },
        { start: new Date(now - 6_000 * HOUR).toISOString(), end: new Date(now).toISOString() },
      ],
    });
    expect(twoRanges.json.error?.code).toBe('LIMIT_EXCEEDED');
    await handle.delete();
    await expectHealthy();
  });
});

describe('2. deeply nested JSON is refused at the edge', () => {
  const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  const DEEP = deep(4_200);

  it('start, signal-with-start, signal, query, update, terminate and schedule create/update: 400', async () => {
    const workflowId = uid('deep');
    await ts.client.workflow.start('known', { workflowId, taskQueue: 'hostile-q' });
    const scheduleId = uid('deep-sched');
    await ts.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'known', taskQueue: 'hostile-q' },
    });
    const action = '{"workflowType":"known","taskQueue":"hostile-q"}';
    const cases: Array<[string, string, string]> = [
      ['POST', '/workflows', `{"workflowId":"d1","workflowType":"known","taskQueue":"hostile-q","args":[${DEEP}]}`],
      ['POST', '/workflows', `{"workflowId":"d2","workflowType":"known","memo":{"a":${DEEP}}}`],
      ['POST', '/workflows', `{"workflowId":"d3","workflowType":"known","searchAttributes":{"a":${DEEP}}}`],
      [
        'POST',
        '/signal-with-start',
        `{"workflowId":"d4","workflowType":"known","signalName":"s","signalArgs":[${DEEP}]}`,
      ],
      ['POST', `/workflows/${workflowId}/signal`, `{"signalName":"s","args":[${DEEP}]}`],
      ['POST', `/workflows/${workflowId}/query`, `{"queryType":"q","args":[${DEEP}]}`],
      ['POST', `/workflows/${workflowId}/updates`, `{"name":"u","args":[${DEEP}]}`],
      ['POST', `/workflows/${workflowId}/terminate`, `{"reason":"r","details":${DEEP}}`],
      ['POST', '/schedules', `{"scheduleId":"d5","spec":{"description":${DEEP}},"action":${action}}`],
      ['PUT', `/schedules/${scheduleId}`, `{"spec":{"intervals":${DEEP}},"action":${action}}`],
      ['POST', '/tasks/complete', `{"identity":"x","completions":[{"kind":"queryCompleted","result":${DEEP}}]}`],
    ];
    for (const [method, path, body] of cases) {
      const r = await call(method, path, body);
      expect(r.status, `${method} ${path}`).toBe(400);
      expect(r.json.error?.code, `${method} ${path}`).toBe('INVALID_ARGUMENT');
      expect(r.json.error?.message, `${method} ${path}`).toMatch(/nests deeper than \d+ levels/);
    }
    // the workflow and the schedule are as they were
    expect((await ts.client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
    expect((await ts.client.schedule.getHandle(scheduleId).describe()).spec).toEqual({ intervals: [{ every: '1h' }] });
    // in the workers' completion batch a too deep payload fails its own completion, not the batch
    const batch = await call(
      'POST',
      '/tasks/complete',
      `{"identity":"x","completions":[{"kind":"queryCompleted","taskToken":"q","result":${deep(260)}}]}`,
    );
    expect(batch.status).toBe(200);
    expect((batch.json as unknown as { results: unknown[] }).results[0]).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT' },
    });
    // a value just inside the limit is taken
    const ok = await call('POST', '/workflows', {
      workflowId: uid('deep-ok'),
      workflowType: 'known',
      args: [JSON.parse(deep(200)) as unknown],
    });
    expect(ok.status).toBe(200);
    await expectHealthy();
  });

  it('the in-process transport (weft/testing) refuses it the same way, without overflowing the stack', async () => {
    const env = await TestWorkflowEnvironment.createLocal();
    try {
      const err = await env.client.workflow
        .start('any', { workflowId: 'deep', taskQueue: 'q', args: [JSON.parse(DEEP) as unknown] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).code).toBe('INVALID_ARGUMENT');
    } finally {
      await env.teardown();
    }
  });
});

describe('3. concurrent starts of one workflow id', () => {
  it('every answer is 200 or 409, never 5xx, whatever the conflict policy', async () => {
    for (const policy of ['TERMINATE_EXISTING', 'FAIL', 'USE_EXISTING'] as const) {
      const workflowId = uid(`race-${policy}`);
      const answers = await Promise.all(
        Array.from({ length: 40 }, () =>
          call('POST', '/workflows', {
            workflowId,
            workflowType: 'known',
            workflowIdConflictPolicy: policy,
          }),
        ),
      );
      const statuses = answers.map((a) => a.status);
      expect(
        statuses.filter((s) => s !== 200 && s !== 409),
        `${policy}: ${statuses.join(',')}`,
      ).toEqual([]);
      expect(statuses).toContain(200);
      for (const a of answers.filter((x) => x.status === 409)) {
        expect(a.json.error?.code).toBe('WORKFLOW_ALREADY_STARTED');
        expect(typeof a.json.error?.details?.runId).toBe('string');
      }
    }
    await expectHealthy();
  });
});

describe('4. a workflow retry waits its backoff whatever ended the run', () => {
  it('run timeout 13ms with a 5m initial interval: one retry run waiting, not a run every 13 ms', async () => {
    const workflowId = uid('run-timeout');
    await ts.client.workflow.start('known', {
      workflowId,
      taskQueue: 'hostile-q',
      workflowRunTimeout: 13,
      retry: { initialInterval: '5m' },
    });
    await waitFor(
      async () => (await ts.client.workflow.count(`WorkflowId = '${workflowId}'`)).count >= 2,
      10_000,
      'the retry run',
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect((await ts.client.workflow.count(`WorkflowId = '${workflowId}'`)).count).toBe(2);
    const d = await ts.client.workflow.getHandle(workflowId).describe();
    expect(d.status.name).toBe('RUNNING');
    await ts.client.workflow.getHandle(workflowId).terminate('done');
  });
});

describe('5. ids the API accepts can be used on every route', () => {
  const ascii150 = 'w'.repeat(150);
  const wide1000 = `é/?#%${'ü'.repeat(995)}`; // 1,000 characters, about 6,000 once percent-encoded

  it('workflow ids of 150 and 1,000 characters: describe, history, signal, terminate', async () => {
    for (const workflowId of [ascii150, wide1000]) {
      await ts.client.workflow.start('known', { workflowId, taskQueue: 'hostile-q' });
      const h = ts.client.workflow.getHandle(workflowId);
      expect((await h.describe()).workflowId).toBe(workflowId);
      expect((await h.fetchHistory()).events.length).toBeGreaterThan(0);
      await h.signal('s');
      await h.terminate('long id');
      expect((await h.describe()).status.name).toBe('TERMINATED');
    }
  });

  it('a schedule id of 1,000 characters: create, describe, pause, delete', async () => {
    const scheduleId = `s${'ß'.repeat(999)}`;
    const h = await ts.client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'known', taskQueue: 'hostile-q' },
    });
    expect((await h.describe()).scheduleId).toBe(scheduleId);
    await h.pause('p');
    await h.delete();
  });

  it('an id over 1,000 characters is refused with 400 INVALID_ARGUMENT, in a body and in a path alike', async () => {
    const tooLong = 'x'.repeat(1_001);
    const r1 = await call('POST', '/workflows', { workflowId: tooLong, workflowType: 'known' });
    expect(r1.status).toBe(400);
    expect(r1.json.error?.code).toBe('INVALID_ARGUMENT');
    for (const path of [`/workflows/${tooLong}`, `/workflows/${tooLong}/history`, `/schedules/${tooLong}`]) {
      const r = await call('GET', path);
      expect(r.status, path).toBe(400);
      expect(r.json.error?.code, path).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('6. errors from the HTTP layer have the error body and correct framing', () => {
  const port = (): number => ts.server.port;
  const good = rawRequest('GET', '/healthz');

  it('a path parameter far over any id: 400 in the error shape; the connection stays usable', async () => {
    const x = await exchange(port(), [
      rawRequest('GET', `/api/v1/namespaces/default/workflows/${'a'.repeat(20_000)}`),
      good,
    ]);
    expect(x.responses[0]?.status).toBe(400);
    expect(JSON.parse(x.responses[0]!.body)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(x.responses[1]?.status).toBe(200);
  });

  it('a bad percent-encoding in the path: 400 in the error shape; the connection stays usable', async () => {
    const x = await exchange(port(), [rawRequest('GET', '/api/v1/namespaces/default/workflows/%E0%A4%A'), good]);
    expect(x.responses[0]?.status).toBe(400);
    expect(JSON.parse(x.responses[0]!.body)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(x.responses[1]?.status).toBe(200);
  });

  it('headers too large: 431 HEADERS_TOO_LARGE in the error shape, with Connection: close; a HEAD gets no body', async () => {
    const huge = { 'x-filler': 'f'.repeat(200_000) };
    const x = await exchange(port(), [rawRequest('GET', '/healthz', huge), good]);
    expect(x.responses).toHaveLength(1);
    expect(x.responses[0]?.status).toBe(431);
    expect(x.responses[0]?.headers.connection).toBe('close');
    expect(JSON.parse(x.responses[0]!.body)).toMatchObject({ error: { code: 'HEADERS_TOO_LARGE' } });
    expect(x.closed).toBe(true);
    const h = await exchange(port(), [rawRequest('HEAD', '/healthz', huge)]);
    expect(h.responses[0]?.status).toBe(431);
    expect(h.responses[0]?.headers.connection).toBe('close');
    expect(h.extra).toBe('');
    // beyond where the parser itself gives up (1 MiB): the same answer, from the parser's error handler
    const y = await exchange(port(), [rawRequest('GET', '/healthz', { 'x-filler': 'f'.repeat(1_500_000) }), good]);
    expect(y.responses).toHaveLength(1);
    expect(y.responses[0]?.status).toBe(431);
    expect(y.responses[0]?.headers.connection).toBe('close');
    expect(JSON.parse(y.responses[0]!.body)).toMatchObject({ error: { code: 'HEADERS_TOO_LARGE' } });
    expect(y.extra).toBe('');
  });

  it('headers just under the limit are served', async () => {
    const x = await exchange(port(), [rawRequest('GET', '/healthz', { 'x-filler': 'f'.repeat(120_000) })]);
    expect(x.responses[0]?.status).toBe(200);
  });

  it('a request that is not HTTP: 400 in the error shape, with Connection: close', async () => {
    const x = await exchange(port(), ['NOT HTTP AT ALL\r\n\r\n']);
    expect(x.responses[0]?.status).toBe(400);
    expect(x.responses[0]?.headers.connection).toBe('close');
    expect(JSON.parse(x.responses[0]!.body)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
  });

  it('a body over the limit: 413 in the error shape, and the client is told the connection closes', async () => {
    const body = `{"workflowId":"big","workflowType":"known","args":["${'x'.repeat(3 * 1024 * 1024)}"]}`;
    const x = await exchange(port(), [
      rawRequest('POST', '/api/v1/namespaces/default/workflows', { 'content-type': 'application/json' }, body),
      good,
    ]);
    expect(x.responses[0]?.status).toBe(413);
    expect(JSON.parse(x.responses[0]!.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    // either the connection is reusable, or the server said it would close it
    if (x.responses.length < 2) expect(x.responses[0]?.headers.connection).toBe('close');
    else expect(x.responses[1]?.status).toBe(200);
  });
});

describe('6b. a request that stops arriving halfway does not hold its connection', () => {
  it('a body shorter than its Content-Length: 408 REQUEST_TIMEOUT in shape after requestReceiveMs, then close', async () => {
    const slow = await startTestServer({ config: { requestReceiveMs: 1_000 } });
    try {
      const t0 = Date.now();
      const r = await rawSend(
        slow.server.port,
        rawRequest('POST', '/api/v1/namespaces/default/workflows', { 'content-type': 'application/json' }).replace(
          '\r\n\r\n',
          '\r\nContent-Length: 100\r\n\r\n{"workflowId":',
        ),
        { timeoutMs: 10_000 },
      );
      expect(r.timedOut).toBe(false);
      expect(r.responses[0]?.status).toBe(408);
      expect(r.responses[0]?.headers.connection).toBe('close');
      expect(JSON.parse(r.responses[0]!.body)).toMatchObject({ error: { code: 'REQUEST_TIMEOUT' } });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
      // a long poll waits longer than that: the wait comes after the request has arrived
      const poll = await fetch(`${slow.server.address}/api/v1/namespaces/default/task-queues/idle/poll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ identity: 'w', maxWorkflowTasks: 1, maxActivityTasks: 1, timeoutMs: 2_500 }),
      });
      expect(poll.status).toBe(200);
    } finally {
      await slow.stop();
    }
  });
});

describe('6c. slow clients (slowloris) cannot hold the server', () => {
  it('300 connections trickling headers are cut off after the receive time; others are served meanwhile', async () => {
    const slow = await startTestServer({ config: { requestReceiveMs: 1_500 } });
    const sockets = Array.from({ length: 300 }, () => connect(slow.server.port, '127.0.0.1'));
    let closed = 0;
    const trickle: NodeJS.Timeout[] = [];
    try {
      for (const s of sockets) {
        s.on('error', () => {});
        s.on('close', () => closed++);
        s.on('connect', () => {
          s.write('POST /api/v1/namespaces/default/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\n');
          // one header line every 200 ms, never the end of the headers
          trickle.push(setInterval(() => s.writable && s.write(`X-Slow-${Date.now()}: 1\r\n`), 200));
        });
      }
      // the server answers other callers meanwhile, promptly
      for (let i = 0; i < 10; i++) {
        const t0 = Date.now();
        const r = await fetch(`${slow.server.address}/api/v1/namespaces/default/workflow-count`);
        expect(r.status).toBe(200);
        expect(Date.now() - t0).toBeLessThan(1_000);
        await new Promise((r) => setTimeout(r, 100));
      }
      // and it closes every slow connection itself, soon after the receive time
      await waitFor(() => closed === sockets.length, 8_000, 'the server to cut off the slow connections');
    } finally {
      for (const t of trickle) clearInterval(t);
      for (const s of sockets) s.destroy();
      await slow.stop();
    }
  }, 20_000);
});

describe('7. the server cannot be stopped over the API', () => {
  it('POST /api/v1/system/shutdown is not a route; the server keeps serving', async () => {
    const r = await fetch(`${ts.server.address}/api/v1/system/shutdown`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(404);
    expect(((await r.json()) as Answer['json']).error?.code).toBe('NOT_FOUND');
    await new Promise((r) => setTimeout(r, 200));
    await expectHealthy();
  });
});
