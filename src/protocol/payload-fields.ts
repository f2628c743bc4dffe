/**
 * Where the payloads are in what workers receive and send: history events, workflow, activity and query tasks,
 * commands and task completions. A payload codec (docs/encryption.md) encodes and decodes exactly these fields;
 * everything else (ids, names, search attributes, headers, failure messages) stays plain, for the server to read.
 */
import type { Obj, PayloadBatch, Walker } from '../common/payload-batch.js';
import type { EventType } from './events.js';
import { LOCAL_ACTIVITY_MARKER } from './markers.js';

/** A marker's payloads: a local activity's result and the marker's failure. */
function marker(b: PayloadBatch, m: Obj): void {
  if (m.markerName === LOCAL_ACTIVITY_MARKER) b.object(m, 'details', (d) => b.value(d, 'result'));
  b.failure(m, 'failure');
}

/** An upserted memo: each value is a payload, but a null (a removal) stays plain for the server. */
const upsertedMemo: Walker = (b, a) =>
  b.object(a, 'upsertedMemo', (m) => {
    for (const k of Object.keys(m)) if (m[k] !== null) b.value(m, k);
  });

const input: Walker = (b, a) => b.args(a, 'input');
const result: Walker = (b, a) => b.value(a, 'result');
const details: Walker = (b, a) => b.value(a, 'details');
const failure: Walker = (b, a) => b.failure(a, 'failure');
/** Temporal's user metadata of a start: its summary and details payloads. */
export const userMetadata: Walker = (b, m) => {
  b.value(m, 'summary');
  b.value(m, 'details');
};
/** An activity's or a timer's user metadata (its summary). */
const metadata: Walker = (b, a) => b.object(a, 'userMetadata', (m) => userMetadata(b, m));
const inputAndMetadata: Walker = (b, a) => {
  input(b, a);
  metadata(b, a);
};

/** The payload fields of each event type's attributes (types without any are not listed). */
const EVENT_FIELDS: Partial<Record<EventType, Walker>> = {
  WorkflowExecutionStarted: (b, a) => {
    b.args(a, 'input');
    b.map(a, 'memo');
    b.object(a, 'userMetadata', (m) => userMetadata(b, m));
    b.value(a, 'lastCompletionResult');
    b.failure(a, 'continuedFailure');
  },
  WorkflowTaskFailed: failure,
  ActivityTaskScheduled: inputAndMetadata,
  TimerStarted: metadata,
  ActivityTaskStarted: (b, a) => b.failure(a, 'lastFailure'),
  ActivityTaskCompleted: result,
  ActivityTaskFailed: failure,
  ActivityTaskTimedOut: failure,
  ActivityTaskCanceled: details,
  MarkerRecorded: marker,
  WorkflowExecutionSignaled: input,
  WorkflowExecutionCompleted: result,
  WorkflowExecutionFailed: failure,
  WorkflowExecutionCanceled: details,
  WorkflowExecutionTerminated: details,
  WorkflowExecutionContinuedAsNew: input,
  StartChildWorkflowExecutionInitiated: (b, a) => {
    b.args(a, 'input');
    b.map(a, 'memo');
  },
  ChildWorkflowExecutionCompleted: result,
  ChildWorkflowExecutionFailed: failure,
  ChildWorkflowExecutionCanceled: details,
  SignalExternalWorkflowExecutionInitiated: input,
  WorkflowExecutionUpdateAccepted: input,
  WorkflowPropertiesModified: upsertedMemo,
  WorkflowExecutionUpdateCompleted: (b, a) => {
    b.value(a, 'result');
    b.failure(a, 'failure');
  },
};

/** A history event's payloads. */
export const eventFields: Walker = (b, e) => {
  const walk = EVENT_FIELDS[e.eventType as EventType];
  if (walk) b.object(e, 'attributes', (a) => walk(b, a));
};

/** `o[key]` is a list of history events. */
export const eventsIn =
  (key: string): Walker =>
  (b, o) =>
    b.objects(o, key, (e) => eventFields(b, e));

const COMMAND_FIELDS: Record<string, Walker> = {
  ScheduleActivityTask: inputAndMetadata,
  StartTimer: metadata,
  CompleteWorkflowExecution: result,
  FailWorkflowExecution: failure,
  CancelWorkflowExecution: details,
  StartChildWorkflowExecution: (b, c) => {
    b.args(c, 'input');
    b.map(c, 'memo');
    b.object(c, 'userMetadata', (m) => userMetadata(b, m));
  },
  SignalExternalWorkflowExecution: input,
  ContinueAsNewWorkflowExecution: (b, c) => {
    b.args(c, 'input');
    b.map(c, 'memo');
  },
  RecordMarker: marker,
  ModifyWorkflowProperties: upsertedMemo,
  CompleteWorkflowUpdate: (b, c) => {
    b.value(c, 'result');
    b.failure(c, 'failure');
  },
};

/** A workflow task's payloads: its events and the arguments of the updates it carries. */
export const workflowTaskFields: Walker = (b, t) => {
  eventsIn('events')(b, t);
  b.objects(t, 'updates', (u) => b.args(u, 'args'));
};

export const activityTaskFields: Walker = (b, t) => {
  b.args(t, 'input');
  b.value(t, 'heartbeatDetails');
};

export const queryTaskFields: Walker = (b, t) => b.args(t, 'args');

/** A task completion's payloads, whatever its kind. */
export const completionFields: Walker = (b, c) => {
  switch (c.kind) {
    case 'workflowTaskCompleted':
      b.objects(c, 'commands', (cmd) => COMMAND_FIELDS[cmd.type as string]?.(b, cmd));
      b.objects(c, 'updateRejections', (r) => b.failure(r, 'failure'));
      break;
    case 'workflowTaskFailed':
      b.failure(c, 'failure');
      break;
    case 'activityTaskCompleted':
      b.value(c, 'result');
      break;
    case 'activityTaskFailed':
      b.failure(c, 'failure');
      b.value(c, 'lastHeartbeatDetails');
      break;
    case 'activityTaskCanceled':
      b.value(c, 'details');
      break;
    case 'queryCompleted':
      b.value(c, 'result');
      b.failure(c, 'failure');
      break;
  }
};
