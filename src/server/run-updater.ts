/**
 * The one code path that changes runs: load (from the cache or the store) -> apply the engine to a private
 * copy -> commit events, tasks, timers and the visibility row in one store mutation -> then, only after the
 * commit, let the rest of the server act (wake pollers, arm timers, answer waiters).
 *
 * Operations on one run are pipelined: the cache takes the new state as soon as the engine has produced it,
 * so a second operation in the same event-loop turn builds on the first and both land in the same group
 * commit. If a commit fails, the cached entries are dropped and the store is read again.
 */
import { ApiError } from '../common/api-error.js';
import type { Transition } from '../engine/transition.js';
import { Transition as TransitionClass } from '../engine/transition.js';
import type { ExecutionState } from '../engine/state.js';
import { enforceHistoryLimits } from '../engine/limits.js';
import { startRun } from '../engine/start.js';
import { DEFAULT_HISTORY_LIMITS, type HistoryLimits } from '../engine/transition.js';
import { coreJson } from '../store/state-json.js';
import {
  StoreConflictError,
  StoreUnavailableError,
  type CurrentRunWrite,
  type ExecutionWrite,
  type ScheduleWrite,
  type Store,
} from '../store/store.js';
import type { Clock } from './clock.js';
import { appendRecent, sliceRecent, type RunCache } from './run-cache.js';
import type { HistoryEvent } from '../protocol/events.js';

export interface CommitItem {
  transition: Transition;
  /** Version the transition was based on; 0 for a new run. */
  baseVersion: number;
}

export type CommittedListener = (transitions: Transition[], schedules: ScheduleWrite[]) => void;

/** What a before-commit hook wants to hear about the commit it saw coming. */
export interface CommitOutcomeHandler {
  /** A promise delays the commit's caller until it settles (tasks handed out before the caller is answered). */
  committed(): void | Promise<unknown>;
  failed(): void;
}

/**
 * Runs synchronously after the engine and before the commit, and may add to the transition (sync match
 * starts a new task for a waiting poll in the same transition).
 */
export type BeforeCommitHook = (t: Transition) => CommitOutcomeHandler | undefined;

const MAX_CONFLICT_RETRIES = 20;

/** Returned by an `update` callback that decided not to change the run: nothing is written. */
export const NO_WRITE: unique symbol = Symbol('weft.noWrite');

export class RunUpdater {
  private readonly listeners: CommittedListener[] = [];
  private readonly hooks: BeforeCommitHook[] = [];
  /** History limits every transition applies (server configuration). */
  limits: HistoryLimits = DEFAULT_HISTORY_LIMITS;
  /** A namespace's own limits, when it has them (namespace records); else `limits`. */
  namespaceLimits: (namespace: string) => HistoryLimits | undefined = () => undefined;

  private limitsOf(namespace: string): HistoryLimits {
    return this.namespaceLimits(namespace) ?? this.limits;
  }
  /**
   * In a cluster, where the cached copy of a run may lag another server's commit whose notice has not been applied
   * yet: a task the cached run does not know (TASK_NOT_FOUND: a task to hand out, a completion, a heartbeat) is
   * looked for once more in the store before the caller hears it is gone. A live task dropped on a stale copy stayed
   * in the store with no server handing it out; a completion refused on one waited for its timeout.
   */
  rereadStaleTasks = false;
  /**
   * In a cluster: a transition is built only on a committed copy of its run, never on one of this server's writes
   * still being committed. Alone on its store a server may build on such a write (the next operation of a run
   * goes in the same group commit): if that write fails, the store is still at the version it replaced, so
   * whatever was built on it fails its version check too. With other writers that no longer holds: another
   * server may have moved the run to exactly the version the failed write would have made, and what was built on
   * that write would then pass the version check with the wrong run under it (a history with gaps, a state that
   * counts what was never written).
   */
  buildOnCommittedOnly = false;
  /**
   * Told of a commit that failed without saying whether it was written (its answer lost: the SQLite writer thread
   * died, a PostgreSQL connection broke while it ran). If it was written, what it added to the task queues and
   * the timers is known to the store alone: the server reads those again (ServerContext.reread), and the tasks
   * it started reached no worker (server/lost-starts.ts).
   */
  onUncertainCommit: ((e: unknown, transitions: readonly Transition[]) => void) | undefined;
  /** In a cluster: the notices each commit publishes to the other servers (ClusterSync). */
  noticesFor: ((items: readonly CommitItem[], schedules: readonly ScheduleWrite[]) => string[]) | undefined;

