/** `client.taskQueue`: the workers the server sees on a task queue. */
import type { DescribeTaskQueueResponse, ListTaskQueuesResponse } from '../protocol/api.js';
import { Connection } from './connection.js';

export interface TaskQueueDescription {
  taskQueue: string;
  pollers: Array<{ identity: string; buildId?: string; lastAccessTime: Date; polling: boolean }>;
  backlog: { workflowTasks: number; activityTasks: number };
}

function toDescription(r: DescribeTaskQueueResponse): TaskQueueDescription {
  return { ...r, pollers: r.pollers.map((p) => ({ ...p, lastAccessTime: new Date(p.lastAccessTime) })) };
}

export class TaskQueueClient {
  readonly connection: Connection;
  readonly namespace: string;

  constructor(opts: { connection?: Connection; namespace?: string } = {}) {
    this.connection = opts.connection ?? Connection.lazy();
    this.namespace = opts.namespace ?? 'default';
  }

  async describe(taskQueue: string): Promise<TaskQueueDescription> {
    const r = await this.connection.transport.call<DescribeTaskQueueResponse>('describeTaskQueue', {
      params: { namespace: this.namespace, taskQueue },
    });
    return toDescription(r);
  }

  /** The task queues the server has seen workers poll (and those registered workflow types name). */
  async list(): Promise<TaskQueueDescription[]> {
    const r = await this.connection.transport.call<ListTaskQueuesResponse>('listTaskQueues', {
      params: { namespace: this.namespace },
    });
    return r.taskQueues.map(toDescription);
  }

  /** Asks the workers of the queue (or the one with this identity) to drain and stop. */
  async stopWorkers(taskQueue: string, identity?: string): Promise<{ requested: number }> {
    return this.connection.transport.call<{ requested: number }>('stopWorkers', {
      params: { namespace: this.namespace, taskQueue },
      body: identity !== undefined ? { identity } : {},
    });
  }
}
