/** `client.workflow`: start, execute and find workflows; register workflow types. */
import type { Duration } from '../common/duration.js';
import type { DataConverter } from '../common/payload-codec.js';
import { encodeArgs } from '../common/payload-args.js';
import type { RetryPolicy } from '../common/retry-policy.js';
import type { Priority } from '../common/priority.js';
import type {
  ListWorkflowsResponse,
  RegisterWorkflowRequest,
  RegisteredWorkflow,
  StartWorkflowResponse,
  UpdateWithStartResponse,
  WorkflowIdConflictPolicyName,
  WorkflowIdReusePolicyName,
} from '../protocol/api.js';
import { composeInterceptors } from '../common/interceptors.js';
import { Connection } from './connection.js';
import { clientTransport } from './codec-transport.js';
import { identityTransport } from './identity-transport.js';
import type { Transport } from './transport.js';
import { workflowInterceptorsFor, type ClientInterceptors, type WorkflowStartInput } from './interceptors.js';
import { ServiceError, WorkflowExecutionAlreadyStartedError, type QueryRejectCondition } from './errors.js';
import { executionInfoFromWire, type WorkflowExecutionInfo } from './execution-info.js';
import type { SearchAttributePair, TypedSearchAttributes } from '../common/typed-search-attributes.js';
import { wireStartOptions } from './start-options.js';
import { reserveEagerTarget } from './eager-workers.js';
import {
  nameOf,
  newRequestId,
  WorkflowHandle,
  type HandleResult,
  type SignalRef,
  type Workflow,
} from './workflow-handle.js';
import { updateOutcome, WorkflowUpdateHandle, type UpdateOptions, type UpdateRef } from './update-handle.js';
import { sendUpdateWithStart, type WithStartWorkflowOperation } from './update-with-start.js';
import { workflowListIterable, type AsyncWorkflowListIterable, type ListOptions } from './workflow-list.js';

export type { Workflow, HandleResult };
export type ArgsOf<W> = W extends (...args: infer A) => unknown ? A : unknown[];
export type ResultOf<W> = W extends (...args: never[]) => Promise<infer R> ? R : unknown;
/** A start option's `args`: the workflow function's parameters (Temporal's form), or the argument tuple given; readonly too (as Temporal's). */
export type StartArgs<T> = T extends Workflow
  ? Parameters<T> | Readonly<Parameters<T>>
  : T extends unknown[]
    ? T | Readonly<T>
    : T;

/** Temporal's handle types: `start()` answers the first, `signalWithStart()` the last. */
export type WorkflowHandleWithFirstExecutionRunId<T = Workflow> = WorkflowHandle<T> & {
  readonly firstExecutionRunId: string;
};
export type WorkflowHandleWithStartDetails<T = Workflow> = WorkflowHandleWithFirstExecutionRunId<T> & {
  readonly eagerlyStarted: boolean;
};
export type WorkflowHandleWithSignaledRunId<T = Workflow> = WorkflowHandle<T> & { readonly signaledRunId: string };

