/**
 * `client.activity` (Temporal's AsyncCompletionClient): finishes an activity that threw CompleteAsyncError, from
 * anywhere, by its task token (`activityInfo().taskToken`) or by `{ workflowId, runId?, activityId }` (the
 * activity's current attempt; without runId, in the workflow's current run).
 */
import { encodeFailure } from '../common/failure.js';
import { brand } from '../common/failure.js';
import type { DataConverter } from '../common/payload-codec.js';
import type { HeartbeatResponse } from '../protocol/tasks.js';
import type { OperationId } from '../protocol/routes.js';
import { Connection } from './connection.js';
import { clientTransport } from './codec-transport.js';
import type { Transport } from './transport.js';
import { ServiceError } from './errors.js';

/** An activity named by its workflow and activity ids (Temporal's FullActivityId). */
export interface FullActivityId {
  workflowId: string;
  runId?: string;
  activityId: string;
}

/** The activity is not running (already finished, timed out, its workflow closed) or does not exist. */
export class ActivityNotFoundError extends Error {}
/** The server refused the completion for another reason (see `cause`). */
export class ActivityCompletionError extends Error {}
/** Thrown by `heartbeat()` when the activity was asked to cancel: stop the work, then `reportCancellation()`. */
export class ActivityCancelledError extends Error {}
brand(ActivityNotFoundError, 'ActivityNotFoundError');
brand(ActivityCompletionError, 'ActivityCompletionError');
brand(ActivityCancelledError, 'ActivityCancelledError');

export interface AsyncCompletionClientOptions {
  connection?: Connection;
  namespace?: string;
  /** Who completes the activities (the server logs it); default `<pid>@weft-client`. */
  identity?: string;
  /** Payload codecs for results, failure details and heartbeat details (docs/encryption.md). */
  dataConverter?: DataConverter;
}

export class AsyncCompletionClient {
  readonly connection: Connection;
  readonly namespace: string;
  readonly identity: string;
  private readonly transport: Transport;

  constructor(opts: AsyncCompletionClientOptions = {}) {
    this.connection = opts.connection ?? Connection.lazy();
    this.namespace = opts.namespace ?? 'default';
    this.identity = opts.identity ?? `${process.pid}@weft-client`;
    this.transport = clientTransport(this.connection.transport, opts.dataConverter);
  }

  /** Completes the activity with `result`. */
  async complete(target: Uint8Array | string | FullActivityId, result?: unknown): Promise<void> {
    await this.send('completeActivity', target, result !== undefined ? { result } : {});
  }

  /** Fails the activity's current attempt with `err` (retried as its retry policy says). */
  async fail(target: Uint8Array | string | FullActivityId, err: unknown): Promise<void> {
    await this.send('failActivity', target, { failure: encodeFailure(err) });
  }

  /** Reports that the activity stopped after a cancellation request. */
  async reportCancellation(target: Uint8Array | string | FullActivityId, details?: unknown): Promise<void> {
    await this.send('reportActivityCancellation', target, details !== undefined ? { details } : {});
  }

  /** Records a heartbeat; throws ActivityCancelledError when the activity was asked to cancel. */
  async heartbeat(target: Uint8Array | string | FullActivityId, details?: unknown): Promise<void> {
    const r = await this.send<HeartbeatResponse>(
      'heartbeatActivityById',
      target,
      details !== undefined ? { details } : {},
    );
    if (r.cancelRequested) throw new ActivityCancelledError('the activity was asked to cancel');
  }

  private async send<T>(
    op: OperationId,
    target: Uint8Array | string | FullActivityId,
    body: Record<string, unknown>,
  ): Promise<T> {
    try {
      return await this.transport.call<T>(op, {
        params: { namespace: this.namespace },
        body: { ...targetOf(target), ...body, identity: this.identity },
      });
    } catch (e) {
      if (e instanceof ServiceError && (e.code === 'TASK_NOT_FOUND' || e.code === 'WORKFLOW_NOT_FOUND'))
        throw new ActivityNotFoundError(e.message);
      if (e instanceof ServiceError && e.status < 500) throw new ActivityCompletionError(e.message, { cause: e });
      throw e;
    }
  }
}

function targetOf(target: Uint8Array | string | FullActivityId): Record<string, string> {
  if (typeof target === 'string') return { taskToken: target };
  if (target instanceof Uint8Array) return { taskToken: new TextDecoder().decode(target) };
  return {
    workflowId: target.workflowId,
    ...(target.runId ? { runId: target.runId } : {}),
    activityId: target.activityId,
  };
}
