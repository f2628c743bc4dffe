/**
 * `TestWorkflowEnvironment`: a real Weft server in this process (SQLite in a temp file), with a client and a
 * connection for workers. Nothing is downloaded. `createTimeSkipping()` adds a clock that jumps ahead whenever
 * every workflow is waiting on a timer, so a workflow that sleeps for days finishes in milliseconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type ClientOptions } from '../client/client.js';
import { Connection, resolveAddress } from '../client/connection.js';
import { toMs, type Duration } from '../common/duration.js';
import type { DataConverter } from '../common/payload-codec.js';
import { InProcessTransport } from '../server/api/in-process-transport.js';
import { SkippingClock } from '../server/clock.js';
import { startServer, type StartServerOptions, type WeftServer } from '../server/server.js';
import { TimeSkipper } from './time-skipper.js';
import type { SearchAttributeKey, TemporalSearchAttributeType } from '../common/typed-search-attributes.js';
import type { ConnectionOptions } from '../client/connection.js';

/**
 * Temporal's DevServerConfig fields, for the embedded server: `searchAttributes` are registered in the
 * environment's namespace, `namespace` names it, `dbFilename` is the SQLite file, `ip` the host, `ui: false`
 * serves no web UI, `log.level` the log level; `executable`, `uiPort` and `extraArgs` are accepted and unused
 * (nothing is downloaded; the UI is on the server's own port).
 */
export interface DevServerOptions {
  searchAttributes?: SearchAttributeKey<TemporalSearchAttributeType>[];
  namespace?: string;
  dbFilename?: string;
  ip?: string;
  ui?: boolean;
  uiPort?: number;
  log?: { format: string; level: string };
  extraArgs?: string[];
  executable?: unknown;
}

/** Temporal's options of createFromExistingServer: a Weft server already running at `address`. */
export interface ExistingServerTestWorkflowEnvironmentOptions {
  /** Default `http://127.0.0.1:7411` (or WEFT_ADDRESS), as `Connection.connect`. */
  address?: string;
  namespace?: string;
  connectionOptions?: Pick<ConnectionOptions, 'apiKey' | 'tls'>;
  client?: Omit<ClientOptions, 'connection' | 'namespace'>;
}

export interface TestEnvironmentOptions {
  namespace?: string;
  /** Options for the embedded server (port 0 and a temp SQLite file unless given). */
  server?: Omit<StartServerOptions, 'clock'> & DevServerOptions;
  /** Payload codecs for `env.client` (give the same to the workers: docs/encryption.md). */
  dataConverter?: DataConverter;
  /** Options of `env.client` (Temporal's `client`): its interceptors, its data converter. */
  client?: Omit<ClientOptions, 'connection' | 'namespace'>;
}

export class TestWorkflowEnvironment {
  /** Connection for workers: `Worker.create({ connection: env.nativeConnection, ... })`. */
  readonly nativeConnection: Connection;
  readonly client: Client;
  private readonly existingAddress: string | undefined;

  private constructor(
    /** The embedded server (undefined for createFromExistingServer). */
    readonly server: WeftServer | undefined,
    private readonly dir: string | undefined,
    readonly namespace: string,
    private readonly clock: SkippingClock | undefined,
    private readonly skipper: TimeSkipper | undefined,
    clientOptions: TestEnvironmentOptions['client'],
    existing?: { connection: Connection; address: string },
  ) {
    this.existingAddress = existing?.address;
    this.nativeConnection = existing?.connection ?? Connection.fromTransport(new InProcessTransport(server!.context));
    this.client = new Client({ ...clientOptions, connection: this.nativeConnection, namespace });
  }

  /** The clients' connection (Temporal's `env.connection`; here the same in-process one as nativeConnection). */
  get connection(): Connection {
    return this.nativeConnection;
  }

  /** Temporal's deprecated `env.workflowClient`: `env.client.workflow`. */
  get workflowClient(): Client['workflow'] {
    return this.client.workflow;
  }

  /** Temporal's `env.asyncCompletionClient`: `env.client.activity`. */
  get asyncCompletionClient(): Client['activity'] {
    return this.client.activity;
  }

