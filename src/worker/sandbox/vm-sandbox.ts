/**
 * The deterministic sandbox: one `node:vm` context per workflow bundle, shared by every run of that bundle.
 * Each run gets its own module instance (the bundle is a factory), so module-level state is per run. The
 * context's Date, Math.random, crypto.randomUUID and setTimeout are replaced by versions that read the run
 * being activated; WeakRef and FinalizationRegistry are removed; shared intrinsics are frozen, so one run
 * cannot change what another sees.
 *
 * The context uses `microtaskMode: 'afterEvaluate'`: its promise jobs run in its own queue, drained at the
 * end of each script run. Every step of an activation is a script run, so an activation always ends with
 * its microtasks drained, whatever the host does meanwhile.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import vm from 'node:vm';
import type {
  Activation,
  ActivationResult,
  InstanceInit,
  QueryResult,
  SinkCall,
} from '../../workflow/internal/activation.js';
import type { WorkflowBundle } from './bundler.js';
import { PRELUDE_SOURCE } from './prelude.js';

export type SandboxLogSink = (level: string, message: string, attrs?: Record<string, unknown>) => void;
/** Takes the sink calls of an activation or a query (the worker's injected sinks make them). */
export type SandboxSinkCalls = (calls: SinkCall[]) => void;

/**
 * What an activation's code logged and called sinks with, held back instead of delivered: the activation of a
 * continued workflow task, whose effects count only once the server has taken it (see deliver()).
 */
export interface HeldEffects {
  logs: Array<Parameters<SandboxLogSink>>;
  sinkCalls: SinkCall[];
}

// Each step of an activation selects its run first (the runtime is shared by every run of the sandbox).
const SELECT =
  'const i = __weftInstances.get(__weftArgs.runId); __weftCurrent = i.hooks; __weftWorkflowRuntime.setCurrent(i);';
const ACTIVATE = new vm.Script(`(() => { ${SELECT} i.activate(__weftArgs.input); })()`, {
  filename: 'weft-activate.js',
});
// Conditions that became true resolve promises: their microtasks run when this script ends, then we ask again.
// When none did, the activation is over: collect its commands in the same script.
const UNBLOCK_OR_CONCLUDE = new vm.Script(
  `(() => { ${SELECT} return i.unblockConditions() ? null : i.conclude(); })()`,
  {
    filename: 'weft-conclude.js',
  },
);
// a query starts in one script; its (possibly async) inbound interceptors settle when it ends; the next reads it
const QUERY = new vm.Script(`(() => { ${SELECT} i.query(__weftArgs.name, __weftArgs.input, __weftArgs.headers); })()`, {
  filename: 'weft-query.js',
});
const QUERY_RESULT = new vm.Script(`(() => { ${SELECT} return i.queryResult(); })()`, {
  filename: 'weft-query-result.js',
});
const DISPOSE = new vm.Script(`(() => { ${SELECT} i.dispose(); })()`, { filename: 'weft-dispose.js' });
const CREATE = new vm.Script(
  `(() => {
    const a = __weftArgs;
    __weftCurrent = __weftBootHooks(a.now);
    const i = __weftWorkflowRuntime.createInstance(a.input, __weftLogSink, a.now);
    const m = __weftFactory();
    i.load(m.workflows, m.interceptorModules);
    __weftInstances.set(a.runId, i);
  })()`,
  { filename: 'weft-create.js' },
);
const LIST_TYPES = new vm.Script(
  `(() => { __weftCurrent = __weftBootHooks(0); __weftWorkflowRuntime.listingInstance(__weftLogSink); const w = __weftFactory().workflows; return JSON.stringify(Object.keys(w).filter((k) => typeof w[k] === 'function')); })()`,
  { filename: 'weft-list.js' },
);
// the runtime's API is shared by every run: nobody may change it
const FREEZE_RUNTIME = new vm.Script(
  `(() => {
    const seen = new Set();
    const freeze = (v) => {
      if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v)) return;
      seen.add(v);
      Object.freeze(v);
      if (typeof v === 'function' && v.prototype) freeze(v.prototype);
      for (const k of Object.getOwnPropertyNames(v)) { const d = Object.getOwnPropertyDescriptor(v, k); if (d && 'value' in d) freeze(d.value); }
    };
    freeze(__weftWorkflowRuntime.api);
  })()`,
  { filename: 'weft-freeze.js' },
);

