/** Method and path (under /api/v1) of every API operation, shared by the server's router and the clients. */
export const ROUTES = {
  startWorkflow: { method: 'POST', path: '/namespaces/:namespace/workflows' },
  startWorkflows: { method: 'POST', path: '/namespaces/:namespace/workflow-starts' },
  listWorkflows: { method: 'GET', path: '/namespaces/:namespace/workflows' },
  countWorkflows: { method: 'GET', path: '/namespaces/:namespace/workflow-count' },
  describeWorkflow: { method: 'GET', path: '/namespaces/:namespace/workflows/:workflowId' },
  workflowResult: { method: 'GET', path: '/namespaces/:namespace/workflows/:workflowId/result' },
  workflowHistory: { method: 'GET', path: '/namespaces/:namespace/workflows/:workflowId/history' },
  waitWorkflowResults: { method: 'POST', path: '/namespaces/:namespace/workflow-results/wait' },
  cancelWorkflow: { method: 'POST', path: '/namespaces/:namespace/workflows/:workflowId/cancel' },
  signalWorkflow: { method: 'POST', path: '/namespaces/:namespace/workflows/:workflowId/signal' },
  signalWithStart: { method: 'POST', path: '/namespaces/:namespace/signal-with-start' },
  updateWithStart: { method: 'POST', path: '/namespaces/:namespace/update-with-start' },
  queryWorkflow: { method: 'POST', path: '/namespaces/:namespace/workflows/:workflowId/query' },
  updateWorkflow: { method: 'POST', path: '/namespaces/:namespace/workflows/:workflowId/updates' },
  pollWorkflowUpdate: { method: 'GET', path: '/namespaces/:namespace/workflows/:workflowId/updates/:updateId' },
  terminateWorkflow: { method: 'POST', path: '/namespaces/:namespace/workflows/:workflowId/terminate' },
  createSchedule: { method: 'POST', path: '/namespaces/:namespace/schedules' },
  listSchedules: { method: 'GET', path: '/namespaces/:namespace/schedules' },
  describeSchedule: { method: 'GET', path: '/namespaces/:namespace/schedules/:scheduleId' },
  updateSchedule: { method: 'PUT', path: '/namespaces/:namespace/schedules/:scheduleId' },
  deleteSchedule: { method: 'DELETE', path: '/namespaces/:namespace/schedules/:scheduleId' },
  pauseSchedule: { method: 'POST', path: '/namespaces/:namespace/schedules/:scheduleId/pause' },
  unpauseSchedule: { method: 'POST', path: '/namespaces/:namespace/schedules/:scheduleId/unpause' },
  triggerSchedule: { method: 'POST', path: '/namespaces/:namespace/schedules/:scheduleId/trigger' },
  backfillSchedule: { method: 'POST', path: '/namespaces/:namespace/schedules/:scheduleId/backfill' },
  registerWorkflow: { method: 'POST', path: '/namespaces/:namespace/workflow-types' },
  listWorkflowTypes: { method: 'GET', path: '/namespaces/:namespace/workflow-types' },
  createSearchAttribute: { method: 'POST', path: '/namespaces/:namespace/search-attributes' },
  listSearchAttributes: { method: 'GET', path: '/namespaces/:namespace/search-attributes' },
  listTaskQueues: { method: 'GET', path: '/namespaces/:namespace/task-queues' },
  describeTaskQueue: { method: 'GET', path: '/namespaces/:namespace/task-queues/:taskQueue' },
  stopWorkers: { method: 'POST', path: '/namespaces/:namespace/task-queues/:taskQueue/stop-workers' },
  shutdownWorker: { method: 'POST', path: '/namespaces/:namespace/task-queues/:taskQueue/shutdown-worker' },
  pollTasks: { method: 'POST', path: '/namespaces/:namespace/task-queues/:taskQueue/poll' },
  completeTasks: { method: 'POST', path: '/namespaces/:namespace/tasks/complete' },
  heartbeatActivity: { method: 'POST', path: '/namespaces/:namespace/activity-tasks/heartbeat' },
  completeActivity: { method: 'POST', path: '/namespaces/:namespace/activities/complete' },
  failActivity: { method: 'POST', path: '/namespaces/:namespace/activities/fail' },
  reportActivityCancellation: { method: 'POST', path: '/namespaces/:namespace/activities/report-cancellation' },
  heartbeatActivityById: { method: 'POST', path: '/namespaces/:namespace/activities/heartbeat' },
  listStuckWorkflows: { method: 'GET', path: '/namespaces/:namespace/stuck-workflows' },
  listUnservedWorkflowTypes: { method: 'GET', path: '/namespaces/:namespace/unserved-workflow-types' },
  listNamespaces: { method: 'GET', path: '/namespaces' },
  createNamespace: { method: 'POST', path: '/namespaces' },
  describeNamespace: { method: 'GET', path: '/namespaces/:namespace' },
  updateNamespace: { method: 'PUT', path: '/namespaces/:namespace' },
  deleteNamespace: { method: 'DELETE', path: '/namespaces/:namespace' },
  listApiKeys: { method: 'GET', path: '/api-keys' },
  createApiKey: { method: 'POST', path: '/api-keys' },
  revokeApiKey: { method: 'POST', path: '/api-keys/:keyId/revoke' },
  describeCaller: { method: 'GET', path: '/caller' },
} as const satisfies Record<string, { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string }>;

export type OperationId = keyof typeof ROUTES;

/** Operations that are safe to send again after a connection failure. */
export const IDEMPOTENT: ReadonlySet<OperationId> = new Set<OperationId>([
  'listWorkflows',
  'countWorkflows',
  'describeWorkflow',
  'workflowResult',
  'waitWorkflowResults',
  'workflowHistory',
  'listWorkflowTypes',
  'createSearchAttribute', // creating it again with the same type changes nothing
  'listSearchAttributes',
  'describeTaskQueue',
  'listTaskQueues',
  'registerWorkflow',
  'startWorkflow', // with a request id, a repeated start returns the run it started
  'startWorkflows', // each start with its request id
  'cancelWorkflow',
  'signalWorkflow', // with a request id, a repeated signal is applied once
  'signalWithStart',
  'updateWithStart', // with a request id and an update id, a repeated call returns the first one's outcome
  'queryWorkflow',
  'updateWorkflow', // with an update id, a repeated update returns the first one's outcome
  'pollWorkflowUpdate',
  'listSchedules',
  'describeSchedule',
  'pauseSchedule',
  'unpauseSchedule',
  'listStuckWorkflows',
  'listUnservedWorkflowTypes',
  'listNamespaces',
  'describeNamespace',
  'updateNamespace', // sets the same fields again
  'deleteNamespace', // deleting a deleted namespace answers it as it is
  'listApiKeys',
  'revokeApiKey', // revoking a revoked key changes nothing
  'describeCaller',
]);

/** Fills `:name` placeholders with URL-encoded params. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`missing path parameter ${name}`);
    return encodeURIComponent(v);
  });
}
