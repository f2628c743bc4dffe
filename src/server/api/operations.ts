/**
 * Every API operation, once: its route, its request schemas and the service it calls. The HTTP layer
 * (http-app.ts) mounts these on Fastify and the in-process transport (used by the testing environment) calls
 * them directly; both validate with the same schemas (validate.ts), so both answer the same errors.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import {
  CancelWorkflowRequestSchema,
  CountWorkflowsQuery,
  HistoryQuery,
  ListWorkflowsQuery,
  NamespaceParams,
  RegisterWorkflowRequestSchema,
  ResultQuery,
  RunQuery,
  StartWorkflowRequestSchema,
  StartWorkflowsRequestSchema,
  StopWorkersRequestSchema,
  ShutdownWorkerRequestSchema,
  type ShutdownWorkerRequest,
  TaskQueueParams,
  TerminateWorkflowRequestSchema,
  SignalWorkflowRequestSchema,
  SignalWithStartRequestSchema,
  QueryWorkflowRequestSchema,
  UpdateWorkflowRequestSchema,
  UpdateWithStartRequestSchema,
  UpdateParams,
  UpdatePollQuery,
  WaitResultsRequestSchema,
  WorkflowParams,
} from '../../protocol/api.js';
import { CompleteTasksRequestSchema, HeartbeatRequestSchema, PollRequestSchema } from '../../protocol/tasks.js';
import { ROUTES, type OperationId } from '../../protocol/routes.js';
import type { ServerContext } from '../context.js';
import type { Access } from '../tenancy/access.js';
import type { Caller } from '../tenancy/callers.js';
import { tenancyOperations } from './tenancy-operations.js';
import { ENVELOPE_DEPTH } from '../json-depth.js';
import { completeTasks } from '../service/complete-tasks.js';
import { describeWorkflow } from '../service/describe-workflow.js';
import { heartbeat } from '../service/heartbeat-activity.js';
import { unservedWorkflowTypes } from '../service/type-workers.js';
import {
  completeActivityAsync,
  failActivityAsync,
  heartbeatActivityAsync,
  reportActivityCancellation,
} from '../service/async-completion.js';
import {
  CompleteActivityRequestSchema,
  FailActivityRequestSchema,
  HeartbeatActivityByIdRequestSchema,
  ReportActivityCancellationRequestSchema,
} from '../../protocol/async-completion.js';
import { countWorkflows, listWorkflows } from '../service/list-workflows.js';
import { pollTasks } from '../service/poll-tasks.js';
import { listRegisteredWorkflows, registerWorkflow } from '../service/register-workflow.js';
import { createSearchAttribute, listSearchAttributes } from '../service/search-attributes.js';
import { CreateSearchAttributeRequestSchema } from '../../protocol/search-attribute-api.js';
import { startWorkflow } from '../service/start-workflow.js';
import { startWorkflows } from '../service/start-workflows.js';
import { describeTaskQueue, shutdownWorker, stopWorkers } from '../service/task-queues.js';
import { listTaskQueues } from '../service/list-task-queues.js';
import { workflowHistory } from '../service/workflow-history.js';
import { cancelWorkflow, terminateWorkflowRun } from '../service/workflow-requests.js';
import { signalWithStart, signalWorkflow } from '../service/signal-workflow.js';
import { queryWorkflow } from '../service/query-workflow.js';
import { pollUpdate, updateWithStart, updateWorkflow } from '../service/update-workflow.js';
import {
  backfillSchedule,
  createSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  triggerSchedule,
  updateSchedule,
} from '../service/schedules.js';
import {
  BackfillRequestSchema,
  CreateScheduleRequestSchema,
  ListSchedulesQuery,
  NoteRequestSchema,
  ScheduleParams,
  TriggerRequestSchema,
  UpdateScheduleRequestSchema,
} from '../../protocol/schedule-api.js';
import { waitWorkflowResults, workflowResult } from '../service/workflow-result.js';
import { listStuckWorkflows } from '../service/stuck-workflows.js';
import { StuckWorkflowsQuery } from '../../protocol/monitoring-api.js';

export interface OperationRequest {
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  /** Aborted when the caller goes away (long polls stop waiting). */
  signal: AbortSignal;
  /** Identity header of the caller, when given (with API keys: the key's name). */
  identity?: string;
  /** The API key's caller, when the server requires keys. */
  caller?: Caller;
}

