/**
 * What the workflow-side and worker-side halves of the OpenTelemetry integration share: the header key, span
 * names, attribute keys, the W3C `traceparent` format, and the plain-data span that crosses the sandbox through
 * the `exporter` sink. No imports at run time: this module is bundled into the workflow sandbox.
 */
import type { Sink, Sinks } from '../../workflow/sinks.js';

/** The header that carries the trace context (Temporal's key): `{ traceparent, tracestate? }`. */
export const TRACE_HEADER = '_tracer-data';
/** Span attribute: the workflow's run id. */
export const RUN_ID_ATTR_KEY = 'run_id';
/** Span attribute: the workflow id. */
export const WORKFLOW_ID_ATTR_KEY = 'temporalWorkflowId';
/** Span attribute: the activity id. */
export const ACTIVITY_ID_ATTR_KEY = 'temporalActivityId';
/** Span attribute: the update id. */
export const UPDATE_ID_ATTR_KEY = 'temporalUpdateId';

/** Span names are `<SpanName>:<workflow, activity, signal, query or update name>`. */
export enum SpanName {
  /** A client starts a workflow. */
  WORKFLOW_START = 'StartWorkflow',
  /** A client (or a workflow) signals a workflow. */
  WORKFLOW_SIGNAL = 'SignalWorkflow',
  /** A client calls signalWithStart. */
  WORKFLOW_SIGNAL_WITH_START = 'SignalWithStartWorkflow',
  /** A client queries a workflow. */
  WORKFLOW_QUERY = 'QueryWorkflow',
  /** The workflow handles a signal. */
  WORKFLOW_HANDLE_SIGNAL = 'HandleSignal',
  /** The workflow answers a query. */
  WORKFLOW_HANDLE_QUERY = 'HandleQuery',
  /** The workflow handles an update. */
  WORKFLOW_HANDLE_UPDATE = 'HandleUpdate',
  /** The workflow validates an update. */
  WORKFLOW_VALIDATE_UPDATE = 'ValidateUpdate',
  /** A workflow run, from its first workflow task to its end. */
  WORKFLOW_EXECUTE = 'RunWorkflow',
  /** Weft addition: one activation of the run (a workflow task, or a local activity's outcome within one). */
  WORKFLOW_TASK = 'WorkflowTask',
  /** A workflow starts a child workflow (until the child has started). */
  CHILD_WORKFLOW_START = 'StartChildWorkflow',
  /** A workflow schedules an activity (until its outcome is back). */
  ACTIVITY_START = 'StartActivity',
  /** One attempt of an activity, in the worker. */
  ACTIVITY_EXECUTE = 'RunActivity',
  /** A workflow continues as new. */
  CONTINUE_AS_NEW = 'ContinueAsNew',
}

export const SPAN_DELIMITER = ':';

// ---- plain-data spans (what the sandbox hands to the worker) ----

/** Seconds and nanoseconds, as OpenTelemetry's `HrTime`. */
export type HrTime = [number, number];
export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];
export type Attributes = Record<string, AttributeValue | undefined>;

export interface SerializableSpanContext {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  /** The W3C `tracestate` string. */
  traceState?: string;
}

export interface SerializableSpan {
  readonly name: string;
  /** OpenTelemetry's SpanKind (0 INTERNAL, 1 SERVER, 2 CLIENT, 3 PRODUCER, 4 CONSUMER). */
  readonly kind: number;
  readonly spanContext: SerializableSpanContext;
  readonly parentSpanId?: string;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  /** OpenTelemetry's SpanStatusCode: 0 UNSET, 1 OK, 2 ERROR. */
  readonly status: { code: number; message?: string };
  readonly attributes: Attributes;
  readonly links: Array<{ context: SerializableSpanContext; attributes?: Attributes }>;
  readonly events: Array<{ name: string; time: HrTime; attributes?: Attributes }>;
  readonly duration: HrTime;
  readonly ended: boolean;
  readonly droppedAttributesCount: number;
  readonly droppedLinksCount: number;
  readonly droppedEventsCount: number;
  readonly instrumentationLibrary: { name: string; version?: string };
  /**
   * Weft: the sandbox cannot see when an activation's work ends (its clock stands still during it), so a
   * workflow task span says so and the worker's exporter sets its end time when it receives it.
   */
  readonly endsAtExport?: boolean;
  /**
   * Weft: a query's span (queries are not in history, so the sandbox has nothing unique to derive its id from;
   * nothing in the sandbox refers to it): the exporter gives it a random span id.
   */
  readonly idAtExport?: boolean;
}

/** The sink the workflow interceptors send finished spans through. */
export interface OpenTelemetryWorkflowExporter extends Sink {
  export(spans: SerializableSpan[]): void;
  /** Weft: spans made while answering a query, exported even when the worker replayed history for it. */
  exportQuery(spans: SerializableSpan[]): void;
}

/** The worker's injected sinks the workflow interceptors need (`sinks: { exporter: makeWorkflowExporter(...) }`). */
export interface OpenTelemetrySinks extends Sinks {
  exporter: OpenTelemetryWorkflowExporter;
}

// ---- W3C trace context ----

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** `00-<trace id>-<span id>-<flags>`. */
export function formatTraceparent(ctx: { traceId: string; spanId: string; traceFlags: number }): string {
  return `00-${ctx.traceId}-${ctx.spanId}-${(ctx.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** The span context a `traceparent` names, or undefined when it is not a valid one. */
export function parseTraceparent(traceparent: unknown, tracestate?: unknown): SerializableSpanContext | undefined {
  if (typeof traceparent !== 'string') return undefined;
  const m = TRACEPARENT.exec(traceparent.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string?];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16),
    isRemote: true,
    ...(typeof tracestate === 'string' && tracestate !== '' ? { traceState: tracestate } : {}),
  };
}

/** The span context carried in `headers[TRACE_HEADER]`, if any. */
export function spanContextFromHeaders(
  headers: Record<string, unknown> | undefined,
): SerializableSpanContext | undefined {
  const carrier = headers?.[TRACE_HEADER];
  if (carrier === null || typeof carrier !== 'object') return undefined;
  const c = carrier as Record<string, unknown>;
  return parseTraceparent(c['traceparent'], c['tracestate']);
}

/** The header value (the carrier) for a span context. */
export function carrierFor(ctx: SerializableSpanContext): Record<string, string> {
  return {
    traceparent: formatTraceparent(ctx),
    ...(ctx.traceState ? { tracestate: ctx.traceState } : {}),
  };
}
