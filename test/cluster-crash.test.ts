/**
 * A three-server cluster on one PostgreSQL database, in real processes, under faults: 500 workflows (an activity,
 * a timer, a signal and a child each) and a schedule firing every second, with one worker process per server,
 * while the leading server is killed with SIGKILL and restarted, or while PostgreSQL itself restarts. Every
 * workflow completes with the right result, each once in history; every schedule second fires once.
 *
 * PostgreSQL restarts here, so this file runs alone (vitest.faults.config.ts, the last pass of `npm test`).
 */
import { afterEach, expect, it, onTestFailed } from 'vitest';
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '../src/client/index.js';
import { createTestDatabase, describePg, postgresRestartUnavailable, pgCtl } from '../src/store/postgres/test-pg.js';
import { fixture, waitFor } from './helpers.js';
import { freePort, spawnTs, type Child } from './process-helpers.js';

const TQ = 'cluster-crash';
const WORKFLOWS = Number(process.env.WEFT_TEST_CLUSTER_WORKFLOWS ?? 500);
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Cluster {
  clients: Client[];
  servers: Child[];
  ports: number[];
  db: string;
  restart(i: number): Promise<void>;
}

async function startCluster(): Promise<Cluster> {
  const database = await createTestDatabase('weft_cluster');
  cleanups.push(() => database.drop());
  const ports = await Promise.all([0, 1, 2].map(() => freePort()));
  const spawnServer = (i: number): Promise<Child> =>
    spawnTs(fixture('server-main.ts'), [database.url, String(ports[i])]);
  const servers = await Promise.all([0, 1, 2].map(spawnServer));
  cleanups.push(async () => {
    for (const s of servers) await s.kill('SIGTERM');
  });
  const connections = ports.map((p) => Connection.lazy({ address: `http://127.0.0.1:${p}` }));
  cleanups.push(async () => {
    for (const c of connections) await c.close();
  });
  // one worker process per server
  const workers = await Promise.all(
    ports.map((p) =>
      spawnTs(fixture('worker-main.ts'), [`http://127.0.0.1:${p}`, TQ], {
        WEFT_TEST_WORKFLOWS: 'cluster-workflows.ts',
        WEFT_TEST_ACTIVITIES: 'cluster-activities.ts',
      }),
    ),
  );
  cleanups.push(async () => {
    for (const w of workers) await w.kill('SIGKILL');
  });
  // what the processes said, when a test fails
  onTestFailed(() => {
    for (const [i, p] of [...servers, ...workers].entries())
      console.error(`--- ${i < 3 ? `server ${i}` : `worker ${i - 3}`} ---\n${p.output().slice(-4000)}`);
  });
  return {
    clients: connections.map((connection) => new Client({ connection })),
    servers,
    ports,
    db: database.url,
    async restart(i) {
      servers[i] = await spawnServer(i);
    },
  };
}

async function health(port: number): Promise<{ cluster?: { leader: boolean } } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    return res.ok ? ((await res.json()) as { cluster?: { leader: boolean } }) : undefined;
  } catch {
    return undefined;
  }
}

async function leaderOf(c: Cluster): Promise<number> {
  return waitFor(
    async () => {
      const hs = await Promise.all(c.ports.map(health));
      const i = hs.findIndex((h) => h?.cluster?.leader === true);
      return i >= 0 ? i + 1 : undefined;
    },
    15_000,
    'a leader',
  ).then((i) => i - 1);
}

/** Starts the workflows (each through "its" server), signals them, and returns their ids. */
async function startWorkflows(c: Cluster, prefix: string): Promise<string[]> {
  const ids = Array.from({ length: WORKFLOWS }, (_, i) => `${prefix}-${i}`);
  for (let from = 0; from < ids.length; from += 50)
    await Promise.all(
      ids.slice(from, from + 50).map(async (workflowId, k) => {
        const i = from + k;
        try {
          await c.clients[i % 3]!.workflow.start('clusterFlow', { taskQueue: TQ, workflowId, args: [i] });
        } catch (e) {
          // a start retried after a lost answer finds the run it started
          if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
        }
      }),
    );
  return ids;
}

async function signalAll(c: Cluster, ids: string[]): Promise<void> {
  for (let from = 0; from < ids.length; from += 50)
    await Promise.all(
      ids
        .slice(from, from + 50)
        .map((id, k) => c.clients[(from + k + 1) % 3]!.workflow.getHandle(id).signal('go', (from + k) * 3)),
    );
}

