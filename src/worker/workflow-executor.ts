/**
 * Runs workflow tasks. Recently active workflows stay in a sticky cache (LRU, `maxCachedWorkflows`), so a
 * new task only applies the events since the last one; a workflow that is not cached is rebuilt by replaying
 * its whole history. A nondeterminism error, or a bug in workflow code, fails the task (the server retries it)
 * and drops the workflow from the cache; the run itself is not touched.
 */
import type { Client } from '../client/client.js';
import { DeterminismViolationError, encodeFailure } from '../common/failure.js';
import type { Logger } from '../common/logger.js';
import { TERMINAL_COMMANDS } from '../protocol/terminal-commands.js';
import type { HistoryEvent } from '../protocol/events.js';
import type { HistoryResponse } from '../protocol/api.js';
import type { ActivityTask, QueryTask, TaskCompletion, WorkflowContinuation, WorkflowTask } from '../protocol/tasks.js';
import type { Transport } from '../client/transport.js';
import { StaleWorkflowError, WorkflowMachine } from './replay/workflow-machine.js';
import type { ActivationResult } from '../workflow/internal/activation.js';
import type { HeldEffects, WorkflowSandbox } from './sandbox/vm-sandbox.js';
import { failsOnNondeterminism, failureErrorTypesOf } from './worker-options.js';
import type { ActivityImplementations } from './activity-executor.js';
import { LocalActivityRunner } from './local-activity-runner.js';
import type { Slots } from './slots.js';
import type { WorkerInterceptors } from './interceptors.js';

export interface WorkflowExecutorOptions {
  transport: Transport;
  namespace: string;
  sandbox: WorkflowSandbox;
  maxCachedWorkflows: number;
  /** The worker's sticky schedule-to-start timeout (ms), sent with sticky completions; none: the server's. */
  stickyScheduleToStartMs?: number;
  buildId?: string;
  log: Logger;
  /** The worker's activities, which also serve as its local activities. */
  activities?: ActivityImplementations;
  interceptors?: WorkerInterceptors;
  /** Local activity attempts running at once (`maxConcurrentLocalActivityExecutions`). */
  localActivitySlots?: Slots;
  /** The worker's client, for the local activities' `Context.client`. */
  client?: () => Client;
}

export class WorkflowExecutor {
  private readonly cache = new Map<string, WorkflowMachine>();
  /** Per-run chain, so two tasks of one run never interleave. */
  private readonly busy = new Map<string, Promise<unknown>>();

  private readonly local: LocalActivityRunner;
  /** Continuations sent and not yet answered, with the machine that made each. */
  private readonly continued = new WeakMap<
    WorkflowContinuation,
    { runId: string; machine: WorkflowMachine; held: HeldEffects }
  >();

  constructor(private readonly opts: WorkflowExecutorOptions) {
    this.local = new LocalActivityRunner({
      activities: opts.activities,
      log: opts.log,
      ...(opts.interceptors ? { interceptors: opts.interceptors } : {}),
      ...(opts.localActivitySlots ? { slots: opts.localActivitySlots } : {}),
      ...(opts.client ? { client: opts.client } : {}),
    });
  }

  get cachedCount(): number {
    return this.cache.size;
  }

  run(task: WorkflowTask): Promise<TaskCompletion> {
    return this.serially(task.runId, () => this.handle(task));
  }

  /**
   * An activity of a workflow this worker holds in its cache completed here: runs the workflow task its
   * completion causes at once, and adds it to the completion as a continuation (engine/continuation.ts), so the
   * server commits both together. The completion goes unchanged when the workflow is not cached, busy, or in a
   * state whose next events cannot be predicted, and when the task fails or needs local activities (the machine
   * is then dropped: it ran ahead of history, and the task is run again the usual way).
   */
  async continueAfterActivity(
    task: ActivityTask,
    completion: Extract<TaskCompletion, { kind: 'activityTaskCompleted' }>,
  ): Promise<TaskCompletion> {
    if (task.scheduledEventId === undefined || this.busy.has(task.runId) || !this.cache.has(task.runId))
      return completion;
    const scheduledEventId = task.scheduledEventId;
    return this.serially(task.runId, () => {
      const machine = this.take(task.runId);
      if (!machine) return Promise.resolve(completion);
      let continued;
      try {
        continued = machine.continueAfterActivity({
          scheduledEventId,
          result: completion.result,
          startedTime: Date.now(),
        });
      } catch (e) {
        this.opts.log.debug({ workflowId: task.workflowId, error: (e as Error).message }, 'continued task failed');
        machine.dispose();
        return Promise.resolve(completion);
      }
      if (!continued) {
        this.put(task.runId, machine);
        return Promise.resolve(completion);
      }
      const { result, claim, held } = continued;
      if (result.failure || machine.markers.pendingLocal.size > 0) {
        machine.dispose();
        return Promise.resolve(completion);
      }
      const closing = result.commands.some((c) => TERMINAL_COMMANDS.has(c.type));
      const sticky = !closing && this.opts.maxCachedWorkflows > 0;
      const continuation: WorkflowContinuation = {
        ...claim,
        commands: result.commands,
        ...this.stickyFields(sticky),
        ...(machine.sdkFlags ? { sdkFlags: machine.sdkFlags } : {}),
        ...(this.opts.buildId ? { buildId: this.opts.buildId } : {}),
      };
      this.continued.set(continuation, { runId: task.runId, machine, held });
      if (sticky) this.put(task.runId, machine);
      else machine.dispose();
      return Promise.resolve({ ...completion, continuation });
    });
  }

