/**
 * `weft workflow replay`: the check before a deploy. Replays real histories (fetched from the server, selected by a
 * list query, or read from exported history files) against the workflow code at --workflows, and reports each
 * execution as ok or FAILED; a failure shows the workflow, the event and the recorded and produced commands.
 *
 * The code is bundled once; histories are fetched one execution at a time as the list is walked (a few ahead of
 * the replay, never the whole list), so replaying thousands of executions keeps a handful of histories in memory.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { Client } from '../client/client.js';
import { DeterminismViolationError, type CommandDescription } from '../common/failure.js';
import type { ReplayInput, ReplayResult } from '../worker/replay-histories.js';
import { addCommonOptions, parseNonNegativeInt, withClient, type CommonOptions } from './options.js';
import { CliError, printJson, printLine } from './output.js';

interface ReplayOptions extends CommonOptions {
  workflows: string;
  query?: string;
  workflowId?: string;
  runId?: string;
  historyFile?: string[];
  limit: number;
}

/** Histories fetched ahead of the one being replayed (network time overlaps replay time). */
const FETCH_AHEAD = 4;

/** One replayed execution in the `--output json` report. */
interface ReportEntry {
  workflowId: string;
  runId?: string;
  workflowType?: string;
  status: 'ok' | 'failed';
  error?: {
    name: string;
    message: string;
    eventId?: number;
    expected?: CommandDescription;
    produced?: CommandDescription;
  };
}

function reportEntry(r: ReplayResult): ReportEntry {
  const ids = {
    workflowId: r.workflowId,
    ...(r.runId ? { runId: r.runId } : {}),
    ...(r.workflowType ? { workflowType: r.workflowType } : {}),
  };
  const e = r.error;
  if (!e) return { ...ids, status: 'ok' };
  if (e instanceof DeterminismViolationError)
    return {
      ...ids,
      status: 'failed',
      error: {
        name: 'DeterminismViolationError',
        message: e.message,
        ...(e.eventId !== undefined ? { eventId: e.eventId } : {}),
        ...(e.expected ? { expected: e.expected } : {}),
        ...(e.produced ? { produced: e.produced } : {}),
      },
    };
  return { ...ids, status: 'failed', error: { name: e.name, message: e.message } };
}

/** A command as one line: `ActivityTaskScheduled seq=1 activityType=step activityId=1`. */
function formatCommand(d: CommandDescription | undefined, missing: string): string {
  if (!d) return missing;
  return [d.kind, d.seq !== undefined ? `seq=${d.seq}` : '', d.detail ?? ''].filter(Boolean).join(' ');
}

/** The lines printed under a FAILED execution: where it diverged and the two commands, aligned. */
function failureDetail(e: Error): string[] {
  if (!(e instanceof DeterminismViolationError)) return e.message.split('\n').map((l, i) => (i ? l : `error: ${l}`));
  return [
    `workflow id:       ${e.workflowId ?? '?'}`,
    `event id:          ${e.eventId ?? '?'}`,
    `history recorded:  ${formatCommand(e.expected, '(nothing: history has no more commands here)')}`,
    `code produced:     ${formatCommand(e.produced, '(nothing: the code did not produce this command)')}`,
  ];
}

function printResult(r: ReplayResult): void {
  const ids = [r.workflowId, r.runId ? `run ${r.runId}` : '', r.workflowType ?? ''].filter(Boolean).join('  ');
  printLine(`${r.error ? 'FAILED' : 'ok    '}  ${ids}`);
  if (r.error) for (const line of failureDetail(r.error)) printLine(`        ${line}`);
}

/** `{ events }`, `{ workflowId, runId?, history }`, or a JSON array of them. */
async function readHistoryFile(file: string): Promise<ReplayInput[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new CliError(`--history-file: cannot read ${file}: ${(e as Error).message}`, 'INVALID_ARGUMENT');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CliError(`--history-file ${file} is not valid JSON: ${(e as Error).message}`, 'INVALID_JSON');
  }
  const items = Array.isArray(value) ? (value as unknown[]) : [value];
  const isHistory = (v: unknown): boolean =>
    typeof v === 'object' && v !== null && Array.isArray((v as { events?: unknown }).events);
  for (const item of items) {
    const history = typeof item === 'object' && item !== null && 'history' in item ? item.history : item;
    if (!isHistory(history))
      throw new CliError(
        `--history-file ${file} is not a history: expected { "events": [...] } (the output of \`weft workflow history --output json\`)`,
        'INVALID_ARGUMENT',
      );
  }
  return items as ReplayInput[];
}

async function* fileHistories(files: string[], limit: number): AsyncGenerator<ReplayInput> {
  let n = 0;
  for (const file of files)
    for (const h of await readHistoryFile(file)) {
      if (limit > 0 && n++ >= limit) return;
      yield h;
    }
}

