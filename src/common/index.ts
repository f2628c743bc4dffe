/**
 * `weft/common`, as Temporal's `@temporalio/common`: the failure classes, the enums, the logger, duration, retry
 * policy, interceptor and search attribute types that the other entry points share. Re-exports only; everything
 * here is also usable inside workflow code (the sandbox maps `weft/common` onto the workflow runtime).
 */
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
  TimeoutType,
  RetryState,
  ApplicationFailureCategory,
  type ApplicationFailureOptions,
  type FailureInfo,
} from './failure.js';
export {
  ActivityCancellationType,
  WorkflowIdReusePolicy,
  WorkflowIdConflictPolicy,
  type ActivityOptions,
} from '../workflow/types.js';
export { composeInterceptors, type Headers, type Next } from './interceptors.js';
export { ValueError, PayloadConverterError, IllegalStateError, NamespaceNotFoundError } from './errors.js';
export { ActivityCancellationDetails, type ActivityCancellationDetailsOptions } from './activity-cancellation.js';
export type { Duration } from './duration.js';
export { METADATA_ENCODING_KEY, type Payload, type PayloadCodec, type DataConverter } from './payload-codec.js';
export type { RetryPolicy } from './retry-policy.js';
export type { Priority, VersioningIntent } from './priority.js';
export type { Logger, LogLevel, LogMetadata, LogEntry } from './temporal-logger.js';
export {
  SearchAttributeType,
  defineSearchAttributeKey,
  TypedSearchAttributes,
  type SearchAttributeKey,
  type SearchAttributePair,
  type SearchAttributeUpdatePair,
} from './typed-search-attributes.js';
export type {
  SearchAttributes,
  SearchAttributeValue,
  PlainSearchAttributeValue,
} from '../visibility/search-attribute-values.js';
