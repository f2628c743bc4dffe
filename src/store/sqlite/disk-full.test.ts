/**
 * A full disk under the SQLite store: commit() rejects with StoreUnavailableError naming the file, reads go
 * on, nothing acknowledged is lost, and the same store writes again once space returns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMutation } from '../conformance-fixtures.js';
import { StoreUnavailableError } from '../store.js';
import { HybridSink, ThreadSink } from './batch-sinks.js';
import { SqliteStore } from './sqlite-store.js';
import { toWire } from './wire-mutation.js';
import { describeSmallDisk, mountSmallDisk, type SmallDisk } from './test-tmpfs.js';

const open: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function openStore(
  file: string,
  opts: { writerThread?: boolean; inlineBatchMax?: number; slowWriteMs?: number } = {},
): Promise<SqliteStore> {
  const s = new SqliteStore({ path: file, ...opts });
  open.push(s);
  await s.init();
  return s;
}

async function expectUnavailable(p: Promise<unknown>, file: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreUnavailableError);
  expect((err as Error).message).toContain('disk full');
  expect((err as Error).message).toContain(file);
}

describe('SQLite store, database at its size limit (SQLITE_FULL without a full disk)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-full-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects commits with StoreUnavailableError and writes again when the limit is raised', async () => {
    const file = path.join(dir, 'limit.db');
    const store = await openStore(file, { writerThread: false });
    await store.commit(startMutation('before'));
    const pages = store.database.pragma('page_count', { simple: true }) as number;
    store.database.pragma(`max_page_count = ${pages}`);
    await expectUnavailable(store.commit(startMutation('big', {}, 400)), file);
    // a batch of several: every one is refused, none half-written
    await Promise.all(['a', 'b', 'c'].map((id) => expectUnavailable(store.commit(startMutation(id, {}, 400)), file)));
    expect(store.database.inTransaction).toBe(false);
    expect(await store.getExecution('before')).toBeDefined();
    expect(await store.getExecution('big')).toBeUndefined();

    store.database.pragma(`max_page_count = ${pages * 100}`);
    await store.commit(startMutation('big', {}, 400));
    expect((await store.readEvents('big', 1, 400)).length).toBe(400);
  });
});

describeSmallDisk('SQLite store on a full disk (tmpfs)', () => {
  let disk: SmallDisk;
  beforeAll(() => {
    disk = mountSmallDisk(8);
  });
  afterAll(() => disk?.unmount());

  it('answers StoreUnavailableError while the disk is full, reads go on, writes resume once space returns', async () => {
    const file = path.join(disk.dir, 'weft.db');
    const store = await openStore(file);
    for (let i = 0; i < 5; i++) await store.commit(startMutation(`early-${i}`, {}, 50));

    expect(disk.fill()).toBeGreaterThan(0);
    expect(disk.available()).toBe(0);
    await expectUnavailable(store.commit(startMutation('refused', {}, 400)), file);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        expectUnavailable(store.commit(startMutation(`refused-${i}`, {}, 400)), file),
      ),
    );
    // reads answer from what was committed
    for (let i = 0; i < 5; i++) expect((await store.readEvents(`early-${i}`, 1, 50)).length).toBe(50);
    expect(await store.getExecution('refused')).toBeUndefined();
    await store.ping();

    disk.free();
    await store.commit(startMutation('refused', {}, 400));
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.commit(startMutation(`after-${i}`, {}, 50))));
    await store.close();

    // every acknowledged commit is there, in a sound file
    const reopened = await openStore(file);
    expect(reopened.database.pragma('integrity_check', { simple: true })).toBe('ok');
    for (const id of ['refused', ...Array.from({ length: 5 }, (_, i) => `early-${i}`)])
      expect(await reopened.getExecution(id), id).toBeDefined();
    for (let i = 0; i < 10; i++) {
      expect(await reopened.getExecution(`after-${i}`)).toBeDefined();
      expect(await reopened.getExecution(`refused-${i}`)).toBeUndefined();
    }
  });
});

describe('SQLite writer thread', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-writer-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is started again after it died, and the store writes on', async () => {
    // every batch on the thread (by default a lone commit is written on the main thread)
    const store = await openStore(path.join(dir, 'restart.db'), { inlineBatchMax: 0 });
    await store.commit(startMutation('one'));
    const sink = (store as unknown as { opened: { sink: ThreadSink } }).opened.sink;
    await sink.kill();
    await store.commit(startMutation('two'));
    expect(sink.threadsStarted).toBe(2);
    expect(await store.getExecution('one')).toBeDefined();
    expect(await store.getExecution('two')).toBeDefined();
  });
});

describe('SQLite writes, inline while quick and on the writer thread once slow', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-hybrid-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const hybridOf = (store: SqliteStore) => (store as unknown as { opened: { sink: HybridSink } }).opened.sink;
  const commitMany = (store: SqliteStore, prefix: string, n: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => store.commit(startMutation(`${prefix}-${i}`))));

  it('sends large batches to the thread when told to (slowWriteMs 0), starting it only then', async () => {
    const file = path.join(dir, 'hybrid.db');
    const store = await openStore(file, { inlineBatchMax: 2, slowWriteMs: 0 });
    const sink = hybridOf(store);
    await store.commit(startMutation('lone'));
    await Promise.all(['a', 'b'].map((id) => store.commit(startMutation(`pair-${id}`))));
    expect(sink.thread.threadsStarted).toBe(0); // nothing large yet: no thread
    await commitMany(store, 'six', 6);
    expect(sink.thread.threadsStarted).toBe(1);
    await sink.thread.kill(); // a batch sent to it now would start a second thread
    await commitMany(store, 'pair2', 2);
    expect(sink.thread.threadsStarted).toBe(1);
    await commitMany(store, 'again', 6);
    expect(sink.thread.threadsStarted).toBe(2);
    await store.commit(startMutation('last'));
    await store.close();
    const reopened = await openStore(file);
    const ids = ['lone', 'pair-a', 'pair-b', 'pair2-0', 'pair2-1', 'last'];
    for (let i = 0; i < 6; i++) ids.push(`six-${i}`, `again-${i}`);
    for (const id of ids) expect(await reopened.getExecution(id), id).toBeDefined();
  });

  it('writes large batches inline while writes are quick: no thread at all', async () => {
    // quick: any real write on this disk takes well under an hour
    const store = await openStore(path.join(dir, 'quick.db'), { inlineBatchMax: 2, slowWriteMs: 3_600_000 });
    await commitMany(store, 'big', 20);
    expect(hybridOf(store).thread.threadsStarted).toBe(0);
    expect(hybridOf(store).averageWriteMs).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) expect(await store.getExecution(`big-${i}`)).toBeDefined();
  });

  it('moves large batches to the thread once the average write is slow, and back once it is quick', async () => {
    // the inline connection is a stand-in whose writes take what the test says (a hand-moved clock); the thread
    // is the real one, on a real file
    let clock = 0;
    let inlineTakes = 0;
    const inlineBatches: number[] = [];
    const inline = {
      async write(batch: unknown[]) {
        inlineBatches.push(batch.length);
        clock += inlineTakes;
        return batch.map(() => undefined);
      },
    };
    const thread = new ThreadSink({ file: path.join(dir, 'routed.db'), synchronous: 'FULL', busyTimeoutMs: 5000 });
    const setup = new SqliteStore({ path: path.join(dir, 'routed.db') }); // creates the schema
    await setup.init();
    await setup.close();
    const sink = new HybridSink(inline, thread, { inlineMax: 2, slowWriteMs: 4, now: () => clock });
    const batch = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => toWire(startMutation(`${prefix}-${i}`)));
    try {
      inlineTakes = 1; // quick: large batches stay inline
      for (let i = 0; i < 5; i++) await sink.write(batch(`quick${i}`, 5));
      expect(inlineBatches).toEqual([5, 5, 5, 5, 5]);
      expect(thread.threadsStarted).toBe(0);
      inlineTakes = 20; // slow: the average passes 4 ms after a write or two, then large batches go to the thread
      await sink.write(batch('slow0', 5));
      await sink.write(batch('slow1', 1)); // small: inline whatever the time
      expect(sink.averageWriteMs).toBeGreaterThan(4);
      const outcome = await sink.write(batch('slow2', 5));
      expect(outcome).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(inlineBatches).toEqual([5, 5, 5, 5, 5, 5, 1]);
      expect(thread.threadsStarted).toBe(1);
      inlineTakes = 0; // quick again: small inline writes and the thread's own quick writes bring the average down
      while (sink.averageWriteMs >= 4) await sink.write(batch(`small${clock}`, 1));
      await sink.write(batch('back', 5));
      expect(inlineBatches.at(-1)).toBe(5);
    } finally {
      await sink.close();
    }
    const check = await openStore(path.join(dir, 'routed.db'));
    for (let i = 0; i < 5; i++) expect(await check.getExecution(`slow2-${i}`), `slow2-${i}`).toBeDefined();
    expect(await check.getExecution('quick0-0')).toBeUndefined(); // written by the stand-in, not the file
  });
});
