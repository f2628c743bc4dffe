/**
 * Where group commit sends its batches: a writer thread (file databases), or the same connection inline (an
 * in-memory database, which another connection could not see).
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

  constructor(private readonly settings: ConnectionSettings) {
    this.start();
  }

  private start(): Worker {
    const worker = startWriterThread(this.settings);
    this.threadsStarted++;
    this.worker = worker;
    worker.on('message', (msg: WriterResponse) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
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

/**
 * Small batches (a quiet server: one workflow's commit at a time) are written inline, on the main thread's
 * connection: the hop to the writer thread and back costs more than the fsync holds the event loop. Larger ones (a
 * busy server) go to the writer thread, so the event loop gathers the next batch while one is made durable. The
 * group committer writes one batch at a time, so the two connections never write at once.
 */
export class HybridSink implements BatchSink<WireMutation> {
  constructor(
    private readonly inline: InlineSink,
    readonly thread: ThreadSink,
    private readonly inlineMax: number,
  ) {}

  write(batch: WireMutation[]): Promise<BatchOutcome> {
    return batch.length <= this.inlineMax ? this.inline.write(batch) : this.thread.write(batch);
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
