/**
 * The SQLite writer thread: owns the write connection and writes batches of mutations, so the fsync of each
 * commit does not hold the server's event loop. Messages in: { id, batch } and { close: true }; out:
 * { id, outcome, ms } (per mutation: null or the error; the write's time) or { id, error, ms } (the whole batch failed).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { openConnection, type ConnectionSettings } from './connection.js';
import { MutationWriter } from './mutation-writer.js';
import type { WireMutation } from './wire-mutation.js';
import { toWriteFault } from './write-faults.js';

export type WriterRequest = { id: number; batch: WireMutation[] } | { close: true };
export type SerialisedError = { name: string; message: string };
export type WriterResponse =
  | { id: number; outcome: Array<SerialisedError | null>; ms: number }
  | { id: number; error: SerialisedError; ms: number };

const port = parentPort;
if (port) {
  const settings = workerData as ConnectionSettings;
  // opened at the first batch, and again after a failed open (a full disk can refuse the WAL files): the
  // thread answers every batch, it does not die of SQLite's errors
  let opened: { db: Database.Database; writer: MutationWriter } | undefined;
  const serialise = (e: unknown): SerialisedError =>
    e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
  port.on('message', (msg: WriterRequest) => {
    if ('close' in msg) {
      opened?.db.close();
      port.close();
      return;
    }
    let reply: WriterResponse;
    const start = performance.now();
    try {
      opened ??= openWriter(settings);
      const outcome = opened.writer.writeBatch(msg.batch);
      const ms = performance.now() - start;
      reply = { id: msg.id, outcome: Array.from(outcome, (e) => (e ? serialise(e) : null)), ms };
    } catch (e) {
      reply = { id: msg.id, error: serialise(e), ms: performance.now() - start };
    }
    port.postMessage(reply);
  });
}

function openWriter(settings: ConnectionSettings): { db: Database.Database; writer: MutationWriter } {
  let db: Database.Database | undefined;
  try {
    db = openConnection(settings);
    return { db, writer: new MutationWriter(db) };
  } catch (err) {
    db?.close();
    throw toWriteFault(err, settings.file);
  }
}
