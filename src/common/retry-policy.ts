/**
 * Retry policy math, shared by the server (activity and workflow retries) and the worker (local activities).
 * Defaults from the contract: 1s initial, x2.0, maximum interval 100 x initial, unlimited attempts.
 */
import { toMs, type Duration } from './duration.js';
import type { FailureInfo, RetryState } from './failure.js';

export interface RetryPolicy {
  initialInterval?: Duration;
  backoffCoefficient?: number;
  maximumInterval?: Duration;
  /** 0 (the default) or `Infinity` (Temporal's spelling) means unlimited. */
  maximumAttempts?: number;
  nonRetryableErrorTypes?: string[];
}

/** A policy with every field resolved, as the server stores it. */
export interface ResolvedRetryPolicy {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
  nonRetryableErrorTypes: string[];
}

export class InvalidRetryPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRetryPolicyError';
  }
}

/**
 * The policy as it goes on the wire: Temporal's `maximumAttempts: Infinity` (unlimited, which JSON cannot carry)
 * is left out, which means the same.
 */
export function wireRetryPolicy<P extends { maximumAttempts?: number }>(p: P): P {
  if (p.maximumAttempts !== Number.POSITIVE_INFINITY) return p;
  const { maximumAttempts: _unlimited, ...rest } = p;
  return rest as P;
}

export function resolveRetryPolicy(p: RetryPolicy | undefined, field = 'retry'): ResolvedRetryPolicy {
  const initialIntervalMs =
    p?.initialInterval !== undefined ? toMs(p.initialInterval, `${field}.initialInterval`) : 1000;
  if (initialIntervalMs <= 0) throw new InvalidRetryPolicyError(`${field}.initialInterval must be positive`);
  const backoffCoefficient = p?.backoffCoefficient ?? 2;
  if (typeof backoffCoefficient !== 'number' || !Number.isFinite(backoffCoefficient) || backoffCoefficient < 1)
    throw new InvalidRetryPolicyError(`${field}.backoffCoefficient must be a number >= 1`);
  const maximumIntervalMs =
    p?.maximumInterval !== undefined ? toMs(p.maximumInterval, `${field}.maximumInterval`) : 100 * initialIntervalMs;
  if (maximumIntervalMs < initialIntervalMs)
    throw new InvalidRetryPolicyError(`${field}.maximumInterval must be >= initialInterval`);
  const maximumAttempts = p?.maximumAttempts ?? 0;
  if (!Number.isInteger(maximumAttempts) || maximumAttempts < 0)
    throw new InvalidRetryPolicyError(`${field}.maximumAttempts must be an integer >= 0 (0 = unlimited)`);
  const nonRetryableErrorTypes = p?.nonRetryableErrorTypes ?? [];
  if (!Array.isArray(nonRetryableErrorTypes) || nonRetryableErrorTypes.some((t) => typeof t !== 'string'))
    throw new InvalidRetryPolicyError(`${field}.nonRetryableErrorTypes must be an array of strings`);
  return { initialIntervalMs, backoffCoefficient, maximumIntervalMs, maximumAttempts, nonRetryableErrorTypes };
}

/** Delay before attempt `attempt + 1`, after `attempt` (1-based) failed. */
export function backoffMs(policy: ResolvedRetryPolicy, attempt: number): number {
  const raw = policy.initialIntervalMs * Math.pow(policy.backoffCoefficient, Math.max(0, attempt - 1));
  return Math.min(Math.round(raw), policy.maximumIntervalMs);
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; retryState: RetryState };

/**
 * Whether a failed attempt is retried. `deadline` (epoch ms) is the schedule-to-close or execution deadline,
 * when there is one: a retry that would start after it is not made.
 */
export function decideRetry(
  policy: ResolvedRetryPolicy | undefined,
  attempt: number,
  failure: FailureInfo,
  now: number,
  deadline?: number,
): RetryDecision {
  if (!policy) return { retry: false, retryState: 'RETRY_POLICY_NOT_SET' };
  if (failure.nonRetryable) return { retry: false, retryState: 'NON_RETRYABLE_FAILURE' };
  if (failure.kind === 'cancelled' || failure.kind === 'terminated')
    return { retry: false, retryState: 'NON_RETRYABLE_FAILURE' };
  const type = failure.kind === 'timeout' ? undefined : failure.type;
  if (type !== undefined && policy.nonRetryableErrorTypes.includes(type))
    return { retry: false, retryState: 'NON_RETRYABLE_FAILURE' };
  if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts)
    return { retry: false, retryState: 'MAXIMUM_ATTEMPTS_REACHED' };
  const delayMs = backoffMs(policy, attempt);
  if (deadline !== undefined && now + delayMs >= deadline) return { retry: false, retryState: 'TIMEOUT' };
  return { retry: true, delayMs };
}
