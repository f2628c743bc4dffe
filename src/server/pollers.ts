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
  /** The instance key of the worker object that polled last with this identity (absent: an older worker). */
  instanceKey?: string;
}

const key = (namespace: string, taskQueue: string): string => `${namespace}\u0000${taskQueue}`;

/**
 * How long a worker asked to stop is still told to stop: by identity (`weft worker stop --identity`), or by
 * instance key (a worker object that stopped itself).
 */
const STOP_REMEMBERED_MS = 10 * 60_000;
/** Worker objects that stopped themselves, remembered at most (oldest forgotten first). */
const MAX_STOPPED_OBJECTS = 100_000;

export class PollerRegistry {
  private readonly byQueue = new Map<string, Map<string, PollerInfo>>();
  /**
   * Stop requests (`weft worker stop`, a worker's own shutdown) per queue: identities (with when they were asked)
   * and "every worker seen before" a time.
   */
  private readonly stopRequests = new Map<string, { identities: Map<string, number>; allSeenBefore?: number }>();
  /**
   * Worker objects that stopped themselves (`shutdownWorker`), by their instance key (random per object), with
   * when: their later polls are told to stop too. Only the polls carrying that key: another object with the same
   * identity (one started again, a container's `1@hostname`) polls on.
   */
  private readonly stoppedObjects = new Map<string, number>();

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
    }
    p.lastAccessTime = now;
    if (buildId !== undefined) p.buildId = buildId;
    if (workflowTypes !== undefined) p.workflowTypes = workflowTypes;
    if (instanceKey !== undefined) p.instanceKey = instanceKey;
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

  requestStop(namespace: string, taskQueue: string, identity: string | undefined, now: number): void {
    const k = key(namespace, taskQueue);
    let r = this.stopRequests.get(k);
    if (!r) {
      r = { identities: new Map() };
      this.stopRequests.set(k, r);
    }
    if (identity === undefined) r.allSeenBefore = now;
    else {
      // every poll of that worker is answered "stop" (it may have several waiting), until it is long gone
      for (const [id, at] of r.identities) if (now - at > STOP_REMEMBERED_MS) r.identities.delete(id);
      r.identities.set(identity, now);
    }
  }

  /**
   * A worker object stopping itself: the polls that carry its instance key are told to stop, and its entry goes
   * when that object polled last (one started again with its identity is a new worker, for a later stop of every
   * worker too; a key that is not the entry's changes nothing of it).
   */
  requestStopOf(namespace: string, taskQueue: string, identity: string, instanceKey: string, now: number): void {
    const q = this.byQueue.get(key(namespace, taskQueue));
    if (q?.get(identity)?.instanceKey === instanceKey) q.delete(identity);
    for (const [k, at] of this.stoppedObjects) {
      if (now - at <= STOP_REMEMBERED_MS && this.stoppedObjects.size < MAX_STOPPED_OBJECTS) break;
      this.stoppedObjects.delete(k); // oldest first (a Map keeps insertion order)
    }
    this.stoppedObjects.delete(instanceKey);
    this.stoppedObjects.set(instanceKey, now);
  }

  /** Whether this worker was asked to stop. A worker that starts after a stop-all request is not. */
  shouldStop(namespace: string, taskQueue: string, identity: string, instanceKey?: string): boolean {
    const r = this.stopRequests.get(key(namespace, taskQueue));
    const q = this.byQueue.get(key(namespace, taskQueue));
    const p = q?.get(identity);
    const stop =
      (instanceKey !== undefined && this.stoppedObjects.has(instanceKey)) ||
      (r !== undefined &&
        (r.identities.has(identity) ||
          (r.allSeenBefore !== undefined && p !== undefined && p.firstSeenTime <= r.allSeenBefore)));
    // forget the stopped worker: one restarted with the same identity is a new worker
    if (stop && p && p.activePolls <= 1) q?.delete(identity);
    return stop;
  }
}
