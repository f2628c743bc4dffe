/**
 * A worker's payload codecs (docs/encryption.md), task by task: a task's payloads are decoded before workflow or
 * activity code sees them, and its completion's encoded before it is sent, so the sandbox only ever holds plain
 * values. A task whose payloads cannot be decoded, or whose completion cannot be encoded, fails on its own (the
 * server retries it), with the codec's error as a plain failure; the poll and the other tasks go on.
 * Heartbeats and the history pages a worker fetches go through `transport()`.
 */
import { ApplicationFailure, encodeFailure, type FailureInfo } from '../common/failure.js';
import type { Logger } from '../common/logger.js';
import { transcode, type Walker } from '../common/payload-batch.js';
import type { PayloadCodec } from '../common/payload-codec.js';
import { CodecTransport } from '../client/codec-transport.js';
import type { Transport } from '../client/transport.js';
import { WORKER_PAYLOADS } from '../protocol/api-payloads.js';
import type { HistoryEvent } from '../protocol/events.js';
import {
  activityTaskFields,
  completionFields,
  eventsIn,
  queryTaskFields,
  workflowTaskFields,
} from '../protocol/payload-fields.js';
import type { ActivityTask, QueryTask, TaskCompletion, WorkflowTask } from '../protocol/tasks.js';

type Run<T> = (task: T) => Promise<TaskCompletion | undefined>;

function codecFailure(step: 'decode' | 'encode', what: string, e: unknown): FailureInfo {
  const message = `payload codec failed to ${step} ${what}: ${e instanceof Error ? e.message : String(e)}`;
  return encodeFailure(ApplicationFailure.create({ message, type: 'PayloadCodecError' }));
}

export class TaskCodec {
  constructor(
    private readonly codecs: readonly PayloadCodec[],
    private readonly log: Logger,
  ) {}

  /** The worker's own calls through the codecs: heartbeat details encoded, fetched history pages decoded. */
  transport(inner: Transport): Transport {
    return new CodecTransport(inner, this.codecs, WORKER_PAYLOADS);
  }

  /** Decoded history events (a history given to the replayer). */
  decodeEvents(events: HistoryEvent[]): Promise<HistoryEvent[]> {
    return decodeEvents(this.codecs, events);
  }

  workflowTask(task: WorkflowTask, run: Run<WorkflowTask>): Promise<TaskCompletion | undefined> {
    return this.around(task, workflowTaskFields, run, (step, e) => ({
      kind: 'workflowTaskFailed',
      taskToken: task.taskToken,
      cause: 'WORKFLOW_ERROR',
      failure: codecFailure(step, `the payloads of a workflow task of ${task.workflowId}`, e),
    }));
  }

  activityTask(task: ActivityTask, run: Run<ActivityTask>): Promise<TaskCompletion | undefined> {
    return this.around(task, activityTaskFields, run, (step, e) => ({
      kind: 'activityTaskFailed',
      taskToken: task.taskToken,
      failure: codecFailure(step, `the payloads of activity ${task.activityType} (${task.activityId})`, e),
    }));
  }

  queryTask(task: QueryTask, run: Run<QueryTask>): Promise<TaskCompletion | undefined> {
    return this.around(task, queryTaskFields, run, (step, e) => ({
      kind: 'queryCompleted',
      taskToken: task.queryId,
      failure: codecFailure(step, `the payloads of query ${task.queryType}`, e),
    }));
  }

  /** Decodes the task, runs it, encodes its completion; a codec error becomes the task's failure (sent plain). */
  private async around<T extends object>(
    task: T,
    fields: Walker,
    run: Run<T>,
    failed: (step: 'decode' | 'encode', e: unknown) => TaskCompletion,
  ): Promise<TaskCompletion | undefined> {
    let decoded: T;
    try {
      decoded = await transcode('decode', this.codecs, task, fields);
    } catch (e) {
      this.log.error({ err: e }, 'payload codec failed to decode a task: the task fails');
      return failed('decode', e);
    }
    const completion = await run(decoded);
    if (!completion) return completion;
    try {
      return await transcode('encode', this.codecs, completion, completionFields);
    } catch (e) {
      this.log.error({ err: e }, 'payload codec failed to encode a completion: the task fails');
      return failed('encode', e);
    }
  }
}

/** History events with their payloads decoded by `codecs`. */
export async function decodeEvents(codecs: readonly PayloadCodec[], events: HistoryEvent[]): Promise<HistoryEvent[]> {
  const out = await transcode('decode', codecs, { events }, eventsIn('events'));
  return out.events;
}
