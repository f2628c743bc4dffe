/**
 * `weft server ...`: run a development server in the foreground, stop a running one, check its health.
 * The server modules load only when `start-dev` runs, so the other commands start fast.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { ConnectionError } from '../client/errors.js';
import type { WeftServer } from '../server/index.js';
import { addCommonOptions, parsePort, type CommonOptions } from './options.js';
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
    throw new CliError(message, typeof code === 'string' ? code : 'SERVER_START_FAILED', [], 1, e);
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
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (o.output === 'table') printLine('Weft server stopped');
}

/** A POST to a route outside the operation table (the shutdown route). */
async function postSystem(o: CommonOptions, route: string): Promise<unknown> {
  const { resolveAddress } = await import('../client/connection.js');
  const { toServiceError } = await import('../client/transport.js');
  const address = resolveAddress(o.address);
  let res: Response;
  try {
    res = await fetch(`${address}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {}) },
      body: '{}',
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause ?? (e as Error);
    throw new ConnectionError(`cannot reach the Weft server at ${address}: ${cause.message}`, cause);
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    throw new CliError(
      `the server at ${address} does not answer like a Weft server (HTTP ${res.status})`,
      'UNAVAILABLE',
    );
  }
  if (!res.ok) throw toServiceError(res.status, data);
  return data;
}

/** Resolves once the server no longer answers its health check; false if it still does after `timeoutMs`. */
async function waitUntilDown(o: CommonOptions, timeoutMs: number): Promise<boolean> {
  const { Connection } = await import('../client/connection.js');
  const connection = Connection.lazy({ address: o.address });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        await connection.transport.health();
      } catch (e) {
        if (e instanceof ConnectionError) return true;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  } finally {
    await connection.close();
  }
}

async function stop(o: CommonOptions): Promise<void> {
  const { resolveAddress } = await import('../client/connection.js');
  await postSystem(o, '/api/v1/system/shutdown');
  const down = await waitUntilDown(o, 15_000);
  if (!down)
    throw new CliError(
      `the server at ${resolveAddress(o.address)} accepted the shutdown request but still answers after 15s`,
      'TIMEOUT',
    );
  if (o.output === 'json') return printJson({ address: resolveAddress(o.address), status: 'stopped' });
  printLine(`Weft server at ${resolveAddress(o.address)} stopped`);
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
    server.command('stop').description('stop the server at --address (it accepts this from loopback only)'),
  ).action((o: CommonOptions) => stop(o));

  addCommonOptions(
    server.command('health').description("check the server's health (exit 1 when unreachable or unhealthy)"),
  ).action((o: CommonOptions) => health(o));
}