/** `T`: the workflow function (`WorkflowStartOptions<typeof myWorkflow>`, Temporal's) or the argument tuple. */
export interface WorkflowStartOptions<T extends Workflow | unknown[] = Workflow> {
  workflowId: string;
  /** Default: the task queue the workflow type was registered with. */
  taskQueue?: string;
  args?: StartArgs<T>;
  workflowExecutionTimeout?: Duration;
  workflowRunTimeout?: Duration;
  workflowTaskTimeout?: Duration;
  retry?: RetryPolicy;
  workflowIdReusePolicy?: WorkflowIdReusePolicyName;
  workflowIdConflictPolicy?: WorkflowIdConflictPolicyName;
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
  /**
   * Temporal's cron workflows: each run starts at the schedule's next time (the first one too); when a run
   * completes, fails or times out the next is scheduled, until the workflow is cancelled or terminated.
   * `result()` follows the runs, so it does not resolve while the schedule goes on (as in Temporal).
   */
  cronSchedule?: string;
  /**
   * Eager start (Temporal's): when a worker of this task queue runs in this process on the same connection and
   * has a free slot, the server hands it the first workflow task in the start's answer (no poll round trip);
   * `handle.eagerlyStarted` says whether it did. Needs `taskQueue`.
   */
  requestEagerStart?: boolean;
  /** Temporal's typed form of `searchAttributes` (merged with it): `[{ key: defineSearchAttributeKey(...), value }]`. */
  typedSearchAttributes?: SearchAttributePair[] | TypedSearchAttributes;
  /**
   * Temporal's startDelay: the first workflow task is scheduled only after it (not with `cronSchedule`). With
   * signal-with-start the signal is recorded at once and seen in that first task.
   */
  startDelay?: Duration;
  /**
   * Kept with the run (and the runs it continues as): describe's `priority`, the workflow's
   * `workflowInfo().priority`. Its task queue hands out tasks of a smaller `priorityKey` first (1 first; none: 3);
   * its activities without a priority of their own take it. Fairness keys and weights are kept, not used.
   */
  priority?: Priority;
  /** Kept with the run (Temporal's user metadata): describe's `staticSummary()` and `staticDetails()`. */
  staticSummary?: string;
  staticDetails?: string;
}

export interface WorkflowClientOptions {
  connection?: Connection;
  namespace?: string;
  interceptors?: ClientInterceptors['workflow'];
  /** Payload codecs for what this client sends and receives (docs/encryption.md). */
  dataConverter?: DataConverter;
  /** Who starts, signals, updates, cancels and terminates, as the history records it (Temporal's identity). */
  identity?: string;
  /**
   * Temporal's: queries on a run in this state are turned away with a QueryRejectedError instead of being asked
   * (`NOT_OPEN`: closed; `NOT_COMPLETED_CLEANLY`: closed other than Completed). Default `NONE`.
   */
  queryRejectCondition?: QueryRejectCondition;
}

/** Temporal's GetWorkflowHandleOptions. */
export interface GetWorkflowHandleOptions {
  firstExecutionRunId?: string;
  /** result() follows continue-as-new, retries and cron runs (default true). */
  followRuns?: boolean;
}

export class WorkflowClient {
  readonly connection: Connection;
  readonly namespace: string;
  /** The identity given to the constructor (none: the connection's, if it has one). */
  readonly identity: string | undefined;
  private readonly interceptors: ClientInterceptors['workflow'];
  /** The connection's transport, through the payload codecs when there are any. */
  private readonly transport: Transport;
  private readonly queryRejectCondition: QueryRejectCondition | undefined;

  constructor(opts: WorkflowClientOptions = {}) {
    this.connection = opts.connection ?? Connection.lazy();
    this.namespace = opts.namespace ?? 'default';
    this.interceptors = opts.interceptors;
    this.identity = opts.identity;
    this.queryRejectCondition = opts.queryRejectCondition;
    this.transport = identityTransport(clientTransport(this.connection.transport, opts.dataConverter), opts.identity);
  }

  private handle<R>(
    workflowId: string,
    runId?: string,
    firstExecutionRunId?: string,
    followRuns = true,
    followsCurrentRun: boolean | 'chain' = false,
  ): WorkflowHandle<R> {
    const interceptors = workflowInterceptorsFor(this.interceptors, workflowId, followsCurrentRun ? undefined : runId);
    return new WorkflowHandle<R>(
      this.transport,
      this.namespace,
      workflowId,
      runId,
      firstExecutionRunId,
      interceptors,
      followRuns,
      this.queryRejectCondition,
      followsCurrentRun,
    );
  }

  /**
   * The handle `start`, `signalWithStart` and update-with-start return: it follows the workflow's current run.
   * `startedChain`: the run was started by this call, so it is its chain's first and cancel and terminate may
   * name the chain (a run returned under USE_EXISTING, or signalled, may be a later one; Temporal names none).
   */
  private startedHandle<R>(workflowId: string, runId: string, startedChain: boolean): WorkflowHandle<R> {
    return this.handle<R>(workflowId, runId, runId, true, startedChain ? 'chain' : true);
  }

