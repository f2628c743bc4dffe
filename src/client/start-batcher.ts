/**
 * Starts sent together: the starts a client makes in one event-loop turn (a closed loop that starts the next
 * workflows as results come back, a burst) go in one `startWorkflows` request, each answered on its own, so a
 * thousand starts cost a handful of requests. A lone start goes as a plain `startWorkflow`. Starts that wait
 * for a result, start eagerly, or carry their own abort signal or retry budget always go alone. A server
 * without the batch route (an older one) gets plain starts from then on; a batch over the server's body limit
 * is sent again one start at a time.
 */
import type { StartWorkflowResponse, StartWorkflowsResponse } from '../protocol/api.js';
import { ServiceError, toServiceError } from './errors.js';
import type { CallOptions, CallRequest } from './transport.js';

const MAX_STARTS_PER_REQUEST = 100;

interface Queued {
  req: CallRequest;
  resolve: (r: StartWorkflowResponse) => void;
  reject: (e: unknown) => void;
}

type Send = <T>(op: 'startWorkflow' | 'startWorkflows', req: CallRequest) => Promise<T>;

export class StartBatcher {
  private queue: Queued[] = [];
  private scheduled = false;
  private supported = true;

  constructor(private readonly send: Send) {}

  /** Whether this start may wait for the turn's others. */
  takes(req: CallRequest, opts: CallOptions): boolean {
    const body = req.body as { waitMs?: unknown; eagerWorkflowTask?: unknown } | undefined;
    return (
      this.supported &&
      opts.signal === undefined &&
      opts.retryForMs === undefined &&
      body !== undefined &&
      body.waitMs === undefined &&
      body.eagerWorkflowTask === undefined
    );
  }

  add<T>(req: CallRequest): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ req, resolve: resolve as (r: StartWorkflowResponse) => void, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const byNamespace = new Map<string, Queued[]>();
    for (const q of this.queue.splice(0)) {
      const ns = q.req.params['namespace'] ?? '';
      const group = byNamespace.get(ns) ?? [];
      group.push(q);
      byNamespace.set(ns, group);
    }
    for (const group of byNamespace.values())
      for (let i = 0; i < group.length; i += MAX_STARTS_PER_REQUEST)
        void this.sendGroup(group.slice(i, i + MAX_STARTS_PER_REQUEST));
  }

  private async sendGroup(group: Queued[]): Promise<void> {
    if (group.length === 1 || !this.supported) return this.oneByOne(group);
    let res: StartWorkflowsResponse;
    try {
      res = await this.send<StartWorkflowsResponse>('startWorkflows', {
        params: group[0]!.req.params,
        body: { starts: group.map((q) => q.req.body) },
      });
    } catch (e) {
      if (e instanceof ServiceError && (e.code === 'NOT_FOUND' || e.status === 405 || e.status === 413)) {
        if (e.status !== 413) this.supported = false; // no such route: a server from before it
        return this.oneByOne(group);
      }
      for (const q of group) q.reject(e);
      return;
    }
    group.forEach((q, i) => {
      const r = res.results[i];
      if (!r) q.reject(new ServiceError('the server answered fewer starts than it was sent', 'UNKNOWN', 500));
      else if (r.ok) q.resolve(r.start);
      else q.reject(toServiceError(r.status, { error: r.error }));
    });
  }

  private async oneByOne(group: Queued[]): Promise<void> {
    await Promise.all(
      group.map((q) => this.send<StartWorkflowResponse>('startWorkflow', q.req).then(q.resolve, q.reject)),
    );
  }
}
