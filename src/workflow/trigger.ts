/**
 * `Trigger` (Temporal's): a promise-like with its own `resolve` and `reject`, for one part of a workflow (a signal
 * handler, say) to wake another. It belongs to the cancellation scope current when it is made: cancelling that
 * scope (if cancellable) rejects it with the scope's `CancelledFailure`.
 */
import { CancellationScope } from './cancellation-scope.js';

export class Trigger<T> implements PromiseLike<T> {
  readonly resolve: (value: T | PromiseLike<T>) => void;
  readonly reject: (reason?: unknown) => void;
  protected readonly promise: Promise<T>;

  constructor() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    this.promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.resolve = resolve;
    this.reject = reject;
    const scope = CancellationScope.current();
    if (scope.cancellable) scope.cancelRequested.catch(reject);
    this.promise.catch(() => undefined); // a trigger nobody awaits is no unhandled rejection
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): PromiseLike<R1 | R2> {
    return this.promise.then(onfulfilled, onrejected);
  }
}
