// The two layouts of server + worker (+ client):
//   startChildCluster: server and worker in their own processes (server-main.mjs, worker-main.mjs), HTTP on
//     127.0.0.1; the client runs elsewhere (driver.mjs, a separate process too, so no process is another's child
//     in the memory/CPU groups).
//   startInProcessCluster: server, worker and client in the calling process (the server's in-process transport).
import path from 'node:path';
import { BENCH_DIR, createBenchWorker, distImport, log, spawnNode, sqliteSettings, withTimeout } from './lib.mjs';

/** `db`: the SQLite file; none: a fresh temp file, made and removed by the server process. */
export async function startChildCluster({ db, withWorker = true }) {
  const server = spawnNode(path.join(BENCH_DIR, 'server-main.mjs'), [], {
    env: db ? { WEFT_BENCH_DB: db } : {},
    name: 'server',
  });
  let worker;
  const stop = async () => {
    if (worker) await worker.stop(20_000);
    await server.stop(15_000);
  };
  try {
    const ready = await server.waitFor((m) => m.ready === 'server', 120_000, 'its address');
    if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(ready.address))
      throw new Error(`server address ${ready.address} is not on 127.0.0.1`);
    if (withWorker) {
      worker = spawnNode(path.join(BENCH_DIR, 'worker-main.mjs'), [], {
        env: { WEFT_ADDRESS: ready.address },
        name: 'worker',
      });
      await worker.waitFor((m) => m.ready === 'worker', 120_000, 'the worker to start');
    }
    const { ready: _r, address: _a, pid: _p, db: _d, ...settings } = ready;
    log(`server pid ${server.pid} at ${ready.address}${worker ? `, worker pid ${worker.pid}` : ''}`);
    return {
      address: ready.address,
      serverPid: server.pid,
      workerPid: worker?.pid,
      info: { transport: 'http', ...settings },
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
  const connection = await withTimeout(Connection.connect({ address }), 30_000, `connect to ${address}`);
  return { client: new Client({ connection }), connection };
}

/** `db`: the SQLite file (the caller makes and removes temp ones). */
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
  });
  const connection =
    transport === 'in-process'
      ? Connection.fromTransport(new InProcessTransport(server.context))
      : await Connection.connect({ address: server.address });
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
  try {
    if (withWorker) {
      worker = await createBenchWorker(connection, { handleSignals: false });
      running = worker.run();
    }
  } catch (e) {
    await stop();
    throw e;
  }
  log(`in-process layout (${transport}): server${worker ? ' + worker' : ''} + client in pid ${process.pid}`);
  return {
    client: new Client({ connection }),
    connection,
    info: { transport, ...sqliteSettings(server.context.store) },
    stop,
  };
}
