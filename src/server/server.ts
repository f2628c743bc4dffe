/**
 * `startServer`: opens the store, rebuilds in-memory queues and timers from it, and serves the HTTP API.
 * `stop()` stops taking requests, ends long polls, lets pending commits land and closes the store.
 */
import type { FastifyInstance } from 'fastify';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { createHttpApp } from './api/http-app.js';
import { systemClock, type Clock } from './clock.js';
import { DEFAULT_CONFIG, type ServerConfig } from './config.js';
import { ServerContext } from './context.js';
import { createLogger, type LogLevel, type Logger } from '../common/logger.js';
import { WEFT_VERSION } from './version.js';
import { Callers, type StaticApiKey } from './tenancy/callers.js';
import { ensureNamespace } from './service/namespaces.js';
import { NAMESPACE_PATTERN } from '../protocol/tenancy-api.js';
import { claimPidFile } from './pid-file.js';
import { httpsServerOptions, type ServerTlsOptions } from '../common/tls-config.js';

export interface StartServerOptions {
  port?: number;
  host?: string;
  /** SQLite file (default ./weft.db), ':memory:', or a postgres:// URL. */
  db?: string;
  /**
   * Require API keys (`weft server start --auth api-keys`): true for the keys made with `weft api-key create`,
   * or a list of keys to accept as well (a string: an admin key for every namespace).
   */
  apiKeys?: boolean | Array<string | StaticApiKey>;
  /** Serve HTTPS (API, UI and health checks alike); with `clientCa`, only to clients with a certificate it signed. */
  tls?: ServerTlsOptions;
  logLevel?: LogLevel;
  /** Namespaces to create at start unless they exist (Temporal's `start-dev --namespace`); `default` always exists. */
  namespaces?: string[];
  /** Overrides of limits and waits (see config.ts). */
  config?: Partial<ServerConfig>;
  /** For tests: a clock that can skip ahead. */
  clock?: Clock;
  /** For tests and embedding: a store to use instead of opening `db`. */
  store?: Store;
  /** Serve no HTTP (in-process use only). */
  noHttp?: boolean;
  /** Serve the API only: no web UI at `/` (it answers 404). */
  headless?: boolean;
  logger?: Logger;
}

export interface WeftServer {
  /** Base URL, e.g. http://127.0.0.1:7411 (empty when noHttp). */
  readonly address: string;
  readonly port: number;
  readonly context: ServerContext;
  stop(): Promise<void>;
  /** Resolves when the server has stopped. */
  readonly stopped: Promise<void>;
}

/** The SQLite file `db` names (a path, or `sqlite:PATH`); undefined for `:memory:` and other stores. */
export function sqliteFileOf(db: string): string | undefined {
  const file = db.startsWith('sqlite:') ? db.slice('sqlite:'.length) : db;
  if (file === ':memory:' || file === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return undefined;
  return file;
}

export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//.test(db);

/** `db` for people and logs: a URL without its password. */
export function describeDb(db: string): string {
  if (!isPostgresUrl(db)) return db;
  try {
    const url = new URL(db);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/**
 * The store `db` names: a SQLite file (PATH, sqlite:PATH, :memory:) or a postgres:// URL. The PostgreSQL store (and
 * its driver) is loaded only when named: a SQLite server does not carry it in memory.
 */
export async function openStore(db: string): Promise<Store> {
  if (isPostgresUrl(db)) {
    const { PgStore } = await import('../store/postgres/pg-store.js');
    return new PgStore({ url: db });
  }
  if (db === ':memory:' || db === 'sqlite::memory:') return new SqliteStore({ path: ':memory:' });
  const file = sqliteFileOf(db);
  if (!file)
    throw new Error(`--db: ${JSON.stringify(db)} is neither a SQLite file (PATH, sqlite:PATH) nor postgres://`);
  return new SqliteStore({ path: file });
}

function staticKeys(keys: true | Array<string | StaticApiKey>): StaticApiKey[] {
  if (keys === true) return [];
  return keys.map((k, i) =>
    typeof k === 'string' ? { name: `static-${i + 1}`, key: k, role: 'admin' as const, namespaces: ['*'] } : k,
  );
}

export async function startServer(opts: StartServerOptions = {}): Promise<WeftServer> {
  for (const name of opts.namespaces ?? [])
    if (!new RegExp(NAMESPACE_PATTERN).test(name))
      throw new Error(`namespace ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-' (up to 255)`);
  // checked before anything opens: a wrong file fails with a TlsConfigError naming it
  const https = opts.tls ? httpsServerOptions(opts.tls) : undefined;
  const config: ServerConfig = {
    ...DEFAULT_CONFIG,
    ...(opts.logLevel ? { logLevel: opts.logLevel } : {}),
    ...opts.config,
  };
  const log = opts.logger ?? createLogger(config.logLevel);
  const db = opts.db ?? './weft.db';
  // one server process per SQLite file: claimed before it is opened (pid-file.ts)
  const file = opts.store ? undefined : sqliteFileOf(db);
  const pidFile = file ? claimPidFile(file) : undefined;
  let store: Store;
  try {
    store = opts.store ?? (await openStore(db));
    await store.init();
  } catch (e) {
    pidFile?.release();
    throw e;
  }
  const ctx = new ServerContext(store, opts.clock ?? systemClock, config, log);
  if (opts.apiKeys) ctx.callers = new Callers(store, log, staticKeys(opts.apiKeys));
  await ctx.start();
  for (const name of opts.namespaces ?? []) await ensureNamespace(ctx, name);

  let app: FastifyInstance | undefined;
  let stopping: Promise<void> | undefined;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((r) => (markStopped = r));
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      log.info('server stopping');
      ctx.stop();
      await app?.close();
      await store.close();
      pidFile?.release();
      log.info('server stopped');
      markStopped();
    })();
    return stopping;
  };

  let address = '';
  let port = 0;
  if (!opts.noHttp) {
    app = await createHttpApp(ctx, {
      version: WEFT_VERSION,
      ...(opts.headless ? { headless: true } : {}),
      ...(https ? { https } : {}),
    });
    const host = opts.host ?? '127.0.0.1';
    try {
      await app.listen({ port: opts.port ?? 7411, host });
    } catch (e) {
      ctx.stop();
      await store.close();
      pidFile?.release();
      throw e;
    }
    const addr = app.server.address();
    port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 7411);
    address = `${https ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    pidFile?.address(address);
    const auth = ctx.callers ? { auth: 'api-keys' } : {};
    const tls = https ? { tls: https.requestCert ? 'mutual (client certificates required)' : 'on' } : {};
    log.info(
      { address, db: opts.store ? 'custom' : db, version: WEFT_VERSION, ...tls, ...auth },
      'weft server listening',
    );
    if (!ctx.callers && !/^(127\.|::1$|localhost$)/.test(host))
      log.warn({ host }, 'no API keys required (--auth api-keys): whoever reaches this address may do everything');
  }
  return { address, port, context: ctx, stop, stopped };
}
