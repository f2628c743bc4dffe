/** A handle on one workflow execution: wait for its result, describe it, cancel or terminate it, read its history. */
import { encodeArgs } from '../common/payload-args.js';
import { randomUUID } from 'node:crypto';
import {
  CancelledFailure,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowFailedError,
  decodeFailure,
  type FailureInfo,
} from '../common/failure.js';
import type {
  DescribeWorkflowResponse,
  HistoryResponse,
  QueryWorkflowResponse,
  UpdateWorkflowResponse,
  WorkflowResultResponse,
} from '../protocol/api.js';
import type { History, HistoryEvent } from '../protocol/events.js';
import { composeInterceptors } from '../common/interceptors.js';
import type { WorkflowClientInterceptor } from './interceptors.js';
import {
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowContinuedAsNewError,
  WorkflowNotFoundError,
  type QueryRejectCondition,
} from './errors.js';
import { descriptionFromWire, executionStatusOf, type WorkflowExecutionDescription } from './execution-info.js';
import { resultWaiterFor } from './result-waiter.js';
import {
  sendUpdate,
  updateOutcome,
  WorkflowUpdateHandle,
  type UpdateOptions,
  type UpdateRef,
} from './update-handle.js';
import type { Transport } from './transport.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Workflow = (...args: any[]) => Promise<any>;

/**
 * What `result()` resolves to: a workflow function's result (Temporal's `WorkflowHandle<typeof myWorkflow>`), or
 * the type itself (Weft's older `WorkflowHandle<string>`). Untyped, it is `any`, as in Temporal.
 */
export type HandleResult<T> = T extends Workflow ? (ReturnType<T> extends Promise<infer R> ? R : never) : T;

/**
 * Maps the server's not-found answer, and its not-running one (a signal, update, cancel or terminate for a
 * closed run: Temporal answers those "not found" too), to WorkflowNotFoundError.
 */
export async function mapNotFound<T>(workflowId: string, runId: string | undefined, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ServiceError && (e.code === 'WORKFLOW_NOT_FOUND' || e.code === 'WORKFLOW_NOT_RUNNING'))
      throw new WorkflowNotFoundError(e.message, workflowId, runId, e.code);
    throw e;
  }
}

/** The error `result()` throws for a run that did not complete. */
export function outcomeError(r: WorkflowResultResponse): WorkflowFailedError {
  switch (r.status) {
    case 'Failed':
      return new WorkflowFailedError(
        'Workflow execution failed',
        r.failure ? decodeFailure(r.failure) : undefined,
        r.retryState,
      );
    case 'Cancelled':
      return new WorkflowFailedError(
        'Workflow execution cancelled',
        new CancelledFailure('Workflow cancelled'),
        'NON_RETRYABLE_FAILURE',
      );
    case 'Terminated':
      return new WorkflowFailedError(
        'Workflow execution terminated',
        new TerminatedFailure(r.reason ?? 'Workflow terminated'),
        'NON_RETRYABLE_FAILURE',
      );
    case 'TimedOut':
      return new WorkflowFailedError(
        'Workflow execution timed out',
        new TimeoutFailure('Workflow execution timed out', undefined, 'START_TO_CLOSE'),
        r.retryState ?? 'TIMEOUT',
      );
    default:
      return new WorkflowFailedError(`Workflow execution ended as ${r.status}`, undefined);
  }
}

/**
 * `T` is the workflow function (`WorkflowHandle<typeof myWorkflow>`, as in Temporal), or the result type itself.
 */
