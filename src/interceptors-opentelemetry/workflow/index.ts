/**
 * `weft/interceptors-opentelemetry/workflow` (also `.../lib/workflow`, Temporal's path): the workflow
 * interceptors of the OpenTelemetry integration. They run inside the sandbox, where no OpenTelemetry SDK is
 * loaded: spans are plain data made here and sent, once finished, through the worker's `exporter` sink
 * (`makeWorkflowExporter` in `weft/interceptors-opentelemetry`). Sink calls are not made again on replay, so a
 * span is exported once; ids come from the run id and a key naming the span (its activity's seq, its update
 * id...), so a replay makes the same ids and the workflow's own `Math.random()` sequence is left alone.
 *
 * Imports only the workflow API (by a relative path, which the bundler maps onto the sandbox's shared runtime).
 */
import {
  ApplicationFailure,
  ApplicationFailureCategory,
  ContinueAsNew,
  proxySinks,
  workflowInfo,
  type ActivateInput,
  type ActivityInput,
  type ConcludeActivationInput,
  type ConcludeActivationOutput,
  type ContinueAsNewInput,
  type DisposeInput,
  type GetLogAttributesInput,
  type Headers,
  type LocalActivityInput,
  type Next,
  type QueryInput,
  type SignalInput,
  type SignalWorkflowInput,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInternalsInterceptor,
  type WorkflowOutboundCallsInterceptor,
} from '../../workflow/index.js';
import {
  carrierFor,
  spanContextFromHeaders,
  SpanName,
  SPAN_DELIMITER,
  TRACE_HEADER,
  UPDATE_ID_ATTR_KEY,
  type Attributes,
  type AttributeValue,
  type HrTime,
  type OpenTelemetrySinks,
  type SerializableSpan,
  type SerializableSpanContext,
} from './definitions.js';
import { hexId } from './ids.js';

export * from './definitions.js';

const INSTRUMENTATION = { name: 'weft/interceptors-opentelemetry/workflow' };
const SPAN_KIND = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const;
const STATUS = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** A span made in the sandbox: deterministic ids and workflow time; sent through the sink when it ends. */
export class WorkflowSpan {
  readonly spanContext: SerializableSpanContext;
  readonly attributes: Attributes = {};
  readonly events: SerializableSpan['events'] = [];
  status: SerializableSpan['status'] = { code: STATUS.UNSET };
  private readonly startMs: number;
  private ended = false;

  constructor(
    readonly name: string,
    readonly kind: number,
    key: string,
    readonly parent: SerializableSpanContext | undefined,
    private readonly flavour: 'normal' | 'task' | 'query' = 'normal',
  ) {
    const info = workflowInfo();
    this.spanContext = {
      traceId: parent?.traceId ?? hexId(info.runId, 'trace', 16),
      spanId: hexId(info.runId, key, 8),
      traceFlags: parent?.traceFlags ?? 1,
      ...(parent?.traceState ? { traceState: parent.traceState } : {}),
    };
    this.startMs = Date.now();
  }

  setAttribute(key: string, value: AttributeValue): this {
    this.attributes[key] = value;
    return this;
  }

  setStatus(status: SerializableSpan['status']): this {
    this.status = status;
    return this;
  }

  recordException(err: unknown): void {
    const e = err as { name?: unknown; message?: unknown } | null | undefined;
    this.events.push({
      name: 'exception',
      time: hrTime(Date.now()),
      attributes: {
        'exception.type': typeof e?.name === 'string' ? e.name : typeof err,
        'exception.message': typeof e?.message === 'string' ? e.message : String(err),
      },
    });
  }