  /** Starts a run: `start(myWorkflow, ...)` or `start<typeof myWorkflow>('myWorkflow', ...)` types its handle. */
  async start<T extends Workflow>(
    workflowTypeOrFunc: string | T,
    options: WorkflowStartOptions<T>,
  ): Promise<WorkflowHandleWithStartDetails<T>> {
    const workflowType = typeof workflowTypeOrFunc === 'string' ? workflowTypeOrFunc : workflowTypeOrFunc.name;
    const interceptors = workflowInterceptorsFor(this.interceptors, options.workflowId);
    let eagerlyStarted = false;
    let started = false;
    const start = composeInterceptors(interceptors, 'start', async (input) => {
      const r = await this.startNext(input);
      eagerlyStarted = r.eagerlyStarted;
      started = r.started;
      return r.runId;
    });
    const runId = await start({ workflowType, headers: {}, options: { ...options, args: [...(options.args ?? [])] } });
    const handle = this.startedHandle<T>(options.workflowId, runId, started);
    handle.eagerlyStarted = eagerlyStarted;
    return handle as WorkflowHandleWithStartDetails<T>;
  }

  private async startNext({
    workflowType,
    headers,
    options,
  }: WorkflowStartInput): Promise<{ runId: string; eagerlyStarted: boolean; started: boolean }> {
    const { args, requestEagerStart, ...rest } = wireStartOptions(options);
    // eager start: a worker of this queue on this connection, with a slot held for the task
    const eager =
      requestEagerStart && rest.taskQueue
        ? reserveEagerTarget(this.connection, this.namespace, rest.taskQueue)
        : undefined;
    const body = {
      ...rest,
      workflowType,
      args: encodeArgs(args),
      requestId: newRequestId(),
      ...(Object.keys(headers).length > 0 ? { header: headers } : {}),
      ...(eager ? { eagerWorkflowTask: { identity: eager.identity } } : {}),
    };
    let res: StartWorkflowResponse;
    try {
      res = await this.transport.call<StartWorkflowResponse>('startWorkflow', {
        params: { namespace: this.namespace },
        body,
      });
    } catch (e) {
      eager?.releaseSlot();
      if (e instanceof ServiceError && e.code === 'WORKFLOW_ALREADY_STARTED')
        throw new WorkflowExecutionAlreadyStartedError(e.message, options.workflowId, workflowType);
      throw e;
    }
    if (eager && res.eagerWorkflowTask) {
      eager.runEager(res.eagerWorkflowTask);
      return { runId: res.runId, eagerlyStarted: true, started: res.started };
    }
    eager?.releaseSlot();
    return { runId: res.runId, eagerlyStarted: false, started: res.started };
  }

  /**
   * Signals the workflow id's running run, or starts a run and signals it in one step: the workflow sees the
   * signal in its first workflow task.
   */
  async signalWithStart<T extends Workflow, SA extends unknown[] = unknown[]>(
    workflowTypeOrFunc: string | T,
    options: WorkflowStartOptions<T> & {
      signal: SignalRef<SA>;
      signalArgs?: SA;
    },
  ): Promise<WorkflowHandleWithSignaledRunId<T>> {
    const workflowType = typeof workflowTypeOrFunc === 'string' ? workflowTypeOrFunc : workflowTypeOrFunc.name;
    const { signal, signalArgs, ...startOptions } = options;
    const interceptors = workflowInterceptorsFor(this.interceptors, options.workflowId);
    const signalWithStart = composeInterceptors(interceptors, 'signalWithStart', async (input) => {
      const { args, ...rest } = wireStartOptions(input.options);
      const body = {
        ...rest,
        workflowType: input.workflowType,
        args: encodeArgs(args),
        requestId: newRequestId(),
        signalName: input.signalName,
        signalArgs: encodeArgs(input.signalArgs),
        ...(Object.keys(input.headers).length > 0 ? { header: input.headers } : {}),
      };
      try {
        const res = await this.transport.call<StartWorkflowResponse>('signalWithStart', {
          params: { namespace: this.namespace },
          body,
        });
        return res.runId;
      } catch (e) {
        if (e instanceof ServiceError && e.code === 'WORKFLOW_ALREADY_STARTED')
          throw new WorkflowExecutionAlreadyStartedError(e.message, input.options.workflowId, input.workflowType);
        throw e;
      }
    });
    const runId = await signalWithStart({
      workflowType,
      signalName: nameOf(signal),
      signalArgs: signalArgs ?? [],
      headers: {},
      options: { ...startOptions, args: [...(startOptions.args ?? [])] },
    });
    const handle = this.startedHandle<T>(options.workflowId, runId, false);
    handle.signaledRunId = runId;
    return handle as WorkflowHandleWithSignaledRunId<T>;
  }

