/** `client.schedule`: create, find and manage schedules (cron, interval and calendar triggers of workflows). */
import { wireStartOptions } from './start-options.js';
import { encodeArgs } from '../common/payload-args.js';
import type { DataConverter } from '../common/payload-codec.js';
import type { ListSchedulesResponse, ScheduleDescription as WireDescription } from '../protocol/schedule-api.js';
import { Connection } from './connection.js';
import { clientTransport } from './codec-transport.js';
import type { Transport } from './transport.js';
import type { OperationId } from '../protocol/routes.js';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ServiceError } from './errors.js';
import {
  scheduleDescriptionFromWire,
  scheduleSummaryFromWire,
  type ScheduleDescription,
  type ScheduleSummary,
} from './schedule-description.js';
import type { Backfill, ScheduleOverlapPolicy, ScheduleOptions, ScheduleUpdateOptions } from './schedule-types.js';

export {
  ScheduleOverlapPolicy,
  MONTHS,
  DAYS_OF_WEEK,
  type Month,
  type DayOfWeek,
  type Backfill,
  type CalendarField,
  type CalendarSpec,
  type ScheduleAction,
  type ScheduleOptions,
  type ScheduleSpec,
  type ScheduleUpdateOptions,
} from './schedule-types.js';

export interface ScheduleClientOptions {
  connection?: Connection;
  namespace?: string;
  /** Payload codecs for the action's arguments and memo (docs/encryption.md). */
  dataConverter?: DataConverter;
}

const ACTION_KEYS = [
  'type',
  'workflowType',
  'taskQueue',
  'args',
  'workflowId',
  'workflowExecutionTimeout',
  'workflowRunTimeout',
  'workflowTaskTimeout',
  'retry',
  'memo',
  'searchAttributes',
  'userMetadata',
  'priority',
] as const;

/** Only the fields the server takes, so a described schedule (with its Weft extras) can be sent back as is. */
function pick(o: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** A backfill range as the server takes it (ISO times). */
const backfillWire = (b: Backfill): Record<string, unknown> => {
  const t = (v: Date | string | number): string | number => (v instanceof Date ? v.toISOString() : v);
  return { start: t(b.start), end: t(b.end), ...(b.overlap ? { overlap: b.overlap } : {}) };
};

function createWire(o: ScheduleOptions): Record<string, unknown> {
  const wire = toWire(o);
  const st = o.state;
  if (st?.triggerImmediately !== undefined || st?.backfill !== undefined)
    wire.state = {
      ...(wire.state as object | undefined),
      ...(st.triggerImmediately !== undefined ? { triggerImmediately: st.triggerImmediately } : {}),
      ...(st.backfill !== undefined ? { backfill: st.backfill.map(backfillWire) } : {}),
    };
  return { scheduleId: o.scheduleId, ...wire, ...(o.memo !== undefined ? { memo: o.memo } : {}) };
}

function toWire(o: ScheduleUpdateOptions): Record<string, unknown> {
  const spec: Record<string, unknown> = { ...o.spec };
  for (const k of ['startAt', 'endAt'] as const) {
    const v = o.spec[k];
    if (v instanceof Date) spec[k] = v.toISOString();
  }
  // as a start's options: typed search attributes folded in, staticSummary / staticDetails as userMetadata
  const a = wireStartOptions(o.action);
  return {
    spec,
    action: {
      ...pick(a, ACTION_KEYS),
      ...(a.args ? { args: encodeArgs(a.args) } : {}),
      workflowType: typeof a.workflowType === 'string' ? a.workflowType : a.workflowType.name,
    },
    ...(o.policies ? { policies: pick(o.policies, ['overlap', 'catchupWindow', 'pauseOnFailure']) } : {}),
    ...(o.state ? { state: pick(o.state, ['paused', 'note', 'remainingActions']) } : {}),
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

  /** One call about this schedule; the server's SCHEDULE_NOT_FOUND becomes a ScheduleNotFoundError. */
  private async call<T>(op: OperationId, body?: unknown): Promise<T> {
    try {
      return await this.client.transport.call<T>(op, {
        params: this.params(),
        ...(body === undefined ? {} : { body }),
      });
    } catch (e) {
      if (e instanceof ServiceError && e.code === 'SCHEDULE_NOT_FOUND')
        throw new ScheduleNotFoundError(e.message, this.scheduleId);
      throw e;
    }
  }

  /** Temporal's ScheduleDescription; `raw` is the server's answer. */
  async describe(): Promise<ScheduleDescription> {
    const d = await this.call<WireDescription>('describeSchedule');
    return scheduleDescriptionFromWire(d);
  }

  /**
   * Changes the schedule: `fn` gets its current description (also as `description`, and usable as is as the
   * definition) and returns the new definition. Retried from a fresh describe when the schedule changed in between.
   */
  async update(
    fn: (current: ScheduleDescription & { description: ScheduleDescription }) => ScheduleUpdateOptions,
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const d = await this.describe();
      const next = fn({ ...d, description: d });
      try {
        await this.call('updateSchedule', { ...toWire(next), conflictToken: d.conflictToken });
        return;
      } catch (e) {
        if (e instanceof ServiceError && e.code === 'CONFLICT' && attempt < 5) continue;
        throw e;
      }
    }
  }

  async delete(): Promise<void> {
    await this.call('deleteSchedule');
  }

  async pause(note?: string): Promise<void> {
    await this.call('pauseSchedule', note === undefined ? {} : { note });
  }

  async unpause(note?: string): Promise<void> {
    await this.call('unpauseSchedule', note === undefined ? {} : { note });
  }

  /** Takes an action now (with the schedule's overlap policy, or `overlap`). */
  async trigger(overlap?: ScheduleOverlapPolicy): Promise<void> {
    await this.call('triggerSchedule', overlap ? { overlap } : {});
  }

  /** Takes the actions the spec gives over past ranges. */
  async backfill(backfills: Backfill | Backfill[]): Promise<void> {
    const list = Array.isArray(backfills) ? backfills : [backfills];
    await this.call('backfillSchedule', { backfills: list.map(backfillWire) });
  }
}

export class ScheduleClient {
  readonly connection: Connection;
  readonly namespace: string;
  /** @internal The connection's transport, through the payload codecs when there are any. */
  readonly transport: Transport;

  constructor(opts: ScheduleClientOptions = {}) {
    this.connection = opts.connection ?? Connection.lazy();
    this.namespace = opts.namespace ?? 'default';
    this.transport = clientTransport(this.connection.transport, opts.dataConverter);
  }

  /** Creates a schedule; a taken schedule id throws ScheduleAlreadyRunning. */
  async create(options: ScheduleOptions): Promise<ScheduleHandle> {
    try {
      await this.transport.call('createSchedule', {
        params: { namespace: this.namespace },
        body: createWire(options),
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

  /**
   * The schedules of the namespace, in id order; with `query` (Temporal's ListScheduleOptions.query) those that
   * match it: `ScheduleId`, `WorkflowType`, `TaskQueue` and `TemporalSchedulePaused` in the visibility query language.
   */
  async *list(opts: { pageSize?: number; query?: string } = {}): AsyncIterable<ScheduleSummary> {
    let nextPageToken: string | undefined;
    do {
      const page: ListSchedulesResponse = await this.transport.call<ListSchedulesResponse>('listSchedules', {
        params: { namespace: this.namespace },
        query: { pageSize: opts.pageSize ?? 100, nextPageToken, ...(opts.query ? { query: opts.query } : {}) },
      });
      for (const x of page.schedules) yield scheduleSummaryFromWire(x);
      nextPageToken = page.nextPageToken;
    } while (nextPageToken);
  }
}