  /**
   * What the server did with a continuation. Completed: the task's logs and sink calls go out now (a task that
   * did not count must not have had effects; it runs again). Not completed: the machine ran ahead of history and
   * goes (unless a newer task replaced it meanwhile).
   */
  continuationSettled(continuation: WorkflowContinuation, completed: boolean): void {
    const entry = this.continued.get(continuation);
    if (!entry) return;
    this.continued.delete(continuation);
    if (completed) this.opts.sandbox.deliver(entry.held);
    if (completed || this.cache.get(entry.runId) !== entry.machine || this.busy.has(entry.runId)) return;
    this.cache.delete(entry.runId);
    entry.machine.dispose();
  }

  /**
   * Answers a query: from the cached workflow when its state includes the workflow task the server names (it
   * lags when another worker ran the latest tasks), else from a replay of the history.
   */
  query(task: QueryTask): Promise<TaskCompletion> {
    return this.serially(task.runId, async () => {
      const inCache = this.cache.get(task.runId);
      const cached = inCache && inCache.lastEventId >= (task.minStartedEventId ?? 0) ? inCache : undefined;
      let machine = cached;
      try {
        if (!machine) {
          machine = new WorkflowMachine(this.opts.sandbox, task);
          const events = await this.fetchQueryHistory(task);
          const r = machine.apply(events);
          if (r?.failure) throw new Error(`workflow code failed while replaying for a query: ${r.failure.message}`);
        }
        const answer = machine.query(task.queryType, task.args, task.header) ?? {
          failure: { kind: 'application' as const, message: 'the workflow has not started yet' },
        };
        return { kind: 'queryCompleted', taskToken: task.queryId, ...answer };
      } catch (e) {
        return { kind: 'queryCompleted', taskToken: task.queryId, failure: encodeFailure(e) };
      } finally {
        if (machine && machine !== cached) machine.dispose();
      }
    });
  }

