/**
 * The state of one workflow run inside the sandbox: pending activities and timers by sequence number,
 * conditions, cancellation, and the commands produced by the current activation.
 *
 * An activation applies jobs in history order; then the microtask queue drains (the host runs each step as
 * its own script in a context with `microtaskMode: 'afterEvaluate'`); then conditions are checked until none
 * unblocks; then the commands are collected. The result depends only on the jobs, never on timing.
 */
import {
  WORKFLOW_METADATA_QUERY,
  type WorkflowDefinitionOptions,
  type WorkflowMetadata,
} from '../workflow-metadata.js';
import { decodeArgs } from '../../common/payload-args.js';
import { toMs } from '../../common/duration.js';
import {
  ActivityFailure,
  CancelledFailure,
  WeftFailure,
  decodeFailure,
  encodeFailure,
  isCancellation,
  type FailureInfo,
} from '../../common/failure.js';
import { composeInterceptors, type Headers } from '../../common/interceptors.js';
import { TypedSearchAttributes } from '../../common/typed-search-attributes.js';
import type { Command } from '../../protocol/commands.js';
import { type CancellationScope, createRootScope, runInScope } from '../cancellation-scope.js';
import type { WorkflowInfo } from '../types.js';
import type {
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInterceptorsFactory,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '../interceptors.js';
import type {
  Activation,
  ActivationJob,
  ActivationResult,
  GlobalHooks,
  InstanceInit,
  QueryResult,
  SinkCall,
  WorkflowInstance,
} from './activation.js';
import { setActivator } from './current.js';
import type { LocalActivityCancel, LocalActivityRequest } from './local-activation.js';
import { seededRandom, uuid4From } from './prng.js';
import { ContinueAsNew } from '../continue-as-new.js';
import { updateScope } from '../update-info.js';
import { SdkFlagSet, SdkFlags, type SdkFlag } from './sdk-flags.js';

/** Settles the completion waiting under `key`, if any still waits. */
function settle<K>(map: Map<K, Completion>, key: K, failure: FailureInfo | undefined, value: unknown): void {
  const c = map.get(key);
  if (!c) return;
  map.delete(key);
  if (failure) c.reject(decodeFailure(failure));
  else c.resolve(value);
}

interface Completion {
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export interface StartedTimer {
  seq: number;
  promise: Promise<void>;
  /** Cancels the timer if it has not fired (a CancelTimer command). */
  cancel(): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WorkflowFunction = (...args: any[]) => Promise<unknown>;

export class Activator implements WorkflowInstance {
  readonly info: WorkflowInfo;
  readonly hooks: GlobalHooks;
  now = 0;
  isReplaying = false;
  cancelRequested = false;
  private readonly random: () => number;
  private commands: Command[] = [];
  private closed = false;
  private taskFailure: FailureInfo | undefined;
  private readonly seq = { activity: 1, timer: 1, child: 1, signalExternal: 1, cancelExternal: 1 };
  readonly activities = new Map<number, Completion>();
  /** patched(): what each patch id answered in this run (it answers the same ever after). */
  readonly patchAnswers = new Map<string, boolean>();
  /** Replaying: the patch ids recorded by the task being replayed (src/workflow/patching.ts). */
  replayPatches: ReadonlySet<string> = new Set();
  /** SDK flags this run knows (src/workflow/internal/sdk-flags.ts). */
  private readonly sdkFlags = new SdkFlagSet();
  private sdkFlagsRecordable = false;
  private localRequests: LocalActivityRequest[] = [];
  private localCancels: LocalActivityCancel[] = [];
  /** Children by seq: waiting to start, and waiting for their result. */
  readonly childStarts = new Map<number, Completion>();
  readonly childResults = new Map<number, Completion>();
  /** Signal and cancel requests to other workflows, by `signal:<seq>` / `cancel:<seq>`. */
  readonly externals = new Map<string, Completion>();
  private readonly timers = new Map<number, Completion>();
  private readonly conditions = new Set<{ fn: () => boolean; resolve: () => void }>();
  private readonly signalHandlers = new Map<string, (...args: unknown[]) => unknown>();
  private readonly queryHandlers = new Map<string, (...args: unknown[]) => unknown>();
  private readonly updateHandlers = new Map<
    string,
    { fn: (...args: unknown[]) => unknown; validator?: (...args: unknown[]) => void }
  >();
  /** The `description` a handler was set with, by `<kind>:<name>` (for the workflow metadata query). */
  private readonly handlerDescriptions = new Map<string, string>();
  /** Temporal's current details (setCurrentDetails), answered by the workflow metadata query. */
  currentDetails = '';
  /** Signals that came before their handler, in order. */
  private bufferedSignals: Array<{ name: string; args: unknown[]; headers: Headers }> = [];
  /** The interceptors of the worker's workflowModules, made for this run. */
  readonly interceptors: {
    inbound: WorkflowInboundCallsInterceptor[];
    outbound: WorkflowOutboundCallsInterceptor[];
    internals: WorkflowInternalsInterceptor[];
  } = { inbound: [], outbound: [], internals: [] };
  private sinkCalls: SinkCall[] = [];
  private querySettled: QueryResult | undefined;
  private nextQueryId = 1;
  /** While a query handler runs: no commands. */
  private inQuery = false;
  /** Updates rejected by their validators in this activation. */
  private updateRejections: Array<{ updateId: string; failure: FailureInfo }> = [];
  readonly rootScope: CancellationScope;
  /** The worker's workflowFailureErrorTypes for this type: error type names that fail the execution. */
  private readonly failureErrorTypes: readonly string[];
  /** The workflow function's own `failureExceptionTypes` (setWorkflowOptions): classes that fail it. */
  private failureExceptionTypes: ReadonlyArray<abstract new (...args: never[]) => unknown> = [];

  /** The workflow functions of this run's own instance of the user's modules (load()). */
  private workflows: Record<string, unknown> = {};

  constructor(
    init: InstanceInit,
    private readonly logSink: (level: string, message: string, attrs?: Record<string, unknown>) => void,
  ) {
    this.info = init.info as WorkflowInfo;
    this.failureErrorTypes = init.failureErrorTypes ?? [];
    // Temporal's typed view, always of the current values (upserts change searchAttributes)
    Object.defineProperty(this.info, 'typedSearchAttributes', {
      get: () => new TypedSearchAttributes(this.info.searchAttributes ?? {}),
      enumerable: false,
    });
    this.random = seededRandom(init.randomnessSeed);
    this.rootScope = createRootScope();
    const timeoutHandles = new Map<number, StartedTimer>();
    let nextHandle = 1;
    this.hooks = {
      now: () => this.now,
      random: () => this.random(),
      uuid4: () => uuid4From(this.random),
      setTimeout: (fn, ms, args) => {
        const handle = nextHandle++;
        const timer = runInScope(this.rootScope, () => this.startTimer(Math.max(0, Number(ms) || 0), this.rootScope));
        timeoutHandles.set(handle, timer);
        timer.promise.then(
          () => {
            timeoutHandles.delete(handle);
            fn(...args);
          },
          () => timeoutHandles.delete(handle),
        );
        return handle;
      },
      clearTimeout: (handle) => {
        timeoutHandles.get(handle)?.cancel();
        timeoutHandles.delete(handle);
      },
      log: (level, message, attrs) => {
        if (this.isReplaying) return;
        const base = { ...attrs, workflowId: this.info.workflowId, runId: this.info.runId };
        const withAttrs = composeInterceptors(this.interceptors.outbound, 'getLogAttributes', (a) => a);
        this.logSink(level, message, withAttrs(base));
      },
    };
  }

  /**
   * Takes the run's module instance, loaded with this activator current (so that the modules' top level may
   * call weft/workflow, as Temporal allows), and makes its interceptors.
   */
  load(workflows: Record<string, unknown>, interceptorModules: unknown[] = []): void {
    this.workflows = workflows;
    setActivator(this); // factories may call workflowInfo()
    for (const mod of interceptorModules) {
      const factory = (mod as { interceptors?: WorkflowInterceptorsFactory }).interceptors;
      if (typeof factory !== 'function') continue;
      const made: WorkflowInterceptors = factory();
      this.interceptors.inbound.push(...(made.inbound ?? []));
      this.interceptors.outbound.push(...(made.outbound ?? []));
      this.interceptors.internals.push(...(made.internals ?? []));
    }
  }

  /** proxySinks(): a call the worker makes after the activation (dropped during replay unless the sink asks). */
  addSinkCall(ifaceName: string, fnName: string, args: unknown[]): void {
    const { unsafe: _unsafe, ...info } = this.info;
    this.sinkCalls.push({ ifaceName, fnName, args, isReplaying: this.isReplaying, info: info as WorkflowInfo });
  }

  private takeSinkCalls(): SinkCall[] | undefined {
    if (this.sinkCalls.length === 0) return undefined;
    const calls = this.sinkCalls;
    this.sinkCalls = [];
    return calls;
  }

  /** Whether the behaviour under an SDK flag applies in this activation (recorded when live). */
  hasFlag(flag: SdkFlag): boolean {
    return this.sdkFlags.has(flag, this.isReplaying, this.sdkFlagsRecordable);
  }

  /** Takes back a command of this activation that has not gone out (false: it has, or never was). */
  withdrawCommand(cmd: Command): boolean {
    const i = this.commands.indexOf(cmd);
    if (i < 0) return false;
    this.commands.splice(i, 1);
    return true;
  }

  pushCommand(cmd: Command): void {
    this.checkMayCommand();
    if (!this.closed) this.commands.push(cmd);
  }

  /**
   * Throws in a query handler or an update validator, before anything of the run changes (a sequence number
   * taken, a patch answered), so that the refusal leaves nothing behind that replay would not redo.
   */
  checkMayCommand(): void {
    if (this.inQuery)
      throw new TypeError(
        'a query handler or update validator cannot change the workflow: no activities, timers, signals, patches or other commands there',
      );
  }

  // ---- messages ----

  setSignalHandler(name: string, fn: ((...args: unknown[]) => unknown) | undefined): void {
    if (!fn) {
      this.signalHandlers.delete(name);
      return;
    }
    this.signalHandlers.set(name, fn);
    // one at a time, while the name has a handler: a handler that removes itself leaves the rest buffered
    for (;;) {
      if (!this.signalHandlers.has(name)) return;
      const i = this.bufferedSignals.findIndex((b) => b.name === name);
      if (i < 0) return;
      const [b] = this.bufferedSignals.splice(i, 1);
      this.runSignal(b!.name, b!.args, b!.headers);
    }
  }

  /** Temporal's default signal handler: signals of any name without a handler of their own (name first). */
  private defaultSignalHandler: ((name: string, ...args: unknown[]) => unknown) | undefined;
  /** Temporal's default query handler: queries of any name without a handler of their own (name first). */
  private defaultQueryHandler: ((name: string, ...args: unknown[]) => unknown) | undefined;

  setDefaultSignalHandler(fn: ((name: string, ...args: unknown[]) => unknown) | undefined): void {
    this.defaultSignalHandler = fn;
    // what waited for a handler goes to the default one now, in order, one at a time while it is still set
    while (this.defaultSignalHandler && this.bufferedSignals.length > 0) {
      const b = this.bufferedSignals.shift()!;
      this.runSignal(b.name, b.args, b.headers);
    }
  }

  setDefaultQueryHandler(fn: ((name: string, ...args: unknown[]) => unknown) | undefined): void {
    this.defaultQueryHandler = fn;
  }

  /** Temporal's default update handler: updates of any name without a handler of their own (name first). */
  private defaultUpdateHandler: ((name: string, ...args: unknown[]) => unknown) | undefined;

  setDefaultUpdateHandler(fn: ((name: string, ...args: unknown[]) => unknown) | undefined): void {
    this.defaultUpdateHandler = fn;
  }

  /** Keeps (or forgets) the description a handler was set with. */
  describeHandler(kind: 'signal' | 'query' | 'update', name: string, description: string | undefined): void {
    if (description === undefined) this.handlerDescriptions.delete(`${kind}:${name}`);
    else this.handlerDescriptions.set(`${kind}:${name}`, description);
  }

  /**
   * Temporal's built-in `__temporal_workflow_metadata` query: the workflow's type, the handlers it has now (with
   * their descriptions) and its current details.
   */
  private metadata(): WorkflowMetadata {
    const defs = (kind: string, names: Iterable<string>): WorkflowMetadata['definition']['queryDefinitions'] =>
      [...names].sort().map((name) => {
        const description = this.handlerDescriptions.get(`${kind}:${name}`);
        return description === undefined ? { name } : { name, description };
      });
    return {
      definition: {
        type: this.info.workflowType,
        queryDefinitions: defs('query', this.queryHandlers.keys()),
        signalDefinitions: defs('signal', this.signalHandlers.keys()),
        updateDefinitions: defs('update', this.updateHandlers.keys()),
      },
      currentDetails: this.currentDetails,
    };
  }

  setQueryHandler(name: string, fn: ((...args: unknown[]) => unknown) | undefined): void {
    if (fn) this.queryHandlers.set(name, fn);
    else this.queryHandlers.delete(name);
  }

  setUpdateHandler(
    name: string,
    fn: ((...args: unknown[]) => unknown) | undefined,
    validator?: (...args: unknown[]) => void,
  ): void {
    if (fn) this.updateHandlers.set(name, { fn, ...(validator ? { validator } : {}) });
    else this.updateHandlers.delete(name);
  }

  /** Signal and update handlers started and not yet settled (allHandlersFinished). */
  private handlersRunning = 0;

  get allHandlersFinished(): boolean {
    return this.handlersRunning === 0;
  }

  /** Counts `p` as a running handler until it settles. */
  private trackHandler<T>(p: Promise<T>): Promise<T> {
    this.handlersRunning++;
    const done = (): void => void this.handlersRunning--;
    p.then(done, done);
    return p;
  }

  private runSignal(name: string, args: unknown[], headers: Headers): void {
    runInScope(this.rootScope, () => {
      const handle = composeInterceptors(this.interceptors.inbound, 'handleSignal', async (input) => {
        const fn = this.signalHandlers.get(input.signalName);
        const fallback = this.defaultSignalHandler;
        if (fn) await fn(...input.args);
        else if (fallback) await fallback(input.signalName, ...input.args);
        else throw new TypeError(`no handler for signal ${input.signalName}`);
      });
      try {
        this.trackHandler(handle({ signalName: name, args, headers })).then(undefined, (e: unknown) => this.fail(e));
      } catch (e) {
        this.fail(e);
      }
    });
  }

  /**
   * Starts a query: inbound interceptors may be async, so the outcome is read by queryResult() once the
   * sandbox has run the microtasks (the host calls it in a second script).
   */
  query(name: string, argsJson: string, headersJson?: string): void {
    this.querySettled = undefined;
    const fallback = this.defaultQueryHandler;
    const fn =
      this.queryHandlers.get(name) ??
      (name === WORKFLOW_METADATA_QUERY ? () => this.metadata() : undefined) ??
      (fallback ? (...args: unknown[]) => fallback(name, ...args) : undefined);
    if (!fn) {
      const known = [...this.queryHandlers.keys()].join(', ') || 'none';
      this.querySettled = {
        failure: {
          kind: 'application',
          message: `query ${JSON.stringify(name)} is not registered by this workflow (registered: ${known})`,
          type: 'QueryNotRegistered',
        },
        notRegistered: true,
      };
      return;
    }
    const handle = composeInterceptors(this.interceptors.inbound, 'handleQuery', (input) => {
      const r = fn(...input.args) as { then?: unknown } | undefined;
      if (r && typeof r.then === 'function')
        throw new TypeError(`query handler ${name} returned a promise: query handlers must be synchronous`);
      return Promise.resolve(r);
    });
    this.inQuery = true;
    const queryId = `query-${this.nextQueryId++}`;
    let outcome: Promise<unknown>;
    try {
      const args = decodeArgs(JSON.parse(argsJson) as unknown[]);
      const headers = headersJson ? (JSON.parse(headersJson) as Headers) : {};
      outcome = handle({ queryId, queryName: name, args, headers });
    } catch (e) {
      outcome = Promise.reject(e);
    }
    outcome.then(
      (r) => (this.querySettled = { result: r }), // no `result` key in JSON: undefined
      (e: unknown) => (this.querySettled = { failure: encodeFailure(e) }),
    );
  }

  queryResult(): string {
    this.inQuery = false;
    const r: QueryResult = this.querySettled ?? {
      failure: { kind: 'application', message: 'the query did not finish: a query handler cannot wait' },
    };
    this.querySettled = undefined;
    const sinkCalls = this.takeSinkCalls();
    return JSON.stringify(sinkCalls ? { ...r, sinkCalls } : r);
  }

  dispose(): void {
    composeInterceptors(this.interceptors.internals, 'dispose', () => undefined)({});
  }

  nextActivitySeq(): number {
    this.checkMayCommand();
    return this.seq.activity++;
  }

  nextSeq(kind: 'child' | 'signalExternal' | 'cancelExternal'): number {
    this.checkMayCommand();
    return this.seq[kind]++;
  }

  /** Asks the worker to run a local activity (not a command: the server never sees it). */
  requestLocalActivity(req: LocalActivityRequest): void {
    if (this.inQuery) throw new TypeError('a query handler cannot change the workflow: no activities from queries');
    if (!this.closed) this.localRequests.push(req);
  }

  cancelLocalActivity(c: LocalActivityCancel): void {
    if (!this.closed) this.localCancels.push(c);
  }

  // ---- activation ----

  activate(activationJson: string): void {
    const a = JSON.parse(activationJson) as Activation;
    this.now = a.now;
    this.isReplaying = a.isReplaying;
    this.info.historyLength = a.historyLength;
    this.info.historySize = a.historySize ?? 0;
    this.info.continueAsNewSuggested = a.continueAsNewSuggested === true;
    this.info.unsafe.isReplaying = a.isReplaying;
    this.replayPatches = new Set(a.patches ?? []);
    this.sdkFlags.addRecorded(a.sdkFlags);
    this.sdkFlagsRecordable = a.sdkFlagsRecordable === true;
    composeInterceptors(this.interceptors.internals, 'activate', (input) => {
      const jobs = this.ordered(input.activation.jobs);
      const eachJob = jobs.length > 1 && this.hasFlag(SdkFlags.ActivationOrderAsTemporal);
      for (const job of jobs) {
        this.applyJob(job);
        if (eachJob) this.unblockConditions(); // as Temporal: a condition sees the state each job left
      }
    })({ activation: a, batchIndex: 0 });
  }

  /**
   * An activation's jobs in Temporal's order. The first (SdkFlags.SignalsBeforeStart): its signals and a cancel
   * request are applied before the workflow function starts (signals wait for their handlers, so a handler set
   * at the top of the function sees them before the code after it runs); its updates after the start, as Weft
   * rejects an update that finds no handler. Later ones (SdkFlags.ActivationOrderAsTemporal): signals and
   * updates before fired timers and other outcomes.
   */
  private ordered(jobs: ActivationJob[]): ActivationJob[] {
    const start = jobs.findIndex((j) => j.type === 'start');
    if (start >= 0) {
      const isEarly = (j: ActivationJob): boolean => j.type === 'signal' || j.type === 'cancelWorkflow';
      if (!jobs.some(isEarly) || !this.hasFlag(SdkFlags.SignalsBeforeStart)) return jobs;
      return [...jobs.filter(isEarly), jobs[start]!, ...jobs.filter((j, i) => i !== start && !isEarly(j))];
    }
    // later activations (SdkFlags.ActivationOrderAsTemporal): signals and updates before the other jobs
    const isMessage = (j: ActivationJob): boolean => j.type === 'signal' || j.type === 'doUpdate';
    const firstOther = jobs.findIndex((j) => !isMessage(j));
    if (firstOther < 0 || !jobs.some((j, i) => i > firstOther && isMessage(j))) return jobs;
    if (!this.hasFlag(SdkFlags.ActivationOrderAsTemporal)) return jobs;
    return [...jobs.filter(isMessage), ...jobs.filter((j) => !isMessage(j))];
  }

  private applyJob(job: ActivationJob): void {
    switch (job.type) {
      case 'start':
        return this.start(job.workflowType, decodeArgs(job.args), job.headers ?? {});
      case 'resolveActivity': {
        const c = this.activities.get(job.seq);
        if (!c) return; // abandoned or cancelled with TRY_CANCEL: the workflow moved on
        this.activities.delete(job.seq);
        if (job.failure) c.reject(decodeFailure(job.failure));
        else c.resolve(job.result);
        return;
      }
      case 'resolveLocalActivity': {
        // local-activities.ts reads the job (a result, a failure, or retry after a timer)
        const c = this.activities.get(job.seq);
        if (!c) return;
        this.activities.delete(job.seq);
        c.resolve(job);
        return;
      }
      case 'fireTimer': {
        const c = this.timers.get(job.seq);
        if (!c) return;
        this.timers.delete(job.seq);
        c.resolve(undefined);
        return;
      }
      case 'signal': {
        const args = decodeArgs(job.args);
        const headers = job.headers ?? {};
        if (this.signalHandlers.has(job.name) || this.defaultSignalHandler) this.runSignal(job.name, args, headers);
        else this.bufferedSignals.push({ name: job.name, args, headers });
        return;
      }
      case 'resolveChildStart':
        return settle(this.childStarts, job.seq, job.failure, job.runId);
      case 'resolveChild':
        return settle(this.childResults, job.seq, job.failure, job.result);
      case 'doUpdate':
        return this.doUpdate(job.updateId, job.name, decodeArgs(job.args), job.runValidator, job.headers ?? {});
      case 'resolveExternal':
        return settle(this.externals, `${job.kind}:${job.seq}`, job.failure, undefined);
      case 'cancelWorkflow':
        this.cancelRequested = true;
        this.rootScope.cancel(job.reason ?? 'Workflow cancelled');
        return;
    }
  }

  private start(workflowType: string, args: unknown[], headers: Headers): void {
    const fn = this.workflows[workflowType];
    if (typeof fn !== 'function') {
      const known = Object.keys(this.workflows).filter((k) => typeof this.workflows[k] === 'function');
      this.taskFailure = encodeFailure(
        new TypeError(
          `workflow type ${JSON.stringify(workflowType)} is not exported by the workflows module (it exports: ${known.join(', ') || 'nothing'})`,
        ),
      );
      return;
    }
    const definition = (fn as { workflowDefinitionOptions?: unknown }).workflowDefinitionOptions;
    let options: WorkflowDefinitionOptions | undefined;
    try {
      options = (typeof definition === 'function' ? (definition as () => unknown)() : definition) as
        WorkflowDefinitionOptions | undefined;
    } catch (e) {
      this.taskFailure = encodeFailure(e); // a getter that throws is a bug in workflow code: the task fails
      return;
    }
    if (Array.isArray(options?.failureExceptionTypes))
      this.failureExceptionTypes = options.failureExceptionTypes.filter((t) => typeof t === 'function');
    const execute = composeInterceptors(this.interceptors.inbound, 'execute', (input) =>
      (fn as WorkflowFunction)(...input.args),
    );
    runInScope(this.rootScope, () => {
      let result: Promise<unknown>;
      try {
        result = Promise.resolve(execute({ args, headers }));
      } catch (e) {
        result = Promise.reject(e);
      }
      result.then(
        (value) =>
          this.complete({ type: 'CompleteWorkflowExecution', ...(value === undefined ? {} : { result: value }) }),
        (err: unknown) => this.fail(err),
      );
    });
  }

  private complete(cmd: Command): void {
    if (this.closed) return;
    this.pushCommand(cmd);
    this.closed = true;
  }

  /** How a workflow's error ends: cancelled, failed (a WeftFailure), or the task fails (a bug: retried). */
  fail(err: unknown): void {
    if (err instanceof ContinueAsNew) {
      this.complete(err.command);
    } else if (isCancellation(err) && this.cancelRequested) {
      this.complete({ type: 'CancelWorkflowExecution' });
    } else if (err instanceof WeftFailure || this.isConfiguredFailure(err)) {
      this.complete({ type: 'FailWorkflowExecution', failure: encodeFailure(err) });
    } else {
      this.taskFailure = encodeFailure(err);
    }
  }

  /**
   * Whether an error fails the execution (or the update) rather than the workflow task, by the worker's
   * `workflowFailureErrorTypes` (names: the error's class or any it extends; 'Error': every error) or the
   * workflow's own `failureExceptionTypes` (classes, by instanceof; Error: every error). As in Temporal.
   */
  private isConfiguredFailure(err: unknown): boolean {
    for (const type of this.failureExceptionTypes) {
      if (type === Error) return true;
      if (err instanceof type) return true;
    }
    if (this.failureErrorTypes.length === 0) return false;
    if (this.failureErrorTypes.includes('Error')) return true;
    if (typeof err !== 'object' || err === null) return false;
    for (let ctor: unknown = err.constructor; typeof ctor === 'function'; ctor = Object.getPrototypeOf(ctor)) {
      const name = (ctor as { name?: unknown }).name;
      if (typeof name === 'string' && name !== '' && this.failureErrorTypes.includes(name)) return true;
    }
    return false;
  }

  unblockConditions(): boolean {
    if (this.conditions.size === 0) return false; // (called after every job of an activation: keep it free)
    let any = false;
    for (const c of [...this.conditions]) {
      let ok = false;
      try {
        ok = c.fn();
      } catch (e) {
        this.taskFailure = encodeFailure(e);
      }
      if (ok) {
        this.conditions.delete(c);
        c.resolve();
        any = true;
      }
    }
    return any;
  }

  /**
   * An update: a new one is validated first (read-only, like a query) and rejected if the validator throws or
   * no handler is set; an accepted one is recorded (a command) and its handler runs; its end is recorded too.
   * A failure thrown as a WeftFailure fails the update; any other error is a bug and fails the workflow task.
   */
  private doUpdate(updateId: string, name: string, args: unknown[], runValidator: boolean, headers: Headers): void {
    const fallback = this.defaultUpdateHandler;
    const h =
      this.updateHandlers.get(name) ??
      (fallback ? { fn: (...a: unknown[]) => fallback(name, ...a), validator: undefined } : undefined);
    if (!h) {
      const message = `update ${JSON.stringify(name)} has no handler in this workflow (registered: ${[...this.updateHandlers.keys()].join(', ') || 'none'})`;
      if (runValidator)
        this.updateRejections.push({
          updateId,
          failure: { kind: 'application', message, type: 'UpdateNotRegistered' },
        });
      else this.taskFailure = encodeFailure(new TypeError(message));
      return;
    }
    const input = { updateId, name, args, headers };
    const validator = h.validator;
    // currentUpdateInfo() answers from this scope, in the validator and all through the handler
    const scope = updateScope(this.rootScope, { id: updateId, name });
    if (runValidator && (validator || this.interceptors.inbound.some((i) => i.validateUpdate))) {
      this.inQuery = true;
      try {
        runInScope(scope, () =>
          composeInterceptors(this.interceptors.inbound, 'validateUpdate', (i) => validator?.(...i.args))(input),
        );
      } catch (e) {
        this.updateRejections.push({ updateId, failure: encodeFailure(e) });
        return;
      } finally {
        this.inQuery = false;
      }
    }
    this.pushCommand({ type: 'AcceptWorkflowUpdate', updateId });
    runInScope(scope, () => {
      let r: Promise<unknown>;
      const handle = composeInterceptors(this.interceptors.inbound, 'handleUpdate', async (i) => h.fn(...i.args));
      try {
        r = Promise.resolve(handle(input));
      } catch (e) {
        r = Promise.reject(e);
      }
      this.trackHandler(r).then(
        (value) =>
          this.pushCommand({
            type: 'CompleteWorkflowUpdate',
            updateId,
            ...(value === undefined ? {} : { result: value }),
          }),
        (err: unknown) => {
          if (err instanceof ContinueAsNew)
            this.fail(err); // as from a signal handler (Temporal's)
          else if (err instanceof WeftFailure || this.isConfiguredFailure(err))
            this.pushCommand({ type: 'CompleteWorkflowUpdate', updateId, failure: encodeFailure(err) });
          else this.taskFailure = encodeFailure(err);
        },
      );
    });
  }

  conclude(): string {
    const conclude = composeInterceptors(this.interceptors.internals, 'concludeActivation', (i) => i);
    const { commands } = conclude({ commands: this.commands });
    const out: ActivationResult = { commands };
    const sinkCalls = this.takeSinkCalls();
    if (sinkCalls) out.sinkCalls = sinkCalls;
    if (this.updateRejections.length > 0) {
      out.updateRejections = this.updateRejections;
      this.updateRejections = [];
    }
    if (this.taskFailure) out.failure = this.taskFailure;
    const sdkFlags = this.sdkFlags.take();
    if (sdkFlags) out.sdkFlags = sdkFlags;
    if (this.localRequests.length > 0) out.localActivities = this.localRequests;
    if (this.localCancels.length > 0) out.localActivityCancels = this.localCancels;
    this.commands = [];
    this.localRequests = [];
    this.localCancels = [];
    this.taskFailure = undefined;
    return JSON.stringify(out);
  }

  // ---- primitives used by the public API ----

  nextTimerSeq(): number {
    this.checkMayCommand();
    return this.seq.timer++;
  }

  startTimer(ms: number, scope: CancellationScope, timerSeq?: number, options?: { summary?: string }): StartedTimer {
    this.checkMayCommand();
    const seq = timerSeq ?? this.seq.timer++;
    let settled = false;
    let rejectFn: (e: unknown) => void = () => {};
    const promise = new Promise<void>((resolve, reject) => {
      rejectFn = reject;
      this.timers.set(seq, {
        resolve: () => {
          settled = true;
          resolve();
        },
        reject,
      });
    });
    const cancel = (err?: unknown): void => {
      if (settled || !this.timers.has(seq)) return;
      settled = true;
      this.timers.delete(seq);
      this.pushCommand({ type: 'CancelTimer', seq });
      rejectFn(err ?? new CancelledFailure('Timer cancelled'));
    };
    this.pushCommand({
      type: 'StartTimer',
      seq,
      startToFireTimeoutMs: Math.max(0, Math.round(ms)),
      ...(options?.summary !== undefined ? { userMetadata: { summary: options.summary } } : {}),
    });
    if (scope.cancellable) scope.cancelRequested.catch((e: unknown) => cancel(e));
    return { seq, promise, cancel: () => cancel() };
  }

  addCondition(fn: () => boolean, scope: CancellationScope): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      // as Temporal: true already when asked (SdkFlags.ActivationOrderAsTemporal)
      if (this.hasFlag(SdkFlags.ActivationOrderAsTemporal) && fn()) {
        resolve();
        return;
      }
      const entry = { fn, resolve };
      this.conditions.add(entry);
      if (scope.cancellable)
        scope.cancelRequested.catch((e: unknown) => {
          if (this.conditions.delete(entry)) reject(e);
        });
    });
  }

  /** Rejects an activity at once (cancelled with TRY_CANCEL or ABANDON). */
  rejectActivity(seq: number, activityType: string, activityId: string, cause: unknown): void {
    const c = this.activities.get(seq);
    if (!c) return;
    this.activities.delete(seq);
    const cancelled = cause instanceof CancelledFailure ? cause : new CancelledFailure('Activity cancelled');
    c.reject(
      new ActivityFailure('Activity cancelled', activityType, activityId, 'CANCEL_REQUESTED', undefined, cancelled),
    );
  }

  durationMs(value: Parameters<typeof toMs>[0], field: string): number {
    return toMs(value, field);
  }
}
