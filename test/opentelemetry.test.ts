/**
 * OpenTelemetry (weft/interceptors-opentelemetry), over HTTP on a real SQLite file: a client with the client
 * interceptor starts and signals a workflow that runs two activities (one fails its first attempt and is
 * retried), starts a child and signals it; the worker has the workflow interceptors module, the activity
 * interceptor and the exporter sink; the SDK's in-memory exporter collects every span. One trace, the
 * expected tree, and the same spans, once each, when every workflow task replays (no workflow cache).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import * as otel from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/client/index.js';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
  TRACE_HEADER,
  workflowInterceptorModulePath,
} from '../src/interceptors-opentelemetry/index.js';
import { seededRandom } from '../src/workflow/internal/prng.js';
import * as activities from './fixtures/otel-activities.js';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

/** A context manager on AsyncLocalStorage, so the test's own span is the parent of the client's calls. */
class TestContextManager implements otel.ContextManager {
  private readonly storage = new AsyncLocalStorage<otel.Context>();
  active(): otel.Context {
    return this.storage.getStore() ?? otel.ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: otel.Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(context, () => fn.call(thisArg, ...args));
  }
  bind<T>(context: otel.Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as (...args: unknown[]) => unknown;
    return ((...args: unknown[]) => this.with(context, () => fn(...args))) as T;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

const spanExporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
const tracer = provider.getTracer('weft-otel-test');
let ts: TestServer;
let client: Client;
const workers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  otel.context.setGlobalContextManager(new TestContextManager());
  ts = await startTestServer();
  client = new Client({
    connection: ts.connection,
    interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
  });
  // the resource the SDK gives its own spans, as a worker would pass its configured one
  const probe = tracer.startSpan('probe') as unknown as ReadableSpan;
  const resource = probe.resource;
  // the cached worker uses a module written as a Temporal user writes it, the other the ready one
  for (const [taskQueue, maxCachedWorkflows, workflowModule] of [
    ['otel-cached', undefined, fixture('otel-interceptors.ts')],
    ['otel-replaying', 0, workflowInterceptorModulePath],
  ] as const) {
    const { stop } = await startWorker(ts, {
      taskQueue,
      workflowsPath: fixture('otel-workflows.ts'),
      activities,
      ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
      interceptors: {
        workflowModules: [workflowModule],
        activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer }) })],
      },
      sinks: { exporter: makeWorkflowExporter(new SimpleSpanProcessor(spanExporter), resource) },
    });
    workers.push(stop);
  }
}, 60_000);

afterAll(async () => {
  for (const stop of workers) await stop();
  await ts?.stop();
  otel.context.disable();
});

interface Scenario {
  result: string;
  traceId: string;
  spans: ReadableSpan[];
  randomnessSeed: string;
}

/** Runs the workflow under a test span; the spans of its trace once the parent's run span is exported. */
async function runScenario(taskQueue: string): Promise<Scenario> {
  const workflowId = uid(taskQueue);
  const { result, traceId } = await tracer.startActiveSpan('scenario', async (root) => {
    const h = await client.workflow.start('otelParent', { taskQueue, workflowId });
    await h.signal('proceed', 'note');
    const r = (await h.result()) as string;
    expect(await h.query('note')).toBe('note');
    root.end();
    return { result: r, traceId: root.spanContext().traceId };
  });
  await waitFor(
    () => {
      const mine = spanExporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      return mine.some((s) => s.name === 'RunWorkflow:otelParent') ? mine : undefined;
    },
    20_000,
    'the run span of the parent',
  );
  // a late duplicate would come right after the activation that ended the run
  await new Promise((r) => setTimeout(r, 300));
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  const started = events[0]!.attributes as { randomnessSeed: string; header?: Record<string, unknown> };
  expect(started.header?.[TRACE_HEADER]).toMatchObject({ traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-/) });
  return {
    result,
    traceId,
    spans: spanExporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId),
    randomnessSeed: started.randomnessSeed,
  };
}

const idOf = (s: ReadableSpan): string => s.spanContext().spanId;
const parentOf = (s: ReadableSpan): string | undefined =>
  s.parentSpanContext?.spanId ?? (s as unknown as { parentSpanId?: string }).parentSpanId;

function one(spans: ReadableSpan[], name: string, parent?: ReadableSpan): ReadableSpan {
  const found = spans.filter((s) => s.name === name && (parent === undefined || parentOf(s) === idOf(parent)));
  expect(
    found.map((s) => s.name),
    `${name} under ${parent?.name ?? 'anything'}`,
  ).toEqual([name]);
  return found[0]!;
}