  /** Ends the span and hands it to the worker (not during replay: the sink call is skipped then). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    // a span the parent's sampling decision left out is propagated but not exported
    if ((this.spanContext.traceFlags & 1) === 0) return;
    const endMs = Math.max(Date.now(), this.startMs);
    const span: SerializableSpan = {
      name: this.name,
      kind: this.kind,
      spanContext: this.spanContext,
      ...(this.parent ? { parentSpanId: this.parent.spanId } : {}),
      startTime: hrTime(this.startMs),
      endTime: hrTime(endMs),
      status: this.status,
      attributes: this.attributes,
      links: [],
      events: this.events,
      duration: hrTime(endMs - this.startMs),
      ended: true,
      droppedAttributesCount: 0,
      droppedLinksCount: 0,
      droppedEventsCount: 0,
      instrumentationLibrary: INSTRUMENTATION,
      ...(this.flavour === 'task' ? { endsAtExport: true } : {}),
      ...(this.flavour === 'query' ? { idAtExport: true } : {}),
    };
    const exporter = proxySinks<OpenTelemetrySinks>().exporter;
    // a query is never replayed, but the worker may have replayed history just before it
    if (this.flavour === 'query') exporter.exportQuery([span]);
    else exporter.export([span]);
  }
}

function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/** Headers with the trace context of `span` (replacing any the caller had). */
export function headersWithSpan(headers: Headers, span: WorkflowSpan): Headers {
  return { ...headers, [TRACE_HEADER]: carrierFor(span.spanContext) };
}

// ---- the run's state (this module is instantiated once per run, with the workflow bundle) ----

const state: {
  startHeaders?: Headers;
  run?: WorkflowSpan;
  task?: WorkflowSpan;
  taskKeys: Map<number, number>;
  signals: number;
} = { taskKeys: new Map(), signals: 0 };

/**
 * The context of the run span, known before the span itself exists (its id comes from the run id): the
 * parent of workflow task spans, and of outbound calls (the sandbox has no async context to tell which
 * handler made a call, so every outbound span hangs off the run).
 */
function runSpanContext(): SerializableSpanContext {
  if (state.run) return state.run.spanContext;
  const runId = workflowInfo().runId;
  const parent = spanContextFromHeaders(state.startHeaders);
  return {
    traceId: parent?.traceId ?? hexId(runId, 'trace', 16),
    spanId: hexId(runId, 'run', 8),
    traceFlags: parent?.traceFlags ?? 1,
    ...(parent?.traceState ? { traceState: parent.traceState } : {}),
  };
}

function isBenign(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.category === ApplicationFailureCategory.BENIGN;
}

function endWithError(span: WorkflowSpan, err: unknown, acceptable?: (err: unknown) => boolean): void {
  if (acceptable?.(err)) {
    span.setStatus({ code: STATUS.OK });
  } else {
    const message = err instanceof Error ? err.message : String(err);
    span.setStatus({ code: isBenign(err) ? STATUS.UNSET : STATUS.ERROR, message });
    span.recordException(err);
  }
  span.end();
}

async function traced<T>(span: WorkflowSpan, fn: () => Promise<T>, acceptable?: (err: unknown) => boolean): Promise<T> {
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    endWithError(span, err, acceptable);
    throw err;
  }
  span.setStatus({ code: STATUS.OK });
  span.end();
  return result;
}

function tracedSync<T>(span: WorkflowSpan, fn: () => T): T {
  let result: T;
  try {
    result = fn();
  } catch (err) {
    endWithError(span, err);
    throw err;
  }
  span.setStatus({ code: STATUS.OK });
  span.end();
  return result;
}

const spanName = (kind: SpanName, what: string): string => `${kind}${SPAN_DELIMITER}${what}`;

/** A span for a message the workflow handles: a child of the span in its headers, or of the run. */
function handlerSpan(kind: SpanName, name: string, key: string, headers: Headers, flavour?: 'query'): WorkflowSpan {
  const parent = spanContextFromHeaders(headers) ?? runSpanContext();
  return new WorkflowSpan(spanName(kind, name), SPAN_KIND.SERVER, key, parent, flavour);
}

/** A span for a call the workflow makes, a child of the run; the call's headers carry its context on. */
function callSpan(kind: SpanName, name: string, key: string): WorkflowSpan {
  return new WorkflowSpan(spanName(kind, name), SPAN_KIND.CLIENT, key, runSpanContext());
}

/**
 * Inbound: a span for the run (`RunWorkflow:<type>`, child of the span in the start headers: the client's
 * `StartWorkflow`, a parent's `StartChildWorkflow`), and for each signal, update and query handled (children of
 * the span in their own headers, or of the run).
 */
export class OpenTelemetryInboundInterceptor implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    state.startHeaders = input.headers;
    const parent = spanContextFromHeaders(input.headers);
    const span = new WorkflowSpan(
      spanName(SpanName.WORKFLOW_EXECUTE, workflowInfo().workflowType),
      SPAN_KIND.SERVER,
      'run',
      parent,
    );
    state.run = span;
    return traced(
      span,
      () => next(input),
      (err) => err instanceof ContinueAsNew,
    );
  }

  async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    const n = ++state.signals;
    const span = handlerSpan(SpanName.WORKFLOW_HANDLE_SIGNAL, input.signalName, `signal:${n}`, input.headers);
    return traced(span, () => next(input));
  }

  async handleUpdate(
    input: UpdateInput,
    next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>,
  ): Promise<unknown> {
    const span = handlerSpan(SpanName.WORKFLOW_HANDLE_UPDATE, input.name, `update:${input.updateId}`, input.headers);
    span.setAttribute(UPDATE_ID_ATTR_KEY, input.updateId);
    return traced(span, () => next(input));
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    const span = handlerSpan(
      SpanName.WORKFLOW_VALIDATE_UPDATE,
      input.name,
      `validate:${input.updateId}`,
      input.headers,
    );
    span.setAttribute(UPDATE_ID_ATTR_KEY, input.updateId);
    tracedSync(span, () => next(input));
  }

  async handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    // queries are not in history: the worker's exporter gives the span its id
    const span = handlerSpan(
      SpanName.WORKFLOW_HANDLE_QUERY,
      input.queryName,
      `query:${input.queryId}`,
      input.headers,
      'query',
    );
    return traced(span, () => next(input));
  }
}

