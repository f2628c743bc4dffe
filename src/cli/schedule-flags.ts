/**
 * The flags of `weft schedule create|update`, turned into a schedule definition: `create` builds one from the
 * flags, `update` lays the flags given over the schedule's current definition. The CLI checks what only it can
 * (flag syntax, JSON); durations, cron expressions, time zones and policies go to the server as given, which
 * checks them and names the field (`spec.cronExpressions[0]`), and `explainFieldError` adds the flag.
 */
import type { Command } from 'commander';
import type { ScheduleAction, ScheduleOptions, ScheduleUpdateOptions } from '../client/schedule-client.js';
import { ServiceError } from '../client/errors.js';
import { addCommonOptions, parseNonNegativeInt, type CommonOptions } from './options.js';
import { CliError } from './output.js';
import { parseInput } from './workflow-run-flags.js';
import { OVERLAP_POLICIES } from '../schedules/state.js';

/** The overlap policies, as the schedules module names them. */
export const OVERLAP_POLICY_NAMES: readonly string[] = OVERLAP_POLICIES;

export interface DefinitionFlags extends CommonOptions {
  scheduleId: string;
  cron?: string[];
  interval?: string[];
  calendar?: string[];
  timezone?: string;
  startAt?: string;
  endAt?: string;
  jitter?: string;
  overlapPolicy?: string;
  catchupWindow?: string;
  pauseOnFailure?: boolean;
  paused?: boolean;
  note?: string;
  remainingActions?: number;
  type?: string;
  taskQueue?: string;
  workflowId?: string;
  input?: string;
  executionTimeout?: string;
  runTimeout?: string;
  taskTimeout?: string;
}

const repeatable = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function addScheduleIdOption(cmd: Command): Command {
  return cmd.requiredOption('-s, --schedule-id <id>', 'schedule id');
}

/** `SKIP`, `skip`, `buffer-one` -> `BUFFER_ONE`; anything else goes to the server as given (it names the field). */
export function normalizeOverlap(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const upper = value.trim().toUpperCase().replace(/-/g, '_');
  return OVERLAP_POLICY_NAMES.includes(upper) ? upper : value;
}

export function addOverlapOption(cmd: Command, what: string): Command {
  return cmd.option('--overlap-policy <policy>', `${what}: ${OVERLAP_POLICY_NAMES.join(', ')}`);
}

/** The definition flags of `create` (`forCreate`: --type and --task-queue required, --paused) and `update`. */
export function addDefinitionOptions(cmd: Command, forCreate: boolean): Command {
  addScheduleIdOption(cmd)
    .option(
      '--cron <expr>',
      "cron expression, read in --timezone ('0 9 * * MON-FRI', '@hourly'); repeatable",
      repeatable,
    )
    .option(
      '--interval <every[/offset]>',
      "every EVERY, epoch-aligned, shifted by OFFSET ('1h', '1h/15m', '30s'); repeatable",
      repeatable,
    )
    .option(
      '--calendar <json>',
      'calendar spec as JSON (\'{"hour": 9, "dayOfWeek": "MON-FRI"}\'; unset second/minute/hour are 0); repeatable',
      repeatable,
    )
    .option('--timezone <iana>', "IANA time zone of --cron and --calendar (default UTC), e.g. 'Europe/Berlin'")
    .option('--start-at <iso>', 'no actions before this time (ISO 8601 with a zone)')
    .option('--end-at <iso>', 'no actions after this time')
    .option('--jitter <duration>', "delay each action by up to this much, deterministically ('30s')");
  addOverlapOption(cmd, 'when an action is due while an earlier one still runs (default SKIP)')
    .option('--catchup-window <duration>', 'actions missed longer ago than this are skipped (default 1 year)')
    .option('--pause-on-failure', 'pause the schedule when an action fails or times out')
    .option('--no-pause-on-failure', 'do not pause on failures (the default)');
  if (forCreate) cmd.option('--paused', 'create the schedule paused');
  cmd
    .option('--note <text>', 'a note on the schedule state (why it is paused, say)')
    .option(
      '--remaining-actions <n>',
      'take only this many more actions from the spec (triggers and backfills do not count)',
      parseNonNegativeInt,
    );
  if (forCreate)
    cmd
      .requiredOption('--type <name>', 'workflow type each action starts')
      .requiredOption('-t, --task-queue <name>', 'task queue of the started workflows');
  else cmd.option('--type <name>', 'workflow type each action starts').option('-t, --task-queue <name>', 'task queue');
  cmd
    .option('-w, --workflow-id <prefix>', 'workflow id prefix (default: the schedule id); ids are <prefix>-<time>')
    .option('-i, --input <json>', 'arguments: a JSON array of them, or one JSON value for a single argument')
    .option('--execution-timeout <duration>', 'workflow execution timeout of the started workflows')
    .option('--run-timeout <duration>', 'workflow run timeout')
    .option('--task-timeout <duration>', 'workflow task timeout');
  return addCommonOptions(cmd);
}

