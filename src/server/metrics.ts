/**
 * Prometheus metrics (prom-client), one registry per server. Counters are fed by the updater's committed
 * listener, so only transitions that reached the store count (a conflict or a failed batch counts nothing);
 * what history does not show (retried attempts live in state only) comes from the transitions' notes. Gauges
 * (backlog, stuck runs) are computed when scraped. Label values are user names (workflow and activity types,
 * task queues): each label keeps at most MAX_LABEL_VALUES distinct values, later ones count as `_other`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Transition } from '../engine/transition.js';
import type { ExecutionStatus } from '../protocol/status.js';
import type { Store } from '../store/store.js';
import type { Clock } from './clock.js';
import type { Matching } from './matching.js';

export const MAX_LABEL_VALUES = 1000;
const OTHER = '_other';
const KNOWN_TASK_FAILURE_CAUSES = new Set([
  'NON_DETERMINISTIC',
  'WORKFLOW_ERROR',
  'UNHANDLED_COMMAND',
  'BAD_COMMAND',
  'PAYLOAD_TOO_LARGE',
]);
const SCHEDULE_TO_START_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface MetricsSources {
  matching: Matching;
  store: Store;
  clock: Clock;
  /** A running run with no progress for longer than this counts as stuck. */
  stuckAfterMs: number;
  /** prom-client's process and Node.js metrics (default: on). */
  processMetrics?: boolean;
}

/** Keeps a label's distinct values bounded. */
class BoundedValues {
  private readonly seen = new Set<string>();
  get(v: string): string {
    if (this.seen.has(v)) return v;
    if (this.seen.size >= MAX_LABEL_VALUES) return OTHER;
    this.seen.add(v);
    return v;
  }
}

type Inc = { inc(): void };
type Observe = { observe(v: number): void };

/** A metric's label children, cached by their joined values (prom-client hashes the labels on every call). */
class Children<T> {
  private readonly byKey = new Map<string, T>();
  constructor(private readonly make: (values: string[]) => T) {}
  get(...values: string[]): T {
    const key = values.join('\u0000');
    let c = this.byKey.get(key);
    if (!c) {
      c = this.make(values);
      this.byKey.set(key, c);
    }
    return c;
  }
}

