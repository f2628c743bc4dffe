/** `weft/activity`: what activity code can know and do while it runs. */
export {
  Context,
  activityInfo,
  heartbeat,
  cancellationSignal,
  cancelled,
  sleep,
  log,
  getClient,
  cancellationDetails,
  type ActivityInfo,
} from './context.js';
export {
  ActivityCancellationDetails,
  type ActivityCancellationDetailsOptions,
} from '../common/activity-cancellation.js';
/** Temporal's name for the activity's info. */
export type { ActivityInfo as Info } from './context.js';
export type { Logger, LogLevel, LogMetadata } from '../common/temporal-logger.js';
export { CompleteAsyncError } from './complete-async.js';
export {
  WeftFailure,
  TemporalFailure,
  rootCause,
  ApplicationFailure,
  ActivityFailure,
  CancelledFailure,
  TimeoutFailure,
  TerminatedFailure,
  ServerFailure,
  isCancellation,
  TimeoutType,
  RetryState,
  ApplicationFailureCategory,
  type ApplicationFailureOptions,
} from '../common/failure.js';
