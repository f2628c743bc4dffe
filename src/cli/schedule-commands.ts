/**
 * `weft schedule ...`: create, update, delete, list, describe, pause, unpause, trigger and backfill schedules,
 * through `client.schedule`. Flags are checked before connecting (schedule-flags.ts); the server checks the rest
 * and its errors keep their code, led by the flag that gave the bad value.
 */
import { addCodecOptions, codecClientOptions, type CodecFlags } from './codec-flags.js';
import type { Command } from 'commander';
import type { ScheduleOverlapPolicy } from '../client/schedule-client.js';
import type { ScheduleSummary } from '../protocol/schedule-api.js';
import { addCommonOptions, parseNonNegativeInt, withClient, type CommonOptions } from './options.js';
import { isoTime, printFields, printJson, printLine, printTable } from './output.js';
import {
  addDefinitionOptions,
  addOverlapOption,
  addScheduleIdOption,
  createOptions,
  namingFlags,
  normalizeOverlap,
  updateFunction,
  type DefinitionFlags,
} from './schedule-flags.js';
import { printScheduleDescription, SCHEDULE_HEAD, scheduleRow } from './schedule-format.js';

interface ScheduleIdOptions extends CommonOptions {
  scheduleId: string;
}

/** After a create or an update, in table output: what the schedule now does and when it acts next. */
function printDefinitionChanged(
  verb: string,
  scheduleId: string,
  d: { specDescription: string; info: { nextActionTimes: string[] }; state: { paused: boolean } },
): void {
  printLine(`${verb} schedule ${scheduleId}`);
  printFields([
    ['Spec', d.specDescription],
    ['State', d.state.paused ? 'paused' : 'active'],
    ['NextAction', d.info.nextActionTimes[0] ? isoTime(d.info.nextActionTimes[0]) : '(none)'],
  ]);
}

function definitionCommands(sc: Command): void {
  addDefinitionOptions(
    sc.command('create').description('create a schedule that starts a workflow on a cron, interval or calendar spec'),
    true,
  ).action(async (o: DefinitionFlags) => {
    const options = createOptions(o);
    const d = await namingFlags(o, () =>
      withClient(o, async (c) => {
        const h = await c.schedule.create(options);
        return o.output === 'table' ? (await h.describe()).raw : undefined;
      }),
    );
    if (o.output === 'json') return printJson({ scheduleId: o.scheduleId, created: true });
    printDefinitionChanged('Created', o.scheduleId, d!);
  });

  addDefinitionOptions(
    sc
      .command('update')
      .description(
        'change a schedule: the flags given replace those fields (--cron, --interval and --calendar together ' +
          'replace its triggers); the rest stays',
      ),
    false,
  ).action(async (o: DefinitionFlags) => {
    const change = updateFunction(o);
    const d = await namingFlags(o, () =>
      withClient(o, async (c) => {
        const h = c.schedule.getHandle(o.scheduleId);
        await h.update(change);
        return o.output === 'table' ? (await h.describe()).raw : undefined;
      }),
    );
    if (o.output === 'json') return printJson({ scheduleId: o.scheduleId, updated: true });
    printDefinitionChanged('Updated', o.scheduleId, d!);
  });

  addCommonOptions(
    addScheduleIdOption(sc.command('delete').description('delete a schedule (workflows it started go on)')),
  ).action(async (o: ScheduleIdOptions) => {
    await withClient(o, (c) => c.schedule.getHandle(o.scheduleId).delete());
    if (o.output === 'json') return printJson({ scheduleId: o.scheduleId, deleted: true });
    printLine(`Deleted schedule ${o.scheduleId}`);
  });
}