async function checkWorkflows(c: Cluster, ids: string[]): Promise<void> {
  const results = await Promise.all(ids.map((id, i) => c.clients[(i + 2) % 3]!.workflow.getHandle(id).result()));
  expect(results).toEqual(ids.map((_, i) => `${i + 1}:${i * 3}:${(i + 1) * 2}`));
  const count = (events: Array<{ eventType: string }>, type: string): number =>
    events.filter((e) => e.eventType === type).length;
  for (let from = 0; from < ids.length; from += 50)
    await Promise.all(
      ids.slice(from, from + 50).map(async (id, k) => {
        const client = c.clients[(from + k) % 3]!;
        const { events } = await client.workflow.getHandle(id).fetchHistory();
        expect(count(events, 'WorkflowExecutionStarted'), id).toBe(1);
        expect(count(events, 'WorkflowExecutionCompleted'), id).toBe(1);
        expect(count(events, 'ActivityTaskCompleted'), id).toBe(1);
        expect(count(events, 'TimerFired'), id).toBe(1);
        expect(count(events, 'StartChildWorkflowExecutionInitiated'), id).toBe(1);
        expect(count(events, 'ChildWorkflowExecutionCompleted'), id).toBe(1);
        const child = await client.workflow.getHandle(`${id}-child`).fetchHistory();
        expect(count(child.events, 'WorkflowExecutionStarted'), `${id}-child`).toBe(1);
        expect(count(child.events, 'ActivityTaskCompleted'), `${id}-child`).toBe(1);
        expect(count(child.events, 'WorkflowExecutionCompleted'), `${id}-child`).toBe(1);
      }),
    );
}

/** The schedule's workflows: one for every second from the first to the last, none twice. */
async function checkSchedule(c: Cluster, scheduleId: string): Promise<void> {
  const handle = c.clients[0]!.schedule.getHandle(scheduleId);
  // it fires every second: let it pass nine (the faults came after its first), however fast the workflows went
  const deadline = Date.now() + 30_000;
  while ((await handle.describe()).info.numActions < 9 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  await handle.pause();
  const ids: string[] = [];
  for await (const e of c.clients[1]!.workflow.list({ query: `WorkflowId STARTS_WITH '${scheduleId}-'` }))
    ids.push(e.workflowId);
  const seconds = ids.map((id) => Date.parse(id.slice(scheduleId.length + 1)) / 1000).sort((a, b) => a - b);
  expect(seconds.length).toBeGreaterThan(8);
  expect(seconds).toEqual(seconds.map((_, i) => seconds[0]! + i));
  const d = await handle.describe();
  expect(d.info.numActions).toBe(ids.length);
}

/**
 * What a hung test was waiting for: shortly before its timeout, prints the phase it is in and, through a server
 * that answers, the runs still open with the last events of a few (the processes' output follows on failure).
 */
function watchdog(c: Cluster, timeoutMs: number): { phase(name: string): void } {
  let phase = 'start';
  const timer = setTimeout(() => {
    void (async () => {
      const lines = [`--- watchdog: still in phase "${phase}" ---`];
      for (const client of c.clients) {
        try {
          const open: string[] = [];
          for await (const e of client.workflow.list({ query: "ExecutionStatus = 'Running'" })) open.push(e.workflowId);
          lines.push(`${open.length} open runs: ${open.slice(0, 20).join(', ')}`);
          for (const id of open.slice(0, 5)) {
            const { events } = await client.workflow.getHandle(id).fetchHistory();
            lines.push(
              `  ${id}: ${events
                .slice(-6)
                .map((e) => e.eventType)
                .join(' > ')}`,
            );
          }
          break;
        } catch (e) {
          lines.push(`(a server did not answer: ${(e as Error).message})`);
        }
      }
      console.error(lines.join('\n'));
    })();
  }, timeoutMs - 20_000);
  cleanups.push(() => clearTimeout(timer));
  return { phase: (name) => void (phase = name) };
}

async function createSchedule(c: Cluster, scheduleId: string): Promise<void> {
  await c.clients[2]!.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '1s' }] },
    action: { type: 'startWorkflow', workflowType: 'tick', taskQueue: TQ, args: [] },
    policies: { overlap: 'ALLOW_ALL' },
  });
}

