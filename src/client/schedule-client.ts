/** `client.schedule`: create, find and manage schedules (cron, interval and calendar triggers of workflows). */
import type { Duration } from '../common/duration.js';
import type { RetryPolicy } from '../common/retry-policy.js';
import type { CalendarField, CalendarSpecInput, ScheduleSpecInput } from '../schedules/spec.js';
import type { ListSchedulesResponse, ScheduleDescription, ScheduleSummary } from '../protocol/schedule-api.js';
import { Connection } from './connection.js';
import { ScheduleAlreadyRunning, ServiceError } from './errors.js';

export const ScheduleOverlapPolicy = {
  SKIP: 'SKIP',
  BUFFER_ONE: 'BUFFER_ONE',
  BUFFER_ALL: 'BUFFER_ALL',
  CANCEL_OTHER: 'CANCEL_OTHER',
  TERMINATE_OTHER: 'TERMINATE_OTHER',
  ALLOW_ALL: 'ALLOW_ALL',
} as const;
export type ScheduleOverlapPolicy = (typeof ScheduleOverlapPolicy)[keyof typeof ScheduleOverlapPolicy];

/** The spec: cron expressions (five fields, six with seconds, or `@hourly`-style names), intervals, calendars,
 * startAt/endAt, jitter, and the IANA time zone cron and calendars are read in (default UTC). */
export type { CalendarField, CalendarSpecInput as CalendarSpec, ScheduleSpecInput as ScheduleSpec };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Workflow = (...args: any[]) => Promise<any>;

export interface ScheduleAction {
  type: 'startWorkflow';
  workflowType: string | Workflow;
  taskQueue: string;
  args?: unknown[];
  /** Prefix of the started workflows' ids (default: the schedule id); each is `<prefix>-<nominal time>`. */
  workflowId?: string;
  workflowExecutionTimeout?: Duration;
  workflowRunTimeout?: Duration;
  workflowTaskTimeout?: Duration;
  retry?: RetryPolicy;
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
}

export interface ScheduleOptions {
  scheduleId: string;
  spec: ScheduleSpecInput;
  action: ScheduleAction;
  policies?: { overlap?: ScheduleOverlapPolicy; catchupWindow?: Duration; pauseOnFailure?: boolean };
  state?: { paused?: boolean; note?: string; remainingActions?: number };
}

/** What update(fn) gets and returns: the schedule's definition. */
export type ScheduleUpdateOptions = Omit<ScheduleOptions, 'scheduleId'>;

export interface ScheduleClientOptions {
  connection?: Connection;
  namespace?: string;
}

function toWire(o: ScheduleUpdateOptions): Record<string, unknown> {
  const spec: Record<string, unknown> = { ...o.spec };
  for (const k of ['startAt', 'endAt'] as const) {
    const v = o.spec[k];
    if (v instanceof Date) spec[k] = v.toISOString();
  }
  const a = o.action;
  return {
    spec,
    action: { ...a, workflowType: typeof a.workflowType === 'string' ? a.workflowType : a.workflowType.name },
    ...(o.policies ? { policies: o.policies } : {}),
    ...(o.state ? { state: o.state } : {}),
  };
}

/** A described action in the form create and update take (timeouts back to durations). */
function actionOf(described: Record<string, unknown>): ScheduleAction {
  const { workflowExecutionTimeoutMs, workflowRunTimeoutMs, workflowTaskTimeoutMs, ...rest } = described as Record<
    string,
    number | undefined
  > &
    Record<string, unknown>;
  return {
    ...(rest as unknown as ScheduleAction),
    ...(workflowExecutionTimeoutMs ? { workflowExecutionTimeout: workflowExecutionTimeoutMs } : {}),
    ...(workflowRunTimeoutMs ? { workflowRunTimeout: workflowRunTimeoutMs } : {}),
    ...(workflowTaskTimeoutMs ? { workflowTaskTimeout: workflowTaskTimeoutMs } : {}),
  };
}

export class ScheduleHandle {
  constructor(
    private readonly client: ScheduleClient,
    readonly scheduleId: string,
  ) {}

  private params(): Record<string, string> {
    return { namespace: this.client.namespace, scheduleId: this.scheduleId };
  }