export class WorkflowHandle<T = Workflow> {
  constructor(
    private readonly transport: Transport,
    readonly namespace: string,
    readonly workflowId: string,
    /** The run this handle was created for (undefined: the workflow id's current run). */
    readonly runId: string | undefined,
    /** Run ids the handle starts following from, for result(); set by start(). */
    readonly firstExecutionRunId?: string,
    private readonly interceptors: WorkflowClientInterceptor[] = [],
    /** result() follows continue-as-new, retries and cron runs (Temporal's `followRuns`, default true). */
    private readonly followRuns = true,
    /** The client's queryRejectCondition, sent with each query. */
    private readonly queryRejectCondition?: QueryRejectCondition,
    /**
     * A handle from `start`, `signalWithStart` or update-with-start (Temporal's): its calls mean the workflow's
     * current run, so that they reach the run after a continue-as-new, a retry or a cron run. `'chain'`: the
     * call started the run, so cancel and terminate also name its chain (`firstExecutionRunId`). `runId` is
     * still the run that was started or signalled.
     */
    private readonly followsCurrentRun: boolean | 'chain' = false,
  ) {}

  /** The run the handle's calls name: none (the current one) for a handle from start. */
  private get target(): string | undefined {
    return this.followsCurrentRun ? undefined : this.runId;
  }

  /** True when start() handed the first workflow task to a worker in this process (requestEagerStart). */
  eagerlyStarted = false;

  /** signalWithStart's: the run that got the signal (Temporal's `signaledRunId`). */
  signaledRunId?: string;

  private params(): Record<string, string> {
    return { namespace: this.namespace, workflowId: this.workflowId };
  }

  /** Waits for the workflow to close; follows continue-as-new and retries. Throws WorkflowFailedError unless it completed. */
  async result(): Promise<HandleResult<T>> {
    let runId = this.firstExecutionRunId ?? this.runId;
    const waiter = resultWaiterFor(this.transport, this.namespace);
    for (;;) {
      const r = await waiter.wait(this.workflowId, runId);
      if (r.newExecutionRunId && this.followRuns) {
        runId = r.newExecutionRunId;
        continue;
      }
      if (r.status === 'ContinuedAsNew')
        throw new WorkflowContinuedAsNewError('Workflow execution continued as new', r.newExecutionRunId ?? '');
      if (r.status === 'Completed') return r.result as HandleResult<T>;
      throw outcomeError(r);
    }
  }

  async describe(): Promise<WorkflowExecutionDescription> {
    const describe = composeInterceptors(this.interceptors, 'describe', () =>
      mapNotFound(
        this.workflowId,
        this.target,
        this.transport.call<DescribeWorkflowResponse>('describeWorkflow', {
          params: this.params(),
          query: { runId: this.target },
        }),
      ),
    );
    return descriptionFromWire(await describe({ workflowExecution: this.execution() }));
  }

  /** Sends a signal; the workflow handles it in order with its other signals. */
  async signal<Args extends unknown[]>(def: SignalRef<Args>, ...args: Args): Promise<void> {
    const signal = composeInterceptors(this.interceptors, 'signal', async (input) => {
      await mapNotFound(
        this.workflowId,
        this.target,
        this.transport.call('signalWorkflow', {
          params: this.params(),
          body: {
            signalName: input.signalName,
            args: encodeArgs(input.args),
            requestId: newRequestId(),
            ...(this.target ? { runId: this.target } : {}),
            ...(Object.keys(input.headers).length > 0 ? { header: input.headers } : {}),
          },
        }),
      );
    });
    await signal({ signalName: nameOf(def), args, headers: {}, workflowExecution: this.execution() });
  }

  /** For cancel and terminate from a handle that follows the current run: the chain it means. */
  private chain(): { firstExecutionRunId?: string } {
    return this.followsCurrentRun === 'chain' && this.firstExecutionRunId
      ? { firstExecutionRunId: this.firstExecutionRunId }
      : {};
  }

  private execution(): { workflowId: string; runId?: string } {
    return { workflowId: this.workflowId, ...(this.target ? { runId: this.target } : {}) };
  }