  constructor(
    private readonly store: Store,
    private readonly cache: RunCache,
    private readonly clock: Clock,
  ) {}

  onCommitted(listener: CommittedListener): void {
    this.listeners.push(listener);
  }

  beforeCommit(hook: BeforeCommitHook): void {
    this.hooks.push(hook);
  }

  /**
   * Drops the cached copy of a run, so the next read comes from the store; a write of this server still being
   * committed (newer than the store) is let land first.
   */
  async dropCached(runId: string): Promise<void> {
    const pending = this.cache.peek(runId)?.pending;
    if (pending) await pending;
    if (!this.cache.peek(runId)?.pending) this.cache.invalidate(runId);
  }

  /**
   * A private copy of the run's newest state, in a fresh Transition, with the version it is based on. Apply and
   * commit it in the same synchronous stretch (no await in between), or it may be stale by then and conflict.
   */
  async begin(runId: string): Promise<CommitItem> {
    for (;;) {
      await this.loadBase(runId);
      const item = this.beginLoaded(runId);
      if (item) return item;
    }
  }

  /**
   * Loads the run into the cache; with buildOnCommittedOnly, also waits out this server's writes of it in flight
   * (beginLoaded checks again: one may begin between this and the build).
   */
  private async loadBase(runId: string): Promise<void> {
    for (;;) {
      await this.cache.get(runId);
      const pending = this.buildOnCommittedOnly ? this.cache.peek(runId)?.pending : undefined;
      if (!pending) return;
      await pending;
    }
  }

  private beginLoaded(runId: string): CommitItem | undefined {
    const cached = this.cache.peek(runId);
    if (!cached) return undefined; // evicted meanwhile
    if (this.buildOnCommittedOnly && cached.pending) return undefined; // a write of ours began meanwhile
    // the core is copied; activity objects are shared, and copied by the engine before it changes one
    const copy = cached.json !== undefined ? (JSON.parse(cached.json) as ExecutionState) : cloneCore(cached.state);
    copy.activities = { ...cached.state.activities };
    copy.bufferedEvents = [...cached.state.bufferedEvents];
    const transition = new TransitionClass(copy, this.clock.now());
    transition.limits = this.limitsOf(copy.namespace);
    return { transition, baseVersion: cached.version };
  }

  /**
   * Applies `apply` to the run and commits what it did. `apply` runs synchronously on a private copy of the
   * newest state; if it throws, nothing is written. Retried from a fresh read when another writer got there first.
   */
  async update<R>(runId: string, apply: (t: Transition) => R): Promise<R> {
    let reread = false;
    let conflicts = 0;
    for (;;) {
      await this.loadBase(runId);
      // from here to the commit's cache update, nothing awaits: operations on one run apply in order
      const item = this.beginLoaded(runId);
      if (!item) continue;
      let result: R;
      try {
        result = apply(item.transition);
      } catch (e) {
        if (!this.rereadStaleTasks || reread || !(e instanceof ApiError && e.code === 'TASK_NOT_FOUND')) throw e;
        reread = true;
        await this.dropCached(runId);
        continue;
      }
      if (result === NO_WRITE) return result;
      try {
        await this.commit([item]);
        return result;
      } catch (e) {
        if (e instanceof StoreConflictError && conflicts++ < MAX_CONFLICT_RETRIES) continue;
        throw e;
      }
    }
  }

