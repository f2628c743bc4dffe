// The two layouts of server + worker (+ client):
//   startChildCluster: server(s) and worker(s) in their own processes (server-main.mjs, worker-main.mjs), HTTP on
//     127.0.0.1; N servers on one PostgreSQL database, one worker per server; the client runs elsewhere
//     (driver.mjs, a separate process too, so no process is another's child in the memory/CPU groups).
//   startInProcessCluster: server, worker and client in the calling process (the server's in-process transport).
import path from 'node:path';
import {
  BENCH_DIR,
  createBenchWorker,
  distImport,
  extraConnectionOptions,
  log,
  spawnNode,
  sqliteSettings,
  withTimeout,
} from './lib.mjs';

/** Extra node flags for the server processes (diagnosis, e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof'). */
const serverNodeArgs = () => (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
/** The same for the worker processes (BENCH_WORKER_NODE_ARGS). */
const workerNodeArgs = () => (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

/**
 * `servers` server processes on `db` and (withWorker) one worker process per server, polling that server.
 * `db`: the SQLite file or a postgres:// URL (every server on it: a cluster); none: a fresh temp SQLite file,
 * made and removed by the (single) server process.
 */
export async function startChildCluster({ db, servers = 1, withWorker = true }) {
  if (servers > 1 && !(db && /^postgres(ql)?:\/\//.test(db)))
    throw new Error('several servers need a PostgreSQL database (SQLite is one server per file)');
  const serverProcs = [];
  const workers = [];
  const stop = async () => {
    await Promise.all(workers.map((w) => w.stop(20_000)));
    await Promise.all(serverProcs.map((s) => s.stop(15_000)));
  };
  try {
    for (let k = 0; k < servers; k++)
      serverProcs.push(
        spawnNode(path.join(BENCH_DIR, 'server-main.mjs'), [], {
          env: { ...(db ? { WEFT_BENCH_DB: db } : {}), WEFT_BENCH_SERVER_INDEX: String(k) },
          name: servers > 1 ? `server${k + 1}` : 'server',
          nodeArgs: serverNodeArgs(),
        }),
      );
    // they start (and migrate, one at a time under PostgreSQL's advisory lock) together
    const readies = await Promise.all(
      serverProcs.map((s) => s.waitFor((m) => m.ready === 'server', 120_000, 'its address')),
    );
    for (const r of readies)
      if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(r.address))
        throw new Error(`server address ${r.address} is not on 127.0.0.1`);
    /**
     * Spawns one worker process per server, polling it; returns their pids at once and `ready`, which resolves
     * when every one polls. Called here (withWorker), or later by the caller (burst: the worker starts after the
     * workflows; the workers then stay siblings of the servers, not children of the driver that samples them).
     */
    const startWorkers = () => {
      if (workers.length) throw new Error('the workers are already started');
      for (let k = 0; k < servers; k++)
        workers.push(
          spawnNode(path.join(BENCH_DIR, 'worker-main.mjs'), [], {
            env: { WEFT_ADDRESS: readies[k].address },
            name: servers > 1 ? `worker${k + 1}` : 'worker',
            nodeArgs: workerNodeArgs(),
          }),
        );
      const ready = Promise.all(
        workers.map((w) => w.waitFor((m) => m.ready === 'worker', 120_000, 'the worker to start')),
      );
      return { pids: workers.map((w) => w.pid), ready };
    };
    if (withWorker) await startWorkers().ready;
    const { ready: _r, address: _a, pid: _p, db: _d, ...settings } = readies[0];
    for (let k = 0; k < servers; k++)
      log(
        `server pid ${serverProcs[k].pid} at ${readies[k].address}${workers[k] ? `, worker pid ${workers[k].pid}` : ''}`,
      );
    return {
      addresses: readies.map((r) => r.address),
      serverPids: serverProcs.map((s) => s.pid),
      workerPids: workers.map((w) => w.pid),
      info: { transport: 'http', ...settings },
      startWorkers,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A client connection (HTTP) to a child cluster. */
export async function connectClient(address) {
  const { Client, Connection } = await distImport('client/index.js');
  const connection = await withTimeout(
    Connection.connect({ address, ...extraConnectionOptions() }),
    30_000,
    `connect to ${address}`,
  );
  return { client: new Client({ connection }), connection };
}

/** `db`: the SQLite file or postgres:// URL (the caller makes and removes temp ones). */
export async function startInProcessCluster({ db, withWorker = true }) {
  const { Client, Connection } = await distImport('client/index.js');
  const { startServer } = await distImport('server/index.js');
  let transport = 'in-process';
  let InProcessTransport;
  try {
    ({ InProcessTransport } = await distImport('server/api/in-process-transport.js'));
  } catch {
    transport = 'http-loopback'; // a build without the in-process transport: same process, HTTP on 127.0.0.1
  }
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    db,
    logLevel: 'warn',
    noHttp: transport === 'in-process',
    config: { retentionMs: 0 }, // as server-main.mjs: list1m's store holds runs closed long ago
  });
  const connection =
    transport === 'in-process'
      ? Connection.fromTransport(new InProcessTransport(server.context))
      : await Connection.connect({ address: server.address, ...extraConnectionOptions() });
  let worker;
  let running;
  const stop = async () => {
    if (worker) {
      worker.shutdown();
      await withTimeout(running, 30_000, 'in-process worker shutdown').catch((e) => log(String(e)));
    }
    await connection.close().catch(() => {});
    await withTimeout(server.stop(), 15_000, 'in-process server stop').catch((e) => log(String(e)));
  };
  /** Creates (bundles) and runs the bench worker in this process; later for burst (no worker at first). */
  const startWorker = async () => {
    if (worker) throw new Error('the worker is already started');
    worker = await createBenchWorker(connection, { handleSignals: false });
    running = worker.run();
  };
  try {
    if (withWorker) await startWorker();
  } catch (e) {
    await stop();
    throw e;
  }
  log(`in-process layout (${transport}): server${worker ? ' + worker' : ''} + client in pid ${process.pid}`);
  return {
    client: new Client({ connection }),
    connection,
    info: { transport, ...sqliteSettings(server.context.store) },
    startWorker,
    stop,
  };
}
