/**
 * `weft activity complete|fail`: finish an activity that completes asynchronously (it threw CompleteAsyncError),
 * by --task-token or by --workflow-id (+ --run-id) and --activity-id, e.g. a person approving an expense.
 */
import { ApplicationFailure } from '../common/failure.js';
import type { Command } from 'commander';
import type { FullActivityId } from '../client/async-completion-client.js';
import { addCommonOptions, withClient, type CommonOptions } from './options.js';
import { CliError, printJson, printLine } from './output.js';

interface TargetOptions extends CommonOptions {
  taskToken?: string;
  workflowId?: string;
  runId?: string;
  activityId?: string;
}

function target(o: TargetOptions): string | FullActivityId {
  const byId = o.workflowId !== undefined || o.activityId !== undefined || o.runId !== undefined;
  if (o.taskToken !== undefined) {
    if (byId) throw new CliError('give --task-token or --workflow-id with --activity-id, not both', 'INVALID_ARGUMENT');
    return o.taskToken;
  }
  if (o.workflowId === undefined || o.activityId === undefined)
    throw new CliError('name the activity: --task-token, or --workflow-id and --activity-id', 'INVALID_ARGUMENT');
  return { workflowId: o.workflowId, activityId: o.activityId, ...(o.runId ? { runId: o.runId } : {}) };
}

function parseJson(flag: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CliError(`${flag} is not valid JSON: ${(e as Error).message}`, 'INVALID_JSON');
  }
}

const describe = (o: TargetOptions): string =>
  o.taskToken !== undefined ? 'the activity' : `activity ${o.activityId} of workflow ${o.workflowId}`;

/** Runs the call; an activity that is not running is a clear error with the API's code. */
async function finish(o: TargetOptions, what: string, call: Parameters<typeof withClient>[1]): Promise<void> {
  try {
    await withClient(o, call);
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    if (name === 'ActivityNotFoundError')
      throw new CliError(`${describe(o)} is not running: ${(e as Error).message}`, 'TASK_NOT_FOUND', [], 1, e);
    if (name === 'ActivityCompletionError' && (e as Error).cause !== undefined) throw (e as Error).cause;
    throw e;
  }
  if (o.output === 'json')
    return printJson({
      ...(o.taskToken !== undefined
        ? { taskToken: o.taskToken }
        : { workflowId: o.workflowId, ...(o.runId ? { runId: o.runId } : {}), activityId: o.activityId }),
      [what]: true,
    });
  printLine(`${describe(o).replace(/^t/, 'T').replace(/^a/, 'A')} ${what}`);
}

function targetCommand(group: Command, name: string, description: string): Command {
  return addCommonOptions(
    group
      .command(name)
      .description(description)
      .option('--task-token <token>', 'the task token the activity got (activityInfo().taskToken, as text)')
      .option('-w, --workflow-id <id>', 'workflow id (with --activity-id)')
      .option('-r, --run-id <id>', 'run id (default: the latest run)')
      .option('--activity-id <id>', 'activity id (with --workflow-id)'),
  );
}

export function addActivityCommands(program: Command): void {
  const group = program
    .command('activity')
    .description('finish activities that complete asynchronously (they threw CompleteAsyncError)');
  targetCommand(group, 'complete', 'complete a running activity with a result')
    .option('--result <json>', 'the result, as JSON (default: none)')
    .action(async (o: TargetOptions & { result?: string }) => {
      const t = target(o);
      const result = parseJson('--result', o.result);
      await finish(o, 'completed', (c) => c.activity.complete(t, result));
    });
  targetCommand(group, 'fail', "fail a running activity's current attempt (retried as its retry policy says)")
    .option('--reason <message>', 'failure message', 'failed by an operator')
    .option('--type <type>', 'failure type (retry policies can list it as non-retryable)')
    .option('--non-retryable', 'do not retry the activity')
    .option('--details <json>', 'failure details, as JSON')
    .action(async (o: TargetOptions & { reason: string; type?: string; nonRetryable?: boolean; details?: string }) => {
      const t = target(o);
      const details = parseJson('--details', o.details);
      const failure = ApplicationFailure.create({
        message: o.reason,
        ...(o.type ? { type: o.type } : {}),
        nonRetryable: o.nonRetryable === true,
        ...(details !== undefined ? { details: [details] } : {}),
      });
      await finish(o, 'failed', (c) => c.activity.fail(t, failure));
    });
}