  /** Commits transitions of one or more runs (and current-run pointers, and schedules) atomically. */
  async commit(
    given: CommitItem[],
    givenCurrentRuns: CurrentRunWrite[] = [],
    schedules: ScheduleWrite[] = [],
  ): Promise<void> {
    const items = [...given];
    let currentRuns = givenCurrentRuns;
    for (let i = 0; i < items.length; i++) {
      const t = items[i]!.transition;
      t.limits = this.limitsOf(t.state.namespace);
      enforceHistoryLimits(t);
      const next = t.continuation;
      if (!next) continue;
      // the next run of the chain starts in the same commit, and the workflow id points at it
      const nt = startRun(next, t.now);
      nt.limits = this.limitsOf(nt.state.namespace);
      items.push({ transition: nt, baseVersion: 0 });
      currentRuns = [
        ...currentRuns,
        {
          namespace: next.namespace,
          workflowId: next.workflowId,
          runId: next.runId,
          status: 'Running',
          expectedRunId: t.state.runId,
        },
      ];
    }
    const handlers: CommitOutcomeHandler[] = [];
    try {
      for (const { transition } of items)
        for (const hook of this.hooks) {
          const h = hook(transition);
          if (h) handlers.push(h);
        }
      await this.write(items, currentRuns, schedules);
    } catch (e) {
      for (const h of handlers) h.failed();
      throw e;
    }
    let handedOut: Array<Promise<unknown>> | undefined;
    for (const h of handlers) {
      const p = h.committed();
      if (p) (handedOut ??= []).push(p);
    }
    if (handedOut) await Promise.all(handedOut);
  }

  private async write(items: CommitItem[], currentRuns: CurrentRunWrite[], schedules: ScheduleWrite[]): Promise<void> {
    // events are serialised once, here: the store writes these strings, and their sizes are the history's size
    const eventsJson = items.map(({ transition: t }) => {
      const out = t.events.map((e) => JSON.stringify(e));
      if (out.length > 0) {
        let bytes = t.state.historySizeBytes ?? 0;
        for (const j of out) bytes += j.length;
        t.state.historySizeBytes = bytes;
      }
      return out;
    });
    const json = items.map(({ transition: t }) => coreJson(t.state));
    const writes: ExecutionWrite[] = items.map(({ transition: t, baseVersion }, i) => ({
      state: t.state,
      coreJson: json[i]!,
      activitiesChanged: [...t.activitiesChanged],
      activitiesRemoved: [...t.activitiesRemoved],
      bufferedEvents: t.buffered,
      ...(t.searchAttributesChanged ? { searchAttributesChanged: true } : {}),
      expectedVersion: baseVersion,
      newEvents: t.events,
      newEventsJson: eventsJson[i]!,
      tasksRemoved: t.tasksRemoved,
      tasksAdded: t.tasksAdded,
      timersRemoved: t.timersRemoved,
      timersAdded: t.timersAdded,
      closed: t.closed,
    }));
    // optimistic: later operations in this turn build on these states; readers that answer callers wait for
    // the commit (RunCache.getCommitted)
    let settle!: (durable: boolean) => void;
    const pending = new Promise<boolean>((resolve) => (settle = resolve));
    const entries = items.map(({ transition: t, baseVersion }, i) => {
      const recent = appendRecent(baseVersion === 0 ? undefined : this.cache.peek(t.state.runId)?.recent, t.events);
      this.cache.put(t.state.runId, {
        state: t.state,
        version: baseVersion + 1,
        json: json[i]!,
        ...(recent ? { recent } : {}),
        pending,
      });
      return this.cache.peek(t.state.runId)!;
    });
    try {
      const notices = this.noticesFor?.(items, schedules);
      await this.store.commit({
        executions: writes,
        currentRuns,
        ...(schedules.length ? { schedules } : {}),
        ...(notices?.length ? { notices } : {}),
      });
    } catch (e) {
      for (const { transition: t } of items) this.cache.invalidate(t.state.runId);
      settle(false);
      const notWritten = e instanceof StoreConflictError || (e instanceof StoreUnavailableError && !e.outcomeUnknown);
      if (!notWritten)
        this.onUncertainCommit?.(
          e,
          items.map((i) => i.transition),
        );
      throw e;
    }
    for (const entry of entries) if (entry.pending === pending) delete entry.pending;
    settle(true);
    const transitions = items.map((i) => i.transition);
    for (const l of this.listeners) l(transitions, schedules);
  }

  now(): number {
    return this.clock.now();
  }

  /** Events from..to of a run, from memory when the cache holds them, else from the store. */
  async readEvents(runId: string, from: number, to: number): Promise<HistoryEvent[]> {
    return sliceRecent(this.cache.peek(runId)?.recent, from, to) ?? this.store.readEvents(runId, from, to);
  }
}

/** A deep copy of a run's state without its activities. */
function cloneCore(s: ExecutionState): ExecutionState {
  return JSON.parse(coreJson(s)) as ExecutionState;
}
