/**
 * Group commit: commit() calls are written in batches, one transaction and one fsync per batch, and each is
 * settled when its batch is durable. While a batch is being written (on the writer thread, so the event loop
 * goes on), new commits queue up; they all go in the next batch. Under load each fsync therefore carries
 * everything that arrived while the previous one ran: durability and throughput stop fighting.
 */

/** What a batch reports for each item: undefined when it committed, else why it alone failed. */
export type BatchOutcome = Array<Error | undefined>;

/** Writes a batch in one transaction; rejects when the whole transaction failed (nothing committed). */
export interface BatchSink<T> {
  write(items: T[]): Promise<BatchOutcome>;
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GroupCommitter<T> {
  private queue: Array<Pending<T>> = [];
  private scheduled = false;
  private writing: Promise<void> | undefined;
  private closedError: Error | undefined;
  /** Batches written and items in them (items / batches is the group-commit factor). */
  readonly stats = { batches: 0, items: 0 };

  constructor(private readonly sink: BatchSink<T>) {}

  /** Number of items waiting for the next batch. */
  get pending(): number {
    return this.queue.length;
  }

  submit(item: T): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.scheduled && !this.writing) {
        // gather what the rest of this event-loop turn commits too
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    if (this.writing || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.stats.batches++;
    this.stats.items += batch.length;
    this.writing = this.sink
      .write(batch.map((p) => p.item))
      .then(
        (outcome) => {
          for (let i = 0; i < batch.length; i++) {
            const err = outcome[i];
            if (err) batch[i]!.reject(err);
            else batch[i]!.resolve();
          }
        },
        (err: unknown) => {
          for (const p of batch) p.reject(err instanceof Error ? err : new Error(String(err)));
        },
      )
      .finally(() => {
        this.writing = undefined;
        this.flush(); // what queued meanwhile goes at once
      });
  }

  /** Writes what is queued, waits for it, then rejects every later submit with `err`. */
  async close(err: Error): Promise<void> {
    this.closedError = err;
    while (this.writing || this.queue.length > 0) {
      this.flush();
      await this.writing;
    }
  }
}