/** The executions to replay: one workflow's run, or those a list query selects (newest first). */
async function* executions(
  client: Client,
  o: ReplayOptions,
): AsyncGenerator<{ workflowId: string; runId: string | undefined }> {
  if (o.workflowId !== undefined) {
    yield { workflowId: o.workflowId, runId: o.runId };
    return;
  }
  let n = 0;
  const pageSize = o.limit > 0 ? Math.min(o.limit, 100) : 100;
  for await (const e of client.workflow.list({ ...(o.query !== undefined ? { query: o.query } : {}), pageSize })) {
    if (o.limit > 0 && n++ >= o.limit) return;
    yield { workflowId: e.workflowId, runId: e.runId };
  }
}

/** Each selected execution with its history, fetched in order with up to FETCH_AHEAD requests in flight. */
async function* serverHistories(client: Client, o: ReplayOptions): AsyncGenerator<ReplayInput> {
  const fetchOne = async (x: { workflowId: string; runId: string | undefined }): Promise<ReplayInput> => {
    const handle = client.workflow.getHandle(x.workflowId, x.runId);
    // --workflow-id without --run-id: pin the latest run, so the history and the id reported match
    const runId = x.runId ?? (await handle.describe()).runId;
    const history = await client.workflow.getHandle(x.workflowId, runId).fetchHistory();
    return { workflowId: x.workflowId, runId, history };
  };
  const inFlight: Array<Promise<ReplayInput>> = [];
  for await (const x of executions(client, o)) {
    const p = fetchOne(x);
    p.catch(() => undefined); // awaited in turn below; not an unhandled rejection while it waits
    inFlight.push(p);
    if (inFlight.length > FETCH_AHEAD) yield await inFlight.shift()!;
  }
  while (inFlight.length > 0) yield await inFlight.shift()!;
}

function checkFlags(o: ReplayOptions): void {
  if (o.runId !== undefined && o.workflowId === undefined)
    throw new CliError('--run-id needs --workflow-id', 'INVALID_ARGUMENT');
  if (!existsSync(path.resolve(o.workflows)))
    throw new CliError(`--workflows: no such file: ${path.resolve(o.workflows)}`, 'INVALID_ARGUMENT');
  for (const file of o.historyFile ?? [])
    if (!existsSync(file)) throw new CliError(`--history-file: cannot read ${file}: no such file`, 'INVALID_ARGUMENT');
}

async function replay(o: ReplayOptions): Promise<void> {
  checkFlags(o);
  const workflowsPath = path.resolve(o.workflows);
  // bundle first: code that does not bundle fails the check before any history is fetched
  const { bundleWorkflowCode } = await import('../worker/sandbox/bundler.js');
  const { runReplayHistories } = await import('../worker/replay-histories.js');
  const workflowBundle = await bundleWorkflowCode({ workflowsPath });
  const json = o.output === 'json';
  const report: ReportEntry[] = [];
  let replayed = 0;
  let failed = 0;
  const run = async (histories: AsyncIterable<ReplayInput>): Promise<void> => {
    if (!json) printLine(`Replaying against the workflow code in ${workflowsPath}`);
    for await (const r of runReplayHistories({ workflowBundle }, histories)) {
      replayed++;
      if (r.error) failed++;
      if (json) report.push(reportEntry(r));
      else printResult(r);
    }
  };
  if (o.historyFile?.length) await run(fileHistories(o.historyFile, o.limit));
  else await withClient(o, (c) => run(serverHistories(c, o)));

  if (json) printJson({ workflowsPath, replayed, failed, results: report });
  else {
    if (replayed === 0) printLine('(no executions matched)');
    printLine(`${replayed} replayed, ${failed} failed`);
  }
  if (failed > 0)
    throw new CliError(
      `${failed} of ${replayed} replayed histories do not replay with the workflow code in ${workflowsPath}`,
      'REPLAY_FAILED',
    );
}

export function addReplayCommand(wf: Command): void {
  addCommonOptions(
    wf
      .command('replay')
      .description('replay histories against workflow code (a check before a deploy): exit 1 if any no longer replays')
      .requiredOption('--workflows <path>', 'module exporting the workflow functions (the code about to be deployed)')
      .addOption(
        new Option(
          '-q, --query <query>',
          'visibility query selecting the executions (default: all), e.g. "ExecutionStatus = \'Running\'"',
        ).conflicts(['workflowId', 'historyFile']),
      )
      .addOption(
        new Option('-w, --workflow-id <id>', "replay this workflow's latest run (or --run-id)").conflicts(
          'historyFile',
        ),
      )
      .option('-r, --run-id <id>', 'with --workflow-id: the run to replay')
      .option(
        '--history-file <file>',
        'replay an exported history (`weft workflow history --output json`) instead of fetching; repeatable',
        (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
      )
      .option('--limit <n>', 'replay at most n executions (0: all)', parseNonNegativeInt, 0),
  ).action(replay);
}
