/**
 * `weft server ...`: run a server in the foreground (`start-dev` for development, `start` for production), stop
 * a running one, check its health. The server modules load only when a server starts, so the others start fast.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { StoreUnavailableError } from '../store/store.js';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ServerTlsOptions, WeftServer } from '../server/index.js';
import type { LogFormat, LogLevel } from '../common/logger.js';
import { DEFAULT_RETENTION_MS } from '../server/retention-sweeper.js';
import { toMs } from '../common/duration.js';
import {
  addCommonOptions,
  addLogOptions,
  flagNamer,
  hasTlsFlags,
  heapGrowingPercentOption,
  lazyConnection,
  notWeftServer,
  parseNonNegativeInt,
  parsePort,
  readPemFile,
  tlsUsageError,
  type CommonOptions,
} from './options.js';
import { CliError, printFields, printJson, printLine } from './output.js';

interface ServeOptions {
  db?: string;
  port: number;
  host: string;
  headless?: boolean;
  channel?: boolean;
  logLevel: LogLevel;
  logFormat?: LogFormat;
  output: CommonOptions['output'];
  requireRegisteredTypes?: string;
  heapGrowingPercent: number;
  retention: number;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  auth: 'none' | 'api-keys';
  maxPayloadBytes?: number;
  maxJsonDepth?: number;
  requestTimeout?: number;
  namespace?: string[];
}

function parseRetention(value: string): number {
  try {
    return toMs(value, '--retention');
  } catch {
    throw new InvalidArgumentError("expected a duration like '7d', '30d' or '12h' (0 keeps every run).");
  }
}

function parseBounded(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = parseNonNegativeInt(value);
    if (n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

function parseRequestTimeout(value: string): number {
  let ms: number;
  try {
    ms = toMs(value, '--request-timeout');
  } catch {
    throw new InvalidArgumentError("expected a duration like '30s' or '2m'.");
  }
  if (ms < 100) throw new InvalidArgumentError('expected at least 100ms.');
  return ms;
}

/** A boolean flag's variable (WEFT_HEADLESS, WEFT_CHANNEL): 1/true/yes or 0/false/no; unset: `absent`. */
function booleanFromEnv(name: string, absent: boolean): boolean {
  const v = (process.env[name] ?? '').trim().toLowerCase();
  if (v === '') return absent;
  if (['0', 'false', 'no'].includes(v)) return false;
  if (['1', 'true', 'yes'].includes(v)) return true;
  throw new CliError(`${name}: expected 1 or 0 (true/false), got ${JSON.stringify(v)}`, 'INVALID_ARGUMENT');
}

/** `--require-registered-types a,b` or `*`. */
function parseNamespaceList(text: string): string[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0)
    throw new CliError('--require-registered-types: give namespaces, comma-separated, or *', 'INVALID_ARGUMENT');
  return list;
}

/** The server's TLS settings from --tls-cert, --tls-key, --tls-client-ca: read and checked (names the flag and file). */
async function serverTls(o: ServeOptions): Promise<ServerTlsOptions | undefined> {
  const { tlsCert, tlsKey, tlsClientCa } = o;
  if (tlsCert === undefined && tlsKey === undefined) {
    if (tlsClientCa === undefined) return undefined;
    throw new CliError(
      '--tls-client-ca needs --tls-cert and --tls-key (client certificates need TLS)',
      'INVALID_ARGUMENT',
    );
  }
  if (tlsCert === undefined || tlsKey === undefined)
    throw new CliError(
      tlsCert === undefined
        ? '--tls-key needs --tls-cert (the certificate it belongs to)'
        : '--tls-cert needs --tls-key (its private key)',
      'INVALID_ARGUMENT',
    );
  const tls: ServerTlsOptions = {
    cert: readPemFile('--tls-cert', tlsCert),
    key: readPemFile('--tls-key', tlsKey),
    ...(tlsClientCa !== undefined ? { clientCa: readPemFile('--tls-client-ca', tlsClientCa) } : {}),
  };
  const { httpsServerOptions } = await import('../common/tls-config.js');
  try {
    httpsServerOptions(
      tls,
      flagNamer({
        cert: ['--tls-cert', tlsCert],
        key: ['--tls-key', tlsKey],
        clientCa: ['--tls-client-ca', tlsClientCa],
      }),
    );
  } catch (e) {
    throw tlsUsageError(e);
  }
  return tls;
}