  /** Asks a query; a worker answers from the workflow's state (also once it has closed). */
  async query<R = unknown, Args extends unknown[] = unknown[]>(def: QueryRef<R, Args>, ...args: Args): Promise<R> {
    const query = composeInterceptors(this.interceptors, 'query', async (input) => {
      const r = await mapNotFound(
        this.workflowId,
        this.target,
        this.transport.call<QueryWorkflowResponse>('queryWorkflow', {
          params: this.params(),
          body: {
            queryType: input.queryType,
            args: encodeArgs(input.args),
            ...(this.target ? { runId: this.target } : {}),
            ...(Object.keys(input.headers).length > 0 ? { header: input.headers } : {}),
            ...(input.queryRejectCondition ? { rejectCondition: input.queryRejectCondition } : {}),
          },
        }),
      );
      if (r.rejected) throw new QueryRejectedError(executionStatusOf(r.rejected.status).code);
      return r.result;
    });
    try {
      return (await query({
        queryType: nameOf(def),
        args,
        headers: {},
        workflowExecution: this.execution(),
        ...(this.queryRejectCondition ? { queryRejectCondition: this.queryRejectCondition } : {}),
      })) as R;
    } catch (e) {
      if (e instanceof ServiceError && e.code === 'QUERY_NOT_REGISTERED') throw new QueryNotRegisteredError(e.message);
      const failure =
        e instanceof ServiceError && e.code === 'QUERY_FAILED'
          ? (e.details?.failure as FailureInfo | undefined)
          : undefined;
      if (failure) throw decodeFailure(failure);
      throw e;
    }
  }

  /**
   * Sends an update and waits for its result. The workflow's validator may reject it (nothing is recorded);
   * a rejected or failed update throws WorkflowUpdateFailedError. An updateId seen before returns the first
   * outcome and runs nothing.
   */
  async executeUpdate<R = unknown, Args extends unknown[] = unknown[]>(
    def: UpdateRef<R, Args>,
    opts: UpdateOptions<Args> = {},
  ): Promise<R> {
    const r = await this.sendUpdate(nameOf(def), opts, 'COMPLETED');
    return updateOutcome<R>(r);
  }

  /** Sends an update through the client interceptors (`startUpdate`), waiting until `stage`. */
  private async sendUpdate(
    updateName: string,
    opts: UpdateOptions<unknown[]>,
    stage: 'ACCEPTED' | 'COMPLETED',
  ): Promise<UpdateWorkflowResponse> {
    let answer: UpdateWorkflowResponse | undefined;
    const startUpdate = composeInterceptors(this.interceptors, 'startUpdate', async (input) => {
      const r = await mapNotFound(
        this.workflowId,
        this.target,
        sendUpdate(
          this.transport,
          this.namespace,
          this.workflowId,
          this.target,
          input.updateName,
          { args: input.args, ...(input.options.updateId ? { updateId: input.options.updateId } : {}) },
          input.options.waitForStage,
          input.headers,
        ),
      );
      answer = r;
      return { updateId: r.updateId, workflowRunId: r.runId, ...(r.outcome ? { outcome: r.outcome } : {}) };
    });
    const out = await startUpdate({
      updateName,
      args: opts.args ?? [],
      workflowExecution: this.execution(),
      ...(this.firstExecutionRunId ? { firstExecutionRunId: this.firstExecutionRunId } : {}),
      headers: {},
      options: { ...(opts.updateId ? { updateId: opts.updateId } : {}), waitForStage: stage },
    });
    // an interceptor that answered without calling next: its output is the answer
    return (
      answer ?? {
        updateId: out.updateId,
        runId: out.workflowRunId,
        stage: out.outcome ? 'COMPLETED' : 'ACCEPTED',
        ...(out.outcome ? { outcome: out.outcome } : {}),
      }
    );
  }

  /** Sends an update and returns its handle once the workflow accepted it (or rejected it: result() throws). */
  async startUpdate<R = unknown, Args extends unknown[] = unknown[]>(
    def: UpdateRef<R, Args>,
    opts: UpdateOptions<Args> & { waitForStage?: 'ACCEPTED' } = {},
  ): Promise<WorkflowUpdateHandle<R>> {
    const r = await this.sendUpdate(nameOf(def), opts, 'ACCEPTED');
    return new WorkflowUpdateHandle<R>(this.transport, this.namespace, this.workflowId, r.runId, r.updateId, r);
  }

