/**
 * `weft/workflow`: the API workflow code uses. It runs inside the worker's deterministic sandbox; names
 * follow Temporal's TypeScript SDK so workflows port by changing imports.
 */
export { proxyActivities, scheduleActivity } from './activities.js';
export { proxyLocalActivities, scheduleLocalActivity, type LocalActivityOptions } from './local-activities.js';
export {
  getCurrentDetails,
  setCurrentDetails,
  stackTraceQuery,
  enhancedStackTraceQuery,
  workflowMetadataQuery,
  setWorkflowOptions,
  NotAnActivityMethod,
  type WorkflowMetadata,
  type WorkflowInteractionDefinition,
  type WorkflowDefinitionOptions,
} from './workflow-metadata.js';
export {
  ValueError,
  PayloadConverterError,
  IllegalStateError,
  NamespaceNotFoundError,
  WorkflowError,
} from '../common/errors.js';
export { patched, deprecatePatch } from './patching.js';
export { sleep, condition, type TimerOptions } from './timers.js';
export { CancellationScope, type CancellationScopeOptions } from './cancellation-scope.js';
export {
  startChild,
  executeChild,
  getExternalWorkflowHandle,
  ChildWorkflowCancellationType,
  type ChildWorkflowOptions,
  type ChildWorkflowHandle,
  type ExternalWorkflowHandle,
} from './child-workflow.js';
export { continueAsNew, makeContinueAsNewFunc, ContinueAsNew, type ContinueAsNewOptions } from './continue-as-new.js';
export { workflowInfo, uuid4, log, inWorkflowContext } from './info.js';
export { currentUpdateInfo, type UpdateInfo } from './update-info.js';
export { Trigger } from './trigger.js';
export { upsertSearchAttributes } from './search-attributes.js';
export { upsertMemo } from './memo.js';
export {
  SearchAttributeType,
  defineSearchAttributeKey,
  TypedSearchAttributes,
  type SearchAttributeKey,
  type SearchAttributePair,
  type SearchAttributeUpdatePair,
} from '../common/typed-search-attributes.js';
export { Saga, type SagaOptions, type CompensationFailure, type CompensationReport } from './saga.js';
export {
  defineSignal,
  defineQuery,
  defineUpdate,
  setHandler,
  allHandlersFinished,
  setDefaultSignalHandler,
  setDefaultQueryHandler,
  setDefaultUpdateHandler,
  type DefaultSignalHandler,
  type DefaultQueryHandler,
  type DefaultUpdateHandler,
  type SignalDefinition,
  type QueryDefinition,
  type UpdateDefinition,
  type UpdateHandlerOptions,
  HandlerUnfinishedPolicy,
  type SignalHandlerOptions,
  type QueryHandlerOptions,
} from './messages.js';
export {
  ActivityCancellationType,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  WorkflowIdConflictPolicy,
  type ActivityOptions,
  type ActivityInterfaceFor,
  type WorkflowInfo,
} from './types.js';
export {
  WeftFailure,
  TemporalFailure,
  rootCause,
  ApplicationFailure,
  ActivityFailure,
  ChildWorkflowFailure,
  CancelledFailure,
  TimeoutFailure,
  TerminatedFailure,
  ServerFailure,
  WorkflowFailedError,
  DeterminismViolationError,
  isCancellation,
  type ApplicationFailureOptions,
  RetryState,
  ApplicationFailureCategory,
  TimeoutType,
} from '../common/failure.js';
export type { Duration } from '../common/duration.js';
export type { RetryPolicy } from '../common/retry-policy.js';
export type { Priority } from '../common/priority.js';
export { METADATA_ENCODING_KEY, type Payload } from '../common/payload-codec.js';
export { composeInterceptors, type Headers, type Next } from '../common/interceptors.js';
export type * from './interceptors.js';
export { proxySinks, type Sink, type Sinks } from './sinks.js';