  /**
   * Update-with-start: sends the update to the workflow id's running run, or starts one (as
   * `startWorkflowOperation` says) that gets the update in its first workflow task; returns the update's result.
   * `startWorkflowOperation.workflowHandle()` then gives the workflow's handle.
   */
  async executeUpdateWithStart<R = unknown, Args extends unknown[] = unknown[]>(
    def: UpdateRef<R, Args>,
    opts: UpdateOptions<Args> & { startWorkflowOperation: WithStartWorkflowOperation<Workflow> },
  ): Promise<R> {
    const res = await this.updateWithStart(def, opts, 'COMPLETED');
    return updateOutcome<R>(res.update);
  }

  /** Update-with-start, answering once the workflow accepted the update: its handle (see executeUpdateWithStart). */
  async startUpdateWithStart<R = unknown, Args extends unknown[] = unknown[]>(
    def: UpdateRef<R, Args>,
    opts: UpdateOptions<Args> & {
      startWorkflowOperation: WithStartWorkflowOperation<Workflow>;
      waitForStage: 'ACCEPTED';
    },
  ): Promise<WorkflowUpdateHandle<R>> {
    const res = await this.updateWithStart(def, opts, 'ACCEPTED');
    const workflowId = opts.startWorkflowOperation.options.workflowId;
    return new WorkflowUpdateHandle<R>(
      this.transport,
      this.namespace,
      workflowId,
      res.runId,
      res.update.updateId,
      res.update,
    );
  }

  private async updateWithStart<Args extends unknown[]>(
    def: UpdateRef<unknown, Args>,
    opts: UpdateOptions<Args> & { startWorkflowOperation: WithStartWorkflowOperation<Workflow> },
    stage: 'ACCEPTED' | 'COMPLETED',
  ): Promise<UpdateWithStartResponse> {
    const op = opts.startWorkflowOperation;
    op.markUsed();
    try {
      let answer: UpdateWithStartResponse | undefined;
      const interceptors = workflowInterceptorsFor(this.interceptors, op.options.workflowId);
      const call = composeInterceptors(interceptors, 'startUpdateWithStart', async (input) => {
        const r = await sendUpdateWithStart(
          this.transport,
          this.namespace,
          op,
          {
            name: input.updateName,
            args: input.updateArgs,
            ...(input.updateOptions.updateId ? { updateId: input.updateOptions.updateId } : {}),
          },
          input.updateOptions.waitForStage,
          { start: input.workflowStartHeaders, update: input.updateHeaders },
        );
        answer = r;
        return {
          workflowExecution: { workflowId: op.options.workflowId, runId: r.runId },
          updateId: r.update.updateId,
          ...(r.update.outcome ? { updateOutcome: r.update.outcome } : {}),
        };
      });
      const out = await call({
        workflowType: op.workflowType,
        workflowStartOptions: { ...op.options, args: [...(op.options.args ?? [])] },
        workflowStartHeaders: {},
        updateName: nameOf(def),
        updateArgs: opts.args ?? [],
        updateOptions: { ...(opts.updateId ? { updateId: opts.updateId } : {}), waitForStage: stage },
        updateHeaders: {},
      });
      const res: UpdateWithStartResponse = answer ?? {
        runId: out.workflowExecution.runId,
        started: false,
        update: {
          updateId: out.updateId,
          runId: out.workflowExecution.runId,
          stage: out.updateOutcome ? 'COMPLETED' : 'ACCEPTED',
          ...(out.updateOutcome ? { outcome: out.updateOutcome } : {}),
        },
      };
      op.resolve(this.startedHandle(op.options.workflowId, res.runId, res.started));
      return res;
    } catch (e) {
      op.reject(e);
      throw e;
    }
  }

