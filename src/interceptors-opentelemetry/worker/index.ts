/**
 * The worker side of the OpenTelemetry integration: a span per activity attempt (child of the workflow's
 * `StartActivity` span, from the headers), and the sink that exports the spans made inside the sandbox.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as otel from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Context as ActivityContext } from '../../activity/context.js';
import { CompleteAsyncError } from '../../activity/complete-async.js';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityOutboundCallsInterceptor,
  GetLogAttributesInput,
  InjectedSink,
  Next,
} from '../../worker/interceptors.js';
import type { WorkflowInfo } from '../../workflow/types.js';
import {
  ACTIVITY_ID_ATTR_KEY,
  extractContextFromHeaders,
  instrument,
  RUN_ID_ATTR_KEY,
  WORKFLOW_ID_ATTR_KEY,
} from '../instrumentation.js';
import {
  SpanName,
  SPAN_DELIMITER,
  type OpenTelemetryWorkflowExporter,
  type SerializableSpan,
  type SerializableSpanContext,
} from '../workflow/definitions.js';

export interface InterceptorOptions {
  /** Default: `otel.trace.getTracer('weft/interceptors-opentelemetry/activity')` (the global provider's). */
  readonly tracer?: otel.Tracer;
}

/**
 * `Worker.create({ interceptors: { activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })] } })`:
 * a `RunActivity:<type>` span around each attempt.
 */
export class OpenTelemetryActivityInboundInterceptor implements ActivityInboundCallsInterceptor {
  protected readonly tracer: otel.Tracer;