  /**
   * The whole history, up to at least the query's `minStartedEventId`. In a cluster the server answering may not
   * have heard of the latest commit yet (for a few milliseconds): read again until it has.
   */
  private async fetchQueryHistory(task: QueryTask): Promise<HistoryEvent[]> {
    const min = task.minStartedEventId ?? 0;
    for (let waitMs = 10; ; waitMs *= 2) {
      const events = await this.fetchEvents(task);
      if ((events[events.length - 1]?.eventId ?? 0) >= min) return events;
      if (waitMs > 2000)
        throw new Error(`the history of ${task.workflowId} does not reach event ${min} yet: query not answered`);
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }

  private async handle(task: WorkflowTask): Promise<TaskCompletion> {
    const receivedAt = Date.now();
    const run = {
      namespace: task.namespace,
      workflowId: task.workflowId,
      runId: task.runId,
      workflowType: task.workflowType,
      taskQueue: task.taskQueue,
    };
    const firstEventId = task.events[0]?.eventId ?? task.startedEventId;
    let machine = this.take(task.runId);
    if (machine && machine.lastEventId !== firstEventId - 1) {
      machine.dispose(); // the cached state does not continue where this task starts
      machine = undefined;
    }
    let events: readonly HistoryEvent[] = task.events;
    try {
      if (!machine) {
        machine = new WorkflowMachine(this.opts.sandbox, run);
        if (firstEventId > 1) events = [...(await this.fetchEvents(task, firstEventId - 1)), ...task.events];
      }
      let result: ActivationResult | undefined;
      try {
        result = machine.apply(events, task.updates, task.recordsSdkFlags === true);
      } catch (e) {
        if (!(e instanceof StaleWorkflowError)) throw e;
        // our answer to the last task was not taken: rebuild from the whole history
        machine.dispose();
        machine = new WorkflowMachine(this.opts.sandbox, run);
        result = machine.apply(
          [...(await this.fetchEvents(task, firstEventId - 1)), ...task.events],
          task.updates,
          task.recordsSdkFlags === true,
        );
      }
      if (!result) throw new Error(`workflow task of ${task.workflowId} does not end with WorkflowTaskStarted`);
      if (task.historySizeBytes !== undefined) machine.historySizeAtLeast(task.historySizeBytes);
      if (!result.failure && machine.markers.pendingLocal.size > 0) {
        // local activities run here, inside this task; each outcome joins its commands as a marker
        const failure = await this.local.settle(machine, result, run, receivedAt);
        result = { ...result, commands: [...machine.commands], ...(failure ? { failure } : {}) };
      }
      if (result.failure) {
        machine.dispose();
        this.opts.log.warn(
          { workflowId: task.workflowId, runId: task.runId, error: result.failure.message },
          'workflow task failed: error in workflow code (retried)',
        );
        return {
          kind: 'workflowTaskFailed',
          taskToken: task.taskToken,
          cause: 'WORKFLOW_ERROR',
          failure: result.failure,
        };
      }
      const closing = result.commands.some((c) => TERMINAL_COMMANDS.has(c.type));
      const sticky = !closing && this.opts.maxCachedWorkflows > 0;
      if (sticky) this.put(task.runId, machine);
      else machine.dispose();
      return {
        kind: 'workflowTaskCompleted',
        taskToken: task.taskToken,
        commands: result.commands,
        ...this.stickyFields(sticky),
        ...(machine.sdkFlags ? { sdkFlags: machine.sdkFlags } : {}),
        ...(result.updateRejections?.length ? { updateRejections: result.updateRejections } : {}),
        ...(this.opts.buildId ? { buildId: this.opts.buildId } : {}),
      };
    } catch (e) {
      machine?.dispose();
      if (
        e instanceof DeterminismViolationError &&
        failsOnNondeterminism(failureErrorTypesOf(this.opts.sandbox.failureErrorTypes, task.workflowType))
      ) {
        // workflowFailureErrorTypes names it: the execution fails, not the task (Temporal's)
        this.opts.log.error(
          { workflowId: task.workflowId, runId: task.runId, error: e.message },
          'non-determinism: the workflow execution fails (workflowFailureErrorTypes)',
        );
        return {
          kind: 'workflowTaskCompleted',
          taskToken: task.taskToken,
          commands: [{ type: 'FailWorkflowExecution', failure: encodeFailure(e) }],
          sticky: false,
          ...(this.opts.buildId ? { buildId: this.opts.buildId } : {}),
        };
      }
      const cause = e instanceof DeterminismViolationError ? 'NON_DETERMINISTIC' : 'WORKFLOW_ERROR';
      this.opts.log.error(
        { workflowId: task.workflowId, runId: task.runId, cause, error: (e as Error).message },
        'workflow task failed (retried)',
      );
      return { kind: 'workflowTaskFailed', taskToken: task.taskToken, cause, failure: encodeFailure(e) };
    }
  }

  /** `sticky`, and with it the worker's sticky schedule-to-start timeout when it has one. */
  private stickyFields(sticky: boolean): { sticky: boolean; stickyScheduleToStartTimeoutMs?: number } {
    const ms = this.opts.stickyScheduleToStartMs;
    return sticky && ms !== undefined ? { sticky, stickyScheduleToStartTimeoutMs: ms } : { sticky };
  }

  private take(runId: string): WorkflowMachine | undefined {
    const m = this.cache.get(runId);
    if (m) this.cache.delete(runId);
    return m;
  }

  private put(runId: string, m: WorkflowMachine): void {
    this.cache.set(runId, m);
    while (this.cache.size > this.opts.maxCachedWorkflows) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.get(oldest)?.dispose();
      this.cache.delete(oldest);
    }
  }

  private serially<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.busy.get(runId) ?? Promise.resolve();
    const p = prev.then(fn);
    const tail = p.catch(() => {});
    this.busy.set(runId, tail);
    void tail.then(() => {
      if (this.busy.get(runId) === tail) this.busy.delete(runId);
    });
    return p;
  }

  private async fetchEvents(
    run: { namespace: string; workflowId: string; runId: string },
    toEventId = Infinity,
  ): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let from: number | undefined = 1;
    while (from !== undefined && from <= toEventId) {
      const page: HistoryResponse = await this.opts.transport.call<HistoryResponse>('workflowHistory', {
        params: { namespace: run.namespace, workflowId: run.workflowId },
        query: {
          runId: run.runId,
          fromEventId: from,
          ...(toEventId !== Infinity ? { maxEvents: toEventId - from + 1 } : {}),
        },
      });
      events.push(...page.events);
      from = page.nextEventId;
    }
    return events.filter((e) => e.eventId <= toEventId);
  }

  /** Drops every cached workflow. */
  clear(): void {
    for (const m of this.cache.values()) m.dispose();
    this.cache.clear();
  }
}
