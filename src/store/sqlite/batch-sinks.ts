/**
 * Where group commit sends its batches: a writer thread (file databases), or the same connection inline (an
 * in-memory database, which another connection could not see).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { StoreConflictError } from '../store.js';
import type { ConnectionSettings } from './connection.js';
import type { BatchOutcome, BatchSink } from './group-commit.js';
import { MutationWriter } from './mutation-writer.js';
import type { WireMutation } from './wire-mutation.js';
import type { SerialisedError, WriterRequest, WriterResponse } from './writer-thread.js';

function revive(e: SerialisedError): Error {
  if (e.name === 'StoreConflictError') return new StoreConflictError(e.message);
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

export class ThreadSink implements BatchSink<WireMutation> {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (o: BatchOutcome) => void; reject: (e: Error) => void }>();
  private broken: Error | undefined;
  private readonly exited: Promise<void>;

  constructor(settings: ConnectionSettings) {
    this.worker = startWriterThread(settings);
    this.worker.on('message', (msg: WriterResponse) => {
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if ('error' in msg) w.reject(revive(msg.error));
      else w.resolve(msg.outcome.map((e) => (e ? revive(e) : undefined)));
    });
    const fail = (err: Error): void => {
      this.broken ??= err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on('error', (e) => fail(e));
    this.exited = new Promise((resolve) =>
      this.worker.on('exit', (code) => {
        fail(new Error(`the SQLite writer thread exited (code ${code})`));
        resolve();
      }),
    );
  }

  write(batch: WireMutation[]): Promise<BatchOutcome> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, batch } satisfies WriterRequest);
    });
  }

  async close(): Promise<void> {
    if (!this.broken) this.worker.postMessage({ close: true } satisfies WriterRequest);
    await this.exited;
  }
}
