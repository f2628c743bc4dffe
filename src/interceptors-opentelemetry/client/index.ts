/**
 * The client side of the OpenTelemetry integration: a span for each start, signal, signal-with-start and
 * query, whose context goes to the workflow in the call's headers.
 */
import * as otel from '@opentelemetry/api';
import type {
  Headers,
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

  /**
   * One client span named `<kind>:<name>` around `call`, whose context goes to the workflow in the headers;
   * tagged with the workflow id and, when known or returned, the run id.
   */
  private traced<T>(
    kind: SpanName,
    name: string,
    execution: { workflowId: string; runId?: string },
    call: (headersOf: (h: Headers) => Headers) => Promise<T>,
    runIdOf?: (result: T) => string,
  ): Promise<T> {
    return instrument({
      tracer: this.tracer,
      spanName: `${kind}${SPAN_DELIMITER}${name}`,
      kind: otel.SpanKind.CLIENT,
      fn: async (span, ctx) => {
        span.setAttribute(WORKFLOW_ID_ATTR_KEY, execution.workflowId);
        if (execution.runId) span.setAttribute(RUN_ID_ATTR_KEY, execution.runId);
        const result = await call((h) => headersWithContext(h, ctx));
        if (runIdOf) span.setAttribute(RUN_ID_ATTR_KEY, runIdOf(result));
        return result;
      },
    });
  }

  async start(input: WorkflowStartInput, next: Next<WorkflowClientInterceptor, 'start'>): Promise<string> {
    return this.traced(
      SpanName.WORKFLOW_START,
      input.workflowType,
      { workflowId: input.options.workflowId },
      (headersOf) => next({ ...input, headers: headersOf(input.headers) }),
      (runId) => runId,
    );
  }

  async signal(input: WorkflowSignalInput, next: Next<WorkflowClientInterceptor, 'signal'>): Promise<void> {
    return this.traced(SpanName.WORKFLOW_SIGNAL, input.signalName, input.workflowExecution, (headersOf) =>
      next({ ...input, headers: headersOf(input.headers) }),
    );
  }

  async signalWithStart(
    input: WorkflowSignalWithStartInput,
    next: Next<WorkflowClientInterceptor, 'signalWithStart'>,
  ): Promise<string> {
    return this.traced(
      SpanName.WORKFLOW_SIGNAL_WITH_START,
      input.workflowType,
      { workflowId: input.options.workflowId },
      (headersOf) => next({ ...input, headers: headersOf(input.headers) }),
      (runId) => runId,
    );
  }

  async query(input: WorkflowQueryInput, next: Next<WorkflowClientInterceptor, 'query'>): Promise<unknown> {
    return this.traced(SpanName.WORKFLOW_QUERY, input.queryType, input.workflowExecution, (headersOf) =>
      next({ ...input, headers: headersOf(input.headers) }),
    );
  }
}
