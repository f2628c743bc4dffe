/**
 * Where group commit sends its batches: the main thread's connection (inline), a writer thread, or, for a file
 * database, both (HybridSink: inline while writes are quick). An in-memory database is always written inline
 * (another connection could not see it).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { StoreConflictError, StoreUnavailableError } from '../store.js';
import type { ConnectionSettings } from './connection.js';
import type { BatchOutcome, BatchSink } from './group-commit.js';
import { MutationWriter } from './mutation-writer.js';
import type { WireMutation } from './wire-mutation.js';
import type { SerialisedError, WriterRequest, WriterResponse } from './writer-thread.js';

function revive(e: SerialisedError): Error {
  if (e.name === 'StoreConflictError') return new StoreConflictError(e.message);
  if (e.name === 'StoreUnavailableError') return new StoreUnavailableError(e.message);
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

export class InlineSink implements BatchSink<WireMutation> {
  private readonly writer: MutationWriter;
  constructor(db: Database.Database) {
    this.writer = new MutationWriter(db);
  }
  async write(batch: WireMutation[]): Promise<BatchOutcome> {
    return this.writer.writeBatch(batch);
  }
  async close(): Promise<void> {}
}

/**
 * Starts the writer thread: the compiled .js next to this module, or (running from the TypeScript sources, in
 * development and tests) the .ts source through tsx's loader, registered inside the thread.
 */
function startWriterThread(settings: ConnectionSettings): Worker {
  const js = new URL('./writer-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return new Worker(js, { workerData: settings });
  const ts = new URL('./writer-thread.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(ts)}); })`;
  return new Worker(boot, { eval: true, workerData: settings });
}

/**
 * Batches to the writer thread. A thread that dies (it should not: SQLite's errors, disk full included, are
 * answers, not crashes) fails the batches it held, and the next batch starts a new one.
 */
export class ThreadSink implements BatchSink<WireMutation> {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (o: BatchOutcome) => void; reject: (e: Error) => void }>();
  private closing = false;
  private exited: Promise<void> = Promise.resolve();
  /** Threads started (1 unless one died). */
  threadsStarted = 0;

  /** Told how long the thread took to write each batch (ms, measured in the thread). */
  onWritten: ((ms: number) => void) | undefined;

  /** The thread starts at the first batch sent to it, not before (a server whose writes stay inline has none). */
  constructor(private readonly settings: ConnectionSettings) {}

  private start(): Worker {
    const worker = startWriterThread(this.settings);
    this.threadsStarted++;
    this.worker = worker;
    worker.on('message', (msg: WriterResponse) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      this.onWritten?.(msg.ms);
      if ('error' in msg) w.reject(revive(msg.error));
      else w.resolve(msg.outcome.map((e) => (e ? revive(e) : undefined)));
    });
    let failure: Error | undefined;
    worker.on('error', (e) => (failure ??= e));
    this.exited = new Promise((resolve) =>
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        // whether the batches in flight committed is unknown: not StoreUnavailableError (which says they did not)
        const err = new Error(
          `the SQLite writer thread exited (code ${code}${failure ? `: ${failure.message}` : ''})`,
          failure ? { cause: failure } : undefined,
        );
        for (const w of this.waiting.values()) w.reject(err);
        this.waiting.clear();
        resolve();
      }),
    );
    return worker;
  }

  write(batch: WireMutation[]): Promise<BatchOutcome> {
    if (this.closing) return Promise.reject(new Error('the store is closed'));
    const worker = this.worker ?? this.start();
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, batch } satisfies WriterRequest);
    });
  }

  /** Ends the thread as if it had crashed (tests). */
  async kill(): Promise<void> {
    await this.worker?.terminate();
    await this.exited;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.worker?.postMessage({ close: true } satisfies WriterRequest);
    await this.exited;
  }
}

/** How the hybrid sink chooses between the main thread's connection and the writer thread. */
export interface HybridRouting {
  /** Batches of at most this many commits are always written inline. */
  inlineMax: number;
  /**
   * Larger batches are written inline too while writes have taken less than this on average (ms, a moving
   * average over every batch, whichever connection wrote it); 0: larger batches always go to the thread.
   */
  slowWriteMs: number;
  /** The clock the inline writes are timed with (tests move it by hand). */
  now?: () => number;
}

/**
 * Batches are written on the main thread's connection while writes are quick, and on the writer thread once
 * they are slow. Inline, a batch holds the event loop for its statements and its fsync, and nothing else: on a
 * fast disk that costs less than the hop to the thread and back (the batch's copy into the thread, the thread's
 * wake-up, the answer's), measured in docs/speed-plan.md. On a slow disk, or with batches so large that their
 * writes take long, the thread lets the event loop gather the next batch while one is made durable; small
 * batches (a quiet server: one workflow's step) stay inline whatever the time. The group committer writes one
 * batch at a time, so the two connections never write at once.
 */
export class HybridSink implements BatchSink<WireMutation> {
  /** Moving average of the time a batch takes to write, ms. */
  private writeMs = 0;
  private readonly now: () => number;

  constructor(
    private readonly inline: BatchSink<WireMutation>,
    readonly thread: ThreadSink,
    private readonly routing: HybridRouting,
  ) {
    this.now = routing.now ?? (() => performance.now());
    thread.onWritten = (ms) => this.observe(ms);
  }

  /** The moving average the next large batch is routed by (ms). */
  get averageWriteMs(): number {
    return this.writeMs;
  }

  async write(batch: WireMutation[]): Promise<BatchOutcome> {
    if (batch.length > this.routing.inlineMax && this.writeMs >= this.routing.slowWriteMs)
      return this.thread.write(batch);
    const start = this.now();
    try {
      return await this.inline.write(batch);
    } finally {
      this.observe(this.now() - start);
    }
  }

  private observe(ms: number): void {
    this.writeMs += (ms - this.writeMs) / 4;
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
