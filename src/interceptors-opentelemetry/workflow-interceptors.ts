/**
 * `weft/interceptors-opentelemetry/workflow-interceptors` (also `.../lib/workflow-interceptors`, Temporal's
 * path): a ready workflow interceptors module. Give its path to the worker,
 * `interceptors: { workflowModules: [fileURLToPath(import.meta.resolve('weft/interceptors-opentelemetry/workflow-interceptors'))] }`,
 * or write your own module that exports `interceptors` as this one does.
 */
import type { WorkflowInterceptors } from '../workflow/interceptors.js';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from './workflow/index.js';

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
