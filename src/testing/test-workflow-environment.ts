/**
 * `TestWorkflowEnvironment`: a real Weft server in this process (SQLite in a temp file), with a client and a
 * connection for workers. Nothing is downloaded. `createTimeSkipping()` adds a clock that jumps ahead whenever
 * every workflow is waiting on a timer, so a workflow that sleeps for days finishes in milliseconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, type ClientOptions } from '../client/client.js';
import { Connection } from '../client/connection.js';
import { toMs, type Duration } from '../common/duration.js';
import type { DataConverter } from '../common/payload-codec.js';
import { InProcessTransport } from '../server/api/in-process-transport.js';
import { SkippingClock } from '../server/clock.js';
import { startServer, type StartServerOptions, type WeftServer } from '../server/server.js';
import { TimeSkipper } from './time-skipper.js';

export interface TestEnvironmentOptions {
  namespace?: string;
  /** Options for the embedded server (port 0 and a temp SQLite file unless given). */
  server?: Omit<StartServerOptions, 'clock'>;
  /** Payload codecs for `env.client` (give the same to the workers: docs/encryption.md). */
  dataConverter?: DataConverter;
  /** Options of `env.client` (Temporal's `client`): its interceptors, its data converter. */
  client?: Omit<ClientOptions, 'connection' | 'namespace'>;
}

export class TestWorkflowEnvironment {
  /** Connection for workers: `Worker.create({ connection: env.nativeConnection, ... })`. */
  readonly nativeConnection: Connection;
  readonly client: Client;

  private constructor(
    readonly server: WeftServer,
    private readonly dir: string | undefined,
    readonly namespace: string,
    private readonly clock: SkippingClock | undefined,
    private readonly skipper: TimeSkipper | undefined,
    clientOptions: TestEnvironmentOptions['client'],
  ) {
    this.nativeConnection = Connection.fromTransport(new InProcessTransport(server.context));
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

  private static async create(opts: TestEnvironmentOptions, skipping: boolean): Promise<TestWorkflowEnvironment> {
    const dir = opts.server?.db || opts.server?.store ? undefined : mkdtempSync(path.join(tmpdir(), 'weft-test-'));
    const clock = skipping ? new SkippingClock() : undefined;
    const server = await startServer({
      port: 0,
      logLevel: 'warn',
      ...(dir ? { db: path.join(dir, 'weft.db') } : {}),
      ...opts.server,
      // the environment's namespace exists (as Temporal's test server makes the one it is given)
      namespaces: [...(opts.server?.namespaces ?? []), ...(opts.namespace ? [opts.namespace] : [])],
      // every run is kept (a time-skipping clock would otherwise jump past the retention period)
      config: { retentionMs: 0, ...opts.server?.config },
      ...(clock ? { clock } : {}),
    });
    const skipper = clock ? new TimeSkipper(server.context, clock) : undefined;
    skipper?.start();
    const clientOptions = {
      ...opts.client,
      ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
    };
    return new TestWorkflowEnvironment(server, dir, opts.namespace ?? 'default', clock, skipper, clientOptions);
  }

  /** HTTP address of the embedded server (for clients in other processes, or the CLI). */
  get address(): string {
    return this.server.address;
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
    await this.client.connection.close();
    await this.server.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
