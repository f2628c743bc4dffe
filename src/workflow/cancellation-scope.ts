/**
 * Cancellation scopes, as in Temporal: every activity, timer and condition belongs to the scope current when
 * it started; cancelling a scope cancels what it holds and its cancellable children. The current scope
 * follows async code through AsyncLocalStorage, which the worker hands into the sandbox.
 */
import { CancelledFailure } from '../common/failure.js';
import type { Duration } from '../common/duration.js';
import { currentActivator } from './internal/current.js';
import { SdkFlags } from './internal/sdk-flags.js';
import { timerMs } from './internal/timer-ms.js';

interface Storage<T> {
  run<R>(store: T, fn: () => R): R;
  getStore(): T | undefined;
}

function createStorage(): Storage<CancellationScope> {
  // One AsyncLocalStorage per sandbox, shared by every run in it (the worker puts it there): each live
  // instance costs every promise in the process a little, so one per run would not scale.
  const shared = (globalThis as { __weftScopeStorage?: Storage<CancellationScope> }).__weftScopeStorage;
  if (shared) return shared;
  // outside the sandbox (type checks, unit tests of helpers): synchronous scoping only
  let current: CancellationScope | undefined;
  return {
    run(store, fn) {
      const prev = current;
      current = store;
      try {
        return fn();
      } finally {
        current = prev;
      }
    },
    getStore: () => current,
  };
}

const storage = createStorage();
/** Set while a run's root scope is built: it has no parent. */
let buildingRoot = false;

export interface CancellationScopeOptions {
  /** false: cancellation of the parent does not reach this scope (cleanup code). Default true. */
  cancellable?: boolean;
  /** The scope cancels itself after this long. */
  timeout?: Duration;
  parent?: CancellationScope;
}

export class CancellationScope {
  readonly cancellable: boolean;
  readonly parent: CancellationScope | undefined;
  readonly timeoutMs: number | undefined;
  /** Rejects with a CancelledFailure once the scope is cancelled. */
  readonly cancelRequested: Promise<never>;
  private rejectCancel!: (e: CancelledFailure) => void;
  private cancelled = false;

  constructor(opts: CancellationScopeOptions = {}) {
    this.cancellable = opts.cancellable ?? true;
    this.timeoutMs = opts.timeout !== undefined ? timerMs(opts.timeout, 'timeout') : undefined;
    this.parent = opts.parent ?? (buildingRoot ? undefined : CancellationScope.current());
    this.cancelRequested = new Promise<never>((_, reject) => {
      this.rejectCancel = reject;
    });
    this.cancelRequested.catch(() => {}); // a cancellation nobody waits on is not an unhandled rejection
    if (this.cancellable && this.parent) {
      if (this.parent.consideredCancelled) this.cancel();
      else
        this.parent.cancelRequested.catch((e: unknown) =>
          this.cancel(e instanceof CancelledFailure ? e.message : undefined),
        );
    }
  }

  /** Cancelled, and cancellable: new work in this scope is refused. */
  get consideredCancelled(): boolean {
    return this.cancelled && this.cancellable;
  }

  cancel(reason?: string): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.rejectCancel(new CancelledFailure(reason ?? 'Cancellation scope cancelled'));
  }

  /** Runs fn with this scope current; with a timeout, cancels the scope when it passes. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return storage.run(this, async () => {
      // a timeout of 0 means none, as in Temporal (SdkFlags.TimerDurationsAsTemporal)
      if (
        this.timeoutMs === undefined ||
        (this.timeoutMs === 0 && currentActivator().hasFlag(SdkFlags.TimerDurationsAsTemporal))
      )
        return fn();
      const timer = currentActivator().startTimer(this.timeoutMs, this.parent ?? this);
      timer.promise.then(
        () => this.cancel('Timeout'),
        () => {},
      );
      try {
        return await fn();
      } finally {
        timer.cancel();
      }
    });
  }

  static current(): CancellationScope {
    return storage.getStore() ?? currentActivator().rootScope;
  }

  static cancellable<T>(fn: () => Promise<T>): Promise<T> {
    return new CancellationScope({ cancellable: true }).run(fn);
  }

  static nonCancellable<T>(fn: () => Promise<T>): Promise<T> {
    return new CancellationScope({ cancellable: false }).run(fn);
  }

  static withTimeout<T>(timeout: Duration, fn: () => Promise<T>): Promise<T> {
    return new CancellationScope({ cancellable: true, timeout }).run(fn);
  }
}

/** A run's root scope: cancelled when the workflow is asked to cancel. */
export function createRootScope(): CancellationScope {
  buildingRoot = true;
  try {
    return new CancellationScope();
  } finally {
    buildingRoot = false;
  }
}

export function runInScope<T>(scope: CancellationScope, fn: () => T): T {
  return storage.run(scope, fn);
}
