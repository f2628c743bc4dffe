/** The schedule shapes of `weft/client`: what create and update take (Temporal's `ScheduleOptions` and policies). */
import type { Priority } from '../common/priority.js';
import type { SearchAttributePair, TypedSearchAttributes } from '../common/typed-search-attributes.js';
import type { Duration } from '../common/duration.js';
import type { RetryPolicy } from '../common/retry-policy.js';
import type { CalendarField, CalendarSpecInput, ScheduleSpecInput } from '../schedules/spec.js';

/** Temporal's enum object; `UNSPECIFIED` (undefined) means the schedule's own policy (default SKIP). */
export const ScheduleOverlapPolicy = {
  SKIP: 'SKIP',
  BUFFER_ONE: 'BUFFER_ONE',
  BUFFER_ALL: 'BUFFER_ALL',
  CANCEL_OTHER: 'CANCEL_OTHER',
  TERMINATE_OTHER: 'TERMINATE_OTHER',
  ALLOW_ALL: 'ALLOW_ALL',
  UNSPECIFIED: undefined,
} as const;
export type ScheduleOverlapPolicy = NonNullable<(typeof ScheduleOverlapPolicy)[keyof typeof ScheduleOverlapPolicy]>;

/** The spec: cron expressions (Temporal's: five fields, six with a year, seven with a second first and a year,
 * `@hourly`-style names, `CRON_TZ=` prefixes, `@every`), intervals, calendars,
 * `skip` (calendars whose matching times are skipped, Temporal's), startAt/endAt, jitter, and the IANA time zone
 * cron and calendars are read in (default UTC). */
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
  /** Temporal's typed form; merged over `searchAttributes` (a name in both takes the typed value). */
  typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes;
  /** Given to each started workflow (describe's staticSummary(), staticDetails() and priority). */
  staticSummary?: string;
  staticDetails?: string;
  priority?: Priority;
}

/** Past spec times to take actions for (as the handle's backfill). */
export interface Backfill {
  start: Date | string | number;
  end: Date | string | number;
  overlap?: ScheduleOverlapPolicy;
}

export interface ScheduleState {
  paused?: boolean;
  note?: string;
  remainingActions?: number;
}

export interface ScheduleOptions {
  scheduleId: string;
  spec: ScheduleSpecInput;
  action: ScheduleAction;
  policies?: { overlap?: ScheduleOverlapPolicy; catchupWindow?: Duration; pauseOnFailure?: boolean };
  /** With Temporal's initial patch: `triggerImmediately` (one action at once), `backfill` (past spec times). */
  state?: ScheduleState & { triggerImmediately?: boolean; backfill?: Backfill[] };
  /** The schedule's own memo (set at create; the started workflows' memo is the action's). */
  memo?: Record<string, unknown>;
}

/** What update(fn) gets and returns: the schedule's definition (its memo and initial patch are create's). */
export interface ScheduleUpdateOptions extends Omit<ScheduleOptions, 'scheduleId' | 'memo' | 'state'> {
  state?: ScheduleState;
}

/** Temporal's month names, for calendar specs (`month: 'JANUARY'`, ranges of them). */
export const MONTHS = [
  'JANUARY',
  'FEBRUARY',
  'MARCH',
  'APRIL',
  'MAY',
  'JUNE',
  'JULY',
  'AUGUST',
  'SEPTEMBER',
  'OCTOBER',
  'NOVEMBER',
  'DECEMBER',
] as const;
export type Month = (typeof MONTHS)[number];

/** Temporal's day names, for calendar specs (`dayOfWeek: 'MONDAY'`, ranges of them). */
export const DAYS_OF_WEEK = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];
