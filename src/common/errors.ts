/**
 * Temporal's plain error classes (`@temporalio/common`'s errors, and `WorkflowError` of `@temporalio/workflow`), so
 * that code catching or throwing them ports by changing its imports. Branded like the failures: `instanceof` holds
 * across the workflow sandbox's realm.
 */
import { brand, DeterminismViolationError } from './failure.js';

/** Code received a value it cannot handle (Temporal's). */
export class ValueError extends Error {
  constructor(
    message: string | undefined,
    public override readonly cause?: unknown,
  ) {
    super(message ?? undefined);
  }
}
brand(ValueError, 'ValueError');

/** A payload converter is misconfigured (Temporal's; Weft's converter is fixed, so Weft itself never throws it). */
export class PayloadConverterError extends ValueError {}
brand(PayloadConverterError, 'PayloadConverterError');

/** An operation that the object's current state does not allow (Temporal's). */
export class IllegalStateError extends Error {}
brand(IllegalStateError, 'IllegalStateError');

/** The namespace is not known to the server (Temporal's). */
export class NamespaceNotFoundError extends Error {
  constructor(public readonly namespace: string) {
    super(`Namespace not found: '${namespace}'`);
  }
}
brand(NamespaceNotFoundError, 'NamespaceNotFoundError');

/** The base of errors raised by the workflow runtime (Temporal's); a `DeterminismViolationError` is one too. */
export class WorkflowError extends Error {}
brand(WorkflowError, 'WorkflowError');
// Weft's DeterminismViolationError is a WeftFailure; it also answers `instanceof WorkflowError`, as Temporal's does
Object.defineProperty(DeterminismViolationError.prototype, Symbol.for('weft.failure.WorkflowError'), { value: true });
