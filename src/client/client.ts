/** `new Client()`: one object for every concern (workflows, schedules, task queues), on one connection and namespace. */
import type { QueryRejectCondition } from './errors.js';
import type { DataConverter } from '../common/payload-codec.js';
import { ApiKeyClient } from './api-key-client.js';
import { AsyncCompletionClient } from './async-completion-client.js';
import { NamespaceClient } from './namespace-client.js';
import { Connection } from './connection.js';
import type { ClientInterceptors } from './interceptors.js';
import { ScheduleClient } from './schedule-client.js';
import { SearchAttributeClient } from './search-attribute-client.js';
import { TaskQueueClient } from './task-queue-client.js';
import { WorkflowClient } from './workflow-client.js';

export interface ClientOptions {
  connection?: Connection;
  namespace?: string;
  /** Temporal's client interceptors: `{ workflow: [new MyWorkflowClientInterceptor()] }`. */
  interceptors?: ClientInterceptors;
  /**
   * Temporal's data converter: `{ payloadCodecs: [codec] }` encodes the payloads this client sends (arguments,
   * memos, results of async completions, schedule actions) and decodes those it receives (docs/encryption.md).
   */
  dataConverter?: DataConverter;
  /**
   * Temporal's identity: recorded in history as who started, signalled, updated, cancelled or terminated a
   * workflow, and who completed an activity asynchronously. Default: the connection's identity, if any.
   */
  identity?: string;
  /** Temporal's workflow client options: `{ queryRejectCondition }`. */
  workflow?: { queryRejectCondition?: QueryRejectCondition };
}

export class Client {
  readonly connection: Connection;
  readonly namespace: string;
  readonly identity: string | undefined;
  readonly workflow: WorkflowClient;
  readonly taskQueue: TaskQueueClient;
  readonly schedule: ScheduleClient;
  readonly searchAttributes: SearchAttributeClient;
  /** Finishes activities that complete asynchronously (Temporal's `client.activity`). */
  readonly activity: AsyncCompletionClient;
  /** Namespaces: create, describe, update, list, delete (not scoped to this client's namespace). */
  readonly namespaces: NamespaceClient;
  /** API keys: create, list, revoke, and which key this connection uses. */
  readonly apiKeys: ApiKeyClient;

  constructor(opts: ClientOptions = {}) {
    this.connection = opts.connection ?? Connection.lazy();
    this.namespace = opts.namespace ?? 'default';
    this.identity = opts.identity;
    const shared = { connection: this.connection, namespace: this.namespace };
    const coded = { ...shared, ...(opts.dataConverter ? { dataConverter: opts.dataConverter } : {}) };
    const identity = opts.identity !== undefined ? { identity: opts.identity } : {};
    this.workflow = new WorkflowClient({
      ...coded,
      ...identity,
      ...(opts.interceptors?.workflow ? { interceptors: opts.interceptors.workflow } : {}),
      ...(opts.workflow?.queryRejectCondition ? { queryRejectCondition: opts.workflow.queryRejectCondition } : {}),
    });
    this.taskQueue = new TaskQueueClient(shared);
    this.schedule = new ScheduleClient(coded);
    this.searchAttributes = new SearchAttributeClient(shared);
    this.activity = new AsyncCompletionClient({ ...coded, ...identity });
    this.namespaces = new NamespaceClient({ connection: this.connection });
    this.apiKeys = new ApiKeyClient({ connection: this.connection });
  }

  /** Calls made inside `fn` fail with DEADLINE_EXCEEDED once `deadline` passes (Temporal's `withDeadline`). */
  withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R> {
    return this.connection.withDeadline(deadline, fn);
  }

  /** Calls made inside `fn` fail with CANCELLED once `signal` aborts (Temporal's `withAbortSignal`). */
  withAbortSignal<R>(signal: AbortSignal, fn: () => Promise<R>): Promise<R> {
    return this.connection.withAbortSignal(signal, fn);
  }
}