export class WorkflowSandbox {
  private readonly context: vm.Context;
  private readonly args: { runId: string; input: string; now: number; name: string; headers?: string | undefined };
  readonly workflowTypes: string[];
  /** The worker's `workflowFailureErrorTypes` (by workflow type, '*' for all), read when a run is created. */
  failureErrorTypes: Record<string, string[]> | undefined;

  /** Set while an activation's effects are held back. */
  private holding: HeldEffects | undefined;

  constructor(
    bundle: WorkflowBundle,
    private readonly logSink: SandboxLogSink,
    private readonly onSinkCalls: SandboxSinkCalls = () => {},
  ) {
    this.args = { runId: '', input: '', now: 0, name: '' };
    const log: SandboxLogSink = (...line) => {
      if (this.holding) this.holding.logs.push(line);
      else logSink(...line);
    };
    this.context = vm.createContext(
      {
        __weftScopeStorage: new AsyncLocalStorage(),
        __weftLogSink: log,
        __weftArgs: this.args,
        __weftInstances: new Map(),
      },
      { microtaskMode: 'afterEvaluate', codeGeneration: { strings: false, wasm: false } },
    );
    vm.runInContext(PRELUDE_SOURCE, this.context, { filename: 'weft-prelude.js' });
    vm.runInContext(bundle.code, this.context, { filename: 'workflow-bundle.js' });
    FREEZE_RUNTIME.runInContext(this.context);
    this.workflowTypes = JSON.parse(LIST_TYPES.runInContext(this.context) as string) as string[];
  }

  /** Creates the module instance of a run. */
  create(runId: string, init: InstanceInit, now: number): void {
    this.set(runId, JSON.stringify(init), now);
    CREATE.runInContext(this.context);
  }

  /**
   * Applies an activation and returns the commands it produced. With `hold`, what the code logs and passes to
   * sinks goes there instead of out.
   */
  activate(runId: string, activation: Activation, hold?: HeldEffects): ActivationResult {
    this.set(runId, JSON.stringify(activation), activation.now);
    this.holding = hold;
    try {
      ACTIVATE.runInContext(this.context);
      for (let i = 0; ; i++) {
        const out = UNBLOCK_OR_CONCLUDE.runInContext(this.context) as string | null;
        if (out !== null) {
          const result = JSON.parse(out) as ActivationResult;
          if (result.sinkCalls && hold) hold.sinkCalls.push(...result.sinkCalls);
          else if (result.sinkCalls) this.onSinkCalls(result.sinkCalls);
          delete result.sinkCalls;
          return result;
        }
        if (i > 10_000) throw new Error('conditions keep unblocking each other (more than 10,000 rounds)');
      }
    } finally {
      this.holding = undefined;
    }
  }

  /** Lets held effects out, in the order they were made. */
  deliver(held: HeldEffects): void {
    for (const line of held.logs) this.logSink(...line);
    if (held.sinkCalls.length > 0) this.onSinkCalls(held.sinkCalls);
  }

  /** Runs a query handler of a run on its current state. */
  query(runId: string, name: string, args: unknown[], headers?: Record<string, unknown>): QueryResult {
    this.set(runId, JSON.stringify(args), this.args.now);
    this.args.name = name;
    this.args.headers = headers && Object.keys(headers).length > 0 ? JSON.stringify(headers) : undefined;
    QUERY.runInContext(this.context);
    const result = JSON.parse(QUERY_RESULT.runInContext(this.context) as string) as QueryResult;
    if (result.sinkCalls) this.onSinkCalls(result.sinkCalls);
    delete result.sinkCalls;
    return result;
  }

  dispose(runId: string): void {
    const instances = this.context.__weftInstances as Map<string, unknown>;
    if (!instances.has(runId)) return;
    this.args.runId = runId;
    try {
      DISPOSE.runInContext(this.context);
    } finally {
      instances.delete(runId);
    }
  }

  private set(runId: string, input: string, now: number): void {
    this.args.runId = runId;
    this.args.input = input;
    this.args.now = now;
  }
}
