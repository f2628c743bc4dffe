/** Flags of the `weft workflow` commands that act on one run (--workflow-id, --run-id) or pass arguments (--input). */
import type { Command } from 'commander';
import { addCommonOptions, type CommonOptions } from './options.js';
import { CliError } from './output.js';

export interface RunOptions extends CommonOptions {
  workflowId: string;
  runId?: string;
}

/** `--input`: a JSON array is the argument list; any other JSON value is the one argument. */
export function parseInput(input: string | undefined): unknown[] {
  if (input === undefined) return [];
  let value: unknown;
  try {
    value = JSON.parse(input);
  } catch (e) {
    const hint = /^\s*[[{"\d-]/.test(input) ? '' : ` (to pass a string, quote it: --input '"${input}"')`;
    throw new CliError(`--input is not valid JSON: ${(e as Error).message}${hint}`, 'INVALID_JSON');
  }
  return Array.isArray(value) ? value : [value];
}

/** A subcommand of `weft workflow` that names a run: --workflow-id (required) and --run-id. */
export function runCommand(wf: Command, name: string, description: string): Command {
  return addCommonOptions(
    wf
      .command(name)
      .description(description)
      .requiredOption('-w, --workflow-id <id>', 'workflow id')
      .option('-r, --run-id <id>', 'run id (default: the latest run)'),
  );
}
