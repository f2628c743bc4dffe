/** Workers seen by the server: who polls which task queue, with which build id, and when it was last seen. */
export interface PollerInfo {
  identity: string;
  buildId?: string;
  lastAccessTime: number;
  firstSeenTime: number;
  /** Polls waiting right now. */
  activePolls: number;
  /** The workflow types the worker said it serves (absent: it did not say, e.g. an older worker). */
  workflowTypes?: string[];
  /** The worker object's random key (absent: an older worker, which does not send one). */
  instanceKey?: string;
}

const key = (namespace: string, taskQueue: string): string => `${namespace}\u0000${taskQueue}`;

/**
 * How long a worker asked to stop by identity is still told to stop. A worker that sends its instance key is told
 * only while it is that worker object: one started again with the same identity (a container's `1@hostname`) has
 * a new key, and polls on.
 */
const STOP_REMEMBERED_MS = 10 * 60_000;

export class PollerRegistry {
  private readonly byQueue = new Map<string, Map<string, PollerInfo>>();
  /**
   * Stop requests (`weft worker stop`, a worker's own shutdown) per queue: identities (with when they were asked)
   * and "every worker seen before" a time.
   */
  private readonly stopRequests = new Map<
    string,
    { identities: Map<string, { at: number; instanceKey?: string }>; allSeenBefore?: number }
  >();

  touch(
    namespace: string,
    taskQueue: string,
    identity: string,
    now: number,
    buildId?: string,
    workflowTypes?: string[],
    instanceKey?: string,
  ): PollerInfo {
    let q = this.byQueue.get(key(namespace, taskQueue));
    if (!q) {
      q = new Map();
      this.byQueue.set(key(namespace, taskQueue), q);
    }
    let p = q.get(identity);
    if (!p) {
      p = { identity, lastAccessTime: now, firstSeenTime: now, activePolls: 0 };
      q.set(identity, p);
    } else if (instanceKey !== undefined && p.instanceKey !== undefined && p.instanceKey !== instanceKey) {
      // another worker object with the same identity (started again): a new worker from now on
      p.firstSeenTime = now;
      delete p.buildId;
      delete p.workflowTypes;
    }
    if (instanceKey !== undefined) p.instanceKey = instanceKey;
    p.lastAccessTime = now;
    if (buildId !== undefined) p.buildId = buildId;
    if (workflowTypes !== undefined) p.workflowTypes = workflowTypes;
    return p;
  }

  /** Records activity of a worker on any queue it polls (task completions, heartbeats). */
  seen(namespace: string, identity: string, now: number): void {
    const prefix = `${namespace}\u0000`;
    for (const [k, q] of this.byQueue) {
      if (!k.startsWith(prefix)) continue;
      const p = q.get(identity);
      if (p) p.lastAccessTime = now;
    }
  }

  /** Whether a worker polls the queue now, or did within `withinMs` (it is between two polls). */
  hasRecentPoller(namespace: string, taskQueue: string, now: number, withinMs: number): boolean {
    const q = this.byQueue.get(key(namespace, taskQueue));
    if (!q) return false;
    for (const p of q.values()) if (p.activePolls > 0 || now - p.lastAccessTime <= withinMs) return true;
    return false;
  }

  /** The task queues of a namespace that pollers were seen on (their pollers may since have expired). */
  taskQueues(namespace: string): string[] {
    const prefix = `${namespace}\u0000`;
    const out: string[] = [];
    for (const k of this.byQueue.keys()) if (k.startsWith(prefix)) out.push(k.slice(prefix.length));
    return out;
  }

  list(namespace: string, taskQueue: string, now: number, expiryMs: number): PollerInfo[] {
    const q = this.byQueue.get(key(namespace, taskQueue));
    if (!q) return [];
    const out: PollerInfo[] = [];
    for (const [id, p] of q) {
      if (p.activePolls === 0 && now - p.lastAccessTime > expiryMs) q.delete(id);
      else out.push({ ...p });
    }
    return out;
  }

  /**
   * Asks a worker (by identity; with `instanceKey`, only that worker object; without, the worker objects with
   * that identity seen until now) or every worker seen until now to stop.
   */
  requestStop(
    namespace: string,
    taskQueue: string,
    identity: string | undefined,
    now: number,
    instanceKey?: string,
  ): void {
    const k = key(namespace, taskQueue);
    let r = this.stopRequests.get(k);
    if (!r) {
      r = { identities: new Map() };
      this.stopRequests.set(k, r);
    }
    if (identity === undefined) r.allSeenBefore = now;
    else {
      // every poll of that worker is answered "stop" (it may have several waiting), until it is long gone
      for (const [id, s] of r.identities) if (now - s.at > STOP_REMEMBERED_MS) r.identities.delete(id);
      r.identities.set(identity, instanceKey === undefined ? { at: now } : { at: now, instanceKey });
    }
  }

  /** Whether this worker was asked to stop. A worker that starts after a stop-all request is not. */
  shouldStop(namespace: string, taskQueue: string, identity: string, instanceKey?: string): boolean {
    const r = this.stopRequests.get(key(namespace, taskQueue));
    if (!r) return false;
    const q = this.byQueue.get(key(namespace, taskQueue));
    const p = q?.get(identity);
    const asked = r.identities.get(identity);
    const stop =
      (asked !== undefined &&
        (asked.instanceKey !== undefined
          ? asked.instanceKey === instanceKey // a worker object that stopped itself: that object only
          : // by identity: a worker without a key (an older one) whenever; one with a key if seen by then
            instanceKey === undefined || (p !== undefined && p.firstSeenTime <= asked.at))) ||
      (r.allSeenBefore !== undefined && p !== undefined && p.firstSeenTime <= r.allSeenBefore);
    // a worker without a key is forgotten once stopped, so one started again with its identity counts as new
    // for a stop of every worker (its key tells that apart otherwise)
    if (stop && p && p.instanceKey === undefined && p.activePolls <= 1) q?.delete(identity);
    return stop;
  }
}
