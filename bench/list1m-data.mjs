// list1m: the synthetic closed executions (deterministic, so every query's exact answer is known), the queries,
// and their expected first pages.
export const FILL_VERSION = 'list1m-v1'; // bump when closedState() changes (part of the cache key)
export const T0 = Date.UTC(2025, 0, 1);
export const SPAN = 30 * 86_400_000; // start times spread evenly over 30 days
export const WINDOW = 86_400_000; // each query: one day
export const TYPES = ['order', 'payment', 'shipment', 'refund', 'invoice'];
export const STATUSES = ['Completed', 'Completed', 'Completed', 'Failed', 'Terminated', 'TimedOut'];
export const PAGE_SIZE = 100;

export const stepOf = (rows) => Math.floor(SPAN / rows); // ms between consecutive start times (unique times)
export const startTimeOf = (i, rows) => T0 + i * stepOf(rows);
export const typeOf = (i) => TYPES[i % TYPES.length];
export const statusOf = (i) => STATUSES[(i * 7) % STATUSES.length];
export const runIdOf = (i) =>
  `0000${i.toString(16).padStart(8, '0')}-7000-8000-${((i * 2654435761) >>> 0).toString(16).padStart(8, '0')}`;

/** The stored engine state of closed execution i (what the server would have written at its close). */
export function closedState(i, rows) {
  const startTime = startTimeOf(i, rows);
  const status = statusOf(i);
  const runId = runIdOf(i);
  return {
    namespace: 'default',
    workflowId: `list-${i}`,
    runId,
    firstExecutionRunId: runId,
    workflowType: typeOf(i),
    taskQueue: 'main',
    status,
    startTime,
    closeTime: startTime + 1000 + (i % 5000),
    lastProgressTime: startTime + 1000,
    nextEventId: 12,
    workflowTaskTimeoutMs: 10_000,
    attempt: 1,
    nextTaskId: 5,
    lastCompletedStartedEventId: 9,
    needsWorkflowTask: false,
    bufferedEvents: [],
    activities: {},
    timers: {},
    cancelRequested: false,
    historySizeBytes: 2400,
    outcome:
      status === 'Completed'
        ? { status, result: i }
        : status === 'Failed'
          ? { status, failure: { message: 'failed', type: 'ApplicationFailure' }, retryState: 'RETRY_POLICY_NOT_SET' }
          : { status },
  };
}

const iso = (ms) => new Date(ms).toISOString();

/** Query k of a run: a type, status Completed, a one-day StartTime range (BETWEEN, both ends included). */
export function queryOf(k, rows) {
  let seed = (k + 1) * 2654435761;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const last = startTimeOf(rows - 1, rows);
  const from = T0 + Math.floor(rand() * Math.max(1, last - T0 - WINDOW));
  const to = from + WINDOW;
  const type = TYPES[Math.floor(rand() * TYPES.length)];
  return {
    text: `WorkflowType = '${type}' AND ExecutionStatus = 'Completed' AND StartTime BETWEEN '${iso(from)}' AND '${iso(to)}'`,
    type,
    from,
    to,
  };
}

/** The exact first page (run ids, newest first) and whether more pages follow. */
export function expectedFirstPage(q, rows) {
  const step = stepOf(rows);
  const lo = Math.max(0, Math.ceil((q.from - T0) / step));
  const hi = Math.min(rows - 1, Math.floor((q.to - T0) / step));
  const out = [];
  let more = false;
  for (let i = hi; i >= lo; i--) {
    if (typeOf(i) !== q.type || statusOf(i) !== 'Completed') continue;
    if (out.length === PAGE_SIZE) {
      more = true;
      break;
    }
    out.push(runIdOf(i));
  }
  return { runIds: out, more };
}