  /** Starts the workflow and waits for its result. */
  async execute<T extends Workflow>(
    workflowTypeOrFunc: string | T,
    options: WorkflowStartOptions<T>,
  ): Promise<HandleResult<T>> {
    const handle = await this.start(workflowTypeOrFunc, options);
    return handle.result();
  }

  /**
   * A handle on an existing workflow (its current run, or the given run). As Temporal's: `firstExecutionRunId`
   * starts result() at that run of a chain, and `followRuns: false` makes result() answer for the one run only
   * (a run that continued as new then throws WorkflowContinuedAsNewError).
   */
  getHandle<T = Workflow>(workflowId: string, runId?: string, options?: GetWorkflowHandleOptions): WorkflowHandle<T> {
    return this.handle<T>(workflowId, runId, options?.firstExecutionRunId, options?.followRuns ?? true);
  }

  /** An update's handle (Temporal's WorkflowClient.getUpdateHandle(updateId, workflowId, { workflowRunId })). */
  getUpdateHandle<R = unknown>(
    updateId: string,
    workflowId: string,
    options?: { workflowRunId?: string },
  ): WorkflowUpdateHandle<R> {
    return this.getHandle(workflowId, options?.workflowRunId).getUpdateHandle<R>(updateId, options);
  }

  /** The workflow's result (Temporal's WorkflowClient.result): getHandle(...).result(). */
  result<T = Workflow>(
    workflowId: string,
    runId?: string,
    options?: { followRuns?: boolean },
  ): Promise<HandleResult<T>> {
    return this.getHandle<T>(workflowId, runId, options).result();
  }

  /**
   * Executions matching a visibility query, newest first unless the query says ORDER BY; `.intoHistories()`
   * yields their histories instead (Temporal's).
   */
  list(opts: ListOptions = {}): AsyncWorkflowListIterable {
    return workflowListIterable(
      () => this.listExecutions(opts),
      (workflowId, runId) => this.getHandle(workflowId, runId).fetchHistory(),
    );
  }

  private async *listExecutions(opts: ListOptions): AsyncIterable<WorkflowExecutionInfo> {
    let pageToken: string | undefined;
    do {
      const page: ListWorkflowsResponse = await this.transport.call<ListWorkflowsResponse>('listWorkflows', {
        params: { namespace: this.namespace },
        query: { query: opts.query, pageSize: opts.pageSize ?? 100, pageToken },
      });
      for (const e of page.executions) yield executionInfoFromWire(e);
      pageToken = page.nextPageToken;
    } while (pageToken);
  }

  async count(query?: string): Promise<{ count: number }> {
    return this.transport.call<{ count: number }>('countWorkflows', {
      params: { namespace: this.namespace },
      query: { query },
    });
  }

  /** Keeps a workflow type's definition on the server: its task queue, default timeouts and retry, description. */
  async register(def: RegisterWorkflowRequest): Promise<RegisteredWorkflow> {
    return this.transport.call<RegisteredWorkflow>('registerWorkflow', {
      params: { namespace: this.namespace },
      body: def,
    });
  }

  async listRegistered(): Promise<RegisteredWorkflow[]> {
    const r = await this.transport.call<{ workflows: RegisteredWorkflow[] }>('listWorkflowTypes', {
      params: { namespace: this.namespace },
    });
    return r.workflows;
  }
}
