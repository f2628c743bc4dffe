/**
 * Sends task completions in batches: every completion ready in one turn of the event loop goes in one request.
 * With the batch the worker offers free slots, and the server hands back at once what the completions
 * produced for this worker (eager activities, the next workflow task of a cached workflow). While the server
 * cannot be reached, batches are retried with backoff; a completion the server rejects (its task timed out
 * meanwhile) is logged and dropped. An internal error of the server (500) is retried too, for a shorter while,
 * as Temporal's SDK retries INTERNAL: whatever of the batch the server had applied answers TASK_NOT_FOUND the
 * second time (a task completes once), and the rest is not lost to the task's timeout. A completion the server
 * could not write while the rest of its batch was applied (STORE_UNAVAILABLE or CONFLICT for it alone: the
 * worker says it handles those, `retriesUnavailable`) is sent again on its own, with backoff, for as long as a
 * batch would be; the others, and the tasks they handed back, are not sent or lost again.
 */
import type { Logger } from '../common/logger.js';
import type { Command } from '../protocol/commands.js';
import type {
  ActivityTask,
  CompleteTasksResponse,
  CompletionResult,
  TaskCompletion,
  WorkflowTask,
} from '../protocol/tasks.js';
import { UNWRITTEN_COMPLETION_CODES } from '../protocol/tasks.js';
import { ServiceError, isTransient } from '../client/errors.js';
import type { Transport } from '../client/transport.js';
import type { Slots } from './slots.js';

const MAX_BATCH = 200;
const RETRY_FOR_MS = 120_000;
/** How long a batch the server failed with an internal error (500) is retried: a bug does not go away. */
const INTERNAL_RETRY_FOR_MS = 10_000;

export interface CompletionBatcherOptions {
  transport: Transport;
  namespace: string;
  identity: string;
  taskQueue: string;
  workflowSlots: Slots;
  activitySlots: Slots;
  log: Logger;
  /** Tasks handed back eagerly; their slots are already taken. */
  onTasks: (workflowTasks: WorkflowTask[], activityTasks: ActivityTask[]) => void;
  /** Whether to offer eager slots (not while draining for shutdown). */
  acceptEager: () => boolean;
  /** Each completion once its batch is answered (with the server's result), or lost (undefined). */
  onSettled?: (completion: TaskCompletion, result: CompletionResult | undefined) => void;
}

export class CompletionBatcher {
  private queue: TaskCompletion[] = [];
  private scheduled = false;
  private inFlight = 0;
  private inFlightCompletions = 0;
  private idleWaiters: Array<() => void> = [];
  private flushWaiters: Array<() => void> = [];
  /** When each completion sent again was first sent, and how often it has been (backoff). */
  private readonly tries = new WeakMap<TaskCompletion, { first: number; count: number }>();
  /** Completions waiting out their backoff before they are sent again. */
  private waitingToRetry = 0;

  constructor(private readonly opts: CompletionBatcherOptions) {}

  /** Completions not yet answered by the server. */
  get pending(): number {
    return this.queue.length + this.inFlightCompletions + this.waitingToRetry;
  }

