/**
 * TLS: HTTPS servers (`startServer({ tls })`, `weft server start --tls-*`), mutual TLS, and clients, workers and
 * the CLI over them. The certificates are made here with the `openssl` binary: a CA, a server certificate for
 * 127.0.0.1 and localhost, a client certificate signed by the CA, and an unrelated CA with a client certificate
 * of its own. Without openssl the file is skipped with a message, or fails in CI (CI=true).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection, ConnectionError } from '../src/client/index.js';
import { startServer, type WeftServer } from '../src/server/index.js';
import { Worker } from '../src/worker/index.js';
import { spawnWeft, type CliProcess } from './cli-runner.js';
import { fixture, quietLogger, uid } from './helpers.js';

/** The certificates' folder (made once the tests run: a skipped file leaves nothing behind). */
let dir = '';
const file = (name: string): string => path.join(dir, name);
const pem = (name: string): Buffer => readFileSync(file(name));
/** A stack trace line: expected errors must not print one. */
const STACK_LINE = /^\s+at .+/m;

const OPENSSL_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(name: string, cn: string): void {
  openssl(
    'req',
    '-x509',
    ...EC_KEY,
    '-config',
    'openssl.cnf',
    '-extensions',
    'ca',
    '-subj',
    `/CN=${cn}`,
    '-days',
    '2',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
  );
}

/** A certificate `name`.pem (and key) signed by `ca`, with the extensions in `ext`. */
function makeCert(name: string, ca: string, cn: string, ext: string): void {
  writeFileSync(file(`${name}.ext`), ext);
  openssl(
    'req',
    '-new',
    ...EC_KEY,
    '-config',
    'openssl.cnf',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  );
  const serial = `0x${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`;
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-set_serial',
    serial,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  );
}

function makeCertificates(): void {
  writeFileSync(file('openssl.cnf'), OPENSSL_CONFIG);
  makeCa('ca', 'Weft Test CA');
  makeCa('other-ca', 'Unrelated CA');
  const client = 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n';
  makeCert(
    'server',
    'ca',
    'localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n',
  );
  makeCert('client', 'ca', 'weft-client', client);
  makeCert('other-client', 'other-ca', 'intruder', client);
  writeFileSync(file('garbage.pem'), 'not a certificate\n');
}

function opensslMissing(): string | undefined {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (r.error) return r.error.message;
  return r.status === 0 ? undefined : `openssl version exited ${r.status}: ${r.stderr}`;
}

/** `describe` for tests that need openssl: skipped with a message outside CI when it is missing, failing in CI. */
function describeTls(name: string, body: () => void): void {
  const reason = opensslMissing();
  if (reason === undefined) return describe(name, body);
  const message = `the openssl binary is needed to make the test certificates (${reason}); install it (apt-get install openssl)`;
  if (process.env['CI'] === 'true')
    return describe(name, () => {
      it('needs openssl', () => {
        throw new Error(message);
      });
    });
  console.warn(`[skipped] ${name}: ${message}`);
  describe.skip(name, body);
}

