/**
 * A token bucket: `perSecond` tokens a second, at most max(1, perSecond) saved up. A worker's
 * `maxActivitiesPerSecond` (its activity poll asks for no more tasks than there are whole tokens, so it never
 * receives an activity it may not start yet; tokens a poll did not use are given back), and the server's limit of
 * a task queue's activity dispatch (`maxTaskQueueActivitiesPerSecond`, src/server/matching.ts).
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly burst: number;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.burst = Math.max(1, perSecond);
    this.tokens = this.burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
  }

  /** Takes up to n whole tokens; returns how many it took. */
  take(n: number): number {
    this.refill();
    const k = Math.max(0, Math.min(n, Math.floor(this.tokens)));
    this.tokens -= k;
    return k;
  }

  giveBack(n: number): void {
    if (n > 0) this.tokens = Math.min(this.burst, this.tokens + n);
  }

  /** Milliseconds until a whole token is there (0 if one is). */
  msUntilToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }
}
