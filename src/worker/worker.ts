/**
 * `Worker`: polls one task queue for workflow and activity tasks and runs them, within concurrency limits.
 * On shutdown (worker.shutdown(), SIGINT/SIGTERM, or `weft worker stop`) it stops polling, lets in-flight
 * tasks finish within the grace time, cancels activities still running after it, and delivers every
 * completion before run() resolves. It reconnects with backoff while the server is unreachable.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { toMs, type Duration } from '../common/duration.js';
import type { Logger } from '../common/logger.js';
import { isWeftLogger, weftLoggerOver, type Logger as TemporalLogger } from '../common/temporal-logger.js';
import { Runtime } from './runtime.js';
import { registerEagerTarget } from '../client/eager-workers.js';
import type { ActivityTask, PollResponse, QueryTask, TaskCompletion, WorkflowTask } from '../protocol/tasks.js';
import { Client } from '../client/client.js';
import { Connection } from '../client/connection.js';
import { ConnectionError, ServiceError } from '../client/errors.js';
import { ActivityExecutor, type ActivityImplementations } from './activity-executor.js';
import { CompletionBatcher } from './completion-batcher.js';
import { bundleWorkflowCode } from './sandbox/bundler.js';
import { loadWorkflowBundle, type WorkflowBundleOption } from './sandbox/bundle-option.js';
import { WorkflowSandbox } from './sandbox/vm-sandbox.js';
import { Slots, waitForFreeSlot } from './slots.js';
import {
  runReplayHistories,
  runReplayHistory,
  type ReplayInput,
  type ReplayOptions,
  type ReplayResult,
} from './replay-histories.js';
import type { History } from '../protocol/events.js';
import { installUnhandledRejectionGuard } from './unhandled-rejections.js';
import { codecsOf, type DataConverter } from '../common/payload-codec.js';
import { TaskCodec } from './task-codec.js';
import { callSinks, type InjectedSinks, type Sinks, type WorkerInterceptors } from './interceptors.js';
import { WorkflowExecutor } from './workflow-executor.js';
import { compileWorkerOptions, type CompiledWorkerOptions, type TemporalWorkerOptions } from './worker-options.js';
import { RateLimiter } from '../common/rate-limiter.js';

/**
 * A poll with no answer this long is taken as lost (a half-open connection) and sent again: the server answers
 * every poll within its poll timeout (a minute), as Temporal's SDK gives up on a poll after 70 s.
 */
const POLL_GIVE_UP_MS = 90_000;
/** Tasks a poll asks for at most while the queue has no backlog (it holds those slots while it waits). */
const POLL_BATCH = 16;
/**
 * At shutdown, once the server has answered this worker's waiting polls, how long a poll still in flight is
 * waited for: its tasks are being started for this worker, and an answer dropped would leave them to their
 * start-to-close timeouts.
 */
const POLL_ANSWER_GRACE_MS = 5000;

export type WorkerState = 'INITIALIZED' | 'RUNNING' | 'STOPPING' | 'DRAINING' | 'STOPPED' | 'FAILED';