/** `1h` -> { every: '1h' }; `1h/15m` -> { every: '1h', offset: '15m' }. */
export function parseInterval(text: string): { every: string; offset?: string } {
  const parts = text.split('/').map((p) => p.trim());
  const [every, offset] = parts;
  if (parts.length > 2 || !every || offset === '')
    throw new CliError(
      `--interval: expected EVERY or EVERY/OFFSET, like '1h' or '1h/15m', got ${JSON.stringify(text)}`,
      'INVALID_ARGUMENT',
    );
  return offset === undefined ? { every } : { every, offset };
}

function parseCalendar(text: string, i: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CliError(`--calendar #${i + 1} is not valid JSON: ${(e as Error).message}`, 'INVALID_JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CliError(
      `--calendar #${i + 1}: expected a JSON object like '{"hour": 9, "dayOfWeek": "MON-FRI"}', got ${text}`,
      'INVALID_ARGUMENT',
    );
  return value as Record<string, unknown>;
}

type Spec = ScheduleOptions['spec'];

/** The trigger lists the flags give (undefined when none of --cron, --interval, --calendar is given). */
function triggersOf(o: DefinitionFlags): Pick<Spec, 'cronExpressions' | 'intervals' | 'calendars'> | undefined {
  if (!o.cron && !o.interval && !o.calendar) return undefined;
  return {
    ...(o.cron ? { cronExpressions: o.cron } : {}),
    ...(o.interval ? { intervals: o.interval.map(parseInterval) } : {}),
    ...(o.calendar ? { calendars: o.calendar.map(parseCalendar) } : {}),
  };
}

/** The spec fields other than the triggers that the flags give. */
function specFieldsOf(o: DefinitionFlags): Partial<Spec> {
  return {
    ...(o.timezone !== undefined ? { timezone: o.timezone } : {}),
    ...(o.startAt !== undefined ? { startAt: o.startAt } : {}),
    ...(o.endAt !== undefined ? { endAt: o.endAt } : {}),
    ...(o.jitter !== undefined ? { jitter: o.jitter } : {}),
  };
}

function actionFieldsOf(o: DefinitionFlags): Partial<ScheduleAction> {
  return {
    ...(o.type !== undefined ? { workflowType: o.type } : {}),
    ...(o.taskQueue !== undefined ? { taskQueue: o.taskQueue } : {}),
    ...(o.workflowId !== undefined ? { workflowId: o.workflowId } : {}),
    ...(o.input !== undefined ? { args: parseInput(o.input) } : {}),
    ...(o.executionTimeout !== undefined ? { workflowExecutionTimeout: o.executionTimeout } : {}),
    ...(o.runTimeout !== undefined ? { workflowRunTimeout: o.runTimeout } : {}),
    ...(o.taskTimeout !== undefined ? { workflowTaskTimeout: o.taskTimeout } : {}),
  };
}

function policyFieldsOf(o: DefinitionFlags): NonNullable<ScheduleOptions['policies']> {
  return {
    ...(o.overlapPolicy !== undefined ? { overlap: normalizeOverlap(o.overlapPolicy) as 'SKIP' } : {}),
    ...(o.catchupWindow !== undefined ? { catchupWindow: o.catchupWindow } : {}),
    ...(o.pauseOnFailure !== undefined ? { pauseOnFailure: o.pauseOnFailure } : {}),
  };
}

function stateFieldsOf(o: DefinitionFlags): NonNullable<ScheduleOptions['state']> {
  return {
    ...(o.paused ? { paused: true } : {}),
    ...(o.note !== undefined ? { note: o.note } : {}),
    ...(o.remainingActions !== undefined ? { remainingActions: o.remainingActions } : {}),
  };
}

const nonEmpty = <T extends object>(v: T): T | undefined => (Object.keys(v).length > 0 ? v : undefined);

/** `weft schedule create`: the whole definition, from the flags. */
export function createOptions(o: DefinitionFlags): ScheduleOptions {
  const triggers = triggersOf(o);
  if (!triggers)
    throw new CliError(
      'a schedule needs at least one of --cron, --interval or --calendar (each repeatable)',
      'INVALID_ARGUMENT',
    );
  const policies = nonEmpty(policyFieldsOf(o));
  const state = nonEmpty(stateFieldsOf(o));
  return {
    scheduleId: o.scheduleId,
    spec: { ...triggers, ...specFieldsOf(o) },
    action: { type: 'startWorkflow', ...actionFieldsOf(o) } as ScheduleAction,
    ...(policies ? { policies } : {}),
    ...(state ? { state } : {}),
  };
}

