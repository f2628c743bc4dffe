/** `weft/client`: start and manage workflows from any Node process. */
export { Client, type ClientOptions } from './client.js';
export { Connection, type ConnectionOptions } from './connection.js';
export type { TLSConfig } from '../common/tls-config.js';
export {
  WorkflowClient,
  type WorkflowStartOptions,
  type WorkflowClientOptions,
  type GetWorkflowHandleOptions,
  type Workflow,
  type WorkflowHandleWithFirstExecutionRunId,
  type WorkflowHandleWithStartDetails,
  type WorkflowHandleWithSignaledRunId,
} from './workflow-client.js';
export { WorkflowHandle } from './workflow-handle.js';
export type { Priority, VersioningIntent } from '../common/priority.js';
export type {
  AsyncWorkflowListIterable,
  HistoryAndWorkflowId,
  IntoHistoriesOptions,
  ListOptions,
} from './workflow-list.js';
export { WithStartWorkflowOperation, type WithStartWorkflowOptions } from './update-with-start.js';
export {
  WorkflowExecutionStatus,
  type WorkflowExecutionStatusName,
  type WorkflowExecutionInfo,
  type WorkflowExecutionDescription,
  type WorkflowExecution,
} from './execution-info.js';
export { TaskQueueClient, type TaskQueueDescription } from './task-queue-client.js';
export {
  AsyncCompletionClient,
  ActivityNotFoundError,
  ActivityCompletionError,
  ActivityCancelledError,
  type FullActivityId,
  type AsyncCompletionClientOptions,
} from './async-completion-client.js';
export { SearchAttributeClient, type SearchAttribute } from './search-attribute-client.js';
export {
  SearchAttributeType,
  defineSearchAttributeKey,
  TypedSearchAttributes,
  type SearchAttributeKey,
  type SearchAttributePair,
  type SearchAttributeUpdatePair,
} from '../common/typed-search-attributes.js';
export {
  ScheduleClient,
  ScheduleHandle,
  ScheduleOverlapPolicy,
  MONTHS,
  DAYS_OF_WEEK,
  type Month,
  type DayOfWeek,
  type ScheduleOptions,
  type ScheduleSpec,
  type ScheduleAction,
  type CalendarSpec,
  type ScheduleUpdateOptions,
  type ScheduleClientOptions,
  type Backfill,
} from './schedule-client.js';
export type {
  ScheduleDescription,
  ScheduleDescriptionAction,
  ScheduleSummary,
  ScheduleExecutionResult,
  ScheduleExecutionActionResult,
  ScheduleExecutionStartWorkflowActionResult,
} from './schedule-description.js';
export { WorkflowUpdateHandle, WorkflowUpdateStage, type UpdateOptions } from './update-handle.js';
export {
  ServiceError,
  ConnectionError,
  WorkflowNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  QueryNotRegisteredError,
  WorkflowUpdateFailedError,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  QueryRejectedError,
  QueryRejectCondition,
  WorkflowContinuedAsNewError,
  isGrpcDeadlineError,
  isGrpcCancelledError,
} from './errors.js';
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
  TimeoutType,
  RetryState,
  ApplicationFailureCategory,
} from '../common/failure.js';
// Temporal's @temporalio/common enums (Weft has no `weft/common`: they come from here and from `weft/workflow`)
export { WorkflowIdReusePolicy, WorkflowIdConflictPolicy, ActivityCancellationType } from '../workflow/types.js';
export type { History, HistoryEvent } from '../protocol/events.js';
export type { ExecutionStatus } from '../protocol/status.js';
export type { Duration } from '../common/duration.js';
export { METADATA_ENCODING_KEY, type Payload, type PayloadCodec, type DataConverter } from '../common/payload-codec.js';
export type { RetryPolicy } from '../common/retry-policy.js';
export { composeInterceptors, type Headers, type Next } from '../common/interceptors.js';
export type * from './interceptors.js';
export {
  NamespaceClient,
  type NamespaceInfo,
  type CreateNamespaceOptions,
  type UpdateNamespaceOptions,
} from './namespace-client.js';
export {
  ApiKeyClient,
  type ApiKeyDescription,
  type CallerDescription,
  type CreateApiKeyRequest,
  type CreateApiKeyResponse,
} from './api-key-client.js';
