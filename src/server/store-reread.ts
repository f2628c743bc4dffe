/**
 * Rereads what the server holds in memory over its store (task queues, timers) when something may have changed
 * there unheard: the cluster link came back after a gap (notices lost), or a commit failed without saying whether
 * it was written. One reread at a time; a request while one runs makes another follow it (what the running one
 * read may predate the cause of the new request); a reread the store does not answer is tried again, less and
 * less often.
 */
import type { Logger } from '../common/logger.js';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

export class StoreReread {
  private running: Promise<void> | undefined;
  private wanted = false;

  constructor(
    private readonly reread: () => Promise<void>,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
  ) {}

  /** A reread is running (or waiting to try again). */
  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Asks for a reread; resolves once one begun after this call has completed, or the server stops. */
  request(): Promise<void> {
    this.wanted = true;
    this.running ??= this.loop().finally(() => (this.running = undefined));
    return this.running;
  }

  private async loop(): Promise<void> {
    let retryMs = FIRST_RETRY_MS;
    let failures = 0;
    while (this.wanted && !this.signal.aborted) {
      this.wanted = false;
      try {
        await this.reread();
        retryMs = FIRST_RETRY_MS;
      } catch (err) {
        // the store is still away: logged once, tried again up to every 5 s
        if (failures++ === 0) this.log.warn({ err }, 'rereading task queues and timers failed; trying again');
        this.wanted = true;
        await new Promise((r) => setTimeout(r, retryMs).unref());
        retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
      }
    }
  }
}
