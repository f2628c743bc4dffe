/**
 * Group commit: the commit() calls that arrive during one turn of the event loop are written in ONE
 * transaction (one fsync), then all of them are settled. Durability and throughput stop fighting: under load
 * each fsync carries every mutation that queued while the previous one ran.
 *
 * The batch itself runs synchronously (better-sqlite3 is synchronous): no transaction is ever open across an
 * await. `setImmediate` runs after the I/O callbacks of the current loop turn, so everything those callbacks
 * committed lands in the same batch.
 */

/** What a batch reports for each item: undefined when it committed, else why it alone failed. */
export type BatchOutcome = Array<Error | undefined>;

/** Writes the batch in one transaction; throws when the whole transaction failed (nothing committed). */
export type BatchWriter<T> = (items: readonly T[]) => BatchOutcome;

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class GroupCommitter<T> {
  private queue: Array<Pending<T>> = [];
  private scheduled: ReturnType<typeof setImmediate> | undefined;
  private closedError: Error | undefined;
  /** Batches written and items in them, for metrics (items / batches is the group-commit factor). */
  readonly stats = { batches: 0, items: 0 };

  constructor(private readonly write: BatchWriter<T>) {}

  /** Number of items waiting for the next flush. */
  get pending(): number {
    return this.queue.length;
  }

  submit(item: T): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.scheduled ??= setImmediate(this.flush);
    });
  }

  /** Writes whatever is queued now, synchronously (the promises settle on the microtask queue). */
  readonly flush = (): void => {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.stats.batches++;
    this.stats.items += batch.length;
    let outcome: BatchOutcome;
    try {
      outcome = this.write(batch.map((p) => p.item));
    } catch (err) {
      for (const p of batch) p.reject(err as Error);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const err = outcome[i];
      if (err) batch[i]!.reject(err);
      else batch[i]!.resolve();
    }
  };

  /** Flushes what is queued, then rejects every later submit with `err`. */
  close(err: Error): void {
    this.flush();
    this.closedError = err;
  }
}