/**
 * Outbound: a span for each activity scheduled (`StartActivity:<type>`, until its outcome is back), child
 * workflow started (`StartChildWorkflow:<type>`, until the child has started), signal sent
 * (`SignalWorkflow:<name>`) and continue-as-new; each call's headers carry that span's context on, so the
 * activity's attempts and the child's run are its children.
 */
export class OpenTelemetryOutboundInterceptor implements WorkflowOutboundCallsInterceptor {
  async scheduleActivity(
    input: ActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>,
  ): Promise<unknown> {
    const span = callSpan(SpanName.ACTIVITY_START, input.activityType, `activity:${input.seq}`);
    return traced(span, () => next({ ...input, headers: headersWithSpan(input.headers, span) }));
  }

  async scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ): Promise<unknown> {
    const span = callSpan(SpanName.ACTIVITY_START, input.activityType, `local-activity:${input.seq}:${input.attempt}`);
    return traced(span, () => next({ ...input, headers: headersWithSpan(input.headers, span) }));
  }

  async startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ): Promise<[Promise<string>, Promise<unknown>]> {
    const span = callSpan(SpanName.CHILD_WORKFLOW_START, input.workflowType, `child:${input.seq}`);
    // the span lasts until the child has started (Weft's next resolves at once, with the started promise)
    let out: [Promise<string>, Promise<unknown>];
    try {
      out = await next({ ...input, headers: headersWithSpan(input.headers, span) });
    } catch (err) {
      endWithError(span, err);
      throw err;
    }
    out[0].then(
      () => {
        span.setStatus({ code: STATUS.OK });
        span.end();
      },
      (err: unknown) => endWithError(span, err),
    );
    return out;
  }

  async signalWorkflow(
    input: SignalWorkflowInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>,
  ): Promise<void> {
    const span = callSpan(SpanName.WORKFLOW_SIGNAL, input.signalName, `signal-external:${input.seq}`);
    return traced(span, () => next({ ...input, headers: headersWithSpan(input.headers, span) }));
  }

  async continueAsNew(
    input: ContinueAsNewInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>,
  ): Promise<never> {
    const span = callSpan(SpanName.CONTINUE_AS_NEW, input.options.workflowType, 'continue-as-new');
    return traced(
      span,
      () => next({ ...input, headers: headersWithSpan(input.headers, span) }),
      (err) => err instanceof ContinueAsNew,
    );
  }

  getLogAttributes(
    input: GetLogAttributesInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>,
  ): Record<string, unknown> {
    const ctx = state.run?.spanContext;
    if (!ctx) return next(input);
    return next({
      trace_id: ctx.traceId,
      span_id: ctx.spanId,
      trace_flags: `0${ctx.traceFlags.toString(16)}`,
      ...input,
    });
  }
}

/**
 * Internals (a Weft addition to Temporal's, which only disposes its context manager here): a span per
 * activation (`WorkflowTask:<type>`, child of the run span), from the workflow task's start to the end of the
 * worker's work on it (the exporter sets the end time, which the sandbox cannot see).
 */
export class OpenTelemetryInternalsInterceptor implements WorkflowInternalsInterceptor {
  activate(input: ActivateInput, next: Next<WorkflowInternalsInterceptor, 'activate'>): void {
    const { activation } = input;
    const start = activation.jobs.find((j) => j.type === 'start');
    if (start) state.startHeaders = start.headers ?? {};
    // several activations may share a history length (a local activity's outcome within a task)
    const n = (state.taskKeys.get(activation.historyLength) ?? 0) + 1;
    state.taskKeys.set(activation.historyLength, n);
    const span = new WorkflowSpan(
      spanName(SpanName.WORKFLOW_TASK, workflowInfo().workflowType),
      SPAN_KIND.INTERNAL,
      `task:${activation.historyLength}:${n}`,
      runSpanContext(),
      'task',
    );
    span.setAttribute('weft.historyLength', activation.historyLength);
    span.setAttribute(
      'weft.jobs',
      activation.jobs.map((j) => j.type),
    );
    state.task = span;
    try {
      next(input);
    } catch (err) {
      state.task = undefined;
      endWithError(span, err);
      throw err;
    }
  }

  concludeActivation(
    input: ConcludeActivationInput,
    next: Next<WorkflowInternalsInterceptor, 'concludeActivation'>,
  ): ConcludeActivationOutput {
    const out = next(input);
    const span = state.task;
    state.task = undefined;
    if (span) {
      span.setAttribute(
        'weft.commands',
        out.commands.map((c) => c.type),
      );
      span.setStatus({ code: STATUS.OK });
      span.end();
    }
    return out;
  }

  dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
    state.task = undefined;
    next(input);
  }
}
