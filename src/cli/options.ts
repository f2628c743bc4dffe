/** Flags every command shares (--address, --namespace, --api-key, --output), flag parsers, and connecting. */
import { hostname, userInfo } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Client } from '../client/client.js';
import type { Connection } from '../client/connection.js';
import { CliError, type OutputFormat } from './output.js';

export const DEFAULT_ADDRESS = 'http://127.0.0.1:7411';

export interface CommonOptions {
  address: string;
  namespace: string;
  apiKey?: string;
  output: OutputFormat;
}

/** Adds --output (every command) and, unless `outputOnly`, the flags that say which server to talk to. */
export function addCommonOptions(cmd: Command, outputOnly = false): Command {
  if (!outputOnly) {
    cmd
      .addOption(new Option('--address <url>', 'server address').env('WEFT_ADDRESS').default(DEFAULT_ADDRESS))
      .addOption(new Option('-n, --namespace <name>', 'namespace').env('WEFT_NAMESPACE').default('default'))
      .addOption(new Option('--api-key <key>', 'API key, sent as a bearer token').env('WEFT_API_KEY'));
  }
  return cmd.addOption(
    new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'),
  );
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** --log-level and --log-format (also WEFT_LOG_LEVEL, WEFT_LOG_FORMAT) of a long-running process. */
export function addLogOptions(cmd: Command, what: 'server' | 'worker'): Command {
  return cmd
    .addOption(
      new Option('--log-level <level>', `${what} log level (on stderr)`)
        .choices(LOG_LEVELS)
        .env('WEFT_LOG_LEVEL')
        .default('info'),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        'log lines: readable (pretty) or JSON; default pretty on a terminal, else json',
      )
        .choices(['json', 'pretty'])
        .env('WEFT_LOG_FORMAT'),
    );
}

/** Who the CLI says it is to the server (recorded in history as who cancelled or terminated). */
function cliIdentity(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  return `weft-cli:${user}@${hostname()}`;
}

/**
 * Connects (checking /healthz, so an unreachable server fails at once instead of after the client's
 * reconnect window), runs `fn` with a client, and closes the connection.
 */
export async function withClient<T>(opts: CommonOptions, fn: (client: Client) => Promise<T>): Promise<T> {
  const connection = await connect(opts);
  const { Client } = await import('../client/client.js');
  try {
    return await fn(new Client({ connection, namespace: opts.namespace }));
  } finally {
    await connection.close();
  }
}

/** A connection whose server answered its health check. */
export async function connect(opts: Pick<CommonOptions, 'address' | 'apiKey'>): Promise<Connection> {
  // loaded here, not at start-up: the HTTP client (undici) takes a while to load, and --help needs none of it
  const { Connection, resolveAddress } = await import('../client/connection.js');
  try {
    return await Connection.connect({
      address: opts.address,
      identity: cliIdentity(),
      ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
    });
  } catch (e) {
    // a server that answers, but not in JSON: something else listens there
    if (e instanceof SyntaxError)
      throw new CliError(
        `the server at ${resolveAddress(opts.address)} does not answer like a Weft server`,
        'UNAVAILABLE',
      );
    throw e;
  }
}

export function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number (0 or more).');
  return Number(value);
}

export function parsePositiveInt(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n >= 1)) throw new InvalidArgumentError('expected a whole number (1 or more).');
  return n;
}

export function parsePort(value: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new InvalidArgumentError('expected a port number (0-65535; 0 picks a free port).');
  return n;
}