  describe(): Promise<ScheduleDescription> {
    return this.client.transport.call<ScheduleDescription>('describeSchedule', { params: this.params() });
  }

  /**
   * Changes the schedule: `fn` gets its current definition and returns the new one. Retried from a fresh describe
   * when the schedule changed in between.
   */
  async update(
    fn: (current: ScheduleUpdateOptions & { description: ScheduleDescription }) => ScheduleUpdateOptions,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const d = await this.describe();
      const current = {
        spec: d.spec as ScheduleSpecInput,
        action: actionOf(d.action),
        policies: {
          overlap: d.policies.overlap as ScheduleOverlapPolicy,
          catchupWindow: d.policies.catchupWindowMs,
          pauseOnFailure: d.policies.pauseOnFailure,
        },
        state: { paused: d.state.paused, ...(d.state.note !== undefined ? { note: d.state.note } : {}) },
        description: d,
      };
      const next = fn(current);
      try {
        await this.client.transport.call('updateSchedule', {
          params: this.params(),
          body: { ...toWire(next), conflictToken: d.conflictToken },
        });
        return;
      } catch (e) {
        if (e instanceof ServiceError && e.code === 'CONFLICT' && attempt < 5) continue;
        throw e;
      }
    }
  }

  async delete(): Promise<void> {
    await this.client.transport.call('deleteSchedule', { params: this.params() });
  }

  async pause(note?: string): Promise<void> {
    await this.client.transport.call('pauseSchedule', {
      params: this.params(),
      body: note === undefined ? {} : { note },
    });
  }

  async unpause(note?: string): Promise<void> {
    await this.client.transport.call('unpauseSchedule', {
      params: this.params(),
      body: note === undefined ? {} : { note },
    });
  }

  /** Takes an action now (with the schedule's overlap policy, or `overlap`). */
  async trigger(overlap?: ScheduleOverlapPolicy): Promise<void> {
    await this.client.transport.call('triggerSchedule', { params: this.params(), body: overlap ? { overlap } : {} });
  }

  /** Takes the actions the spec gives over past ranges. */
  async backfill(
    backfills: Array<{ start: Date | string | number; end: Date | string | number; overlap?: ScheduleOverlapPolicy }>,
  ): Promise<void> {
    const t = (v: Date | string | number): string | number => (v instanceof Date ? v.toISOString() : v);
    await this.client.transport.call('backfillSchedule', {
      params: this.params(),
      body: {
        backfills: backfills.map((b) => ({
          start: t(b.start),
          end: t(b.end),
          ...(b.overlap ? { overlap: b.overlap } : {}),
        })),
      },
    });
  }
}

export class ScheduleClient {
  readonly connection: Connection;
  readonly namespace: string;

  constructor(opts: ScheduleClientOptions = {}) {
    this.connection = opts.connection ?? Connection.lazy();
    this.namespace = opts.namespace ?? 'default';
  }

  /** @internal */
  get transport(): Connection['transport'] {
    return this.connection.transport;
  }

  /** Creates a schedule; a taken schedule id throws ScheduleAlreadyRunning. */
  async create(options: ScheduleOptions): Promise<ScheduleHandle> {
    try {
      await this.transport.call('createSchedule', {
        params: { namespace: this.namespace },
        body: { scheduleId: options.scheduleId, ...toWire(options) },
      });
    } catch (e) {
      if (e instanceof ServiceError && e.code === 'SCHEDULE_ALREADY_EXISTS')
        throw new ScheduleAlreadyRunning(e.message, options.scheduleId);
      throw e;
    }
    return new ScheduleHandle(this, options.scheduleId);
  }

  getHandle(scheduleId: string): ScheduleHandle {
    return new ScheduleHandle(this, scheduleId);
  }

  /** Every schedule of the namespace, in id order. */
  async *list(opts: { pageSize?: number } = {}): AsyncIterable<ScheduleSummary> {
    let nextPageToken: string | undefined;
    do {
      const page: ListSchedulesResponse = await this.transport.call<ListSchedulesResponse>('listSchedules', {
        params: { namespace: this.namespace },
        query: { pageSize: opts.pageSize ?? 100, nextPageToken },
      });
      yield* page.schedules;
      nextPageToken = page.nextPageToken;
    } while (nextPageToken);
  }
}
