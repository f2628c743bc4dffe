/**
 * `weft workflow signal`, `query` and `update`: messages to a run, through the client handle. `--input` takes
 * the arguments as `weft workflow start` does (a JSON array is the argument list, any other value the one argument).
 */
import { Option, type Command } from 'commander';
import {
  ConnectionError,
  QueryRejectedError,
  ServiceError,
  WorkflowUpdateFailedError,
  type QueryRejectCondition,
} from '../client/errors.js';
import { executionStatusName } from '../client/execution-info.js';
import { WeftFailure, encodeFailure } from '../common/failure.js';
import { withClient } from './options.js';
import { addCodecOptions, codecClientOptions, type CodecFlags } from './codec-flags.js';
import { CliError, printJson, printLine } from './output.js';
import { failureLines } from './workflow-format.js';
import { parseInput, runCommand, type RunOptions } from './workflow-run-flags.js';

interface MessageOptions extends RunOptions, CodecFlags {
  name: string;
  input?: string;
}

function messageCommand(
  wf: Command,
  name: 'signal' | 'query' | 'update',
  description: string,
  nameHelp: string,
): Command {
  return addCodecOptions(
    runCommand(wf, name, description)
      .requiredOption('--name <name>', nameHelp)
      .option('-i, --input <json>', 'arguments: a JSON array of them, or one JSON value for a single argument'),
  );
}

const runIds = (o: RunOptions): { runId?: string } => (o.runId ? { runId: o.runId } : {});

export function addMessageCommands(wf: Command): void {
  messageCommand(
    wf,
    'signal',
    'send a signal to a running workflow (its handler runs in the next workflow task)',
    'signal name',
  ).action(async (o: MessageOptions) => {
    const args = parseInput(o.input);
    await withClient(
      o,
      (c) => c.workflow.getHandle(o.workflowId, o.runId).signal(o.name, ...args),
      codecClientOptions(o),
    );
    if (o.output === 'json') return printJson({ workflowId: o.workflowId, ...runIds(o), signal: o.name, sent: true });
    printLine(`Signal ${o.name} sent to workflow ${o.workflowId}`);
  });

  messageCommand(
    wf,
    'query',
    "ask a workflow's query handler (also after the run closed) and print its answer as JSON",
    'query name',
  )
    .addOption(
      new Option(
        '--reject-condition <condition>',
        'do not ask a run that closed (not_open), or that closed other than completed (not_completed_cleanly)',
      ).choices(['none', 'not_open', 'not_completed_cleanly']),
    )
    .action(async (o: MessageOptions & { rejectCondition?: string }) => {
      const args = parseInput(o.input);
      const queryRejectCondition = o.rejectCondition?.toUpperCase() as QueryRejectCondition | undefined;
      let result: unknown;
      try {
        result = await withClient(o, (c) => c.workflow.getHandle(o.workflowId, o.runId).query(o.name, ...args), {
          ...codecClientOptions(o),
          ...(queryRejectCondition ? { workflow: { queryRejectCondition } } : {}),
        });
      } catch (e) {
        if (e instanceof QueryRejectedError)
          throw new CliError(
            `query ${o.name} on workflow ${o.workflowId} rejected: the run is ${executionStatusName(e.status)} (--reject-condition ${o.rejectCondition})`,
            'QUERY_REJECTED',
            [],
            1,
            e,
          );
        // the handler threw: the client rethrows the workflow's failure; name it as the query's
        if (e instanceof WeftFailure && !(e instanceof ServiceError) && !(e instanceof ConnectionError)) {
          const lines = failureLines(encodeFailure(e));
          throw new CliError(
            `query ${o.name} on workflow ${o.workflowId} failed: ${lines[0] ?? e.message}`,
            'QUERY_FAILED',
            lines.slice(1),
            1,
            e,
          );
        }
        throw e;
      }
      if (o.output === 'json')
        return printJson({ workflowId: o.workflowId, ...runIds(o), query: o.name, result: result ?? null });
      printLine(JSON.stringify(result ?? null, null, 2));
    });

  messageCommand(
    wf,
    'update',
    "send an update and print the handler's result as JSON (its validator may reject it: nothing is recorded then)",
    'update name',
  )
    .option('--update-id <id>', "an id seen before returns that update's first outcome and runs nothing")
    .action(async (o: MessageOptions & { updateId?: string }) => {
      const args = parseInput(o.input);
      let result: unknown;
      try {
        result = await withClient(
          o,
          (c) =>
            c.workflow
              .getHandle(o.workflowId, o.runId)
              .executeUpdate(o.name, { args, ...(o.updateId ? { updateId: o.updateId } : {}) }),
          codecClientOptions(o),
        );
      } catch (e) {
        if (e instanceof WorkflowUpdateFailedError) {
          const lines = e.cause ? failureLines(encodeFailure(e.cause)) : [];
          throw new CliError(
            `update ${o.name} on workflow ${o.workflowId} failed: ${lines[0] ?? e.message}`,
            'UPDATE_FAILED',
            lines.slice(1),
            1,
            e,
          );
        }
        throw e;
      }
      if (o.output === 'json')
        return printJson({ workflowId: o.workflowId, ...runIds(o), update: o.name, result: result ?? null });
      printLine(JSON.stringify(result ?? null, null, 2));
    });
}