export interface Operation {
  id: OperationId;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify-style path under /api/v1, e.g. /namespaces/:namespace/workflows */
  path: string;
  summary: string;
  tags: string[];
  /** Who may call it when the server requires API keys (tenancy/access.ts). */
  access: Access;
  /** Needs a key for every namespace ('*') even though its path names one (deleting a namespace). */
  global?: boolean;
  params?: TSchema;
  query?: TSchema;
  body?: TSchema;
  /** Waits for something to happen: stops waiting when the caller hangs up. */
  longPoll?: boolean;
  /** Largest accepted body; default: the payload limit plus room for the envelope. */
  bodyLimit?: (ctx: ServerContext) => number;
  /** Levels of envelope the body may have beyond the configured nesting limit (config.maxJsonDepth). */
  envelopeDepth?: number;
  handler: (ctx: ServerContext, req: OperationRequest) => Promise<unknown> | unknown;
}

type P = Record<string, string>;
// handlers get requests that passed validation against the schemas above them; these casts only name that
/* eslint-disable @typescript-eslint/no-explicit-any */
const p = (r: OperationRequest): P => r.params as P;
const q = (r: OperationRequest): any => r.query;
const b = (r: OperationRequest): any => r.body;
/* eslint-enable @typescript-eslint/no-explicit-any */
/** The body's identity, else the caller's x-weft-identity header: who asked, for the history. */
const withIdentity = <T extends { identity?: string }>(body: T | undefined, identity: string | undefined): T => {
  const out = { ...(body ?? {}) } as T;
  if (out.identity === undefined && identity !== undefined) out.identity = identity;
  return out;
};

