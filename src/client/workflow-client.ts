/** `client.workflow`: start, execute and find workflows; register workflow types. */
import type { Duration } from '../common/duration.js';
import type { RetryPolicy } from '../common/retry-policy.js';
import type {
  ListWorkflowsResponse,
  RegisterWorkflowRequest,
  RegisteredWorkflow,
  StartWorkflowResponse,
  WorkflowIdConflictPolicyName,
  WorkflowIdReusePolicyName,
} from '../protocol/api.js';
import { Connection } from './connection.js';
import { ServiceError, WorkflowExecutionAlreadyStartedError } from './errors.js';
import { executionInfoFromWire, type WorkflowExecutionInfo } from './execution-info.js';
import { nameOf, newRequestId, WorkflowHandle, type SignalRef } from './workflow-handle.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Workflow = (...args: any[]) => Promise<any>;
type ArgsOf<W> = W extends (...args: infer A) => unknown ? A : unknown[];
type ResultOf<W> = W extends (...args: never[]) => Promise<infer R> ? R : unknown;

export interface WorkflowStartOptions<A extends unknown[] = unknown[]> {
  workflowId: string;
  /** Default: the task queue the workflow type was registered with. */
  taskQueue?: string;
  args?: A;
  workflowExecutionTimeout?: Duration;
  workflowRunTimeout?: Duration;
  workflowTaskTimeout?: Duration;
  retry?: RetryPolicy;
  workflowIdReusePolicy?: WorkflowIdReusePolicyName;
  workflowIdConflictPolicy?: WorkflowIdConflictPolicyName;
  memo?: Record<string, unknown>;
  searchAttributes?: Record<string, unknown>;
}

export interface WorkflowClientOptions {
  connection?: Connection;
  namespace?: string;
}

export class WorkflowClient {
  readonly connection: Connection;
  readonly namespace: string;

  constructor(opts: WorkflowClientOptions = {}) {
    this.connection = opts.connection ?? Connection.lazy();
    this.namespace = opts.namespace ?? 'default';
  }

  private get transport(): Connection['transport'] {
    return this.connection.transport;
  }

  async start<W extends Workflow | string>(
    workflowTypeOrFunc: W,
    options: WorkflowStartOptions<W extends Workflow ? ArgsOf<W> : unknown[]>,
  ): Promise<WorkflowHandle<W extends Workflow ? ResultOf<W> : unknown>> {
    const workflowType = typeof workflowTypeOrFunc === 'string' ? workflowTypeOrFunc : workflowTypeOrFunc.name;
    const { args, ...rest } = options;
    const body = { ...rest, workflowType, args: args ?? [], requestId: newRequestId() };
    let res: StartWorkflowResponse;
    try {
      res = await this.transport.call<StartWorkflowResponse>('startWorkflow', {
        params: { namespace: this.namespace },
        body,
      });
    } catch (e) {
      if (e instanceof ServiceError && e.code === 'WORKFLOW_ALREADY_STARTED')
        throw new WorkflowExecutionAlreadyStartedError(e.message, options.workflowId, workflowType);
      throw e;
    }
    return new WorkflowHandle(this.transport, this.namespace, options.workflowId, res.runId, res.runId);
  }

  /**
   * Signals the workflow id's running run, or starts a run and signals it in one step: the workflow sees the
   * signal in its first workflow task.
   */
  async signalWithStart<W extends Workflow | string, SA extends unknown[] = unknown[]>(
    workflowTypeOrFunc: W,
    options: WorkflowStartOptions<W extends Workflow ? ArgsOf<W> : unknown[]> & {
      signal: SignalRef<SA>;
      signalArgs?: SA;
    },
  ): Promise<WorkflowHandle<W extends Workflow ? ResultOf<W> : unknown>> {
    const workflowType = typeof workflowTypeOrFunc === 'string' ? workflowTypeOrFunc : workflowTypeOrFunc.name;
    const { args, signal, signalArgs, ...rest } = options;
    const body = {
      ...rest,
      workflowType,
      args: args ?? [],
      requestId: newRequestId(),
      signalName: nameOf(signal),
      signalArgs: signalArgs ?? [],
    };
    const res = await this.transport.call<StartWorkflowResponse>('signalWithStart', {
      params: { namespace: this.namespace },
      body,
    });
    return new WorkflowHandle(this.transport, this.namespace, options.workflowId, res.runId, res.runId);
  }

  /** Starts the workflow and waits for its result. */
  async execute<W extends Workflow | string>(
    workflowTypeOrFunc: W,
    options: WorkflowStartOptions<W extends Workflow ? ArgsOf<W> : unknown[]>,
  ): Promise<W extends Workflow ? ResultOf<W> : unknown> {
    const handle = await this.start(workflowTypeOrFunc, options);
    return handle.result();
  }

  /** A handle on an existing workflow (its current run, or the given run). */
  getHandle<R = unknown>(workflowId: string, runId?: string): WorkflowHandle<R> {
    return new WorkflowHandle<R>(this.transport, this.namespace, workflowId, runId);
  }

  /** Executions matching a visibility query, newest first unless the query says ORDER BY. */
  async *list(opts: { query?: string; pageSize?: number } = {}): AsyncIterable<WorkflowExecutionInfo> {
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
