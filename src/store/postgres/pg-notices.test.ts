// Change notices go out only while another server listens (migrations 0005, 0007): a server alone on its database
// publishes none, one that joins hears every commit it could have missed, or finds it committed when it reads. A
// listening server is a row of weft_listeners, written when its link joins and deleted when it stops; the row of a
// link that died is swept.
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { startMutation } from '../conformance-fixtures.js';
import type { ClusterHandlers } from '../store.js';
import { PgStore } from './pg-store.js';
import { CHANNEL } from './pg-cluster.js';
import { createTestDatabase, describePg } from './test-pg.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function handlers(heard: string[]): ClusterHandlers {
  return { notice: (p) => heard.push(p), reset: () => undefined, leader: () => undefined, error: () => undefined };
}

async function openStore(url: string, heard?: string[]): Promise<PgStore> {
  const store = new PgStore({ url, poolSize: 4 });
  await store.init();
  if (heard) await store.cluster.start(handlers(heard));
  cleanups.push(() => store.close());
  return store;
}

/** A fresh database, a server listening on it (a) and a store that has not joined yet (b). */
async function serverAndNewcomer(): Promise<{ db: { url: string }; a: PgStore; b: PgStore }> {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  const a = await openStore(db.url, []);
  const b = await openStore(db.url);
  return { db, a, b };
}

/** A plain listener (not a server: weft_commit does not count it), to see what is published at all. */
async function probe(url: string): Promise<{ heard: string[]; client: pg.Client }> {
  const client = new pg.Client({ connectionString: url, application_name: 'probe' });
  await client.connect();
  const heard: string[] = [];
  client.on('notification', (n) => heard.push(n.payload ?? ''));
  await client.query(`LISTEN ${CHANNEL}`);
  cleanups.push(() => client.end());
  return { heard, client };
}

/** The backend pids weft_listeners holds (one database per test file, so only this file's servers). */
async function listeners(client: pg.Client): Promise<number[]> {
  const r = await client.query<{ pid: number }>('SELECT pid FROM weft_listeners ORDER BY pid');
  return r.rows.map((x) => x.pid);
}

const byPid = (pids: number[]): number[] => [...pids].sort((x, y) => x - y);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