  /** A handle on an update sent before (by its id). */
  /** A handle on an update of this workflow (of its run `runId`, or Temporal's `{ workflowRunId }`). */
  getUpdateHandle<R = unknown>(updateId: string, runId?: string | { workflowRunId?: string }): WorkflowUpdateHandle<R> {
    const run = typeof runId === 'string' ? runId : runId?.workflowRunId;
    return new WorkflowUpdateHandle<R>(
      this.transport,
      this.namespace,
      this.workflowId,
      run ?? this.target ?? '',
      updateId,
    );
  }

  /** Asks the workflow to cancel (it sees a CancelledFailure and may clean up). */
  async cancel(reason?: string): Promise<void> {
    const cancel = composeInterceptors(this.interceptors, 'cancel', async () => {
      await this.runRequest('cancelWorkflow', reason !== undefined ? { reason } : {});
    });
    await cancel({
      workflowExecution: this.execution(),
      ...(this.firstExecutionRunId ? { firstExecutionRunId: this.firstExecutionRunId } : {}),
    });
  }

  /** Ends the workflow at once; its code gets no chance to react. */
  async terminate(reason?: string): Promise<void> {
    const terminate = composeInterceptors(this.interceptors, 'terminate', async (input) => {
      await this.runRequest('terminateWorkflow', input.reason !== undefined ? { reason: input.reason } : {});
    });
    await terminate({
      workflowExecution: this.execution(),
      ...(reason !== undefined ? { reason } : {}),
      ...(this.firstExecutionRunId ? { firstExecutionRunId: this.firstExecutionRunId } : {}),
    });
  }

  /**
   * Cancel or terminate, for the run (or chain) this handle means. A server from before `firstExecutionRunId`
   * refuses the field: then the request goes again for the run that was started, as such handles did before.
   */
  private async runRequest(op: 'cancelWorkflow' | 'terminateWorkflow', body: { reason?: string }): Promise<void> {
    const send = (run: string | undefined, chain: { firstExecutionRunId?: string }) =>
      mapNotFound(
        this.workflowId,
        run,
        this.transport.call(op, { params: this.params(), body: { ...(run ? { runId: run } : {}), ...chain, ...body } }),
      );
    const chain = this.chain();
    try {
      await send(this.target, chain);
    } catch (e) {
      const oldServer =
        chain.firstExecutionRunId !== undefined &&
        e instanceof ServiceError &&
        e.code === 'INVALID_ARGUMENT' &&
        e.message.includes('firstExecutionRunId');
      if (!oldServer) throw e;
      await send(this.runId, {});
    }
  }

  /** The run's whole history, in the JSON that Worker.runReplayHistory takes. */
  async fetchHistory(): Promise<History> {
    const events: HistoryEvent[] = [];
    let fromEventId: number | undefined = 1;
    while (fromEventId !== undefined) {
      const page: HistoryResponse = await mapNotFound(
        this.workflowId,
        this.target,
        this.transport.call<HistoryResponse>('workflowHistory', {
          params: this.params(),
          query: { runId: this.target, fromEventId },
        }),
      );
      events.push(...page.events);
      fromEventId = page.nextEventId;
    }
    return { events };
  }
}

export const newRequestId = (): string => randomUUID();

/** A signal, query or update: its definition (from defineSignal & co.) or its name. */
export type SignalRef<Args extends unknown[]> = string | { name: string; type: 'signal'; __args?: Args };
export type QueryRef<R, Args extends unknown[]> = string | { name: string; type: 'query'; __args?: Args; __ret?: R };
export const nameOf = (def: string | { name: string }): string => (typeof def === 'string' ? def : def.name);
