/**
 * Flags every command shares (--address, --namespace, --api-key, the client's --tls-* flags, --output), flag
 * parsers, and connecting.
 */
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Client, ClientOptions } from '../client/client.js';
import type { Connection } from '../client/connection.js';
import { clientTlsOptions, TlsConfigError, type OptionNamer, type TLSConfig } from '../common/tls-config.js';
import { DEFAULT_HEAP_GROWING_PERCENT } from '../common/heap-tuning.js';
import { CliError, type OutputFormat } from './output.js';

/** Without a scheme: http://, or https:// when a --tls-* flag is given. */
export const DEFAULT_ADDRESS = '127.0.0.1:7411';

export interface CommonOptions {
  address: string;
  namespace: string;
  apiKey?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServerName?: string;
  output: OutputFormat;
}

/** Adds --output (every command) and, unless `outputOnly`, the flags that say which server to talk to. */
export function addCommonOptions(cmd: Command, outputOnly = false, withNamespace = true): Command {
  if (!outputOnly) {
    cmd.addOption(
      new Option('--address <url>', 'server address (host:port: http://, or https:// with a --tls-* flag)')
        .env('WEFT_ADDRESS')
        .default(DEFAULT_ADDRESS),
    );
    if (withNamespace)
      cmd.addOption(new Option('-n, --namespace <name>', 'namespace').env('WEFT_NAMESPACE').default('default'));
    cmd
      .addOption(new Option('--api-key <key>', 'API key, sent as a bearer token').env('WEFT_API_KEY'))
      // the client's variables are not the server's (WEFT_TLS_CERT, WEFT_TLS_KEY, WEFT_TLS_CLIENT_CA): a shell
      // set up to run a server does not hand the server's certificate to the commands run in it
      .addOption(
        new Option(
          '--tls-ca <file>',
          "CA certificate (PEM) the server's certificate must chain to (default: system CAs)",
        ).env('WEFT_TLS_CA'),
      )
      .addOption(
        new Option('--tls-cert <file>', 'client certificate (PEM) for a server that requires one (mutual TLS)').env(
          'WEFT_TLS_CLIENT_CERT',
        ),
      )
      .addOption(
        new Option('--tls-key <file>', "the client certificate's private key (PEM)").env('WEFT_TLS_CLIENT_KEY'),
      )
      .addOption(
        new Option(
          '--tls-server-name <name>',
          "name the server's certificate must carry, if not the address's host",
        ).env('WEFT_TLS_SERVER_NAME'),
      );
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

/** The PEM text of `file`, given with `flag`: a missing or unreadable file is a usage error. */
export function readPemFile(flag: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new CliError(`${flag}: cannot read ${file}: ${why}`, 'INVALID_ARGUMENT');
  }
}

/** A TlsConfigError (a file that does not parse, a key that is not the certificate's) as a usage error. */
export function tlsUsageError(e: unknown): unknown {
  return e instanceof TlsConfigError ? new CliError(e.message, 'INVALID_ARGUMENT') : e;
}

/** Names a TLS option in errors by its flag and file (`--tls-ca ca.pem: no PEM certificate in it`). */
export function flagNamer(flags: Record<string, [flag: string, value: string | undefined]>): OptionNamer {
  return (option) => {
    const f = flags[option];
    return f ? `${f[0]}${f[1] !== undefined ? ` ${f[1]}` : ''}` : `tls.${option}`;
  };
}

export type ClientFlags = Pick<CommonOptions, 'address' | 'apiKey' | 'tlsCa' | 'tlsCert' | 'tlsKey' | 'tlsServerName'>;

export const hasTlsFlags = (o: ClientFlags): boolean =>
  [o.tlsCa, o.tlsCert, o.tlsKey, o.tlsServerName].some((v) => v !== undefined);

/** The client's TLS settings from the --tls-* flags, read and checked; undefined when none is given. */
function clientTls(o: ClientFlags): TLSConfig | undefined {
  if (!hasTlsFlags(o)) return undefined;
  const { tlsCa, tlsCert, tlsKey, tlsServerName } = o;
  if ((tlsCert === undefined) !== (tlsKey === undefined))
    throw new CliError(
      tlsCert === undefined
        ? '--tls-key needs --tls-cert (the client certificate it belongs to)'
        : '--tls-cert needs --tls-key (its private key)',
      'INVALID_ARGUMENT',
    );
  const tls: TLSConfig = {
    ...(tlsCa !== undefined ? { ca: readPemFile('--tls-ca', tlsCa) } : {}),
    ...(tlsCert !== undefined ? { cert: readPemFile('--tls-cert', tlsCert) } : {}),
    ...(tlsKey !== undefined ? { key: readPemFile('--tls-key', tlsKey) } : {}),
    ...(tlsServerName !== undefined ? { serverName: tlsServerName } : {}),
  };
  try {
    clientTlsOptions(
      tls,
      flagNamer({
        ca: ['--tls-ca', tlsCa],
        cert: ['--tls-cert', tlsCert],
        key: ['--tls-key', tlsKey],
        serverName: ['--tls-server-name', tlsServerName],
      }),
    );
  } catch (e) {
    throw tlsUsageError(e);
  }
  return tls;
}

/**
 * The connection the flags describe, not yet in touch with the server (the TLS files are read and checked).
 * `channel`: carry calls over the streaming channel (a long-lived worker); a one-shot command makes a call or
 * two, for which opening a WebSocket first only costs a round trip.
 */
export async function lazyConnection(o: ClientFlags, identity?: string, channel = false): Promise<Connection> {
  // loaded here, not at start-up: the HTTP client (undici) takes a while to load, and --help needs none of it
  const { Connection, resolveAddress } = await import('../client/connection.js');
  const tls = clientTls(o);
  const address = resolveAddress(o.address, tls !== undefined);
  if (tls && !/^https:\/\//i.test(address))
    throw new CliError(
      `--tls-* flags are given but the address ${address} is not https://: give --address https://HOST:PORT`,
      'INVALID_ARGUMENT',
    );
  return Connection.lazy({
    address,
    ...(identity ? { identity } : {}),
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    ...(tls ? { tls } : {}),
    channel,
  });
}

/** A server that answered, but not in JSON (something else listens there), as the CLI's error. */
export async function notWeftServer(e: unknown, o: ClientFlags): Promise<unknown> {
  if (!(e instanceof SyntaxError)) return e;
  const { resolveAddress } = await import('../client/connection.js');
  const address = resolveAddress(o.address, hasTlsFlags(o));
  return new CliError(`the server at ${address} does not answer like a Weft server`, 'UNAVAILABLE');
}

/**
 * Connects (checking /healthz, so an unreachable server fails at once instead of after the client's
 * reconnect window), runs `fn` with a client, and closes the connection.
 */
export async function withClient<T>(
  opts: CommonOptions,
  fn: (client: Client) => Promise<T>,
  clientOptions: Omit<ClientOptions, 'connection' | 'namespace'> = {},
): Promise<T> {
  const connection = await connect(opts);
  const { Client } = await import('../client/client.js');
  try {
    return await fn(new Client({ ...clientOptions, connection, namespace: opts.namespace }));
  } finally {
    await connection.close();
  }
}

/** A connection whose server answered its health check. */
export async function connect(o: ClientFlags): Promise<Connection> {
  const connection = await lazyConnection(o, cliIdentity());
  try {
    await connection.transport.health();
    return connection;
  } catch (e) {
    await connection.close();
    throw await notWeftServer(e, o);
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

function parseHeapGrowingPercent(value: string): number {
  const n = parseNonNegativeInt(value);
  if (n > 1000) throw new InvalidArgumentError('expected an integer from 0 to 1000 (0: V8 decides).');
  return n;
}

/** `--heap-growing-percent` of the commands that run a server or a worker (common/heap-tuning.ts). */
export function heapGrowingPercentOption(): Option {
  return new Option(
    '--heap-growing-percent <n>',
    "how far V8's heap may grow past what survives a full collection before the next (0: V8's default policy)",
  )
    .env('WEFT_HEAP_GROWING_PERCENT')
    .argParser(parseHeapGrowingPercent)
    .default(DEFAULT_HEAP_GROWING_PERCENT);
}