await describePg('PostgreSQL change notices', () => {
  it('a server alone publishes none; with a second one listening, each commit notifies it; alone again, none', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const heardA: string[] = [];
    const a = await openStore(db.url, heardA);
    const p = await probe(db.url);

    await a.commit({ ...startMutation('run-1'), notices: ['n1'] });
    await sleep(300); // a notice arrives within milliseconds; none must come
    expect(p.heard).toEqual([]);

    const heardB: string[] = [];
    const b = await openStore(db.url, heardB);
    await a.commit({ ...startMutation('run-2'), notices: ['n2'] });
    await until('the second server hears n2', () => heardB.includes('n2'));
    // each listening connection gets it on its own, a moment apart
    await until('the probe and the first server hear n2', () => p.heard.includes('n2') && heardA.includes('n2'));
    expect(p.heard).toEqual(['n2']);
    expect(heardA).toEqual(['n2']); // its own link hears it too (ClusterSync drops a server's own notices)

    expect(await listeners(p.client)).toEqual(byPid([a.cluster.listenerPid, b.cluster.listenerPid]));
    await b.cluster.stop();
    expect(await listeners(p.client)).toEqual([a.cluster.listenerPid]); // its row went as it stopped
    await a.commit({ ...startMutation('run-3'), notices: ['n3'] });
    await sleep(300);
    expect(p.heard).toEqual(['n2']);
    expect(await a.getExecution('run-3')).toBeDefined();
  });

  it('a server joining while another commits misses nothing: each commit is either read or heard', async () => {
    const { a, b } = await serverAndNewcomer();

    let stop = false;
    const committed: string[] = [];
    const writers = [0, 1, 2, 3].map(async (w) => {
      for (let i = 0; !stop; i++) {
        const runId = `w${w}-${i}`;
        await a.commit({ ...startMutation(runId), notices: [runId] });
        committed.push(runId);
      }
    });
    await until('commits flow', () => committed.length >= 20);
    const heard: string[] = [];
    await b.cluster.start(handlers(heard));
    // what the joining server reads now, as it would read its task queues at start
    const rows = await b.listTasks(0, 100_000);
    const seen = new Set(rows.map((r) => r.runId));
    const readAt = committed.length;
    await until('more commits after the join', () => committed.length >= readAt + 20);
    stop = true;
    await Promise.all(writers);
    await sleep(300); // the last notices
    const heardSet = new Set(heard);
    const missed = committed.filter((id) => !seen.has(id) && !heardSet.has(id));
    expect(missed).toEqual([]);
    expect(heard.length).toBeGreaterThan(0);
  });

  it('a commit that looked for listeners before a server joined ends before that server reads anything', async () => {
    const { db, a, b } = await serverAndNewcomer();
    // an open transaction holding run "slow"'s key: the commit of run "slow" checks for listeners (none), then
    // waits on that key until the transaction rolls back
    const x = new pg.Client({ connectionString: db.url });
    await x.connect();
    cleanups.push(() => x.end());
    await x.query('BEGIN');
    await x.query(
      `INSERT INTO executions (run_id, namespace, workflow_id, workflow_type, task_queue, status, start_time,
         history_length, version, state) VALUES ('slow', 'default', 'w', 't', 'q', 'Running', 0, 0, 1, '{}')`,
    );
    const slow = a.commit({ ...startMutation('slow'), notices: ['slow'] });
    await sleep(200);
    const heard: string[] = [];
    let joinedAt = 0;
    const joined = b.cluster.start(handlers(heard)).then(() => (joinedAt = Date.now()));
    await sleep(300);
    const rolledBackAt = Date.now();
    await x.query('ROLLBACK');
    await joined;
    const rows = await b.listTasks(0, 1000);
    await slow;
    await sleep(300);
    expect(joinedAt).toBeGreaterThanOrEqual(rolledBackAt); // the join waited for the commit in flight
    expect(rows.some((r) => r.runId === 'slow') || heard.includes('slow')).toBe(true);
  });

  it('the row of a link that died is swept, by the next server that joins and by the leader', async () => {
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const a = await openStore(db.url, []);
    const p = await probe(db.url);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    cleanups.push(() => admin.end());

    // a link whose connection dies (its server was killed) leaves its row behind: a connection that joins as a
    // link does, then is ended by the database (a real link would reconnect under a new pid and sweep it itself)
    const ghost = new pg.Client({ connectionString: db.url, application_name: 'weft-cluster' });
    ghost.on('error', () => undefined);
    await ghost.connect();
    const r = await ghost.query<{ pid: number }>(
      'INSERT INTO weft_listeners (pid) VALUES (pg_backend_pid()) RETURNING pid',
    );
    const deadPid = r.rows[0]!.pid;
    await a.commit({ ...startMutation('run-0'), notices: ['n0'] });
    await until('the probe hears n0', () => p.heard.includes('n0'));
    expect(await a.cluster.sweepListeners()).toBe(0); // alive: kept
    await admin.query('SELECT pg_terminate_backend($1)', [deadPid]);
    await until('the killed connection has gone', async () => {
      const g = await admin.query('SELECT 1 FROM pg_stat_get_activity($1)', [deadPid]);
      return g.rows.length === 0;
    });
    expect(await listeners(p.client)).toEqual(byPid([a.cluster.listenerPid, deadPid]));
    // until it is swept, a's commits still notify (needless, never wrong)
    await a.commit({ ...startMutation('run-1'), notices: ['n1'] });
    await until('the probe hears n1', () => p.heard.includes('n1'));

    // the leader's sweep deletes it, and a live link's row stays
    expect(await a.cluster.sweepListeners()).toBe(1);
    expect(await listeners(p.client)).toEqual([a.cluster.listenerPid]);
    expect(await a.cluster.sweepListeners()).toBe(0);
    await a.commit({ ...startMutation('run-2'), notices: ['n2'] });
    await sleep(300);
    expect(p.heard).toEqual(['n0', 'n1']); // alone again: nothing published

    // a joining server sweeps too
    await admin.query('INSERT INTO weft_listeners (pid) VALUES ($1)', [deadPid]);
    const c = await openStore(db.url, []);
    expect(await listeners(p.client)).toEqual(byPid([a.cluster.listenerPid, c.cluster.listenerPid]));
  });
});
