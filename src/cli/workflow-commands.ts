/**
 * `weft workflow ...`: register types, start and execute workflows, wait for results, describe, list, count,
 * read histories, cancel and terminate; signal and query (workflow-message-commands.ts); replay histories against
 * code (workflow-replay-command.ts). Durations in flags go to the server as given; it validates them.
 */
import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import type { Client, ClientOptions } from '../client/client.js';
import type { WorkflowStartOptions } from '../client/workflow-client.js';
import type { Priority } from '../common/priority.js';
import {
  WorkflowIdConflictPolicies,
  WorkflowIdReusePolicies,
  type RegisterWorkflowRequest,
  type WorkflowResultResponse,
} from '../protocol/api.js';
import { addCommonOptions, parseNonNegativeInt, withClient, type CommonOptions } from './options.js';
import { addCodecOptions, codecClientOptions, decodedHistory, type CodecFlags } from './codec-flags.js';
import { clientTransport } from '../client/codec-transport.js';
import { CliError, isoTime, printFields, printJson, printLine, printTable } from './output.js';
import {
  EXECUTION_HEAD,
  executionJson,
  executionRow,
  failureLines,
  printDescription,
  printHistory,
} from './workflow-format.js';
import { addMessageCommands } from './workflow-message-commands.js';
import { addReplayCommand } from './workflow-replay-command.js';
import { parseInput, runCommand, type RunOptions } from './workflow-run-flags.js';

export { parseInput };

interface TimeoutOptions {
  executionTimeout?: string;
  runTimeout?: string;
  taskTimeout?: string;
}

interface StartOptions extends CommonOptions, TimeoutOptions, CodecFlags {
  type: string;
  taskQueue?: string;
  workflowId?: string;
  input?: string;
  idReusePolicy?: WorkflowStartOptions['workflowIdReusePolicy'];
  idConflictPolicy?: WorkflowStartOptions['workflowIdConflictPolicy'];
  memo?: string;
  searchAttributes?: string;
  cron?: string;
  startDelay?: string;
  staticSummary?: string;
  staticDetails?: string;
  priorityKey?: string;
  fairnessKey?: string;
  fairnessWeight?: string;
}

/** Temporal CLI's --priority-key, --fairness-key, --fairness-weight as a start's priority (undefined: none given). */
function priorityFlags(o: StartOptions): Priority | undefined {
  if (o.priorityKey === undefined && o.fairnessKey === undefined && o.fairnessWeight === undefined) return undefined;
  const priority: Priority = {};
  if (o.priorityKey !== undefined) {
    if (!/^\d+$/.test(o.priorityKey))
      throw new CliError(`--priority-key must be a non-negative integer, not '${o.priorityKey}'`, 'INVALID_ARGUMENT');
    priority.priorityKey = Number(o.priorityKey);
  }
  if (o.fairnessKey !== undefined) priority.fairnessKey = o.fairnessKey;
  if (o.fairnessWeight !== undefined) {
    const w = Number(o.fairnessWeight);
    if (!(o.fairnessWeight.trim() !== '' && Number.isFinite(w) && w > 0))
      throw new CliError(`--fairness-weight must be a positive number, not '${o.fairnessWeight}'`, 'INVALID_ARGUMENT');
    priority.fairnessWeight = w;
  }
  return priority;
}

