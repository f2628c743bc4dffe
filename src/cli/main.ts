#!/usr/bin/env node
/**
 * `weft`: the command line. Builds the command tree and maps every error to one line on stderr,
 * `Error: <message> (<CODE>)`, and exit code 1 (usage errors included). The command groups load the server,
 * the worker and esbuild only inside the actions that need them, so client commands start fast.
 */
import { Command, CommanderError } from 'commander';
import { WEFT_VERSION } from '../server/version.js';
import { reportError } from './output.js';
import { addScheduleCommands } from './schedule-commands.js';
import { addSearchAttributeCommands } from './search-attribute-commands.js';
import { addActivityCommands } from './activity-commands.js';
import { addApiKeyCommands } from './api-key-commands.js';
import { addNamespaceCommands } from './namespace-commands.js';
import { addServerCommands } from './server-commands.js';
import { addStoreCommands } from './store-commands.js';
import { addWorkerCommands } from './worker-commands.js';
import { addWorkflowCommands } from './workflow-commands.js';

/** Commander's usage errors ("error: unknown option '--x'") in the CLI's error format. */
function formatUsageError(text: string): string {
  const [first = '', ...rest] = text.trimEnd().split('\n');
  const message = first.replace(/^error:\s*/i, '');
  return `Error: ${message} (INVALID_ARGUMENT)\n${rest.length ? `${rest.join('\n')}\n` : ''}`;
}

export function buildProgram(): Command {
  const program = new Command('weft')
    .description('Weft: durable workflows. Run a server and workers, start and inspect workflows.')
    .version(WEFT_VERSION, '-V, --version')
    .configureOutput({ outputError: (text, write) => write(formatUsageError(text)) })
    .showSuggestionAfterError()
    .exitOverride();
  addServerCommands(program);
  addStoreCommands(program);
  addWorkflowCommands(program);
  addWorkerCommands(program);
  addScheduleCommands(program);
  addSearchAttributeCommands(program);
  addActivityCommands(program);
  addNamespaceCommands(program);
  addApiKeyCommands(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    // commander printed its message (or the help) already
    if (e instanceof CommanderError) return e.exitCode;
    return reportError(e);
  }
}

// `weft ... | head`: a reader that goes away ends the command quietly
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });

const code = await main(process.argv);
// exit once the output is written: a timer or socket left open by a library must not keep a finished command alive
const flushed = (s: NodeJS.WriteStream): Promise<void> => new Promise((resolve) => s.write('', () => resolve()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