/** Weft's worker options, and Temporal's (worker-options.ts; docs/api.md, "Worker options"). */
export interface WorkerOptions extends TemporalWorkerOptions {
  connection?: Connection;
  namespace?: string;
  taskQueue: string;
  /** Module exporting the workflow functions (bundled with esbuild). */
  workflowsPath?: string;
  /** A bundle made earlier with bundleWorkflowCode: `{ code }`, or `{ codePath }` naming a file holding its code. */
  workflowBundle?: WorkflowBundleOption;
  activities?: ActivityImplementations;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
  /** Workflows kept in memory between tasks (0 turns the sticky cache off). */
  maxCachedWorkflows?: number;
  /** Recorded on every workflow task this worker completes. */
  buildId?: string;
  /**
   * How long shutdown waits for running activities before cancelling them (default 0, as Temporal: they are
   * cancelled at once; an attempt that stops on that cancellation fails and is retried, on another worker).
   */
  shutdownGraceTime?: Duration;
  identity?: string;
  /** Register the workflow types this worker serves with the server (default true). */
  registerWorkflows?: boolean;
  /** Concurrent long polls for workflow tasks, and for activity tasks (default 2 each; see the per-kind options). */
  maxConcurrentPolls?: number;
  maxHeartbeatThrottleInterval?: Duration;
  defaultHeartbeatThrottleInterval?: Duration;
  /** Handle SIGINT and SIGTERM by shutting down (default true while run() runs). */
  handleSignals?: boolean;
  /** Where this worker logs: Weft's logger (pino) or a Temporal-style one; default the Runtime's. */
  logger?: Logger | TemporalLogger;
  /** Activity interceptors, and workflow interceptor modules bundled with the workflows (as Temporal's). */
  interceptors?: WorkerInterceptors;
  /** Functions workflow code calls through proxySinks() (not again on replay, unless they ask). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  sinks?: InjectedSinks<any>;
  /**
   * Temporal's data converter: `{ payloadCodecs: [codec] }` decodes every payload before workflow or activity code
   * sees it and encodes every payload they produce before it is sent (docs/encryption.md).
   */
  dataConverter?: DataConverter;
  /**
   * Weft only: when an activity completes on this worker and its workflow is in the sticky cache, run the
   * workflow task it causes at once and send both in one request, committed together (default true; used only
   * with servers that take it, and not with payload codecs). See docs/architecture.md, "continued workflow tasks".
   */
  continueWorkflowTasks?: boolean;
}

let instanceCounter = 0;

export class Worker {
  private state: WorkerState = 'INITIALIZED';
  private readonly wfSlots: Slots;
  private readonly actSlots: Slots;
  private readonly workflows: WorkflowExecutor | undefined;
  private readonly activities: ActivityExecutor | undefined;
  private readonly batcher: CompletionBatcher;
  /** The payload codecs, task by task; undefined without codecs (tasks then run as they come). */
  private readonly codec: TaskCodec | undefined;
  /** Shutdown: no new polls; waits for a free slot or a retry end. */
  private readonly stopPolling = new AbortController();
  /** Cancels the polls still in flight (after stopPolling, once their answers have had their chance). */
  private readonly cancelPolls = new AbortController();
  /** Random, one per worker object: a worker started again with the same identity is told apart by it. */
  private readonly instanceKey = randomBytes(12).toString('hex');
  /** The workflow types this worker serves (none without workflows). */
  private readonly workflowTypes: string[];
  private readonly running = new Set<Promise<unknown>>();
  private shutdownRequested: (() => void) | undefined;
  private readonly shutdownSignal: Promise<void>;
  /** Tasks received by poll and handed back eagerly with completions, since start. */
  private readonly counters = {
    polledWorkflowTasks: 0,
    polledActivityTasks: 0,
    eagerWorkflowTasks: 0,
    eagerActivityTasks: 0,
    continuedWorkflowTasks: 0,
    droppedContinuations: 0,
  };
  /** `maxActivitiesPerSecond` (and the task queue's, applied per worker): tokens for starting activities. */
  private readonly activityRate: RateLimiter | undefined;
  /** Continuations are sent once a poll answer says the server takes them. */
  private serverTakesContinuations = false;
  readonly identity: string;
  readonly namespace: string;
  readonly taskQueue: string;

