/**
 * Where the payloads are in the API's requests and answers, per operation: what a client with payload codecs
 * encodes before a request leaves and decodes in the answer (src/client/codec-transport.ts). Workers use
 * WORKER_PAYLOADS; the tasks they poll and the completions they send are coded task by task
 * (src/worker/task-codec.ts), so one payload that does not decode fails its task, not the poll.
 * Histories (`workflowHistory`) reach clients as stored, encoded, as Temporal's `fetchHistory()` gives them.
 */
import type { Obj, PayloadBatch, Walker } from '../common/payload-batch.js';
import { eventsIn, userMetadata } from './payload-fields.js';
import type { OperationId } from './routes.js';

export interface OperationPayloads {
  /** Payloads of the request body (encoded). */
  request?: Walker;
  /** Payloads of the answer (decoded). */
  response?: Walker;
}

export type PayloadsByOperation = Partial<Record<OperationId, OperationPayloads>>;

/** A closed run's outcome (WorkflowResultResponse). */
const outcome: Walker = (b, r) => {
  b.value(r, 'result');
  b.failure(r, 'failure');
};

const startFields = (b: PayloadBatch, s: Obj): void => {
  b.args(s, 'args');
  b.map(s, 'memo');
  b.object(s, 'userMetadata', (m) => userMetadata(b, m));
};

/** An update's answer: its outcome's result or failure. */
const updateAnswer: Walker = (b, u) => b.object(u, 'outcome', (o) => outcome(b, o));

const args: Walker = (b, r) => b.args(r, 'args');
const details: Walker = (b, r) => b.value(r, 'details');
const scheduleAction: Walker = (b, s) => b.object(s, 'action', (a) => startFields(b, a));
/** A schedule's action and its own memo. */
const schedule: Walker = (b, s) => {
  scheduleAction(b, s);
  b.map(s, 'memo');
};

export const CLIENT_PAYLOADS: PayloadsByOperation = {
  startWorkflow: { request: startFields, response: (b, r) => b.object(r, 'result', (o) => outcome(b, o)) },
  startWorkflows: { request: (b, r) => b.objects(r, 'starts', (s) => startFields(b, s)) },
  signalWithStart: {
    request: (b, r) => {
      startFields(b, r);
      b.args(r, 'signalArgs');
    },
  },
  updateWithStart: {
    request: (b, r) => {
      b.object(r, 'start', (s) => startFields(b, s));
      b.object(r, 'update', (u) => args(b, u));
    },
    response: (b, r) => b.object(r, 'update', (u) => updateAnswer(b, u)),
  },
  signalWorkflow: { request: args },
  queryWorkflow: { request: args, response: (b, r) => b.value(r, 'result') },
  updateWorkflow: { request: args, response: updateAnswer },
  pollWorkflowUpdate: { response: updateAnswer },
  workflowResult: { response: outcome },
  waitWorkflowResults: {
    response: (b, r) => b.objects(r, 'results', (x) => b.object(x, 'outcome', (o) => outcome(b, o))),
  },
  describeWorkflow: {
    response: (b, d) => {
      b.object(d, 'execution', (e) => {
        b.map(e, 'memo');
        b.object(e, 'userMetadata', (m) => userMetadata(b, m));
      });
      b.objects(d, 'pendingActivities', (a) => {
        b.value(a, 'heartbeatDetails');
        b.failure(a, 'lastFailure');
      });
      b.object(d, 'pendingWorkflowTask', (t) => b.failure(t, 'lastFailure'));
      b.object(d, 'result', (o) => outcome(b, o));
    },
  },
  terminateWorkflow: { request: details },
  createSchedule: { request: schedule },
  updateSchedule: { request: scheduleAction },
  describeSchedule: { response: schedule },
  listSchedules: { response: (b, r) => b.objects(r, 'schedules', (s) => b.map(s, 'memo')) },
  listWorkflows: { response: (b, r) => b.objects(r, 'executions', (e) => b.map(e, 'memo')) },
  completeActivity: { request: (b, r) => b.value(r, 'result') },
  failActivity: { request: (b, r) => b.failure(r, 'failure') },
  reportActivityCancellation: { request: details },
  heartbeatActivityById: { request: details },
};

/** What a worker's own calls carry besides tasks and completions: heartbeats, and history pages it replays. */
export const WORKER_PAYLOADS: PayloadsByOperation = {
  heartbeatActivity: { request: details },
  workflowHistory: { response: eventsIn('events') },
};

/** Error details that hold a failure (a query handler that threw: QUERY_FAILED). */
export const errorDetailsFields: Walker = (b, d) => b.failure(d, 'failure');
