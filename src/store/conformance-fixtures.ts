/** Builders for the store conformance suite: realistic states, events and writes, with no SQL in sight. */
import type { ActivityState, ExecutionState } from '../engine/state.js';
import type { TaskRow, TimerRow } from '../engine/transition.js';
import type { HistoryEvent } from '../protocol/events.js';
import type { ExecutionStatus } from '../protocol/status.js';
import type { CurrentRunWrite, ExecutionWrite, Mutation, Store, StoredExecution } from './store.js';

export const NS = 'default';
export const T0 = Date.UTC(2025, 0, 1);

export function makeState(runId: string, over: Partial<ExecutionState> = {}): ExecutionState {
  return {
    namespace: NS,
    workflowId: `wf-${runId}`,
    runId,
    firstExecutionRunId: runId,
    workflowType: 'order',
    taskQueue: 'main',
    status: 'Running',
    startTime: T0,
    lastProgressTime: T0,
    nextEventId: 1,
    workflowTaskTimeoutMs: 10_000,
    attempt: 1,
    nextTaskId: 1,
    lastCompletedStartedEventId: 0,
    needsWorkflowTask: true,
    bufferedEvents: [],
    activities: {},
    timers: {},
    cancelRequested: false,
    ...over,
  };
}

/** Events fromId..toId; the first is WorkflowExecutionStarted when fromId is 1, the rest are activity events. */
export function makeEvents(state: ExecutionState, fromId: number, toId: number): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (let id = fromId; id <= toId; id++) {
    const eventTime = new Date(state.startTime + id).toISOString();
    if (id === 1) {
      events.push({
        eventId: 1,
        eventType: 'WorkflowExecutionStarted',
        eventTime,
        attributes: {
          workflowType: state.workflowType,
          workflowId: state.workflowId,
          taskQueue: state.taskQueue,
          input: [{ orderId: 42, items: ['a', 'b'], note: 'ünïcödé ✓' }],
          workflowTaskTimeoutMs: 10_000,
          attempt: 1,
          firstExecutionRunId: state.runId,
          randomnessSeed: `seed-${state.runId}`,
        },
      });
    } else {
      events.push({
        eventId: id,
        eventType: 'ActivityTaskCompleted',
        eventTime,
        attributes: { scheduledEventId: id - 1, startedEventId: id - 1, result: { id, ok: true }, identity: 'w1' },
      });
    }
  }
  return events;
}

export function task(runId: string, key: string, over: Partial<TaskRow> = {}): TaskRow {
  return { runId, key, namespace: NS, taskQueue: 'main', kind: 'activity', createdAt: T0, ...over };
}

/** An activity of a run's state: scheduled at T0, attempt 1, Temporal's default retry policy. */
export function activityState(seq: number, over: Partial<ActivityState> = {}): ActivityState {
  return {
    seq,
    activityId: String(seq),
    activityType: 'charge',
    taskQueue: 'main',
    scheduledEventId: 4 + seq,
    scheduledTime: T0,
    retryPolicy: {
      initialIntervalMs: 1000,
      backoffCoefficient: 2,
      maximumIntervalMs: 100_000,
      maximumAttempts: 0,
      nonRetryableErrorTypes: [],
    },
    attempt: 1,
    state: 'scheduled',
    currentAttemptScheduledTime: T0,
    cancelRequested: false,
    ...over,
  };
}

export function timer(runId: string, key: string, dueAt: number): TimerRow {
  return { runId, key, namespace: NS, dueAt };
}

export function write(state: ExecutionState, over: Partial<ExecutionWrite> = {}): ExecutionWrite {
  return {
    state,
    expectedVersion: 0,
    newEvents: [],
    tasksRemoved: [],
    tasksAdded: [],
    timersRemoved: [],
    timersAdded: [],
    closed: false,
    ...over,
  };
}

export function currentRun(state: ExecutionState, expectedRunId: string | null): CurrentRunWrite {
  return {
    namespace: state.namespace,
    workflowId: state.workflowId,
    runId: state.runId,
    status: state.status,
    expectedRunId,
  };
}

/** A run's first mutation: its state after `events` events, its current-run row, a workflow task and a timeout. */
export function startMutation(runId: string, over: Partial<ExecutionState> = {}, events = 2): Mutation {
  const state = makeState(runId, { nextEventId: events + 1, ...over });
  return {
    executions: [
      write(state, {
        newEvents: makeEvents(state, 1, events),
        tasksAdded: [task(runId, 'wt:1', { kind: 'workflow' })],
        timersAdded: [timer(runId, 'run-timeout', state.startTime + 60_000)],
      }),
    ],
    currentRuns: [currentRun(state, null)],
  };
}

/** Deterministic pseudo-random numbers (the suite must not depend on luck). */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const CLOSED_STATUSES: ExecutionStatus[] = ['Completed', 'Failed', 'Cancelled', 'Terminated', 'TimedOut'];

/** A store that only answers getExecution, from a map, counting reads (for the run cache's and updater's tests). */
export function readOnlyStore(runs: Map<string, StoredExecution>): Store & { reads: number } {
  const s = {
    reads: 0,
    getExecution(runId: string) {
      s.reads++;
      return Promise.resolve(runs.get(runId));
    },
  };
  return s as unknown as Store & { reads: number };
}
