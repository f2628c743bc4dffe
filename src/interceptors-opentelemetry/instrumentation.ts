/**
 * Helpers of the client and worker interceptors (outside the sandbox, on `@opentelemetry/api`): the trace
 * context in and out of headers, and running a function inside a span.
 *
 * The context is written as W3C `traceparent`/`tracestate` under `_tracer-data`, whatever propagator is
 * registered (the workflow side reads exactly that); the registered propagator's fields (baggage...) are added.
 */
import * as otel from '@opentelemetry/api';
import type { Headers } from '../common/interceptors.js';
import { ApplicationFailure, ApplicationFailureCategory } from '../common/failure.js';
import { carrierFor, parseTraceparent, TRACE_HEADER } from './workflow/definitions.js';

export {
  TRACE_HEADER,
  RUN_ID_ATTR_KEY,
  WORKFLOW_ID_ATTR_KEY,
  ACTIVITY_ID_ATTR_KEY,
  UPDATE_ID_ATTR_KEY,
} from './workflow/definitions.js';

/** The OpenTelemetry context carried by `headers`, if they carry one. */
export function extractContextFromHeaders(headers: Headers): otel.Context | undefined {
  const carrier = headers[TRACE_HEADER];
  if (carrier === null || typeof carrier !== 'object') return undefined;
  const fields = carrier as Record<string, unknown>;
  const textMap: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (typeof v === 'string') textMap[k] = v;
  let ctx = otel.propagation.extract(otel.context.active(), textMap, otel.defaultTextMapGetter);
  const parsed = parseTraceparent(textMap['traceparent'], textMap['tracestate']);
  const extracted = otel.trace.getSpanContext(ctx);
  if (parsed && (!extracted || extracted.spanId !== parsed.spanId)) {
    // no W3C propagator registered: read the traceparent ourselves
    ctx = otel.trace.setSpanContext(ctx, {
      traceId: parsed.traceId,
      spanId: parsed.spanId,
      traceFlags: parsed.traceFlags,
      isRemote: true,
      ...(parsed.traceState ? { traceState: otel.createTraceState(parsed.traceState) } : {}),
    });
  }
  return ctx;
}

/** `headers` with the trace context of `context` (default: the active one) added. */
export function headersWithContext(headers: Headers, context: otel.Context = otel.context.active()): Headers {
  const carrier: Record<string, string> = {};
  otel.propagation.inject(context, carrier, otel.defaultTextMapSetter);
  const spanContext = otel.trace.getSpanContext(context);
  if (spanContext && otel.isSpanContextValid(spanContext)) {
    Object.assign(
      carrier,
      carrierFor({
        traceId: spanContext.traceId,
        spanId: spanContext.spanId,
        traceFlags: spanContext.traceFlags,
        ...(spanContext.traceState ? { traceState: spanContext.traceState.serialize() } : {}),
      }),
    );
  }
  if (Object.keys(carrier).length === 0) return headers;
  return { ...headers, [TRACE_HEADER]: carrier };
}

function addError(span: otel.Span, err: unknown, acceptableErrors?: (err: unknown) => boolean): void {
  if (acceptableErrors?.(err)) {
    span.setStatus({ code: otel.SpanStatusCode.OK });
    return;
  }
  const benign = err instanceof ApplicationFailure && err.category === ApplicationFailureCategory.BENIGN;
  const message = err instanceof Error ? err.message : String(err);
  span.setStatus({ code: benign ? otel.SpanStatusCode.UNSET : otel.SpanStatusCode.ERROR, message });
  span.recordException(err instanceof Error ? err : message);
}

export interface InstrumentOptions<T> {
  tracer: otel.Tracer;
  spanName: string;
  /** Gets the span and the context that has it (pass that on explicitly: no context manager is needed then). */
  fn: (span: otel.Span, context: otel.Context) => Promise<T>;
  /** The parent (default: the active context). */
  context?: otel.Context;
  /** Errors that end the span OK (a continue-as-new, an asynchronous completion). */
  acceptableErrors?: (err: unknown) => boolean;
  kind?: otel.SpanKind;
}

export type InstrumentOptionsSync<T> = Omit<InstrumentOptions<T>, 'fn'> & {
  fn: (span: otel.Span, context: otel.Context) => T;
};

/** Runs `fn` in a new span (made active while it runs), which ends when `fn` settles. */
export async function instrument<T>(opts: InstrumentOptions<T>): Promise<T> {
  const parent = opts.context ?? otel.context.active();
  const span = opts.tracer.startSpan(opts.spanName, opts.kind !== undefined ? { kind: opts.kind } : {}, parent);
  const ctx = otel.trace.setSpan(parent, span);
  return otel.context.with(ctx, async () => {
    try {
      const result = await opts.fn(span, ctx);
      span.setStatus({ code: otel.SpanStatusCode.OK });
      return result;
    } catch (err) {
      addError(span, err, opts.acceptableErrors);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** `instrument` for a synchronous `fn`. */
export function instrumentSync<T>(opts: InstrumentOptionsSync<T>): T {
  const parent = opts.context ?? otel.context.active();
  const span = opts.tracer.startSpan(opts.spanName, opts.kind !== undefined ? { kind: opts.kind } : {}, parent);
  const ctx = otel.trace.setSpan(parent, span);
  return otel.context.with(ctx, () => {
    try {
      const result = opts.fn(span, ctx);
      span.setStatus({ code: otel.SpanStatusCode.OK });
      return result;
    } catch (err) {
      addError(span, err, opts.acceptableErrors);
      throw err;
    } finally {
      span.end();
    }
  });
}