await describePg('a three-server cluster under faults', () => {
  it(`${WORKFLOWS} workflows and an every-second schedule while the leading server is killed (SIGKILL) and restarted`, async () => {
    const c = await startCluster();
    const watch = watchdog(c, 240_000);
    await createSchedule(c, 'tick-kill');
    const leader = await leaderOf(c);
    watch.phase('starting workflows');
    const ids = await startWorkflows(c, 'kill');
    watch.phase('killing the leader');
    await c.servers[leader]!.kill('SIGKILL');
    const killedAt = Date.now();
    // another server takes over the timers and the schedule within seconds
    const next = await leaderOf(c);
    expect(next).not.toBe(leader);
    expect(Date.now() - killedAt).toBeLessThan(5000);
    // the killed server's clients wait for it (their calls retry) while the others go on
    watch.phase('signalling');
    const signalled = signalAll(c, ids);
    await new Promise((r) => setTimeout(r, 1500));
    watch.phase('restarting the killed server');
    await c.restart(leader);
    watch.phase('signalling (restarted)');
    await signalled;
    watch.phase('waiting for the results');
    await checkWorkflows(c, ids);
    watch.phase('checking the schedule');
    await checkSchedule(c, 'tick-kill');
  }, 240_000);

  const noRestart = postgresRestartUnavailable();
  it.skipIf(noRestart !== undefined)(
    `${WORKFLOWS} workflows and an every-second schedule while PostgreSQL restarts`,
    async () => {
      const c = await startCluster();
      const watch = watchdog(c, 240_000);
      await createSchedule(c, 'tick-pg');
      watch.phase('starting workflows');
      const ids = await startWorkflows(c, 'pg');
      watch.phase('signalling');
      const signalled = signalAll(c, ids);
      await new Promise((r) => setTimeout(r, 300));
      watch.phase('restarting PostgreSQL');
      pgCtl('restart');
      await signalled;
      // the servers reconnect by themselves: every one answers, and one leads again
      watch.phase('waiting for a leader');
      await leaderOf(c);
      watch.phase('waiting for the results');
      await checkWorkflows(c, ids);
      watch.phase('checking the schedule');
      await checkSchedule(c, 'tick-pg');
    },
    240_000,
  );
  it.skipIf(noRestart !== undefined)(
    'with PostgreSQL stopped, every server answers 503 STORE_UNAVAILABLE at once and stays live; it serves again once PostgreSQL is back',
    async () => {
      const c = await startCluster();
      const before = await c.clients[0]!.workflow.execute('tick', { taskQueue: TQ, workflowId: 'before-stop' });
      const base = `http://127.0.0.1:${c.ports[1]}/api/v1/namespaces/default`;
      pgCtl('stop');
      try {
        const started = Date.now();
        const start = await fetch(`${base}/workflows`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ workflowId: 'during-stop', workflowType: 'tick', taskQueue: TQ, args: [] }),
        });
        const describe = await fetch(`${base}/workflows/during-stop-missing`);
        const list = await fetch(`${base}/workflows?query=${encodeURIComponent("WorkflowType = 'tick'")}`);
        for (const res of [start, describe, list]) {
          const body = (await res.json()) as { error?: { code: string; message: string } };
          expect(res.status, JSON.stringify(body)).toBe(503);
          expect(body.error?.code).toBe('STORE_UNAVAILABLE');
        }
        // no hang: the pool's connect timeout bounds each answer
        expect(Date.now() - started).toBeLessThan(20_000);
        // live (no reason to restart them) but not ready (a load balancer sends nothing)
        for (const port of c.ports) {
          const live = await fetch(`http://127.0.0.1:${port}/healthz`);
          expect(live.status).toBe(200);
          expect(await live.json()).toMatchObject({ status: 'ok', storeReachable: false });
          expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
        }
      } finally {
        pgCtl('start');
      }
      // back by themselves: the same request succeeds, and what was acknowledged before is still there
      await leaderOf(c);
      expect(await c.clients[1]!.workflow.execute('tick', { taskQueue: TQ, workflowId: 'after-stop' })).toBe(before);
      expect(await c.clients[2]!.workflow.getHandle('before-stop').result()).toBe(before);
    },
    120_000,
  );
  if (noRestart) console.warn(`[skipped] the PostgreSQL restart test: ${noRestart}`);
});