const running: CliProcess[] = [];
const servers: WeftServer[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'weft-tls-'));
  if (opensslMissing() === undefined) makeCertificates();
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  await Promise.all(servers.map((s) => s.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function httpsServer(clientCa?: string): Promise<WeftServer> {
  const server = await startServer({
    port: 0,
    db: ':memory:',
    logLevel: 'warn',
    tls: { cert: pem('server.pem'), key: pem('server.key'), ...(clientCa ? { clientCa: pem(clientCa) } : {}) },
  });
  servers.push(server);
  return server;
}

/** Connection.connect's error, which must come at once. */
async function refused(opts: Parameters<typeof Connection.connect>[0]): Promise<ConnectionError> {
  const started = Date.now();
  const e = await Connection.connect(opts).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConnectionError);
  expect(Date.now() - started).toBeLessThan(10_000);
  return e as ConnectionError;
}

/** A one-shot CLI command with `env` (and no WEFT_* settings of this environment). */
async function weft(args: string[], env: Record<string, string> = {}): Promise<CliProcess> {
  const p = spawnWeft(args, env);
  running.push(p);
  await p.waitForExit(60_000);
  return p;
}

function expectCliError(p: CliProcess, code: string, message: RegExp): void {
  expect(p.child.exitCode, p.stderr).toBe(1);
  expect(p.stderr).toMatch(new RegExp(`^Error: .+ \\(${code}\\)$`, 'm'));
  expect(p.stderr).toMatch(message);
  expect(p.stderr).not.toMatch(STACK_LINE);
}

describeTls('TLS', () => {
  describe('an HTTPS server', () => {
    let server: WeftServer;
    beforeAll(async () => {
      server = await httpsServer();
    });

    it('serves the API, /healthz and the UI over TLS; a client and a worker with the CA run a workflow', async () => {
      expect(server.address).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const agent = new Agent({ connect: { ca: pem('ca.pem') } });
      try {
        const health = await request(`${server.address}/healthz`, { dispatcher: agent });
        expect(health.statusCode).toBe(200);
        expect(await health.body.json()).toMatchObject({ status: 'ok' });
        const ui = await request(`${server.address}/`, { dispatcher: agent });
        expect(ui.statusCode).toBe(200);
        expect(String(ui.headers['content-type'])).toMatch(/text\/html/);
        await ui.body.dump();
      } finally {
        await agent.close();
      }

      // Weft's names for the client; Temporal's for the worker (a bare host:port with tls means https)
      const connection = await Connection.connect({ address: server.address, tls: { ca: pem('ca.pem') } });
      const workerConnection = Connection.lazy({
        address: server.address.replace('https://', ''),
        tls: { serverRootCACertificate: pem('ca.pem') },
      });
      const taskQueue = uid('tls-q');
      const worker = await Worker.create({
        connection: workerConnection,
        taskQueue,
        workflowsPath: fixture('workflows.ts'),
        activities: await import('./fixtures/activities.js'),
        handleSignals: false,
        logger: quietLogger,
      });
      const running = worker.run();
      try {
        const client = new Client({ connection });
        const result = await client.workflow.execute('sequential', { taskQueue, workflowId: uid(), args: [1] });
        expect(result).toBe(5);
      } finally {
        worker.shutdown();
        await running;
        await workerConnection.close();
        await connection.close();
      }
    }, 60_000);

    it('refuses a client that does not trust its certificate, at once and with a clear ConnectionError', async () => {
      // no CA: the system CAs do not know the test CA
      const none = await refused({ address: server.address });
      expect(none.message).toMatch(/TLS certificate of the server at https:\/\/127\.0\.0\.1:\d+ does not verify/);
      expect(none.message).toMatch(/tls\.ca/);
      expect(none.retryable).toBe(false);
      const tlsTrue = await refused({ address: server.address, tls: true });
      expect(tlsTrue.message).toMatch(/does not verify/);
      const other = await refused({ address: server.address, tls: { ca: pem('other-ca.pem') } });
      expect(other.message).toMatch(/does not verify/);
      // a name the certificate does not carry
      const name = await refused({ address: server.address, tls: { ca: pem('ca.pem'), serverName: 'weft.example' } });
      expect(name.message).toMatch(/not issued for the name .*weft\.example/);
      // plain HTTP to an https server
      const plain = await refused({ address: server.address.replace('https://', 'http://') });
      expect(plain.message).toMatch(/give an https:\/\/ address/);
      // ... and a name it does carry, in Temporal's words
      const ok = await Connection.connect({
        address: server.address,
        tls: { serverRootCACertificate: pem('ca.pem').toString(), serverNameOverride: 'localhost' },
      });
      await ok.close();
    });

    it('a lazy connection fails its calls with the same error, without retrying for 30 s', async () => {
      const connection = Connection.lazy({ address: server.address, tls: { ca: pem('other-ca.pem') } });
      try {
        const started = Date.now();
        const e = await new Client({ connection }).workflow.count().catch((err: unknown) => err);
        expect(e).toBeInstanceOf(ConnectionError);
        expect((e as Error).message).toMatch(/does not verify/);
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        await connection.close();
      }
    });
  });

  describe('mutual TLS (clientCa)', () => {
    let server: WeftServer;
    beforeAll(async () => {
      server = await httpsServer('ca.pem');
    });

    it('serves a client with a certificate from the CA, in either shape', async () => {
      const weftShape = await Connection.connect({
        address: server.address,
        tls: { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') },
      });
      expect(await new Client({ connection: weftShape }).workflow.count()).toEqual({ count: 0 });
      await weftShape.close();
      const temporalShape = await Connection.connect({
        address: server.address,
        tls: {
          serverRootCACertificate: pem('ca.pem'),
          clientCertPair: { crt: pem('client.pem'), key: pem('client.key') },
        },
      });
      await temporalShape.close();
    });

    it('refuses a client without a certificate, and one whose certificate another CA signed', async () => {
      const none = await refused({ address: server.address, tls: { ca: pem('ca.pem') } });
      expect(none.message).toMatch(/may require a client certificate \(mutual TLS\): give tls\.cert and tls\.key/);
      const other = await refused({
        address: server.address,
        tls: { ca: pem('ca.pem'), cert: pem('other-client.pem'), key: pem('other-client.key') },
      });
      expect(other.message).toMatch(/may not accept this client certificate/);
    });
  });

  it('bad TLS options fail before any connection, naming the option', async () => {
    const bad = (tls: unknown, address = 'https://127.0.0.1:1'): unknown => {
      try {
        Connection.lazy({ address, tls: tls as never });
      } catch (e) {
        expect(e).toBeInstanceOf(TypeError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(bad({ ca: pem('ca.pem') }, 'http://127.0.0.1:1')).toMatch(/not https:\/\//);
    expect(bad({ cert: pem('client.pem') })).toMatch(/needs its key/);
    expect(bad({ ca: pem('ca.pem'), serverRootCACertificate: pem('ca.pem') })).toMatch(/tls\.ca or .*not both/);
    expect(bad({ ca: pem('garbage.pem') })).toMatch(/tls\.ca: no PEM certificate/);
    expect(bad({ cert: pem('client.pem'), key: pem('server.key') })).toMatch(/tls\.key is not the key of/);
    expect(bad({ caFile: 'ca.pem' })).toMatch(/unknown option caFile/);

    const start = (tls: unknown): Promise<string> =>
      startServer({ port: 0, db: ':memory:', logLevel: 'silent', tls: tls as never }).then(
        async (s) => {
          await s.stop();
          return 'started';
        },
        (e: Error) => e.message,
      );
    expect(await start({ cert: pem('server.pem') })).toMatch(/give both the certificate and its key/);
    expect(await start({ cert: pem('garbage.pem'), key: pem('server.key') })).toMatch(/tls\.cert: no PEM/);
    expect(await start({ cert: pem('server.pem'), key: pem('server.pem') })).toMatch(/tls\.key: not a PEM private key/);
  });

  describe('the CLI', () => {
    let address: string;
    beforeAll(async () => {
      // a production server with mutual TLS, every setting from the environment
      const server = spawnWeft(['server', 'start', '--headless'], {
        WEFT_DB: ':memory:',
        WEFT_PORT: '0',
        WEFT_LOG_LEVEL: 'warn',
        WEFT_TLS_CERT: file('server.pem'),
        WEFT_TLS_KEY: file('server.key'),
        WEFT_TLS_CLIENT_CA: file('ca.pem'),
      });
      running.push(server);
      address = (await server.waitForOutput(/listening on (https:\/\/[\d.]+:\d+)/, 30_000))[1]!;
    }, 60_000);

    it('workers and commands reach it with --tls-* flags or their variables; without a certificate, not', async () => {
      const taskQueue = uid('tls-cli-q');
      const worker = spawnWeft(
        [
          'worker',
          'start',
          '--address',
          address,
          '--tls-ca',
          file('ca.pem'),
          '--tls-cert',
          file('client.pem'),
          '--tls-key',
          file('client.key'),
          '-t',
          taskQueue,
          '--workflows',
          fixture('cli/workflows.ts'),
          '--activities',
          fixture('cli/activities.ts'),
          '--log-level',
          'warn',
        ],
        {},
      );
      running.push(worker);
      await worker.waitForOutput(/^Worker \S+ polling task queue/m, 30_000);

      const env = {
        WEFT_ADDRESS: address,
        WEFT_TLS_CA: file('ca.pem'),
        WEFT_TLS_CLIENT_CERT: file('client.pem'),
        WEFT_TLS_CLIENT_KEY: file('client.key'),
      };
      const workflowId = uid('tls-cli');
      const run = await weft(
        ['workflow', 'execute', '--type', 'greeting', '-t', taskQueue, '--workflow-id', workflowId, '--input', '"TLS"'],
        env,
      );
      expect(run.child.exitCode, run.stderr).toBe(0);
      expect(run.stdout).toContain('"HELLO, TLS!"');
      const list = await weft(['workflow', 'list', '--output', 'json'], env);
      expect(list.child.exitCode, list.stderr).toBe(0);
      expect(list.stdout).toContain(workflowId);
      // host:port with TLS flags means https://
      const health = await weft(['server', 'health', '--address', address.replace('https://', '')], env);
      expect(health.child.exitCode, health.stderr).toBe(0);
      expect(health.stdout).toContain(`Weft server at ${address}`);

      const noCert = await weft(['workflow', 'list'], { WEFT_ADDRESS: address, WEFT_TLS_CA: file('ca.pem') });
      expectCliError(noCert, 'UNAVAILABLE', /may require a client certificate/);
      const noCa = await weft(['workflow', 'list'], { WEFT_ADDRESS: address });
      expectCliError(noCa, 'UNAVAILABLE', /does not verify.*--tls-ca/);
      await worker.kill();
    }, 90_000);

    it('bad client flags: a missing file, a cert without its key, a file that is no certificate, http://', async () => {
      const missing = await weft(['workflow', 'list', '--address', address, '--tls-ca', file('nope.pem')]);
      expectCliError(missing, 'INVALID_ARGUMENT', /--tls-ca: cannot read .*nope\.pem: no such file/);
      const noKey = await weft(['workflow', 'list', '--address', address, '--tls-cert', file('client.pem')]);
      expectCliError(noKey, 'INVALID_ARGUMENT', /--tls-cert needs --tls-key/);
      const garbage = await weft(['workflow', 'list', '--address', address, '--tls-ca', file('garbage.pem')]);
      expectCliError(garbage, 'INVALID_ARGUMENT', /--tls-ca .*garbage\.pem: no PEM certificate/);
      const http = await weft(['workflow', 'list', '--address', 'http://127.0.0.1:1', '--tls-ca', file('ca.pem')]);
      expectCliError(http, 'INVALID_ARGUMENT', /is not https:\/\/: give --address https:/);
    }, 60_000);

    it('bad server flags: a missing file, a cert without its key (or a key alone), a PEM that does not parse', async () => {
      const serve = (...tls: string[]): Promise<CliProcess> =>
        weft(['server', 'start', '--db', ':memory:', '--port', '0', ...tls]);
      const missing = await serve('--tls-cert', file('nope.pem'), '--tls-key', file('server.key'));
      expectCliError(missing, 'INVALID_ARGUMENT', /--tls-cert: cannot read .*nope\.pem: no such file/);
      const noKey = await serve('--tls-cert', file('server.pem'));
      expectCliError(noKey, 'INVALID_ARGUMENT', /--tls-cert needs --tls-key/);
      const noCert = await serve('--tls-key', file('server.key'));
      expectCliError(noCert, 'INVALID_ARGUMENT', /--tls-key needs --tls-cert/);
      const garbage = await serve('--tls-cert', file('garbage.pem'), '--tls-key', file('server.key'));
      expectCliError(garbage, 'INVALID_ARGUMENT', /--tls-cert .*garbage\.pem: no PEM certificate/);
      const wrongKey = await serve('--tls-cert', file('server.pem'), '--tls-key', file('client.key'));
      expectCliError(wrongKey, 'INVALID_ARGUMENT', /--tls-key .*client\.key is not the key of the certificate/);
      const caAlone = await weft(['server', 'start-dev', '--db', ':memory:', '--port', '0'], {
        WEFT_TLS_CLIENT_CA: file('ca.pem'),
      });
      expectCliError(caAlone, 'INVALID_ARGUMENT', /--tls-client-ca needs --tls-cert and --tls-key/);
    }, 90_000);
  });
});