  constructor(
    protected readonly ctx: ActivityContext,
    options?: InterceptorOptions,
  ) {
    this.tracer = options?.tracer ?? otel.trace.getTracer('weft/interceptors-opentelemetry/activity');
  }

  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const info = this.ctx.info;
    const context = extractContextFromHeaders(input.headers);
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.ACTIVITY_EXECUTE}${SPAN_DELIMITER}${info.activityType}`,
      kind: otel.SpanKind.SERVER,
      ...(context ? { context } : {}),
      fn: async (span) => {
        span.setAttribute(ACTIVITY_ID_ATTR_KEY, info.activityId);
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, info.workflowExecution.workflowId);
        span.setAttribute(RUN_ID_ATTR_KEY, info.workflowExecution.runId);
        span.setAttribute('weft.attempt', info.attempt);
        return next(input);
      },
      acceptableErrors: (err) => err instanceof CompleteAsyncError,
    });
  }
}

/** Adds the active span's ids to an activity's log attributes. */
export class OpenTelemetryActivityOutboundInterceptor implements ActivityOutboundCallsInterceptor {
  constructor(protected readonly ctx: ActivityContext) {}

  getLogAttributes(
    input: GetLogAttributesInput,
    next: Next<ActivityOutboundCallsInterceptor, 'getLogAttributes'>,
  ): Record<string, unknown> {
    const spanContext = otel.trace.getSpanContext(otel.context.active());
    if (!spanContext || !otel.isSpanContextValid(spanContext)) return next(input);
    return next({
      trace_id: spanContext.traceId,
      span_id: spanContext.spanId,
      trace_flags: `0${spanContext.traceFlags.toString(16)}`,
      ...input,
    });
  }
}

type Resource = ReadableSpan['resource'];

/** Stands in when no resource is given: no attributes. */
const EMPTY_RESOURCE: Resource = {
  attributes: {},
  asyncAttributesPending: false,
  merge: (other) => other ?? EMPTY_RESOURCE,
  getRawAttributes: () => [],
};

/**
 * The sink that exports the workflow interceptors' spans: `Worker.create({ sinks: { exporter:
 * makeWorkflowExporter(spanProcessor, resource) } })`. A span processor (`SimpleSpanProcessor`,
 * `BatchSpanProcessor`) is the better choice; an exporter is accepted too. The worker makes sink calls once,
 * not again when a workflow replays, so each span is exported once.
 */
export function makeWorkflowExporter(
  processorOrExporter: SpanProcessor | SpanExporter,
  resource?: Resource,
): InjectedSink<OpenTelemetryWorkflowExporter> {
  const res = resource ?? EMPTY_RESOURCE;
  const fn = (info: WorkflowInfo, spans: SerializableSpan[]): void => {
    const readable = spans.map((s) => toReadableSpan(s, info, res));
    if (isSpanProcessor(processorOrExporter)) for (const span of readable) processorOrExporter.onEnd(span);
    else processorOrExporter.export(readable, () => undefined);
  };
  return { export: { fn }, exportQuery: { fn, callDuringReplay: true } };
}

function isSpanProcessor(x: SpanProcessor | SpanExporter): x is SpanProcessor {
  return typeof (x as { onEnd?: unknown }).onEnd === 'function';
}

function toSpanContext(c: SerializableSpanContext): otel.SpanContext {
  return {
    traceId: c.traceId,
    spanId: c.spanId,
    traceFlags: c.traceFlags,
    ...(c.isRemote !== undefined ? { isRemote: c.isRemote } : {}),
    ...(c.traceState ? { traceState: otel.createTraceState(c.traceState) } : {}),
  };
}

function randomSpanId(): string {
  return randomBytes(8).toString('hex');
}

function hrNow(): otel.HrTime {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

function hrDiff(a: otel.HrTime, b: otel.HrTime): otel.HrTime {
  let seconds = a[0] - b[0];
  let nanos = a[1] - b[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return seconds < 0 ? [0, 0] : [seconds, nanos];
}

/**
 * A span from the sandbox as the SDK's `ReadableSpan` (with the 1.x names `parentSpanId` and
 * `instrumentationLibrary` as well as the 2.x `parentSpanContext` and `instrumentationScope`).
 */
function toReadableSpan(s: SerializableSpan, info: WorkflowInfo, resource: Resource): ReadableSpan {
  const spanContext = toSpanContext(s.idAtExport ? { ...s.spanContext, spanId: randomSpanId() } : s.spanContext);
  let endTime = s.endTime;
  let duration = s.duration;
  if (s.endsAtExport) {
    const now = hrNow();
    if (hrDiff(now, s.startTime)[0] >= 0) {
      endTime = now;
      duration = hrDiff(now, s.startTime);
    }
  }
  const attributes: otel.Attributes = {
    ...s.attributes,
    [WORKFLOW_ID_ATTR_KEY]: info.workflowId,
    [RUN_ID_ATTR_KEY]: info.runId,
    'weft.workflowType': info.workflowType,
    'weft.taskQueue': info.taskQueue,
    'weft.namespace': info.namespace,
  };
  const span = {
    name: s.name,
    kind: s.kind as otel.SpanKind,
    spanContext: () => spanContext,
    ...(s.parentSpanId
      ? {
          parentSpanId: s.parentSpanId,
          parentSpanContext: {
            traceId: s.spanContext.traceId,
            spanId: s.parentSpanId,
            traceFlags: s.spanContext.traceFlags,
            isRemote: false,
          },
        }
      : {}),
    startTime: s.startTime,
    endTime,
    status: s.status,
    attributes,
    links: s.links.map((l) => ({
      context: toSpanContext(l.context),
      ...(l.attributes ? { attributes: l.attributes } : {}),
    })),
    events: s.events,
    duration,
    ended: true,
    resource,
    instrumentationScope: s.instrumentationLibrary,
    instrumentationLibrary: s.instrumentationLibrary,
    droppedAttributesCount: s.droppedAttributesCount,
    droppedEventsCount: s.droppedEventsCount,
    droppedLinksCount: s.droppedLinksCount,
  };
  return span;
}

/**
 * The path of the ready workflow interceptors module (`weft/interceptors-opentelemetry/workflow-interceptors`),
 * for `interceptors.workflowModules`.
 */
export const workflowInterceptorModulePath: string = (() => {
  for (const ext of ['.js', '.ts']) {
    const p = fileURLToPath(new URL(`../workflow-interceptors${ext}`, import.meta.url));
    if (existsSync(p)) return p;
  }
  return fileURLToPath(new URL('../workflow-interceptors.js', import.meta.url));
})();