const CLOSE_METRICS: Array<[Exclude<ExecutionStatus, 'Running'>, string, string]> = [
  ['Completed', 'completed', 'Workflow runs that completed'],
  ['Failed', 'failed', 'Workflow runs that failed'],
  ['TimedOut', 'timed_out', 'Workflow runs that timed out (run or execution timeout)'],
  ['Cancelled', 'cancelled', 'Workflow runs that ended cancelled'],
  ['Terminated', 'terminated', 'Workflow runs that were terminated'],
  ['ContinuedAsNew', 'continued_as_new', 'Workflow runs that continued as new (or were retried)'],
];

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly namespaces = new BoundedValues();
  private readonly workflowTypes = new BoundedValues();
  private readonly activityTypes = new BoundedValues();
  private readonly taskQueues = new BoundedValues();
  private readonly started: Children<Inc>;
  private readonly closed = new Map<ExecutionStatus, Children<Inc>>();
  private readonly scheduleActions: Children<Inc>;
  private readonly taskFailures: Children<Inc>;
  private readonly nondeterminism: Children<Inc>;
  private readonly taskTimeouts: Children<Inc>;
  private readonly activityStarted: Children<Inc>;
  private readonly activityFailures: Children<Inc>;
  private readonly activityTimeouts: Children<Inc>;
  private readonly scheduleToStart: Children<Observe>;
  /** Streaming channels (WebSockets) open, and the requests they carried (api/channel.ts). */
  readonly channelsOpen: Gauge;
  readonly channelRequests: Counter;
  /** Namespaces that had stuck runs: they report 0 once they have none (a series does not just vanish). */
  private readonly stuckNamespaces = new Set<string>();

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    const wfLabels = ['namespace', 'workflow_type'] as const;
    const counter = (name: string, help: string, labelNames: readonly string[]) =>
      new Counter({ name, help, labelNames, registers });

    const started = counter(
      'weft_workflows_started_total',
      'Workflow runs started (continued runs included)',
      wfLabels,
    );
    this.started = new Children((v) => started.labels(...v));
    for (const [status, name, help] of CLOSE_METRICS) {
      const c = counter(`weft_workflows_${name}_total`, help, wfLabels);
      this.closed.set(status, new Children((v) => c.labels(...v)));
    }
    const actions = counter('weft_schedule_actions_total', 'Workflows started by schedules', wfLabels);
    this.scheduleActions = new Children((v) => actions.labels(...v));
    const taskFailures = counter(
      'weft_workflow_task_failures_total',
      'Workflow tasks a worker failed, by cause (NON_DETERMINISTIC, WORKFLOW_ERROR, ...)',
      [...wfLabels, 'cause'],
    );
    this.taskFailures = new Children((v) => taskFailures.labels(...v));
    const nondeterminism = counter(
      'weft_workflow_nondeterminism_total',
      'Workflow tasks failed because replay did not match history (cause NON_DETERMINISTIC)',
      wfLabels,
    );
    this.nondeterminism = new Children((v) => nondeterminism.labels(...v));
    const taskTimeouts = counter(
      'weft_workflow_task_timeouts_total',
      'Workflow tasks that timed out (start-to-close)',
      wfLabels,
    );
    this.taskTimeouts = new Children((v) => taskTimeouts.labels(...v));
    const actLabels = ['namespace', 'activity_type'] as const;
    const activityStarted = counter(
      'weft_activity_attempts_started_total',
      'Activity attempts handed to workers',
      actLabels,
    );
    this.activityStarted = new Children((v) => activityStarted.labels(...v));
    const activityFailures = counter(
      'weft_activity_failures_total',
      'Activity attempts that failed (retried ones included; timeouts are counted apart)',
      actLabels,
    );
    this.activityFailures = new Children((v) => activityFailures.labels(...v));
    const activityTimeouts = counter(
      'weft_activity_timeouts_total',
      'Activity attempts (or activities) that timed out, by timeout type',
      [...actLabels, 'timeout_type'],
    );
    this.activityTimeouts = new Children((v) => activityTimeouts.labels(...v));
    const s2s = new Histogram({
      name: 'weft_schedule_to_start_seconds',
      help: 'Time tasks waited in their queue before a worker got them (first workflow task attempts, activity attempts)',
      labelNames: ['namespace', 'task_queue', 'kind'],
      buckets: SCHEDULE_TO_START_BUCKETS,
      registers,
    });
    this.scheduleToStart = new Children((v) => s2s.labels(...v));

    this.channelsOpen = new Gauge({
      name: 'weft_channels_open',
      help: 'Streaming channels (one WebSocket per client connection) open on this server',
      registers,
    });
    this.channelRequests = counter(
      'weft_channel_requests_total',
      'Requests that came over streaming channels (the rest came as HTTP requests)',
      [],
    );

    const { matching, store, clock } = sources;
    const taskQueues = this.taskQueues;
    const namespaces = this.namespaces;
    new Gauge({
      name: 'weft_task_queue_backlog',
      help: 'Tasks waiting in a task queue for a worker (sticky queues left out)',
      labelNames: ['namespace', 'task_queue', 'kind'],
      registers,
      collect() {
        this.reset();
        for (const b of matching.backlogs())
          this.inc(
            { namespace: namespaces.get(b.namespace), task_queue: taskQueues.get(b.taskQueue), kind: b.kind },
            b.size,
          );
      },
    });
    const stuckNamespaces = this.stuckNamespaces;
    new Gauge({
      name: 'weft_stuck_workflows',
      help: `Running workflow runs that made no progress for longer than stuckAfterMs (${sources.stuckAfterMs} ms)`,
      labelNames: ['namespace'],
      registers,
      async collect() {
        const rows = await store.countStuckExecutions(clock.now() - sources.stuckAfterMs);
        this.reset();
        for (const ns of stuckNamespaces) this.set({ namespace: ns }, 0);
        for (const r of rows) {
          const ns = namespaces.get(r.namespace);
          stuckNamespaces.add(ns);
          this.inc({ namespace: ns }, r.count);
        }
      },
    });
    new Gauge({
      name: 'weft_stuck_after_seconds',
      help: 'The threshold of weft_stuck_workflows (server setting stuckAfterMs)',
      registers,
    }).set(sources.stuckAfterMs / 1000);
    if (sources.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Counts what committed transitions did. Runs after every commit: keep it cheap. */
  recordCommitted(transitions: readonly Transition[]): void {
    for (const t of transitions) {
      const first = t.events[0];
      const closing = t.closed;
      if (!closing && t.notes === undefined && first?.eventType !== 'WorkflowExecutionStarted') continue;
      const s = t.state;
      const ns = this.namespaces.get(s.namespace);
      const type = this.workflowTypes.get(s.workflowType);
      if (first?.eventType === 'WorkflowExecutionStarted') {
        this.started.get(ns, type).inc();
        if (first.attributes.scheduledBy !== undefined && first.attributes.continuedExecutionRunId === undefined)
          this.scheduleActions.get(ns, type).inc();
      }
      if (closing) this.closed.get(s.status)?.get(ns, type).inc();
      if (t.notes) this.recordNotes(t, ns, type);
    }
  }

  private recordNotes(t: Transition, ns: string, type: string): void {
    for (const n of t.notes ?? []) {
      switch (n.kind) {
        case 'activityStarted':
          this.activityStarted.get(ns, this.activityTypes.get(n.activityType)).inc();
          this.scheduleToStart.get(ns, this.taskQueues.get(n.taskQueue), 'activity').observe(n.waitedMs / 1000);
          break;
        case 'activityFailed': {
          const at = this.activityTypes.get(n.activityType);
          if (n.timeoutType === undefined) this.activityFailures.get(ns, at).inc();
          else this.activityTimeouts.get(ns, at, n.timeoutType).inc();
          break;
        }
        case 'workflowTaskStarted':
          // a retry's scheduled time includes its backoff: only first attempts measure the queue
          if (n.attempt === 1)
            this.scheduleToStart.get(ns, this.taskQueues.get(n.taskQueue), 'workflow').observe(n.waitedMs / 1000);
          break;
        case 'workflowTaskFailed':
          this.taskFailures.get(ns, type, KNOWN_TASK_FAILURE_CAUSES.has(n.cause) ? n.cause : OTHER).inc();
          if (n.cause === 'NON_DETERMINISTIC') this.nondeterminism.get(ns, type).inc();
          break;
        case 'workflowTaskTimedOut':
          this.taskTimeouts.get(ns, type).inc();
          break;
      }
    }
  }

  /** The exposition text and its content type, for GET /metrics. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
