/** `weft/client`: start and manage workflows from any Node process. */
export { Client, type ClientOptions } from './client.js';
export { Connection, type ConnectionOptions } from './connection.js';
export {
  WorkflowClient,
  type WorkflowStartOptions,
  type WorkflowExecutionInfo,
  type WorkflowClientOptions,
} from './workflow-client.js';
export { WorkflowHandle, type WorkflowExecutionDescription } from './workflow-handle.js';
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
export type { SearchAttributeType } from '../visibility/search-attributes.js';
export {
  ScheduleClient,
  ScheduleHandle,
  ScheduleOverlapPolicy,
  type ScheduleOptions,
  type ScheduleSpec,
  type ScheduleAction,
  type CalendarSpec,
  type ScheduleUpdateOptions,
  type ScheduleClientOptions,
} from './schedule-client.js';
export type { ScheduleDescription, ScheduleSummary } from '../protocol/schedule-api.js';
export { WorkflowUpdateHandle, WorkflowUpdateStage, type UpdateOptions } from './update-handle.js';
export {
  ServiceError,
  ConnectionError,
  WorkflowNotFoundError,
  WorkflowExecutionAlreadyStartedError,
  QueryNotRegisteredError,
  WorkflowUpdateFailedError,
  ScheduleAlreadyRunning,
} from './errors.js';
export {
  WeftFailure,
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
} from '../common/failure.js';
export { WorkflowIdReusePolicy, WorkflowIdConflictPolicy } from '../workflow/types.js';
export type { History, HistoryEvent } from '../protocol/events.js';
export type { ExecutionStatus } from '../protocol/status.js';
export type { Duration } from '../common/duration.js';
export type { RetryPolicy } from '../common/retry-policy.js';
