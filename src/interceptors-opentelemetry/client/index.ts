/**
 * The client side of the OpenTelemetry integration: a span for each start, signal, signal-with-start and
 * query, whose context goes to the workflow in the call's headers.
 */
import * as otel from '@opentelemetry/api';
import type {
  Next,
  WorkflowClientInterceptor,
  WorkflowQueryInput,
  WorkflowSignalInput,
  WorkflowSignalWithStartInput,
  WorkflowStartInput,
} from '../../client/interceptors.js';
import { headersWithContext, instrument, RUN_ID_ATTR_KEY, WORKFLOW_ID_ATTR_KEY } from '../instrumentation.js';
import { SpanName, SPAN_DELIMITER } from '../workflow/definitions.js';

export interface InterceptorOptions {
  /** Default: `otel.trace.getTracer('weft/interceptors-opentelemetry/client')` (the global provider's). */
  readonly tracer?: otel.Tracer;
}

/** `new Client({ interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } })`. */
export class OpenTelemetryWorkflowClientInterceptor implements WorkflowClientInterceptor {
  protected readonly tracer: otel.Tracer;

  constructor(options?: InterceptorOptions) {
    this.tracer = options?.tracer ?? otel.trace.getTracer('weft/interceptors-opentelemetry/client');
  }

  async start(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'start'>): Promise<string> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_START}${SPAN_DELIMITER}${input.workflowType}`,
      kind: otel.SpanKind.CLIENT,
      fn: async (span, ctx) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.options.workflowId);
        const runId = await next({ ...input, headers: headersWithContext(input.headers, ctx) });
        span.setAttribute(RUN_ID_ATTR_KEY, runId);
        return runId;
      },
    });
  }

  async signal(input: WorkflowSignalInput, next: Next<WorkflowClientInterceptor, 'signal'>): Promise<void> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_SIGNAL}${SPAN_DELIMITER}${input.signalName}`,
      kind: otel.SpanKind.CLIENT,
      fn: async (span, ctx) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.workflowExecution.workflowId);
        if (input.workflowExecution.runId) span.setAttribute(RUN_ID_ATTR_KEY, input.workflowExecution.runId);
        await next({ ...input, headers: headersWithContext(input.headers, ctx) });
      },
    });
  }

  async signalWithStart(
    input: WorkflowSignalWithStartInput,
    next: Next<WorkflowClientInterceptor, 'signalWithStart'>,
  ): Promise<string> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_SIGNAL_WITH_START}${SPAN_DELIMITER}${input.workflowType}`,
      kind: otel.SpanKind.CLIENT,
      fn: async (span, ctx) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.options.workflowId);
        const runId = await next({ ...input, headers: headersWithContext(input.headers, ctx) });
        span.setAttribute(RUN_ID_ATTR_KEY, runId);
        return runId;
      },
    });
  }

  async query(input: WorkflowQueryInput, next: Next<WorkflowClientInterceptor, 'query'>): Promise<unknown> {
    return instrument({
      tracer: this.tracer,
      spanName: `${SpanName.WORKFLOW_QUERY}${SPAN_DELIMITER}${input.queryType}`,
      kind: otel.SpanKind.CLIENT,
      fn: async (span, ctx) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, input.workflowExecution.workflowId);
        if (input.workflowExecution.runId) span.setAttribute(RUN_ID_ATTR_KEY, input.workflowExecution.runId);
        return next({ ...input, headers: headersWithContext(input.headers, ctx) });
      },
    });
  }
}
