/**
 * `weft/interceptors-opentelemetry`: tracing of workflows and activities with OpenTelemetry, as Temporal's
 * `@temporalio/interceptors-opentelemetry` (needs `@opentelemetry/api`; `makeWorkflowExporter` takes an
 * `@opentelemetry/sdk-trace-base` span processor or exporter).
 *
 * - client: `new Client({ interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } })`;
 * - worker: `interceptors: { workflowModules: [workflowInterceptorModulePath], activity: [(ctx) => ({ inbound:
 *   new OpenTelemetryActivityInboundInterceptor(ctx) })] }` and `sinks: { exporter: makeWorkflowExporter(processor,
 *   resource) }`;
 * - workflow interceptors module: `weft/interceptors-opentelemetry/workflow` (its classes), or the ready
 *   `weft/interceptors-opentelemetry/workflow-interceptors`.
 */
export * from './workflow/index.js';
export * from './worker/index.js';
export {
  OpenTelemetryWorkflowClientInterceptor,
  /** Temporal's older name. */
  OpenTelemetryWorkflowClientInterceptor as OpenTelemetryWorkflowClientCallsInterceptor,
} from './client/index.js';
export {
  extractContextFromHeaders,
  headersWithContext,
  instrument,
  instrumentSync,
  type InstrumentOptions,
  type InstrumentOptionsSync,
} from './instrumentation.js';