  submit(c: TaskCompletion): void {
    this.queue.push(c);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Resolves once the completions submitted so far are on their way (their request sent), at once when none
   * waits. A poll sent after this does not overtake them: the server handles the completion, which its caller
   * is waiting for, before the poll, which only waits for more work.
   */
  sent(): Promise<void> {
    if (!this.scheduled) return Promise.resolve();
    return new Promise<void>((r) => this.flushWaiters.push(r));
  }

  /** Resolves once every submitted completion has been delivered (or dropped). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight > 0 || this.scheduled || this.waitingToRetry > 0) {
      await new Promise<void>((r) => this.idleWaiters.push(r));
    }
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      this.inFlightCompletions += batch.length;
      this.send(batch)
        .catch((e: unknown) => this.undelivered(batch, e))
        .finally(() => {
          this.inFlight--;
          this.inFlightCompletions -= batch.length;
          this.notifyIdle();
        });
    }
    const sent = this.flushWaiters;
    this.flushWaiters = [];
    for (const r of sent) r();
    this.notifyIdle();
  }

  /**
   * A batch the server did not take. When it refused the request's shape (400), one bad completion must not
   * take the others with it: each goes again alone, and a workflow task whose completion is refused is failed
   * with the server's reason (it shows in history, and the task is retried), not left to time out.
   */
  private async undelivered(batch: TaskCompletion[], e: unknown): Promise<void> {
    const refused = e instanceof ServiceError && e.status === 400;
    if (refused && batch.length > 1) {
      await Promise.all(batch.map((c) => this.send([c]).catch((err: unknown) => this.undelivered([c], err))));
      return;
    }
    const c = batch[0];
    if (refused && c?.kind === 'workflowTaskCompleted') {
      this.opts.log.error({ error: (e as Error).message }, 'the server refused a workflow task completion');
      const failed: TaskCompletion = {
        kind: 'workflowTaskFailed',
        taskToken: c.taskToken,
        cause: 'BAD_COMMAND',
        failure: {
          kind: 'application',
          message: `the server refused this workflow task's completion: ${(e as Error).message}`.slice(0, 4000),
          type: 'BadCompletion',
        },
      };
      await this.send([failed]).catch((err: unknown) => this.undelivered([failed], err));
      this.opts.onSettled?.(c, undefined);
      return;
    }
    this.opts.log.error({ err: e, completions: batch.length }, 'task completions lost');
    for (const x of batch) this.opts.onSettled?.(x, undefined);
  }

  private notifyIdle(): void {
    if (this.queue.length === 0 && this.inFlight === 0 && !this.scheduled && this.waitingToRetry === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }

  private async send(batch: TaskCompletion[]): Promise<void> {
    const { opts } = this;
    // offer exactly what these completions can produce: an activity's outcome leads to the next workflow task
    // of its run, a workflow task completion to the activities it schedules on this queue
    const eager = opts.acceptEager();
    let wantActivities = 0;
    let wantWorkflowTasks = 0;
    const eagerIn = (commands: readonly Command[]): number =>
      commands.filter((x) => x.type === 'ScheduleActivityTask' && x.eager).length;
    for (const c of batch) {
      if (c.kind === 'workflowTaskCompleted') wantActivities += eagerIn(c.commands);
      // a continuation carries the workflow task the outcome causes: no slot to hold for it
      else if (c.kind === 'activityTaskCompleted' && c.continuation) wantActivities += eagerIn(c.continuation.commands);
      else if (c.kind !== 'workflowTaskFailed') wantWorkflowTasks++;
    }
    const wSlots = eager ? opts.workflowSlots.take(wantWorkflowTasks) : 0;
    const aSlots = eager ? opts.activitySlots.take(wantActivities) : 0;
    let res: CompleteTasksResponse;
    try {
      res = await this.deliver(batch, wSlots, aSlots);
    } catch (e) {
      opts.workflowSlots.release(wSlots);
      opts.activitySlots.release(aSlots);
      throw e;
    }
    res.results.forEach((r, i) => {
      const c = batch[i];
      if (!c || (!r.ok && UNWRITTEN_COMPLETION_CODES.has(r.error?.code ?? '') && this.sendAgain(c))) return;
      opts.onSettled?.(c, r);
      if (!r.ok)
        opts.log.warn(
          { code: r.error?.code, error: r.error?.message, kind: batch[i]?.kind },
          'server rejected a task completion',
        );
    });
    opts.workflowSlots.release(wSlots - res.workflowTasks.length);
    opts.activitySlots.release(aSlots - res.activityTasks.length);
    if (res.workflowTasks.length + res.activityTasks.length > 0) opts.onTasks(res.workflowTasks, res.activityTasks);
  }

  /**
   * Sends a completion the server could not write again after a backoff, unless it has been tried for longer
   * than a batch is; false when it is given up (then it is settled and logged as rejected).
   */
  private sendAgain(c: TaskCompletion): boolean {
    const now = Date.now();
    const t = this.tries.get(c) ?? { first: now, count: 0 };
    if (now - t.first > RETRY_FOR_MS) return false;
    t.count++;
    this.tries.set(c, t);
    if (t.count === 1)
      this.opts.log.warn(
        { kind: c.kind },
        'the server could not write a task completion (store unavailable); retrying it',
      );
    this.waitingToRetry++;
    const backoff = Math.min(200 * 2 ** (t.count - 1), 5000) * (0.5 + Math.random() / 2);
    setTimeout(() => {
      this.waitingToRetry--;
      this.submit(c);
    }, backoff);
    return true;
  }

  private async deliver(
    batch: TaskCompletion[],
    eagerWorkflowSlots: number,
    eagerActivitySlots: number,
  ): Promise<CompleteTasksResponse> {
    const { opts } = this;
    const start = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await opts.transport.call<CompleteTasksResponse>(
          'completeTasks',
          {
            params: { namespace: opts.namespace },
            body: {
              identity: opts.identity,
              taskQueue: opts.taskQueue,
              completions: batch,
              eagerWorkflowSlots,
              eagerActivitySlots,
              retriesUnavailable: true,
            },
          },
          { retryForMs: 0 },
        );
      } catch (e) {
        const internal = e instanceof ServiceError && e.status === 500;
        const retryFor = isTransient(e) ? RETRY_FOR_MS : internal ? INTERNAL_RETRY_FOR_MS : -1;
        if (Date.now() - start > retryFor) throw e;
        if (attempt === 0)
          opts.log.warn(
            { error: (e as Error).message },
            internal
              ? 'the server failed task completions (internal error); retrying them'
              : 'server (or its store) unavailable; retrying task completions',
          );
        await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000) * (0.5 + Math.random() / 2)));
      }
    }
  }
}
