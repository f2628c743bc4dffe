/** `weft/worker`: run workflows and activities, replay histories, bundle workflow code. */
export { Worker, type WorkerOptions, type WorkerState } from './worker.js';
export type {
  BundlerOptions,
  CustomSlotSupplier,
  FixedSizeSlotSupplier,
  PollerBehavior,
  PollerBehaviorAutoscaling,
  PollerBehaviorSimpleMaximum,
  ResourceBasedSlotOptions,
  ResourceBasedTuner,
  ResourceBasedTunerOptions,
  SlotInfo,
  SlotSupplier,
  TunerHolder,
  WorkerTuner,
} from './worker-options.js';
export {
  Runtime,
  IllegalStateError,
  makeTelemetryFilterString,
  NativeConnection,
  type RuntimeOptions,
  type NativeConnectionOptions,
} from './runtime.js';
export type { TLSConfig } from '../common/tls-config.js';
export {
  DefaultLogger,
  type Logger,
  type LogLevel,
  type LogMetadata,
  type LogEntry,
} from '../common/temporal-logger.js';
export { bundleWorkflowCode, WorkflowBundleError, type WorkflowBundle } from './sandbox/bundler.js';
export type {
  WorkflowBundleOption,
  WorkflowBundlePath,
  WorkflowBundlePathWithSourceMap,
} from './sandbox/bundle-option.js';
export type { ReplayOptions, ReplayResult, ReplayInput } from './replay-histories.js';
export type { ActivityImplementations } from './activity-executor.js';
export { DeterminismViolationError } from '../common/failure.js';
export { METADATA_ENCODING_KEY, type Payload, type PayloadCodec, type DataConverter } from '../common/payload-codec.js';
export type { History, HistoryEvent } from '../protocol/events.js';
export { composeInterceptors } from '../common/interceptors.js';
export type * from './interceptors.js';