  private constructor(
    private readonly opts: WorkerOptions,
    private readonly compiled: CompiledWorkerOptions,
    readonly connection: Connection,
    private readonly ownsConnection: boolean,
    sandbox: WorkflowSandbox | undefined,
    private readonly log: Logger,
  ) {
    this.namespace = opts.namespace ?? 'default';
    this.taskQueue = opts.taskQueue;
    this.workflowTypes = sandbox?.workflowTypes ?? [];
    this.identity =
      opts.identity ?? `${process.pid}@${hostname()}#${++instanceCounter}-${randomBytes(2).toString('hex')}`;
    const codecs = codecsOf(opts.dataConverter);
    this.codec = codecs ? new TaskCodec(codecs, log) : undefined;
    const transport = this.codec ? this.codec.transport(connection.transport) : connection.transport;
    // the activities' Context.client: on this worker's connection, namespace and data converter, made on first use
    let client: Client | undefined;
    const clientOf = (): Client =>
      (client ??= new Client({
        connection,
        namespace: this.namespace,
        ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}),
      }));
    this.wfSlots = new Slots(sandbox ? compiled.workflowSlots : 0);
    this.actSlots = new Slots(opts.activities && compiled.pollActivities ? compiled.activitySlots : 0);
    this.activityRate =
      compiled.activitiesPerSecond !== undefined ? new RateLimiter(compiled.activitiesPerSecond) : undefined;
    if (sandbox)
      this.workflows = new WorkflowExecutor({
        transport,
        namespace: this.namespace,
        sandbox,
        maxCachedWorkflows: opts.maxCachedWorkflows ?? 1000,
        ...(compiled.stickyScheduleToStartMs !== undefined
          ? { stickyScheduleToStartMs: compiled.stickyScheduleToStartMs }
          : {}),
        ...(opts.buildId ? { buildId: opts.buildId } : {}),
        ...(opts.activities ? { activities: opts.activities } : {}),
        localActivitySlots: new Slots(compiled.localActivitySlots),
        ...(opts.interceptors ? { interceptors: opts.interceptors } : {}),
        log,
        client: clientOf,
      });
    if (opts.activities)
      this.activities = new ActivityExecutor({
        transport,
        namespace: this.namespace,
        activities: opts.activities,
        client: clientOf,
        ...(opts.interceptors ? { interceptors: opts.interceptors } : {}),
        log,
        maxHeartbeatThrottleIntervalMs: toMs(
          opts.maxHeartbeatThrottleInterval ?? '60s',
          'maxHeartbeatThrottleInterval',
        ),
        defaultHeartbeatThrottleIntervalMs: toMs(
          opts.defaultHeartbeatThrottleInterval ?? '30s',
          'defaultHeartbeatThrottleInterval',
        ),
      });
    this.batcher = new CompletionBatcher({
      transport,
      namespace: this.namespace,
      identity: this.identity,
      taskQueue: this.taskQueue,
      workflowSlots: this.wfSlots,
      // rate-limited activities all go through the poll, none is taken eagerly (a task queue's limit is the
      // server's, applied where it hands out activity tasks to polls; as Temporal's, eager dispatch would bypass it)
      activitySlots:
        this.activityRate || compiled.taskQueueActivitiesPerSecond !== undefined ? new Slots(0) : this.actSlots,
      log,
      onTasks: (w, a) => {
        this.counters.eagerWorkflowTasks += w.length;
        this.counters.eagerActivityTasks += a.length;
        this.dispatch(w, a);
      },
      acceptEager: () => this.state === 'RUNNING',
      onSettled: (c, r) => {
        if (c.kind !== 'activityTaskCompleted' || !c.continuation) return;
        const completed = r?.continuation === 'completed';
        if (completed) this.counters.continuedWorkflowTasks++;
        else this.counters.droppedContinuations++;
        this.workflows?.continuationSettled(c.continuation, completed);
      },
    });
    this.shutdownSignal = new Promise<void>((r) => (this.shutdownRequested = r));
  }

  /** Bundles the workflows, checks the options, and registers the workflow types with the server. */
  static async create(opts: WorkerOptions): Promise<Worker> {
    if (!opts.taskQueue) throw new TypeError('Worker.create: taskQueue is required');
    if (!opts.workflowsPath && !opts.workflowBundle && !opts.activities)
      throw new TypeError('Worker.create: give workflowsPath (or workflowBundle), activities, or both');
    const compiled = compileWorkerOptions(opts);
    // Weft's logger option, else the Runtime's (Runtime.install({ logger }), as in Temporal)
    const log = opts.logger
      ? isWeftLogger(opts.logger)
        ? opts.logger
        : weftLoggerOver(opts.logger, { sdkComponent: 'worker' })
      : Runtime.instance().workerLogger;
    installUnhandledRejectionGuard(log);
    const bundle =
      (opts.workflowBundle ? await loadWorkflowBundle(opts.workflowBundle) : undefined) ??
      (opts.workflowsPath
        ? await bundleWorkflowCode({
            workflowsPath: opts.workflowsPath,
            ...(opts.interceptors?.workflowModules
              ? { workflowInterceptorModules: opts.interceptors.workflowModules }
              : {}),
            ...(compiled.ignoreModules.length > 0 ? { ignoreModules: compiled.ignoreModules } : {}),
          })
        : undefined);
    const sinks = opts.sinks as InjectedSinks<Sinks> | undefined;
    const sandbox = bundle
      ? new WorkflowSandbox(
          bundle,
          (level, message, attrs) => logAt(log, level, message, attrs),
          (calls) => callSinks(sinks, calls, log),
        )
      : undefined;
    if (sandbox) sandbox.failureErrorTypes = opts.workflowFailureErrorTypes;
    const connection = opts.connection ?? Connection.lazy();
    const worker = new Worker(opts, compiled, connection, !opts.connection, sandbox, log);
    if (sandbox && opts.registerWorkflows !== false) {
      for (const workflowType of sandbox.workflowTypes) {
        await connection.transport.call(
          'registerWorkflow',
          { params: { namespace: worker.namespace }, body: { workflowType, taskQueue: opts.taskQueue } },
          { retryForMs: 60_000 },
        );
      }
    }
    return worker;
  }

  /** Replays an exported history against workflow code; throws DeterminismViolationError on a mismatch. */
  static runReplayHistory(opts: ReplayOptions, history: History, workflowId?: string): Promise<void> {
    return runReplayHistory(opts, history, workflowId);
  }

  /** Replays many histories; yields one result per history, with `error` set for those that fail. */
  static runReplayHistories(
    opts: ReplayOptions,
    histories: Iterable<ReplayInput> | AsyncIterable<ReplayInput>,
  ): AsyncIterableIterator<ReplayResult> {
    return runReplayHistories(opts, histories);
  }

  getState(): WorkerState {
    return this.state;
  }

  /** What the worker is doing right now (for health checks and debugging). */
  getStatus(): {
    state: WorkerState;
    workflowSlotsInUse: number;
    activitySlotsInUse: number;
    runningTasks: number;
    cachedWorkflows: number;
    pendingCompletions: number;
    tasks: {
      polledWorkflowTasks: number;
      polledActivityTasks: number;
      eagerWorkflowTasks: number;
      eagerActivityTasks: number;
      /** Workflow tasks run right after an activity and committed with its completion, and those dropped. */
      continuedWorkflowTasks: number;
      droppedContinuations: number;
    };
  } {
    return {
      state: this.state,
      workflowSlotsInUse: this.wfSlots.inUse,
      activitySlotsInUse: this.actSlots.inUse,
      runningTasks: this.running.size,
      cachedWorkflows: this.workflows?.cachedCount ?? 0,
      pendingCompletions: this.batcher.pending,
      tasks: { ...this.counters },
    };
  }

  /** Polls and runs tasks until shutdown; resolves once in-flight work is done and delivered. */
  async run(): Promise<void> {
    if (this.state !== 'INITIALIZED') throw new Error(`Worker.run: the worker is ${this.state}`);
    this.state = 'RUNNING';
    const onSignal = (): void => this.shutdown();
    const handleSignals = this.opts.handleSignals ?? true;
    if (handleSignals) {
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    }
    this.log.info({ taskQueue: this.taskQueue, identity: this.identity, namespace: this.namespace }, 'worker started');
    // eager workflow start: clients on this connection may hand this worker a new run's first task directly
    const unregisterEager = this.workflows
      ? registerEagerTarget(this.connection, {
          identity: this.identity,
          namespace: this.namespace,
          taskQueue: this.taskQueue,
          reserveSlot: () => this.state === 'RUNNING' && this.wfSlots.take(1) === 1,
          releaseSlot: () => this.wfSlots.release(1),
          runEager: (task) => {
            // stopped meanwhile: the task times out on the server and is retried by another worker
            if (this.state === 'STOPPED' || this.state === 'FAILED') this.wfSlots.release(1);
            else this.track(this.runWorkflowTask(task), this.wfSlots);
          },
        })
      : undefined;
    try {
      const { workflowPolls, activityPolls } = this.compiled;
      const polls = [
        ...(this.wfSlots.capacity > 0 ? Array.from({ length: workflowPolls }, () => this.pollLoop(this.wfSlots)) : []),
        ...(this.actSlots.capacity > 0
          ? Array.from({ length: activityPolls }, () => this.pollLoop(this.actSlots))
          : []),
      ];
      const polled = Promise.all(polls);
      // a poll loop that fails (on what is neither a connection nor a service error: a bug) fails the worker
      await Promise.race([this.shutdownSignal, polled.then(() => this.shutdownSignal)]);
      unregisterEager?.();
      this.state = 'DRAINING';
      const released = await this.releaseServerPolls();
      this.stopPolling.abort();
      // the server has answered the polls that were waiting: one still in flight carries tasks being started
      // for this worker, which it runs before it stops (without the server's answer, the polls are cut now)
      if (released) await withinMs(polled, POLL_ANSWER_GRACE_MS);
      this.cancelPolls.abort();
      await polled;
      await this.drain();
      this.state = 'STOPPED';
      this.log.info({ taskQueue: this.taskQueue, identity: this.identity }, 'worker stopped');
    } catch (e) {
      this.state = 'FAILED';
      // a failed worker's running activities are cancelled, not left running on a closed connection
      this.activities?.cancelAll('Worker failed');
      throw e;
    } finally {
      // a failed worker's other polls end too, those in flight included
      this.stopPolling.abort();
      this.cancelPolls.abort();
      unregisterEager?.();
      if (handleSignals) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      this.workflows?.clear();
      if (this.ownsConnection) await this.connection.close();
    }
  }

  /**
   * Runs the worker until `fnOrPromise` settles, then shuts it down; returns its result. A worker that fails
   * meanwhile ends it at once, with the worker's error (as Temporal's does).
   */
  async runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R> {
    const running = this.run();
    // rejects when the worker fails; never settles otherwise (the error is thrown by `await running` below)
    const failed = running.then(() => new Promise<never>(() => {}));
    failed.catch(() => {});
    try {
      return await Promise.race([typeof fnOrPromise === 'function' ? fnOrPromise() : fnOrPromise, failed]);
    } finally {
      this.shutdown();
      await running;
    }
  }

  /** Starts a graceful shutdown; run() resolves when it is done. */
  shutdown(): void {
    if (this.state === 'INITIALIZED') {
      this.state = 'STOPPED';
      return;
    }
    if (this.state !== 'RUNNING') return;
    this.state = 'STOPPING';
    this.shutdownRequested?.();
  }

  /**
   * Asks the server to answer this worker's waiting polls now and to start no more tasks for it; true when it
   * did (within 2 s). A server from before `shutdownWorker` is asked with `stopWorkers` (which takes an admin key
   * when keys are on).
   */
  private async releaseServerPolls(): Promise<boolean> {
    const params = { namespace: this.namespace, taskQueue: this.taskQueue };
    const opts = { retryForMs: 0 };
    const call = this.connection.transport
      .call('shutdownWorker', { params, body: { identity: this.identity, instanceKey: this.instanceKey } }, opts)
      .catch((e: unknown) => {
        if (!(e instanceof ServiceError) || e.code !== 'NOT_FOUND') throw e;
        return this.connection.transport.call('stopWorkers', { params, body: { identity: this.identity } }, opts);
      })
      .then(
        () => true,
        () => false,
      );
    return (await withinMs(call, 2000)) ?? false;
  }

  private async drain(): Promise<void> {
    const grace = toMs(this.opts.shutdownGraceTime ?? 0, 'shutdownGraceTime');
    const all = (): Promise<unknown> => Promise.allSettled([...this.running]);
    if ((await withinMs(all(), grace)) === undefined) {
      this.log.warn({ running: this.running.size }, 'shutdown grace time passed: cancelling running activities');
      this.activities?.cancelAll('Worker shutdown');
      await all();
    }
    await this.batcher.drain();
  }

  /**
   * One long-poll loop for one kind of task (workflow tasks or activity tasks, each with its own pollers, as
   * Temporal does): it polls only while that kind has free slots, so a poll never waits on the server holding
   * capacity it cannot use.
   */
  private async pollLoop(slots: Slots): Promise<void> {
    const signal = this.stopPolling.signal;
    const workflows = slots === this.wfSlots;
    let failures = 0;
    // the last poll came back with all it asked for: the queue likely has more, and a poll does not wait
    let backlog = false;
    while (!signal.aborted && this.state === 'RUNNING') {
      await waitForFreeSlot([slots], signal);
      if (signal.aborted || this.state !== 'RUNNING') break;
      // rate-limited activities: wait for a token, and ask for no more tasks than there are tokens
      const rate = workflows ? undefined : this.activityRate;
      const wait = rate?.msUntilToken() ?? 0;
      if (wait > 0) {
        await delay(wait, signal);
        continue;
      }
      // a waiting poll holds its slots: keep most of them free for tasks handed back eagerly; with a backlog
      // the poll does not wait, so it takes what is free (larger batches: fewer, larger transitions per run)
      const want = backlog ? slots.free : Math.min(slots.free, POLL_BATCH);
      const tokens = rate ? rate.take(want) : want;
      const n = slots.take(tokens);
      rate?.giveBack(tokens - n);
      if (n === 0) continue;
      let res: PollResponse;
      try {
        res = await this.connection.transport.call<PollResponse>(
          'pollTasks',
          {
            params: { namespace: this.namespace, taskQueue: this.taskQueue },
            body: {
              identity: this.identity,
              instanceKey: this.instanceKey,
              maxWorkflowTasks: workflows ? n : 0,
              maxActivityTasks: workflows ? 0 : n,
              ...(!workflows && this.compiled.taskQueueActivitiesPerSecond !== undefined
                ? { taskQueueActivitiesPerSecond: this.compiled.taskQueueActivitiesPerSecond }
                : {}),
              ...(this.opts.buildId ? { buildId: this.opts.buildId } : {}),
              // which workflow types this worker serves (the server tells which running types have none)
              workflowTypes: this.workflowTypes,
            },
          },
          { signal: this.cancelPolls.signal, retryForMs: 0, timeoutMs: POLL_GIVE_UP_MS },
        );
        if (failures > 0) this.log.info({ taskQueue: this.taskQueue }, 'reconnected to the server');
        failures = 0;
      } catch (e) {
        slots.release(n);
        rate?.giveBack(n);
        if (signal.aborted) break;
        failures++;
        if (failures === 1 || failures % 20 === 0)
          this.log.warn(
            { error: (e as Error).message, attempt: failures },
            e instanceof ConnectionError ? 'server unreachable; polling again with backoff' : 'poll failed',
          );
        if (!(e instanceof ConnectionError) && !(e instanceof ServiceError)) throw e;
        await delay(Math.min(100 * 2 ** Math.min(failures, 7), 10_000) * (0.5 + Math.random() / 2), signal);
        continue;
      }
      if (res.continuations) this.serverTakesContinuations = true;
      const queries = res.queryTasks ?? [];
      // activities only: a workflow poll that took every free slot would leave none for the sticky tasks of runs
      // already in the cache, which wait behind it (timers' lateness)
      backlog = !workflows && res.activityTasks.length >= n;
      slots.release(n - res.workflowTasks.length - res.activityTasks.length - queries.length);
      rate?.giveBack(n - res.activityTasks.length);
      this.counters.polledWorkflowTasks += res.workflowTasks.length;
      this.counters.polledActivityTasks += res.activityTasks.length;
      this.dispatch(res.workflowTasks, res.activityTasks);
      // the next poll goes after the completions of the tasks just run (an activation is synchronous: they are
      // submitted by the next turn), so the server commits those first rather than registering this poll
      if (res.workflowTasks.length > 0) await this.afterTurnCompletions();
      for (const q of queries) this.track(this.runQuery(q), this.wfSlots);
      if (res.shutdownRequested && this.state === 'RUNNING') {
        this.log.info({ taskQueue: this.taskQueue }, 'the server asked this worker to stop');
        this.shutdown();
      }
    }
  }

  /** Waits for the rest of this turn, then until the completions it submitted are sent. */
  private async afterTurnCompletions(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    await this.batcher.sent();
  }

  /** Runs tasks whose slots are already taken. */
  private dispatch(workflowTasks: WorkflowTask[], activityTasks: ActivityTask[]): void {
    for (const t of workflowTasks) this.track(this.runWorkflowTask(t), this.wfSlots);
    for (const t of activityTasks) this.track(this.runActivityTask(t), this.actSlots);
  }

  // each through the payload codecs when there are any: decoded before it runs, its completion encoded after
  private runWorkflowTask(t: WorkflowTask): Promise<TaskCompletion | undefined> {
    return this.codec ? this.codec.workflowTask(t, (d) => this.workflows!.run(d)) : this.workflows!.run(t);
  }

  private async runActivityTask(t: ActivityTask): Promise<TaskCompletion | undefined> {
    if (this.codec) return this.codec.activityTask(t, (d) => this.activities!.run(d));
    const c = await this.activities!.run(t);
    if (
      c?.kind !== 'activityTaskCompleted' ||
      !this.workflows ||
      !this.serverTakesContinuations ||
      this.opts.continueWorkflowTasks === false ||
      this.state !== 'RUNNING'
    )
      return c;
    // no workflow slot: the continued task is one synchronous activation inside this activity's slot (one that
    // would need local activities, which take time, is not continued)
    return this.workflows.continueAfterActivity(t, c);
  }

  private runQuery(q: QueryTask): Promise<TaskCompletion | undefined> {
    return this.codec ? this.codec.queryTask(q, (d) => this.workflows!.query(d)) : this.workflows!.query(q);
  }

  private track(p: Promise<TaskCompletion | undefined>, slots: Slots): void {
    const done = p.then(
      (c) => {
        slots.release(1);
        if (c) this.batcher.submit(c); // none for an activity completed asynchronously
      },
      (e: unknown) => {
        slots.release(1);
        this.log.error({ err: e }, 'task execution failed unexpectedly');
      },
    );
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
  }
}

/** The promise's value, or undefined when it has not settled within `ms`. */
async function withinMs<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function logAt(log: Logger, level: string, message: string, attrs?: Record<string, unknown>): void {
  const fn = level === 'error' ? log.error : level === 'warn' ? log.warn : level === 'debug' ? log.debug : log.info;
  fn.call(log, attrs ?? {}, message);
}