/** A flag whose value is a JSON object (memo, search attributes). */
function parseObjectFlag(flag: string, value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    throw new CliError(`${flag} is not valid JSON: ${(e as Error).message}`, 'INVALID_JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new CliError(`${flag} must be a JSON object, such as '{"CustomerId": "c-1"}'`, 'INVALID_ARGUMENT');
  return parsed as Record<string, unknown>;
}

function timeouts(
  o: TimeoutOptions,
): Pick<WorkflowStartOptions, 'workflowExecutionTimeout' | 'workflowRunTimeout' | 'workflowTaskTimeout'> {
  return {
    ...(o.executionTimeout !== undefined ? { workflowExecutionTimeout: o.executionTimeout } : {}),
    ...(o.runTimeout !== undefined ? { workflowRunTimeout: o.runTimeout } : {}),
    ...(o.taskTimeout !== undefined ? { workflowTaskTimeout: o.taskTimeout } : {}),
  };
}

function addTimeoutOptions(cmd: Command): Command {
  return cmd
    .option(
      '--execution-timeout <duration>',
      "limit on the whole execution, retries and continue-as-new included ('1h', '30m', ms)",
    )
    .option('--run-timeout <duration>', 'limit on one run')
    .option('--task-timeout <duration>', 'limit on one workflow task (default 10s)');
}

function addStartOptions(cmd: Command): Command {
  cmd
    .requiredOption('--type <name>', 'workflow type')
    .option('-t, --task-queue <name>', 'task queue (default: the one the type was registered with)')
    .option('-w, --workflow-id <id>', 'workflow id (default: a random UUID)')
    .option('-i, --input <json>', 'arguments: a JSON array of them, or one JSON value for a single argument')
    .option('--memo <json>', 'memo: a JSON object kept with the run')
    .option('--search-attributes <json>', 'registered search attributes: a JSON object, e.g. \'{"CustomerId":"c-1"}\'')
    .option(
      '--cron <schedule>',
      "run as a cron workflow: '0 * * * *' (UTC), '@daily', '@every 30m', 'CRON_TZ=Europe/Berlin 0 9 * * *'",
    )
    .option('--start-delay <duration>', "wait this long before the first workflow task ('10s', '5m', ms)")
    .option('--static-summary <text>', "a one-line summary kept with the run (Temporal's staticSummary)")
    .option('--static-details <text>', "details kept with the run (Temporal's staticDetails)")
    .option(
      '--priority-key <n>',
      "the run's priority key: a task queue hands out smaller keys first (1 first; default 3)",
    )
    .option('--fairness-key <key>', "the priority's fairness key")
    .option('--fairness-weight <weight>', "the priority's fairness weight (a positive number)");
  addTimeoutOptions(cmd);
  cmd
    .addOption(
      new Option('--id-reuse-policy <policy>', 'when a closed run has this workflow id').choices([
        ...WorkflowIdReusePolicies,
      ]),
    )
    .addOption(
      new Option('--id-conflict-policy <policy>', 'when a running run has this workflow id').choices([
        ...WorkflowIdConflictPolicies,
      ]),
    );
  return addCodecOptions(addCommonOptions(cmd));
}

async function startWorkflow(
  client: Client,
  o: StartOptions,
  args: unknown[],
): Promise<{ workflowId: string; runId: string }> {
  const workflowId = o.workflowId ?? randomUUID();
  const memo = parseObjectFlag('--memo', o.memo);
  const searchAttributes = parseObjectFlag('--search-attributes', o.searchAttributes);
  const priority = priorityFlags(o);
  const handle = await client.workflow.start(o.type, {
    workflowId,
    args,
    ...(o.taskQueue !== undefined ? { taskQueue: o.taskQueue } : {}),
    ...timeouts(o),
    ...(o.idReusePolicy ? { workflowIdReusePolicy: o.idReusePolicy } : {}),
    ...(o.idConflictPolicy ? { workflowIdConflictPolicy: o.idConflictPolicy } : {}),
    ...(memo ? { memo } : {}),
    ...(searchAttributes ? { searchAttributes } : {}),
    ...(o.cron !== undefined ? { cronSchedule: o.cron } : {}),
    ...(o.startDelay !== undefined ? { startDelay: o.startDelay } : {}),
    ...(o.staticSummary !== undefined ? { staticSummary: o.staticSummary } : {}),
    ...(o.staticDetails !== undefined ? { staticDetails: o.staticDetails } : {}),
    ...(priority ? { priority } : {}),
  });
  return { workflowId, runId: handle.runId! };
}

function startedFields(
  o: StartOptions,
  started: { workflowId: string; runId: string },
): Array<[string, string | undefined]> {
  return [
    ['WorkflowId', started.workflowId],
    ['RunId', started.runId],
    ['Type', o.type],
    ['Namespace', o.namespace],
    ['TaskQueue', o.taskQueue],
    ['CronSchedule', o.cron],
  ];
}

/**
 * Waits for the run to close, following continue-as-new and retries; the server's answer as is (its payloads
 * decoded by the codec server, with --codec-endpoint).
 */
async function waitForOutcome(
  client: Client,
  workflowId: string,
  runId: string | undefined,
  clientOptions: Pick<ClientOptions, 'dataConverter'>,
): Promise<WorkflowResultResponse> {
  const transport = clientTransport(client.connection.transport, clientOptions.dataConverter);
  let current = runId;
  for (;;) {
    const r = await transport.call<WorkflowResultResponse>(
      'workflowResult',
      { params: { namespace: client.namespace, workflowId }, query: { runId: current, waitMs: 50_000 } },
      { retryForMs: 120_000 },
    );
    if (r.status === 'Running') current = r.runId;
    else if (r.newExecutionRunId) current = r.newExecutionRunId;
    else return r;
  }
}

const OUTCOME_CODES: Record<string, string> = {
  Failed: 'WORKFLOW_FAILED',
  Cancelled: 'WORKFLOW_CANCELLED',
  Terminated: 'WORKFLOW_TERMINATED',
  TimedOut: 'WORKFLOW_TIMED_OUT',
};

/** Prints a closed run's outcome: the result as JSON, or the failure (then exits 1). */
function printOutcome(
  workflowId: string,
  r: WorkflowResultResponse,
  output: CommonOptions['output'],
  label?: string,
): void {
  const ok = r.status === 'Completed';
  if (output === 'json') {
    printJson({
      workflowId,
      runId: r.runId,
      status: r.status,
      ...(ok ? { result: r.result ?? null } : {}),
      ...(r.failure ? { failure: r.failure } : {}),
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
    });
  } else if (ok) {
    if (label) printLine(label);
    printLine(JSON.stringify(r.result ?? null, null, 2));
  }
  if (!ok) {
    const lines = r.failure ? failureLines(r.failure) : [];
    throw new CliError(
      outcomeMessage(`workflow ${workflowId} (run ${r.runId})`, r, lines[0]),
      OUTCOME_CODES[r.status] ?? 'WORKFLOW_FAILED',
      lines.slice(1),
    );
  }
}

function outcomeMessage(run: string, r: WorkflowResultResponse, failure: string | undefined): string {
  switch (r.status) {
    case 'Failed':
      return `${run} failed: ${failure ?? 'no failure recorded'}`;
    case 'Terminated':
      return `${run} was terminated${r.reason ? `: ${r.reason}` : ''}`;
    case 'Cancelled':
      return `${run} was cancelled`;
    case 'TimedOut':
      return `${run} timed out`;
    default:
      return `${run} ended as ${r.status}`;
  }
}

function registerCommand(wf: Command): void {
  const cmd = wf
    .command('register')
    .description('register a workflow type: its task queue, default timeouts and a description')
    .requiredOption('--type <name>', 'workflow type')
    .requiredOption('-t, --task-queue <name>', 'task queue its workers poll')
    .option('--description <text>', 'what the workflow does');
  addTimeoutOptions(cmd);
  addCommonOptions(cmd).action(
    async (o: CommonOptions & TimeoutOptions & { type: string; taskQueue: string; description?: string }) => {
      const t = timeouts(o);
      const def: RegisterWorkflowRequest = {
        workflowType: o.type,
        taskQueue: o.taskQueue,
        ...(o.description !== undefined ? { description: o.description } : {}),
        ...(Object.keys(t).length > 0 ? { defaults: t } : {}),
      };
      const r = await withClient(o, (c) => c.workflow.register(def));
      if (o.output === 'json') return printJson(r);
      printLine(`Registered workflow type ${r.workflowType}:`);
      printFields([
        ['TaskQueue', r.taskQueue],
        ['Description', r.description],
        ['ExecutionTimeout', r.defaults?.workflowExecutionTimeout],
        ['RunTimeout', r.defaults?.workflowRunTimeout],
        ['TaskTimeout', r.defaults?.workflowTaskTimeout],
      ]);
    },
  );
}

function listTypesCommand(wf: Command): void {
  addCommonOptions(wf.command('list-types').description('list registered workflow types')).action(
    async (o: CommonOptions) => {
      const types = await withClient(o, (c) => c.workflow.listRegistered());
      if (o.output === 'json') return printJson(types);
      printTable(
        ['Type', 'Task queue', 'Description', 'Updated'],
        types.map((t) => [t.workflowType, t.taskQueue, t.description ?? '', isoTime(t.updatedAt)]),
        '(no registered workflow types)',
      );
    },
  );
}

function startCommands(wf: Command): void {
  addStartOptions(wf.command('start').description('start a workflow and print its ids')).action(
    async (o: StartOptions) => {
      const args = parseInput(o.input);
      const started = await withClient(o, (c) => startWorkflow(c, o, args), codecClientOptions(o));
      if (o.output === 'json')
        return printJson({
          ...started,
          type: o.type,
          namespace: o.namespace,
          ...(o.taskQueue ? { taskQueue: o.taskQueue } : {}),
        });
      printLine('Started workflow:');
      printFields(startedFields(o, started));
    },
  );

  addStartOptions(wf.command('execute').description('start a workflow and wait for its result')).action(
    async (o: StartOptions) => {
      const args = parseInput(o.input);
      const codec = codecClientOptions(o);
      await withClient(
        o,
        async (c) => {
          const started = await startWorkflow(c, o, args);
          if (o.output === 'table') {
            printLine('Started workflow:');
            printFields(startedFields(o, started));
          }
          const r = await waitForOutcome(c, started.workflowId, started.runId, codec);
          printOutcome(started.workflowId, r, o.output, 'Result:');
        },
        codec,
      );
    },
  );
}

function inspectCommands(wf: Command): void {
  addCodecOptions(runCommand(wf, 'describe', 'show a run: status, times, pending activities')).action(
    async (o: RunOptions & CodecFlags) => {
      const handle = (c: Client) => c.workflow.getHandle(o.workflowId, o.runId);
      const d = (await withClient(o, (c) => handle(c).describe(), codecClientOptions(o))).raw;
      if (o.output === 'json') return printJson(d);
      printDescription(d);
    },
  );

  addCodecOptions(
    runCommand(wf, 'result', "wait for a run to close and print its result as JSON (exit 1 if it didn't complete)"),
  ).action(async (o: RunOptions & CodecFlags) => {
    const codec = codecClientOptions(o);
    await withClient(o, async (c) => {
      const r = await waitForOutcome(c, o.workflowId, o.runId, codec);
      printOutcome(o.workflowId, r, o.output);
    });
  });

  addCodecOptions(
    runCommand(wf, 'history', 'print the event history of a run (--output json: the input of Worker.runReplayHistory)'),
  ).action(async (o: RunOptions & CodecFlags) => {
    const codec = codecClientOptions(o);
    const fetched = await withClient(o, (c) => c.workflow.getHandle(o.workflowId, o.runId).fetchHistory());
    const history = await decodedHistory(fetched, codec);
    if (o.output === 'json') return printJson({ events: history.events });
    printHistory(history.events);
  });
}

function listCommands(wf: Command): void {
  addCommonOptions(
    wf
      .command('list')
      .description('list executions, newest first')
      .option(
        '-q, --query <query>',
        "visibility query, e.g. \"WorkflowType = 'order' AND ExecutionStatus = 'Running'\"",
      )
      .option('--limit <n>', 'show at most n executions (0: all)', parseNonNegativeInt, 0),
  ).action(async (o: CommonOptions & { query?: string; limit: number }) => {
    const rows = await withClient(o, async (c) => {
      const out = [];
      const pageSize = o.limit > 0 ? Math.min(o.limit, 1000) : 100;
      for await (const e of c.workflow.list({ ...(o.query !== undefined ? { query: o.query } : {}), pageSize })) {
        out.push(e);
        if (o.limit > 0 && out.length >= o.limit) break;
      }
      return out;
    });
    if (o.output === 'json') return printJson(rows.map(executionJson));
    printTable(EXECUTION_HEAD, rows.map(executionRow), '(no workflows)');
  });

  addCommonOptions(
    wf.command('count').description('count executions').option('-q, --query <query>', 'visibility query'),
  ).action(async (o: CommonOptions & { query?: string }) => {
    const r = await withClient(o, (c) => c.workflow.count(o.query));
    if (o.output === 'json') return printJson(r);
    printLine(String(r.count));
  });
}

function controlCommands(wf: Command): void {
  runCommand(wf, 'cancel', 'ask a run to cancel (its code sees a CancelledFailure and may clean up)')
    .option('--reason <text>', 'why')
    .action(async (o: RunOptions & { reason?: string }) => {
      await withClient(o, (c) => c.workflow.getHandle(o.workflowId, o.runId).cancel(o.reason));
      if (o.output === 'json')
        return printJson({ workflowId: o.workflowId, ...(o.runId ? { runId: o.runId } : {}), cancelRequested: true });
      printLine(`Cancellation requested for workflow ${o.workflowId}`);
    });

  runCommand(wf, 'terminate', 'end a run at once (its code gets no chance to react)')
    .option('--reason <text>', 'why')
    .action(async (o: RunOptions & { reason?: string }) => {
      await withClient(o, (c) => c.workflow.getHandle(o.workflowId, o.runId).terminate(o.reason));
      if (o.output === 'json')
        return printJson({ workflowId: o.workflowId, ...(o.runId ? { runId: o.runId } : {}), terminated: true });
      printLine(`Terminated workflow ${o.workflowId}`);
    });
}

export function addWorkflowCommands(program: Command): void {
  const wf = program.command('workflow').description('start, inspect and control workflows');
  registerCommand(wf);
  listTypesCommand(wf);
  startCommands(wf);
  inspectCommands(wf);
  listCommands(wf);
  controlCommands(wf);
  addMessageCommands(wf);
  addReplayCommand(wf);
}