  /** A local server with real time. */
  static async createLocal(opts: TestEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
    return TestWorkflowEnvironment.create(opts, false);
  }

  /** A local server whose clock skips ahead while every workflow waits on a timer. */
  static async createTimeSkipping(opts: TestEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
    return TestWorkflowEnvironment.create(opts, true);
  }

  /**
   * An environment on a Weft server that is already running (Temporal's createFromExistingServer): no server is
   * started or stopped; `teardown()` closes the connection. No time skipping.
   */
  static async createFromExistingServer(
    opts: ExistingServerTestWorkflowEnvironmentOptions = {},
  ): Promise<TestWorkflowEnvironment> {
    const tls = opts.connectionOptions?.tls;
    const address = resolveAddress(opts.address, Boolean(tls));
    const connection = await Connection.connect({ ...opts.connectionOptions, address });
    const namespace = opts.namespace ?? 'default';
    return new TestWorkflowEnvironment(undefined, undefined, namespace, undefined, undefined, opts.client, {
      connection,
      address,
    });
  }

  private static async create(opts: TestEnvironmentOptions, skipping: boolean): Promise<TestWorkflowEnvironment> {
    const {
      searchAttributes,
      namespace: devNamespace,
      dbFilename,
      ip,
      ui,
      log,
      uiPort: _uiPort,
      extraArgs: _extraArgs,
      executable: _executable,
      ...serverOptions
    } = opts.server ?? {};
    const db = serverOptions.db ?? dbFilename;
    const dir = db || serverOptions.store ? undefined : mkdtempSync(path.join(tmpdir(), 'weft-test-'));
    const clock = skipping ? new SkippingClock() : undefined;
    const namespace = opts.namespace ?? devNamespace;
    const server = await startServer({
      port: 0,
      logLevel: (log?.level as StartServerOptions['logLevel']) ?? 'warn',
      ...(dir ? { db: path.join(dir, 'weft.db') } : db ? { db } : {}),
      ...(ip ? { host: ip } : {}),
      ...(ui === false ? { headless: true } : {}),
      ...serverOptions,
      // the environment's namespace exists (as Temporal's test server makes the one it is given)
      namespaces: [...(serverOptions.namespaces ?? []), ...(namespace ? [namespace] : [])],
      // every run is kept (a time-skipping clock would otherwise jump past the retention period)
      config: { retentionMs: 0, ...serverOptions.config },
      ...(clock ? { clock } : {}),
    });
    const skipper = clock ? new TimeSkipper(server.context, clock) : undefined;
    skipper?.start();
    const clientOptions = {
      ...opts.client,
      ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    };
    const env = new TestWorkflowEnvironment(server, dir, namespace ?? 'default', clock, skipper, clientOptions);
    // Temporal's `server.searchAttributes`: registered in the environment's namespace before any test runs
    for (const key of searchAttributes ?? []) await env.client.searchAttributes.create(key);
    return env;
  }

  /** HTTP address of the embedded server (for clients in other processes, or the CLI). */
  get address(): string {
    return this.server?.address ?? this.existingAddress!;
  }

  /** Whether this environment skips time. */
  get supportsTimeSkipping(): boolean {
    return this.clock !== undefined;
  }

  /** The server's current time (ms since the epoch); ahead of the wall clock once time was skipped. */
  currentTimeMs(): number {
    return this.clock?.now() ?? Date.now();
  }

  /**
   * Waits `duration`. On a time-skipping environment the clock moves ahead instead, timer by timer, and this
   * returns once the work the skipped time triggered has run (a timer fired, the workflow task and activities it
   * led to completed), as with Temporal's test server.
   */
  async sleep(duration: Duration): Promise<void> {
    const ms = toMs(duration, 'duration');
    if (this.skipper) return this.skipper.advance(ms);
    await new Promise((r) => setTimeout(r, ms));
  }

  async teardown(): Promise<void> {
    this.skipper?.stop();
    await this.nativeConnection.close();
    if (this.client.connection !== this.nativeConnection) await this.client.connection.close();
    await this.server?.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
