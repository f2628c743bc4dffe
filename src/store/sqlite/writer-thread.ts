/**
 * The SQLite writer thread: owns the write connection and writes batches of mutations, so the fsync of each
 * commit does not hold the server's event loop. Messages in: { id, batch } and { close: true }; out:
 * { id, outcome } (per mutation: null or the error) or { id, error } (the whole batch failed).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openConnection, type ConnectionSettings } from './connection.js';
import { MutationWriter } from './mutation-writer.js';
import type { WireMutation } from './wire-mutation.js';

export type WriterRequest = { id: number; batch: WireMutation[] } | { close: true };
export type SerialisedError = { name: string; message: string };
export type WriterResponse =
  { id: number; outcome: Array<SerialisedError | null> } | { id: number; error: SerialisedError };

const port = parentPort;
if (port) {
  const db = openConnection(workerData as ConnectionSettings);
  const writer = new MutationWriter(db);
  const serialise = (e: unknown): SerialisedError =>
    e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
  port.on('message', (msg: WriterRequest) => {
    if ('close' in msg) {
      db.close();
      port.close();
      return;
    }
    let reply: WriterResponse;
    try {
      const outcome = writer.writeBatch(msg.batch);
      reply = { id: msg.id, outcome: Array.from(outcome, (e) => (e ? serialise(e) : null)) };
    } catch (e) {
      reply = { id: msg.id, error: serialise(e) };
    }
    port.postMessage(reply);
  });
}
