/**
 * Waiting for many workflow results over few connections: every result() of a connection and namespace
 * joins one long-poll request per event-loop turn ("answer when any of these closes"); when it comes back,
 * the runs still open join the next request. A thousand waiting results then cost a handful of requests and
 * connections, not a thousand.
 */
import type { WaitResultsResponse, WorkflowResultResponse } from '../protocol/api.js';
import { ConnectionError, WorkflowNotFoundError, ServiceError } from './errors.js';
import type { Transport } from './transport.js';

const MAX_RUNS_PER_REQUEST = 1000;
const WAIT_MS = 50_000;
/** The server answers within WAIT_MS: a request with no answer this long is taken as lost and sent again. */
const GIVE_UP_MS = WAIT_MS + 30_000;

interface Pending {
  workflowId: string;
  runId: string | undefined;
  waiters: Array<{ resolve: (r: WorkflowResultResponse) => void; reject: (e: unknown) => void }>;
}

const key = (workflowId: string, runId: string | undefined): string => `${runId ?? ''}\u0000${workflowId}`;

export class ResultWaiter {
  private readonly pending = new Map<string, Pending>();
  /** Keys not in any request now. */
  private fresh = new Set<string>();
  private scheduled = false;

  constructor(
    private readonly transport: Transport,
    private readonly namespace: string,
  ) {}

  /** Resolves with the run's outcome once it closes. */
  wait(workflowId: string, runId: string | undefined): Promise<WorkflowResultResponse> {
    return new Promise((resolve, reject) => {
      const k = key(workflowId, runId);
      let p = this.pending.get(k);
      if (!p) {
        p = { workflowId, runId, waiters: [] };
        this.pending.set(k, p);
        this.fresh.add(k);
        this.schedule();
      }
      p.waiters.push({ resolve, reject });
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const keys = [...this.fresh];
      this.fresh.clear();
      for (let i = 0; i < keys.length; i += MAX_RUNS_PER_REQUEST)
        void this.send(keys.slice(i, i + MAX_RUNS_PER_REQUEST));
    });
  }

  private async send(keys: string[], attempt = 0): Promise<void> {
    const runs = keys.flatMap((k) => {
      const p = this.pending.get(k);
      return p ? [{ workflowId: p.workflowId, ...(p.runId ? { runId: p.runId } : {}) }] : [];
    });
    if (runs.length === 0) return;
    let res: WaitResultsResponse;
    try {
      res = await this.transport.call<WaitResultsResponse>(
        'waitWorkflowResults',
        { params: { namespace: this.namespace }, body: { runs, waitMs: WAIT_MS } },
        { retryForMs: 0, timeoutMs: GIVE_UP_MS },
      );
    } catch (e) {
      if (e instanceof ConnectionError && attempt < 60) {
        // the server is away (restarting?): try again with backoff, for about two minutes
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000)));
        return this.send(keys, attempt + 1);
      }
      for (const k of keys) this.settle(k, (w) => w.reject(e));
      return;
    }
    for (const r of res.results) {
      const k = key(r.workflowId, r.runId);
      if (r.outcome) {
        const outcome = r.outcome;
        this.settle(k, (w) => w.resolve(outcome));
      } else {
        const err =
          r.error?.code === 'WORKFLOW_NOT_FOUND'
            ? new WorkflowNotFoundError(r.error.message, r.workflowId, r.runId)
            : new ServiceError(r.error?.message ?? 'unknown error', r.error?.code ?? 'UNKNOWN', 400);
        this.settle(k, (w) => w.reject(err));
      }
    }
    // the rest wait on, with whatever arrived meanwhile
    for (const k of keys) if (this.pending.has(k)) this.fresh.add(k);
    if (this.fresh.size > 0) this.schedule();
  }

  private settle(k: string, fn: (w: Pending['waiters'][number]) => void): void {
    const p = this.pending.get(k);
    if (!p) return;
    this.pending.delete(k);
    this.fresh.delete(k);
    for (const w of p.waiters) fn(w);
  }
}

const waiters = new WeakMap<Transport, Map<string, ResultWaiter>>();

/** The result waiter of a transport and namespace (shared by every client and handle on that connection). */
export function resultWaiterFor(transport: Transport, namespace: string): ResultWaiter {
  let byNs = waiters.get(transport);
  if (!byNs) {
    byNs = new Map();
    waiters.set(transport, byNs);
  }
  let w = byNs.get(namespace);
  if (!w) {
    w = new ResultWaiter(transport, namespace);
    byNs.set(namespace, w);
  }
  return w;
}
