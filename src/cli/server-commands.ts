/**
 * `weft server ...`: run a development server in the foreground, stop a running one, check its health.
 * The server modules load only when `start-dev` runs, so the other commands start fast.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import type { WeftServer } from '../server/index.js';
import { addCommonOptions, parseNonNegativeInt, parsePort, type CommonOptions } from './options.js';
import { CliError, printFields, printJson, printLine } from './output.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

interface StartDevOptions {
  db: string;
  port: number;
  host: string;
  headless?: boolean;
  logLevel: (typeof LOG_LEVELS)[number];
  output: CommonOptions['output'];
}

const isFilePath = (db: string): boolean => db !== ':memory:' && !/^[a-z]+:\/\//i.test(db);

async function startDev(o: StartDevOptions): Promise<void> {
  const db = isFilePath(o.db) ? path.resolve(o.db) : o.db;
  if (isFilePath(o.db) && !existsSync(path.dirname(db)))
    throw new CliError(`--db: the folder ${path.dirname(db)} does not exist`, 'INVALID_ARGUMENT');
  const { startServer } = await import('../server/index.js');
  const pidFile = isFilePath(o.db) ? await claimDatabase(db) : undefined;
  let server: WeftServer;
  try {
    server = await startServer({
      db: o.db,
      port: o.port,
      host: o.host,
      logLevel: o.logLevel,
      ...(o.headless ? { headless: true } : {}),
    });
  } catch (e) {
    // the port, the database file, an unsupported store: the user's setup to fix, not a crash
    const code = (e as { code?: unknown }).code;
    const message =
      code === 'EADDRINUSE'
        ? `port ${o.port} on ${o.host} is in use (another Weft server?): pick another with --port`
        : `cannot start the server: ${(e as Error).message}`;
    pidFile?.release();
    throw new CliError(message, typeof code === 'string' ? code : 'SERVER_START_FAILED', [], 1, e);
  }
  pidFile?.address(server.address);
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
    printLine(
      `Weft server listening on ${server.address} (API ${server.address}/api/v1, ${ui}, db ${db}); Ctrl-C to stop`,
    );
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
    pidFile?.release();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (o.output === 'table') printLine('Weft server stopped');
}

/** Claims the database file for this server process (its PID file), or explains who holds it. */
async function claimDatabase(db: string): Promise<{ address(a: string): void; release(): void }> {
  const { claimPidFile, ServerRunningError } = await import('../server/pid-file.js');
  try {
    return claimPidFile(db);
  } catch (e) {
    if (e instanceof ServerRunningError) throw new CliError(e.message, 'SERVER_RUNNING');
    throw new CliError(`cannot write the PID file next to ${db}: ${(e as Error).message}`, 'SERVER_START_FAILED');
  }
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
  const { isServerProcess, pidFilePath, readPidFile } = await import('../server/pid-file.js');
  const db = path.resolve(o.db);
  const holder = readPidFile(db);
  if (!holder || !isServerProcess(holder.pid))
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
  while (isServerProcess(holder.pid)) {
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
  const { Connection, resolveAddress } = await import('../client/connection.js');
  const connection = Connection.lazy({ address: o.address, ...(o.apiKey ? { apiKey: o.apiKey } : {}) });
  let h: { status: string; store?: string };
  try {
    h = await connection.transport.health();
  } catch (e) {
    if (e instanceof SyntaxError)
      throw new CliError(
        `the server at ${resolveAddress(o.address)} does not answer like a Weft server`,
        'UNAVAILABLE',
      );
    throw e;
  } finally {
    await connection.close();
  }
  if (o.output === 'json') printJson({ address: resolveAddress(o.address), ...h });
  else {
    printLine(`Weft server at ${resolveAddress(o.address)}:`);
    printFields([
      ['Status', h.status],
      ['Store', h.store],
    ]);
  }
  if (h.status !== 'ok') throw new CliError(`the server reports status ${h.status}`, 'UNAVAILABLE');
}

export function addServerCommands(program: Command): void {
  const server = program.command('server').description('run, stop and check a Weft server');

  addCommonOptions(
    server
      .command('start-dev')
      .description('run a development server in the foreground (SQLite store, HTTP API, web UI)')
      .option('--db <file>', 'SQLite file (or :memory:)', './weft.db')
      .option('-p, --port <n>', 'port to listen on (0: any free port)', parsePort, 7411)
      .option('--host <host>', 'interface to listen on', '127.0.0.1')
      .option('--headless', 'serve the API only, no web UI at /')
      .addOption(
        new Option('--log-level <level>', 'server log level (JSON lines on stderr)')
          .choices(LOG_LEVELS)
          .default('info'),
      ),
    true,
  ).action((o: StartDevOptions) => startDev(o));

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
