/**
 * Encryption at rest: workflows whose inputs, results, signals, updates, memos, heartbeats, failure details,
 * local activity results, children and schedule actions all carry a plaintext marker run through a server over
 * HTTP, with the AES-GCM codec of examples/encryption on the client and the worker. Once the server has stopped,
 * the bytes of its SQLite files (the -wal too) do not hold the marker. The same runs without the codec (the
 * control) leave it there, so the check can fail.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Client, Connection, type DataConverter } from 'weft/client';
import { startServer } from 'weft/server';
import { Worker } from 'weft/worker';
import { EncryptionCodec } from '../examples/encryption/codec.js';
import * as activities from './fixtures/codec-activities.js';
import { waiting } from './fixtures/codec-inbox.js';
import { codecAll, codecFail, codecWaiter, finish, note, addNote } from './fixtures/codec-workflows.js';
import { fixture, quietLogger, uid, waitFor } from './helpers.js';

const MARKER = 'PLAINTEXT-MARKER-7d3a9c';
const TQ = 'it-at-rest';

/** The SQLite files in `dir`, and those whose bytes hold the marker. */
function grep(dir: string): { files: string[]; holding: string[] } {
  const marker = Buffer.from(MARKER, 'utf8');
  const files = readdirSync(dir).filter((f) => f.startsWith('weft.db'));
  return { files, holding: files.filter((f) => readFileSync(path.join(dir, f)).includes(marker)) };
}

/** Runs every kind of payload through a fresh server; answers which of its database files hold the marker. */
async function runAndGrep(dataConverter: DataConverter | undefined): Promise<{ files: string[]; holding: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-at-rest-'));
  try {
    const server = await startServer({ port: 0, db: path.join(dir, 'weft.db'), logLevel: 'warn' });
    const connection = await Connection.connect({ address: server.address });
    const options = dataConverter ? { dataConverter } : {};
    const client = new Client({ connection, ...options });
    const worker = await Worker.create({
      connection,
      taskQueue: TQ,
      workflowsPath: fixture('codec-workflows.ts'),
      activities,
      logger: quietLogger,
      handleSignals: false,
      ...options,
    });
    await worker.runUntil(async () => {
      const workflowId = uid('at-rest');
      const handle = await client.workflow.start(codecAll, {
        taskQueue: TQ,
        workflowId,
        args: [MARKER, undefined],
        memo: { secret: MARKER },
      });
      const token = await waitFor(() => waiting.get(workflowId), 20_000, 'the async activity');
      await handle.signal(note, { signal: MARKER });
      await handle.executeUpdate(addNote, { args: [{ update: MARKER }] });
      await client.activity.heartbeat(token, { progress: MARKER });
      await client.activity.complete(token, { later: MARKER });
      await handle.signal(finish);
      expect(JSON.stringify(await handle.result())).toContain(MARKER);
      await expect(
        client.workflow.execute(codecFail, { taskQueue: TQ, workflowId: uid('at-rest-fail'), args: [MARKER] }),
      ).rejects.toThrow('Workflow execution failed');
      const sws = await client.workflow.signalWithStart(codecWaiter, {
        taskQueue: TQ,
        workflowId: uid('at-rest-sws'),
        args: [MARKER],
        signal: note,
        signalArgs: [MARKER],
      });
      await sws.result();
      const schedule = await client.schedule.create({
        scheduleId: uid('at-rest-schedule'),
        spec: { intervals: [{ every: '1h' }] },
        action: { type: 'startWorkflow', workflowType: 'codecWaiter', taskQueue: TQ, args: [MARKER], memo: { MARKER } },
        state: { paused: true },
        memo: { scheduleNote: MARKER },
      });
      await schedule.trigger();
    });
    await connection.close();
    // the files while the server runs (its -wal holds the latest writes), then once it has stopped
    const running = grep(dir);
    await server.stop();
    const stopped = grep(dir);
    return {
      files: [...running.files, ...stopped.files],
      holding: [...running.holding.map((f) => `${f} (running)`), ...stopped.holding],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('payloads at rest', () => {
  it('with the AES-GCM codec, no database file holds the plaintext marker', async () => {
    const { files, holding } = await runAndGrep({
      payloadCodecs: [new EncryptionCodec([{ id: 'k1', key: randomBytes(32) }])],
    });
    expect(files).toEqual(expect.arrayContaining(['weft.db', 'weft.db-wal']));
    expect(holding).toEqual([]);
  });

  it('control: without a codec the marker is in the database', async () => {
    const { holding } = await runAndGrep(undefined);
    expect(holding).toContain('weft.db');
  });
});