/**
 * Runs a server in the foreground until SIGINT/SIGTERM (a second one does not wait). `start-dev` and `start`
 * differ only in their defaults: `start` wants its database named (`--db` or WEFT_DB).
 */
async function serve(given: ServeOptions, mode: 'start' | 'start-dev'): Promise<void> {
  const o = {
    ...given,
    headless: given.headless ?? booleanFromEnv('WEFT_HEADLESS', false),
    // --no-channel, or WEFT_CHANNEL=0
    channel: given.channel === false ? false : booleanFromEnv('WEFT_CHANNEL', true),
  };
  const tls = await serverTls(o);
  if (!o.db)
    throw new CliError(
      'give the database: --db sqlite:PATH (or a file path), or postgres://... (also WEFT_DB)',
      'INVALID_ARGUMENT',
    );
  const { sqliteFileOf } = await import('../server/server.js');
  const file = sqliteFileOf(o.db);
  const db = file ? path.resolve(file) : o.db;
  if (file && !existsSync(path.dirname(db)))
    throw new CliError(`--db: the folder ${path.dirname(db)} does not exist`, 'INVALID_ARGUMENT');
  const { startServer } = await import('../server/index.js');
  const { createLogger } = await import('../common/logger.js');
  const { applyHeapGrowingPercent } = await import('../common/heap-tuning.js');
  applyHeapGrowingPercent(o.heapGrowingPercent);
  let server: WeftServer;
  try {
    server = await startServer({
      db: file ? db : o.db,
      port: o.port,
      host: o.host,
      logLevel: o.logLevel,
      logger: createLogger(o.logLevel, 'weft-server', o.logFormat),
      ...(o.headless ? { headless: true } : {}),
      ...(tls ? { tls } : {}),
      ...(o.auth === 'api-keys' ? { apiKeys: true } : {}),
      ...(o.namespace ? { namespaces: o.namespace } : {}),
      config: {
        retentionMs: o.retention,
        ...(o.channel ? {} : { channel: false }),
        ...(o.maxPayloadBytes !== undefined ? { payloadLimitBytes: o.maxPayloadBytes } : {}),
        ...(o.maxJsonDepth !== undefined ? { maxJsonDepth: o.maxJsonDepth } : {}),
        ...(o.requestTimeout !== undefined ? { requestReceiveMs: o.requestTimeout } : {}),
        ...(o.requireRegisteredTypes ? { requireRegisteredTypes: parseNamespaceList(o.requireRegisteredTypes) } : {}),
      },
    });
  } catch (e) {
    // the port, the database file, an unsupported store: the user's setup to fix, not a crash
    const code = (e as { code?: unknown }).code;
    const message =
      code === 'EADDRINUSE'
        ? `port ${o.port} on ${o.host} is in use (another Weft server?): pick another with --port`
        : code === 'SERVER_RUNNING'
          ? (e as Error).message
          : `cannot start the server: ${(e as Error).message}`;
    const cliCode =
      e instanceof StoreUnavailableError
        ? 'STORE_UNAVAILABLE'
        : code === 'EADDRINUSE' || code === 'SERVER_RUNNING'
          ? code
          : 'SERVER_START_FAILED';
    throw new CliError(message, cliCode, [], 1, e);
  }
  if (o.output === 'json') {
    printLine(
      JSON.stringify({
        address: server.address,
        api: `${server.address}/api/v1`,
        ...(o.headless ? {} : { ui: `${server.address}/` }),
        db,
      }),
    );
  } else {
    const ui = o.headless ? 'no UI (headless)' : `UI ${server.address}/`;
    const kind = mode === 'start-dev' ? 'Weft server (development)' : 'Weft server';
    printLine(`${kind} listening on ${server.address} (API ${server.address}/api/v1, ${ui}, db ${db}); Ctrl-C to stop`);
  }

  let signals = 0;
  const onSignal = (): void => {
    // a second Ctrl-C does not wait for the graceful stop
    if (++signals > 1) process.exit(130);
    void server.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await server.stopped;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (o.output === 'table') printLine('Weft server stopped');
}

interface StopOptions {
  db: string;
  timeout: number;
  output: CommonOptions['output'];
}

/**
 * Stops the server that serves `--db`, as `pg_ctl stop` does: the PID file next to the database names the
 * process, which gets SIGTERM (a graceful stop); this waits until it has exited.
 */
async function stop(o: StopOptions): Promise<void> {
  const { isAlive, pidFilePath, readPidFile } = await import('../server/pid-file.js');
  const { sqliteFileOf } = await import('../server/server.js');
  const file = sqliteFileOf(o.db);
  if (!file)
    throw new CliError(`--db: ${o.db} is not a SQLite file: stop such a server with a signal`, 'INVALID_ARGUMENT');
  const db = path.resolve(file);
  const holder = readPidFile(db);
  if (!holder || !isAlive(holder))
    throw new CliError(
      `no Weft server is running on ${db} (${holder ? 'stale' : 'no'} PID file ${pidFilePath(db)}); ` +
        'give the database the server was started with (--db)',
      'NOT_RUNNING',
    );
  try {
    process.kill(holder.pid, 'SIGTERM');
  } catch (e) {
    throw new CliError(`cannot signal the server (pid ${holder.pid}): ${(e as Error).message}`, 'PERMISSION_DENIED');
  }
  const deadline = Date.now() + o.timeout;
  while (isAlive(holder)) {
    if (Date.now() > deadline)
      throw new CliError(
        `the server (pid ${holder.pid}) on ${db} was asked to stop but still runs after ${o.timeout} ms`,
        'TIMEOUT',
      );
    await new Promise((r) => setTimeout(r, 100));
  }
  if (o.output === 'json') return printJson({ pid: holder.pid, address: holder.address, db, status: 'stopped' });
  printLine(`Weft server (pid ${holder.pid}${holder.address ? `, ${holder.address}` : ''}) on ${db} stopped`);
}

async function health(o: CommonOptions): Promise<void> {
  const { resolveAddress } = await import('../client/connection.js');
  const connection = await lazyConnection(o);
  let h: { status: string; store?: string };
  try {
    h = await connection.transport.health();
  } catch (e) {
    throw await notWeftServer(e, o);
  } finally {
    await connection.close();
  }
  const address = resolveAddress(o.address, hasTlsFlags(o));
  if (o.output === 'json') printJson({ address, ...h });
  else {
    printLine(`Weft server at ${address}:`);
    printFields([
      ['Status', h.status],
      ['Store', h.store],
    ]);
  }
  if (h.status !== 'ok') throw new CliError(`the server reports status ${h.status}`, 'UNAVAILABLE');
}

/** The flags of a foreground server, each also an environment variable (docs/deploy.md). */
function serveOptions(cmd: Command, dbDefault: string | undefined): Command {
  const db = new Option('--db <db>', 'the store: a SQLite file (PATH or sqlite:PATH, :memory:) or postgres://...').env(
    'WEFT_DB',
  );
  if (dbDefault) db.default(dbDefault);
  return addLogOptions(
    cmd
      .addOption(db)
      .addOption(
        new Option('-p, --port <n>', 'port to listen on (0: any free port)')
          .env('WEFT_PORT')
          .argParser(parsePort)
          .default(7411),
      )
      .addOption(new Option('--host <host>', 'interface to listen on').env('WEFT_HOST').default('127.0.0.1'))
      .option('--headless', 'serve the API only, no web UI at / (also WEFT_HEADLESS=1)')
      .option(
        '--no-channel',
        'serve no streaming channel: clients send every call as an HTTP request (also WEFT_CHANNEL=0)',
      )
      .addOption(
        new Option(
          '--require-registered-types <namespaces>',
          "namespaces (comma-separated, '*' for all) where starting an unregistered workflow type is refused",
        ).env('WEFT_REQUIRE_REGISTERED_TYPES'),
      )
      .addOption(
        new Option(
          '--retention <duration>',
          "closed runs older than this are deleted with their history ('7d', '30d', '12h'; 0 keeps every run)",
        )
          .env('WEFT_RETENTION')
          .argParser(parseRetention)
          .default(DEFAULT_RETENTION_MS, '7d'),
      )
      .addOption(heapGrowingPercentOption())
      .addOption(
        new Option(
          '--namespace <name>',
          "create this namespace at start unless it exists (repeat for more; 'default' always exists)",
        ).argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]),
      )
      .addOption(
        new Option('--max-payload-bytes <n>', 'largest payload a request may carry (default 2 MiB)')
          .env('WEFT_MAX_PAYLOAD_BYTES')
          .argParser(parseBounded(1024, 512 * 1024 * 1024)),
      )
      .addOption(
        new Option('--max-json-depth <n>', 'deepest nesting of arrays and objects in a request (default 256)')
          .env('WEFT_MAX_JSON_DEPTH')
          .argParser(parseBounded(8, 1000)),
      )
      .addOption(
        new Option(
          '--request-timeout <duration>',
          'longest a request may take to arrive (a slow or stalled client is cut off: 408; default 2m)',
        )
          .env('WEFT_REQUEST_TIMEOUT')
          .argParser(parseRequestTimeout),
      )
      .addOption(
        new Option(
          '--auth <mode>',
          "api-keys: every request but /healthz, /readyz and the UI's files needs an API key (weft api-key create)",
        )
          .choices(['none', 'api-keys'])
          .env('WEFT_AUTH')
          .default('none'),
      )
      .addOption(
        new Option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; intermediates may follow it)').env(
          'WEFT_TLS_CERT',
        ),
      )
      .addOption(new Option('--tls-key <file>', "the certificate's private key (PEM)").env('WEFT_TLS_KEY'))
      .addOption(
        new Option(
          '--tls-client-ca <file>',
          'require client certificates signed by this CA (PEM; mutual TLS); needs --tls-cert',
        ).env('WEFT_TLS_CLIENT_CA'),
      ),
    'server',
  );
}

export function addServerCommands(program: Command): void {
  const server = program.command('server').description('run, stop and check a Weft server');

  addCommonOptions(
    serveOptions(
      server
        .command('start-dev')
        .description('run a development server in the foreground (SQLite ./weft.db, HTTP API, web UI)'),
      './weft.db',
    ),
    true,
  ).action((o: ServeOptions) => serve(o, 'start-dev'));

  addCommonOptions(
    serveOptions(
      server
        .command('start')
        .description('run a production server in the foreground; the database must be given (--db or WEFT_DB)'),
      undefined,
    ),
    true,
  ).action((o: ServeOptions) => serve(o, 'start'));

  addCommonOptions(
    server
      .command('stop')
      .description('stop the server serving --db (through the PID file next to the database, as pg_ctl stop)')
      .addOption(
        new Option('--db <file>', 'SQLite file the server was started with').env('WEFT_DB').default('./weft.db'),
      )
      .option('--timeout <ms>', 'how long to wait for the server to exit', parseNonNegativeInt, 15_000),
    true,
  ).action((o: StopOptions) => stop(o));

  addCommonOptions(
    server.command('health').description("check the server's health (exit 1 when unreachable or unhealthy)"),
  ).action((o: CommonOptions) => health(o));
}