export const operations: Operation[] = [
  {
    id: 'startWorkflow',
    ...ROUTES.startWorkflow,
    access: 'write',
    summary: 'Start a workflow execution',
    tags: ['workflows'],
    params: NamespaceParams,
    body: StartWorkflowRequestSchema,
    longPoll: true,
    handler: (ctx, r) => startWorkflow(ctx, p(r).namespace!, b(r), r.signal),
  },
  {
    id: 'startWorkflows',
    ...ROUTES.startWorkflows,
    access: 'write',
    summary:
      'Start several workflow executions, each answered on its own (a client sends the starts of a moment together)',
    tags: ['workflows'],
    params: NamespaceParams,
    body: StartWorkflowsRequestSchema,
    bodyLimit: () => 64 * 1024 * 1024,
    // each start's payloads are checked on their own, against the namespace's limit
    envelopeDepth: ENVELOPE_DEPTH,
    handler: (ctx, r) => startWorkflows(ctx, p(r).namespace!, b(r)),
  },
  {
    id: 'listWorkflows',
    ...ROUTES.listWorkflows,
    access: 'read',
    summary: 'List workflow executions matching a query',
    tags: ['workflows'],
    params: NamespaceParams,
    query: ListWorkflowsQuery,
    handler: (ctx, r) => listWorkflows(ctx, p(r).namespace!, q(r)),
  },
  {
    id: 'countWorkflows',
    ...ROUTES.countWorkflows,
    access: 'read',
    summary: 'Count workflow executions matching a query',
    tags: ['workflows'],
    params: NamespaceParams,
    query: CountWorkflowsQuery,
    handler: (ctx, r) => countWorkflows(ctx, p(r).namespace!, q(r).query),
  },
  {
    id: 'describeWorkflow',
    ...ROUTES.describeWorkflow,
    access: 'read',
    summary: 'Describe a workflow execution (the current run, or ?runId=)',
    tags: ['workflows'],
    params: WorkflowParams,
    query: RunQuery,
    handler: (ctx, r) => describeWorkflow(ctx, p(r).namespace!, p(r).workflowId!, q(r).runId),
  },
  {
    id: 'workflowResult',
    ...ROUTES.workflowResult,
    access: 'read',
    summary:
      'Wait for a run to close and return its outcome (long poll; status Running when the wait ends first; ' +
      'no result field: the workflow returned undefined)',
    tags: ['workflows'],
    params: WorkflowParams,
    query: ResultQuery,
    longPoll: true,
    handler: (ctx, r) => workflowResult(ctx, p(r).namespace!, p(r).workflowId!, q(r), r.signal),
  },
  {
    id: 'waitWorkflowResults',
    ...ROUTES.waitWorkflowResults,
    access: 'read',
    summary: 'Wait for the first of several runs to close; answers every run closed by then (long poll)',
    tags: ['workflows'],
    params: NamespaceParams,
    body: WaitResultsRequestSchema,
    longPoll: true,
    handler: (ctx, r) => waitWorkflowResults(ctx, p(r).namespace!, b(r), r.signal),
  },
  {
    id: 'workflowHistory',
    ...ROUTES.workflowHistory,
    access: 'readOrWork',
    summary: "A run's event history ({ events }), paged by fromEventId",
    tags: ['workflows'],
    params: WorkflowParams,
    query: HistoryQuery,
    handler: (ctx, r) => workflowHistory(ctx, p(r).namespace!, p(r).workflowId!, q(r)),
  },
  {
    id: 'cancelWorkflow',
    ...ROUTES.cancelWorkflow,
    access: 'write',
    summary: 'Request cancellation of a run',
    tags: ['workflows'],
    params: WorkflowParams,
    body: CancelWorkflowRequestSchema,
    handler: (ctx, r) => cancelWorkflow(ctx, p(r).namespace!, p(r).workflowId!, withIdentity(b(r), r.identity)),
  },
  {
    id: 'signalWorkflow',
    ...ROUTES.signalWorkflow,
    access: 'write',
    summary: 'Send a signal to a run (applied once per request id)',
    tags: ['workflows'],
    params: WorkflowParams,
    body: SignalWorkflowRequestSchema,
    handler: (ctx, r) => signalWorkflow(ctx, p(r).namespace!, p(r).workflowId!, withIdentity(b(r), r.identity)),
  },
  {
    id: 'signalWithStart',
    ...ROUTES.signalWithStart,
    access: 'write',
    summary: 'Signal the running run of a workflow id, or start one and signal it in the same transaction',
    tags: ['workflows'],
    params: NamespaceParams,
    body: SignalWithStartRequestSchema,
    handler: (ctx, r) => signalWithStart(ctx, p(r).namespace!, b(r)),
  },
  {
    id: 'updateWithStart',
    ...ROUTES.updateWithStart,
    access: 'write',
    summary:
      'Send an update to the running run of a workflow id, or start one with the update in the same transaction; waits for the update stage',
    tags: ['workflows'],
    params: NamespaceParams,
    body: UpdateWithStartRequestSchema,
    longPoll: true,
    handler: (ctx, r) => updateWithStart(ctx, p(r).namespace!, b(r), r.signal),
  },
  {
    id: 'queryWorkflow',
    ...ROUTES.queryWorkflow,
    access: 'read',
    summary: "Ask a workflow a query; a worker answers from the workflow's state (no result field: undefined)",
    tags: ['workflows'],
    params: WorkflowParams,
    body: QueryWorkflowRequestSchema,
    longPoll: true,
    handler: (ctx, r) => queryWorkflow(ctx, p(r).namespace!, p(r).workflowId!, b(r), r.signal),
  },
  {
    id: 'updateWorkflow',
    ...ROUTES.updateWorkflow,
    access: 'write',
    summary: 'Send an update; answers once the workflow accepted or completed it (waitForStage), or the wait ends',
    tags: ['workflows'],
    params: WorkflowParams,
    body: UpdateWorkflowRequestSchema,
    longPoll: true,
    handler: (ctx, r) =>
      updateWorkflow(ctx, p(r).namespace!, p(r).workflowId!, withIdentity(b(r), r.identity), r.signal),
  },
  {
    id: 'pollWorkflowUpdate',
    ...ROUTES.pollWorkflowUpdate,
    access: 'read',
    summary: "Wait for an update's stage or outcome",
    tags: ['workflows'],
    params: UpdateParams,
    query: UpdatePollQuery,
    longPoll: true,
    handler: (ctx, r) => pollUpdate(ctx, p(r).namespace!, p(r).workflowId!, p(r).updateId!, q(r), r.signal),
  },
  {
    id: 'terminateWorkflow',
    ...ROUTES.terminateWorkflow,
    access: 'write',
    summary: 'Terminate a run at once',
    tags: ['workflows'],
    params: WorkflowParams,
    body: TerminateWorkflowRequestSchema,
    handler: (ctx, r) => terminateWorkflowRun(ctx, p(r).namespace!, p(r).workflowId!, withIdentity(b(r), r.identity)),
  },
  {
    id: 'createSchedule',
    ...ROUTES.createSchedule,
    access: 'write',
    summary: 'Create a schedule (cron, interval or calendar spec; a workflow start as its action)',
    tags: ['schedules'],
    params: NamespaceParams,
    body: CreateScheduleRequestSchema,
    handler: (ctx, r) => createSchedule(ctx, p(r).namespace!, b(r)),
  },
  {
    id: 'listSchedules',
    ...ROUTES.listSchedules,
    access: 'read',
    summary: 'List schedules with their state and next action time',
    tags: ['schedules'],
    params: NamespaceParams,
    query: ListSchedulesQuery,
    handler: (ctx, r) => listSchedules(ctx, p(r).namespace!, q(r)),
  },
  {
    id: 'describeSchedule',
    ...ROUTES.describeSchedule,
    access: 'read',
    summary: 'Describe a schedule: spec, next ten action times, recent actions, running workflows',
    tags: ['schedules'],
    params: ScheduleParams,
    handler: (ctx, r) => describeSchedule(ctx, p(r).namespace!, p(r).scheduleId!),
  },
  {
    id: 'updateSchedule',
    ...ROUTES.updateSchedule,
    access: 'write',
    summary: "Replace a schedule's spec, action, policies (and state)",
    tags: ['schedules'],
    params: ScheduleParams,
    body: UpdateScheduleRequestSchema,
    handler: (ctx, r) => updateSchedule(ctx, p(r).namespace!, p(r).scheduleId!, b(r)),
  },
  {
    id: 'deleteSchedule',
    ...ROUTES.deleteSchedule,
    access: 'write',
    summary: 'Delete a schedule (its running workflows go on)',
    tags: ['schedules'],
    params: ScheduleParams,
    handler: (ctx, r) => deleteSchedule(ctx, p(r).namespace!, p(r).scheduleId!),
  },
  {
    id: 'pauseSchedule',
    ...ROUTES.pauseSchedule,
    access: 'write',
    summary: 'Pause a schedule',
    tags: ['schedules'],
    params: ScheduleParams,
    body: NoteRequestSchema,
    handler: (ctx, r) => pauseSchedule(ctx, p(r).namespace!, p(r).scheduleId!, true, b(r)?.note),
  },
  {
    id: 'unpauseSchedule',
    ...ROUTES.unpauseSchedule,
    access: 'write',
    summary: 'Unpause a schedule (the time it was paused is not caught up)',
    tags: ['schedules'],
    params: ScheduleParams,
    body: NoteRequestSchema,
    handler: (ctx, r) => pauseSchedule(ctx, p(r).namespace!, p(r).scheduleId!, false, b(r)?.note),
  },
  {
    id: 'triggerSchedule',
    ...ROUTES.triggerSchedule,
    access: 'write',
    summary: "Take an action now (the schedule's overlap policy, or the one given)",
    tags: ['schedules'],
    params: ScheduleParams,
    body: TriggerRequestSchema,
    handler: (ctx, r) => triggerSchedule(ctx, p(r).namespace!, p(r).scheduleId!, b(r)?.overlap),
  },
  {
    id: 'backfillSchedule',
    ...ROUTES.backfillSchedule,
    access: 'write',
    summary: 'Take the actions the spec gives over past time ranges',
    tags: ['schedules'],
    params: ScheduleParams,
    body: BackfillRequestSchema,
    handler: (ctx, r) => backfillSchedule(ctx, p(r).namespace!, p(r).scheduleId!, b(r)),
  },
  {
    id: 'createSearchAttribute',
    ...ROUTES.createSearchAttribute,
    access: 'admin',
    summary: 'Register a custom search attribute (name and type) in the namespace',
    tags: ['search attributes'],
    params: NamespaceParams,
    body: CreateSearchAttributeRequestSchema,
    handler: (ctx, r) => createSearchAttribute(ctx, p(r).namespace!, b(r)),
  },
  {
    id: 'listSearchAttributes',
    ...ROUTES.listSearchAttributes,
    access: 'read',
    summary: "The namespace's custom search attributes and their types",
    tags: ['search attributes'],
    params: NamespaceParams,
    handler: (ctx, r) => listSearchAttributes(ctx, p(r).namespace!),
  },
  {
    id: 'registerWorkflow',
    ...ROUTES.registerWorkflow,
    access: 'writeOrWork',
    summary: "Register (or update) a workflow type's definition",
    tags: ['workflow types'],
    params: NamespaceParams,
    body: RegisterWorkflowRequestSchema,
    handler: (ctx, r) => registerWorkflow(ctx, p(r).namespace!, b(r)),
  },
  {
    id: 'listWorkflowTypes',
    ...ROUTES.listWorkflowTypes,
    access: 'read',
    summary: 'List registered workflow types',
    tags: ['workflow types'],
    params: NamespaceParams,
    handler: (ctx, r) => listRegisteredWorkflows(ctx, p(r).namespace!),
  },
  {
    id: 'listTaskQueues',
    ...ROUTES.listTaskQueues,
    access: 'read',
    summary: 'Task queues with workers seen polling them or workflow types registered on them',
    tags: ['task queues'],
    params: NamespaceParams,
    handler: (ctx, r) => listTaskQueues(ctx, p(r).namespace!),
  },
  {
    id: 'describeTaskQueue',
    ...ROUTES.describeTaskQueue,
    access: 'read',
    summary: 'Workers polling a task queue, and its backlog',
    tags: ['task queues'],
    params: TaskQueueParams,
    handler: (ctx, r) => describeTaskQueue(ctx, p(r).namespace!, p(r).taskQueue!),
  },
  {
    id: 'stopWorkers',
    ...ROUTES.stopWorkers,
    access: 'admin',
    summary: 'Ask the workers of a task queue (or one, by identity) to drain and stop',
    tags: ['task queues'],
    params: TaskQueueParams,
    body: StopWorkersRequestSchema,
    handler: (ctx, r) => stopWorkers(ctx, p(r).namespace!, p(r).taskQueue!, (b(r) ?? {}).identity),
  },
  {
    id: 'shutdownWorker',
    ...ROUTES.shutdownWorker,
    access: 'work',
    summary: 'A worker stopping itself: its polls are answered now, and no more tasks are started for it',
    tags: ['task queues'],
    params: TaskQueueParams,
    body: ShutdownWorkerRequestSchema,
    handler: (ctx, r) => {
      const { identity, instanceKey } = b(r) as ShutdownWorkerRequest;
      return shutdownWorker(ctx, p(r).namespace!, p(r).taskQueue!, identity, instanceKey);
    },
  },
  {
    id: 'pollTasks',
    ...ROUTES.pollTasks,
    access: 'work',
    summary:
      'Worker long poll for workflow and activity tasks (the answer says `continuations: true`: this server takes continued workflow tasks)',
    tags: ['worker'],
    params: TaskQueueParams,
    body: PollRequestSchema,
    longPoll: true,
    handler: (ctx, r) => pollTasks(ctx, p(r).namespace!, p(r).taskQueue!, b(r), r.signal),
  },
  {
    id: 'completeTasks',
    ...ROUTES.completeTasks,
    access: 'work',
    summary:
      'Worker: answer tasks, in a batch (an activity completion may carry the workflow task it causes, `continuation`); returns tasks dispatched eagerly to this worker',
    tags: ['worker'],
    params: NamespaceParams,
    body: CompleteTasksRequestSchema,
    bodyLimit: () => 256 * 1024 * 1024,
    // many payloads in one envelope: each payload's depth is checked on its own (complete-tasks.ts), so one
    // run's too deep value fails that run, not the batch
    envelopeDepth: ENVELOPE_DEPTH,
    handler: (ctx, r) => completeTasks(ctx, p(r).namespace!, b(r)),
  },
  {
    id: 'heartbeatActivity',
    ...ROUTES.heartbeatActivity,
    access: 'work',
    summary: "Worker: record an activity's heartbeat; answers whether cancellation was requested",
    tags: ['worker'],
    params: NamespaceParams,
    body: HeartbeatRequestSchema,
    handler: (ctx, r) => heartbeat(ctx, p(r).namespace!, b(r), r.identity),
  },
  {
    id: 'completeActivity',
    ...ROUTES.completeActivity,
    access: 'writeOrWork',
    summary:
      'Complete an activity from outside its worker (async completion), by task token or by workflowId + activityId',
    tags: ['activities'],
    params: NamespaceParams,
    body: CompleteActivityRequestSchema,
    handler: (ctx, r) => completeActivityAsync(ctx, p(r).namespace!, b(r)),
  },
  {
    id: 'failActivity',
    ...ROUTES.failActivity,
    access: 'writeOrWork',
    summary: 'Fail the current attempt of an activity from outside its worker (retried as the policy says)',
    tags: ['activities'],
    params: NamespaceParams,
    body: FailActivityRequestSchema,
    handler: (ctx, r) => failActivityAsync(ctx, p(r).namespace!, b(r)),
  },
  {
    id: 'reportActivityCancellation',
    ...ROUTES.reportActivityCancellation,
    access: 'writeOrWork',
    summary: 'Report from outside its worker that an activity gave up after a cancellation request',
    tags: ['activities'],
    params: NamespaceParams,
    body: ReportActivityCancellationRequestSchema,
    handler: (ctx, r) => reportActivityCancellation(ctx, p(r).namespace!, b(r)),
  },
  {
    id: 'heartbeatActivityById',
    ...ROUTES.heartbeatActivityById,
    access: 'writeOrWork',
    summary: "Record an activity's heartbeat from outside its worker; answers whether cancellation was requested",
    tags: ['activities'],
    params: NamespaceParams,
    body: HeartbeatActivityByIdRequestSchema,
    handler: (ctx, r) => heartbeatActivityAsync(ctx, p(r).namespace!, b(r)),
  },
  {
    id: 'listStuckWorkflows',
    ...ROUTES.listStuckWorkflows,
    access: 'read',
    summary: 'Running workflows with no progress for longer than olderThan (default: the server stuckAfterMs)',
    tags: ['workflows'],
    params: NamespaceParams,
    query: StuckWorkflowsQuery,
    handler: (ctx, r) => listStuckWorkflows(ctx, p(r).namespace!, q(r)),
  },
  {
    id: 'listUnservedWorkflowTypes',
    ...ROUTES.listUnservedWorkflowTypes,
    access: 'read',
    summary:
      'Running workflow types (per task queue) that no live worker serves: their runs wait for a worker (types need not be registered)',
    tags: ['workflows'],
    params: NamespaceParams,
    handler: (ctx, r) => unservedWorkflowTypes(ctx, p(r).namespace!),
  },
  ...tenancyOperations,
];

/** An operation by its id (the in-process transport and the streaming channel look them up so). */
export const operationById: ReadonlyMap<OperationId, Operation> = new Map(operations.map((o) => [o.id, o]));

export const HealthResponse = Type.Object({ status: Type.String() });