function inspectCommands(sc: Command): void {
  addCodecOptions(
    addCommonOptions(
      addScheduleIdOption(
        sc
          .command('describe')
          .description('show a schedule: spec, state, policies, counters, next ten action times, recent actions'),
      ),
    ),
  ).action(async (o: ScheduleIdOptions & CodecFlags) => {
    // the CLI shows the server's shape (Weft's state names, ISO times), not the client's Temporal shape; with
    // --codec-endpoint the action's arguments and memo decoded
    const d = await withClient(
      o,
      async (c) => (await c.schedule.getHandle(o.scheduleId).describe()).raw,
      codecClientOptions(o),
    );
    if (o.output === 'json') return printJson(d);
    printScheduleDescription(d);
  });

  addCommonOptions(
    sc
      .command('list')
      .description('list schedules in id order: state, workflow type, spec, next run, last action')
      .option('--limit <n>', 'show at most n schedules (0: all)', parseNonNegativeInt, 0)
      .option(
        '--query <query>',
        'only schedules matching a query over ScheduleId, WorkflowType, TaskQueue, TemporalSchedulePaused ("WorkflowType = \'report\'")',
      ),
  ).action(async (o: CommonOptions & { limit: number; query?: string }) => {
    const rows = await withClient(o, async (c) => {
      const out: ScheduleSummary[] = [];
      const pageSize = o.limit > 0 ? Math.min(o.limit, 1000) : 100;
      for await (const s of c.schedule.list({ pageSize, ...(o.query ? { query: o.query } : {}) })) {
        out.push(s.raw);
        if (o.limit > 0 && out.length >= o.limit) break;
      }
      return out;
    });
    if (o.output === 'json') return printJson(rows);
    printTable(SCHEDULE_HEAD, rows.map(scheduleRow), '(no schedules)');
  });
}

function stateCommands(sc: Command): void {
  for (const [name, paused] of [
    ['pause', true],
    ['unpause', false],
  ] as const) {
    addCommonOptions(
      addScheduleIdOption(
        sc
          .command(name)
          .description(
            paused
              ? 'pause a schedule: no actions from its spec until unpaused (trigger and backfill still act)'
              : 'unpause a schedule (the time it was paused is not caught up)',
          ),
      ).option('--note <text>', `why (default: '${name}d')`),
    ).action(async (o: ScheduleIdOptions & { note?: string }) => {
      await namingFlags(o, () =>
        withClient(o, (c) => {
          const h = c.schedule.getHandle(o.scheduleId);
          return paused ? h.pause(o.note) : h.unpause(o.note);
        }),
      );
      if (o.output === 'json')
        return printJson({ scheduleId: o.scheduleId, paused, ...(o.note !== undefined ? { note: o.note } : {}) });
      printLine(`${paused ? 'Paused' : 'Unpaused'} schedule ${o.scheduleId}`);
    });
  }
}

function actionCommands(sc: Command): void {
  addCommonOptions(
    addOverlapOption(
      addScheduleIdOption(sc.command('trigger').description('take an action now (also while paused)')),
      "overlap policy of this action (default: the schedule's)",
    ),
  ).action(async (o: ScheduleIdOptions & { overlapPolicy?: string }) => {
    const overlap = normalizeOverlap(o.overlapPolicy) as ScheduleOverlapPolicy | undefined;
    await namingFlags(o, () => withClient(o, (c) => c.schedule.getHandle(o.scheduleId).trigger(overlap)));
    if (o.output === 'json')
      return printJson({ scheduleId: o.scheduleId, triggered: true, ...(overlap ? { overlap } : {}) });
    printLine(`Triggered schedule ${o.scheduleId}`);
  });

  addCommonOptions(
    addOverlapOption(
      addScheduleIdOption(
        sc
          .command('backfill')
          .description('take the actions the spec gives between --start and --end (both included), now'),
      )
        .requiredOption('--start <time>', 'start of the range (ISO 8601)')
        .requiredOption('--end <time>', 'end of the range (ISO 8601)'),
      "overlap policy of these actions (default: the schedule's; ALLOW_ALL starts them all at once)",
    ),
  ).action(async (o: ScheduleIdOptions & { start: string; end: string; overlapPolicy?: string }) => {
    const overlap = normalizeOverlap(o.overlapPolicy) as ScheduleOverlapPolicy | undefined;
    const range = { start: o.start, end: o.end, ...(overlap ? { overlap } : {}) };
    await namingFlags(o, () => withClient(o, (c) => c.schedule.getHandle(o.scheduleId).backfill([range])));
    if (o.output === 'json') return printJson({ scheduleId: o.scheduleId, backfill: range });
    printLine(`Backfill of schedule ${o.scheduleId} from ${o.start} to ${o.end} requested`);
  });
}

export function addScheduleCommands(program: Command): void {
  const sc = program
    .command('schedule')
    .description('create, inspect and control schedules (cron, interval and calendar triggers of workflows)');
  definitionCommands(sc);
  inspectCommands(sc);
  stateCommands(sc);
  actionCommands(sc);
}