/** The action as `describe` shows it (`workflowExecutionTimeoutMs`, ...), in the shape create and update take. */
function actionFromDescription(a: Record<string, unknown>): ScheduleAction {
  const { workflowExecutionTimeoutMs, workflowRunTimeoutMs, workflowTaskTimeoutMs, ...rest } = a;
  return {
    ...(rest as unknown as ScheduleAction),
    type: 'startWorkflow',
    ...(typeof workflowExecutionTimeoutMs === 'number' ? { workflowExecutionTimeout: workflowExecutionTimeoutMs } : {}),
    ...(typeof workflowRunTimeoutMs === 'number' ? { workflowRunTimeout: workflowRunTimeoutMs } : {}),
    ...(typeof workflowTaskTimeoutMs === 'number' ? { workflowTaskTimeout: workflowTaskTimeoutMs } : {}),
  };
}

/**
 * The change `weft schedule update` makes, checked before anything is sent: a function from the current definition
 * to the new one. --cron, --interval and --calendar together replace the schedule's triggers (any one given drops
 * the others' current entries); every other flag replaces its own field; what is not given stays.
 */
export function updateFunction(
  o: DefinitionFlags,
): (current: ScheduleUpdateOptions & { description: { action: Record<string, unknown> } }) => ScheduleUpdateOptions {
  const triggers = triggersOf(o);
  const specFields = specFieldsOf(o);
  const actionFields = actionFieldsOf(o);
  const policies = policyFieldsOf(o);
  const state = nonEmpty(stateFieldsOf(o));
  if (!triggers && [specFields, actionFields, policies].every((f) => Object.keys(f).length === 0) && !state)
    throw new CliError(
      'nothing to update: give the flags to change (--cron, --interval, --calendar, --timezone, --type, --input, ' +
        '--overlap-policy, ...); pause and unpause have their own commands',
      'INVALID_ARGUMENT',
    );
  return (current) => {
    let spec: Spec = { ...current.spec };
    if (triggers) {
      const { cronExpressions: _c, intervals: _i, calendars: _k, ...others } = spec;
      spec = { ...others, ...triggers };
    }
    return {
      spec: { ...spec, ...specFields },
      action: { ...actionFromDescription(current.description.action), ...actionFields },
      policies: { ...current.policies, ...policies },
      // the state is sent only when changed: the client's current state would overwrite a pause made meanwhile;
      // a state sent without remainingActions lifts the limit (as Temporal's), so the current one goes with it
      ...(state
        ? {
            state: {
              ...(current.state?.remainingActions !== undefined
                ? { remainingActions: current.state.remainingActions }
                : {}),
              ...state,
            },
          }
        : {}),
    };
  };
}

/** Which flag gives which field of the request, for errors the server answers naming the field. */
const FLAG_OF_FIELD: Array<[string, string, string]> = [
  ['scheduleId', '--schedule-id', 'scheduleId'],
  ['spec.cronExpressions', '--cron', 'cron'],
  ['spec.intervals', '--interval', 'interval'],
  ['spec.calendars', '--calendar', 'calendar'],
  ['spec.timezone', '--timezone', 'timezone'],
  ['spec.startAt', '--start-at', 'startAt'],
  ['spec.endAt', '--end-at', 'endAt'],
  ['spec.jitter', '--jitter', 'jitter'],
  ['action.workflowType', '--type', 'type'],
  ['action.taskQueue', '--task-queue', 'taskQueue'],
  ['action.workflowId', '--workflow-id', 'workflowId'],
  ['action.args', '--input', 'input'],
  ['action.workflowExecutionTimeout', '--execution-timeout', 'executionTimeout'],
  ['action.workflowRunTimeout', '--run-timeout', 'runTimeout'],
  ['action.workflowTaskTimeout', '--task-timeout', 'taskTimeout'],
  ['policies.overlap', '--overlap-policy', 'overlapPolicy'],
  ['policies.catchupWindow', '--catchup-window', 'catchupWindow'],
  ['state.note', '--note', 'note'],
  ['state.remainingActions', '--remaining-actions', 'remainingActions'],
  ['overlap', '--overlap-policy', 'overlapPolicy'],
  ['backfills[0].start', '--start', 'start'],
  ['backfills[0].end', '--end', 'end'],
  ['backfills[0].overlap', '--overlap-policy', 'overlapPolicy'],
];

/**
 * An error the server answered naming a field that a flag on the command line gave: the same error (same code),
 * its message led by the flag (`--cron: spec.cronExpressions[0]: invalid cron expression ...`).
 */
export function explainFieldError(e: unknown, given: object): unknown {
  if (!(e instanceof ServiceError)) return e;
  const raw = e.details?.field;
  if (typeof raw !== 'string') return e;
  const field = raw.replace(/^body\./, '');
  const hit = FLAG_OF_FIELD.find(
    ([prefix]) => field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`),
  );
  if (!hit || (given as Record<string, unknown>)[hit[2]] === undefined) return e;
  return new CliError(`${hit[1]}: ${e.message}`, e.code, [], 1, e);
}

/** Runs `fn`, turning the server's field errors into errors that name the flag too. */
export async function namingFlags<T>(given: object, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw explainFieldError(e, given);
  }
}