function checkTree(sc: Scenario): void {
  const { spans } = sc;
  // one trace: every span's parent is a span of the trace (the test's root has none)
  const ids = new Set(spans.map(idOf));
  expect(ids.size, 'no span exported twice').toBe(spans.length);
  for (const s of spans) if (s.name !== 'scenario') expect(ids.has(parentOf(s) ?? ''), s.name).toBe(true);

  const root = one(spans, 'scenario');
  const start = one(spans, 'StartWorkflow:otelParent', root);
  const signal = one(spans, 'SignalWorkflow:proceed', root);
  const run = one(spans, 'RunWorkflow:otelParent', start);
  expect(run.status.code).toBe(otel.SpanStatusCode.OK);
  one(spans, 'HandleSignal:proceed', signal);
  const query = one(spans, 'QueryWorkflow:note', root);
  // the query's span: under the client's span once query headers reach the workflow, under the run until then
  const handled = spans.filter((s) => s.name === 'HandleQuery:note');
  expect(handled).toHaveLength(1);
  expect([idOf(query), idOf(run)]).toContain(parentOf(handled[0]!));

  const greet = one(spans, 'StartActivity:greet', run);
  const greetRun = one(spans, 'RunActivity:greet', greet);
  expect(greetRun.attributes['weft.attempt']).toBe(1);

  const flaky = one(spans, 'StartActivity:flakyStep', run);
  const attempts = spans
    .filter((s) => s.name === 'RunActivity:flakyStep' && parentOf(s) === idOf(flaky))
    .sort((a, b) => Number(a.attributes['weft.attempt']) - Number(b.attributes['weft.attempt']));
  expect(attempts.map((s) => [s.attributes['weft.attempt'], s.status.code])).toEqual([
    [1, otel.SpanStatusCode.ERROR],
    [2, otel.SpanStatusCode.OK],
  ]);
  expect(flaky.status.code).toBe(otel.SpanStatusCode.OK);

  const startChild = one(spans, 'StartChildWorkflow:otelChild', run);
  const childRun = one(spans, 'RunWorkflow:otelChild', startChild);
  const childGreet = one(spans, 'StartActivity:greet', childRun);
  one(spans, 'RunActivity:greet', childGreet);
  const signalChild = one(spans, 'SignalWorkflow:release', run);
  one(spans, 'HandleSignal:release', signalChild);

  // a span per workflow task, under its run
  const tasks = spans.filter((s) => s.name === 'WorkflowTask:otelParent');
  expect(tasks.length).toBeGreaterThanOrEqual(4);
  for (const t of tasks) expect(parentOf(t)).toBe(idOf(run));
  expect(spans.filter((s) => s.name === 'WorkflowTask:otelChild').every((t) => parentOf(t) === idOf(childRun))).toBe(
    true,
  );

  // the spans from the sandbox carry the run and the worker's resource
  expect(run.attributes['temporalWorkflowId']).toBe(start.attributes['temporalWorkflowId']);
  expect(run.attributes['run_id']).toBe(start.attributes['run_id']);
  expect(run.resource).toBeDefined();

  // the interceptors draw nothing from the workflow's seeded Math.random()
  expect(sc.result.split('|').slice(0, 4)).toEqual(['hello weft', 'recovered', 'note', 'hello child']);
  expect(Number(sc.result.split('|')[4])).toBe(seededRandom(sc.randomnessSeed)());
}

const shape = (spans: ReadableSpan[]): string[] =>
  spans
    .map((s) => {
      const parent = spans.find((p) => idOf(p) === parentOf(s));
      return `${parent?.name ?? '-'} > ${s.name}${s.name.startsWith('RunActivity') ? `#${String(s.attributes['weft.attempt'])}` : ''}`;
    })
    .filter((l) => !l.includes('WorkflowTask'))
    .sort();

describe('OpenTelemetry interceptors', () => {
  let cached: Scenario;

  it('one trace from the client through the workflow, its activity attempts and its child', async () => {
    cached = await runScenario('otel-cached');
    checkTree(cached);
  }, 60_000);

  it('a worker that replays every workflow task exports the same spans, none twice', async () => {
    const replaying = await runScenario('otel-replaying');
    checkTree(replaying);
    expect(shape(replaying.spans)).toEqual(shape(cached.spans));
  }, 60_000);
});
