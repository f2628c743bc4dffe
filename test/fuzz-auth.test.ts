/**
 * The HTTP fuzzer with the doors on (issue 13): a server process with API keys and TLS, fuzzed with no key, a
 * wrong, a revoked, another namespace's and weaker roles' keys, and an admin's. Never a 5xx; never an answer a key
 * may not have: no 2xx without a valid key, none in a namespace the key may not use, none for an operation its
 * role may not call, and no seeded data in any answer to a key of another namespace.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../src/client/index.js';
import { fixture } from './helpers.js';
import { freePort, spawnTs, type Child } from './process-helpers.js';
import { runFuzz, type FuzzKey } from './fuzz/run-fuzz.js';
import type { FuzzRequest } from './fuzz/hostile.js';
import { EXPECTED } from './role-table.js';

const N = Number(process.env.FUZZ_AUTH_N ?? 2_000);
const SEED =
  process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 20261206);
const ADMIN = 'fz-static-admin-key-for-the-auth-fuzzer';
const OTHER_NS = 'fz-other-ns-only';

const opensslMissing = spawnSync('openssl', ['version']).status !== 0;
const suite =
  opensslMissing && process.env['CI'] !== 'true' ? (describe.skip as typeof describe) : (describe as typeof describe);
if (opensslMissing && process.env['CI'] !== 'true')
  console.warn('fuzz-auth.test.ts skipped: the openssl binary is needed to make its certificate');

let dir = '';
let server: Child;
let admin: Client;
let ca = '';
const keys: Record<string, string> = {};

suite('fuzzing a server with API keys and TLS', () => {
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'weft-fuzz-auth-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    ca = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    const port = await freePort();
    server = await spawnTs(fixture('server-main.ts'), [path.join(dir, 'weft.db'), String(port)], {
      WEFT_TEST_CONFIG: JSON.stringify({
        pollTimeoutMs: 200,
        resultWaitMs: 200,
        queryTimeoutMs: 300,
        retentionSweepEveryMs: 3_600_000,
      }),
      WEFT_TEST_API_KEYS: JSON.stringify([ADMIN]),
      WEFT_TEST_TLS: JSON.stringify({ cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') }),
    });
    const connection = await Connection.connect({
      address: server.ready,
      apiKey: ADMIN,
      tls: { serverRootCACertificate: Buffer.from(ca), serverNameOverride: 'localhost' },
    });
    admin = new Client({ connection });
    await admin.namespaces.create({ name: OTHER_NS });
    for (const role of ['reader', 'writer', 'worker'] as const)
      keys[role] = (await admin.apiKeys.create({ name: `fz-key-${role}-default`, role, namespaces: ['default'] })).key;
    keys['other'] = (
      await admin.apiKeys.create({ name: 'fz-key-admin-other', role: 'admin', namespaces: [OTHER_NS] })
    ).key;
    keys['revoked'] = (await admin.apiKeys.create({ name: 'fz-key-revoked', role: 'admin', namespaces: ['*'] })).key;
    await admin.apiKeys.revoke('fz-key-revoked');
    // seeded data the fuzzer does not aim at
    await admin.workflow.start('seed-type', { workflowId: 'seed-running', taskQueue: 'seed-q', args: [{ a: 1 }] });
  }, 60_000);

  afterAll(async () => {
    await admin?.connection.close();
    await server?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const namespaceOf = (r: FuzzRequest): string | undefined => {
    const m = /^\/api\/v1\/namespaces\/([^/?]+)/.exec(r.target);
    return m ? decodeURIComponent(m[1]!) : undefined;
  };
  /** Open to all: the health checks and the web UI's files. */
  const open = (r: FuzzRequest): boolean => !r.target.startsWith('/api/') && !r.target.startsWith('/metrics');
  const ok = (status: number): boolean => status < 400;
  /** The operation the server really ran: by method and path (a HEAD runs the GET route), not by what it was made from. */
  let routes: Array<{ method: string; pattern: RegExp; operationId: string }> = [];
  const operationOf = (r: FuzzRequest): string | undefined => {
    const method = r.method === 'HEAD' ? 'GET' : r.method;
    const p = r.target.split('?')[0]!;
    return routes.find((x) => x.method === method && x.pattern.test(p))?.operationId;
  };
  /** A key with no rights: nothing but a 4xx (the open routes aside). */
  const nothing = (): FuzzKey['check'] => (r, status) => (ok(status) && !open(r) ? `answered ${status}` : undefined);
  /** A role's key for `default`: no success outside its role or its namespace. */
  const roleCheck =
    (role: string): FuzzKey['check'] =>
    (r, status) => {
      if (!ok(status) || open(r)) return undefined;
      const ns = namespaceOf(r);
      const op = operationOf(r);
      if (ns !== undefined && ns !== 'default') return `answered ${status} in namespace ${ns}`;
      if (!op) return `answered ${status} to no known operation`;
      if (!EXPECTED[op]?.includes(role)) return `answered ${status} to ${op}`;
      return undefined;
    };

  it(`${N} hostile requests with every kind of key (seed ${SEED}): no 5xx, no answer a key may not have`, async () => {
    const doc = (await (
      await fetch(`${server.ready}/api/v1/openapi.json`, {
        headers: { authorization: `Bearer ${ADMIN}` },
        dispatcher: new Agent({ connect: { ca, servername: 'localhost' } }),
      } as RequestInit)
    ).json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
    routes = Object.entries(doc.paths).flatMap(([template, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
        operationId: op.operationId ?? '',
      })),
    );
    const bearer = (k: string): string => `Bearer ${k}`;
    const fuzzKeys: FuzzKey[] = [
      { label: 'no key', check: nothing() },
      { label: 'wrong key', header: bearer(keys['reader']!.slice(0, -3) + 'zzz'), check: nothing() },
      { label: 'not a key', header: 'Bearer nonsense', check: nothing() },
      { label: 'revoked', header: bearer(keys['revoked']!), check: nothing() },
      {
        label: 'other namespace',
        header: bearer(keys['other']!),
        check: (r, status, body) => {
          if (!ok(status) || open(r)) return undefined;
          const ns = namespaceOf(r);
          if (ns !== undefined && ns !== OTHER_NS) return `answered ${status} in namespace ${ns}`;
          if (/seed-running|fz-wf-|"default"/.test(body)) return "an answer with another namespace's data";
          return undefined;
        },
      },
      { label: 'reader', header: bearer(keys['reader']!), check: roleCheck('reader') },
      { label: 'writer', header: bearer(keys['writer']!), check: roleCheck('writer') },
      { label: 'worker', header: bearer(keys['worker']!), check: roleCheck('worker') },
      { label: 'admin', header: bearer(ADMIN) },
    ];
    const report = await runFuzz({ address: server.ready, seed: SEED, count: N, ca, keys: fuzzKeys, validWeight: 2 });
    const summary = { ...report, failures: report.failures.slice(0, 20) };
    console.log(`fuzz with keys (seed ${SEED}, FUZZ_SEED=${SEED} to repeat):\n${JSON.stringify(summary, null, 2)}`);
    expect(report.failures, `seed ${SEED}`).toEqual([]);
    expect(report.serverErrors).toBe(0);
    expect(report.byStatus['401']).toBeGreaterThan(N / 10);
    expect(report.byStatus['403']).toBeGreaterThan(N / 20);
    expect(server.proc.exitCode).toBeNull();
    const health = await fetch(`${server.ready}/healthz`, {
      dispatcher: new Agent({ connect: { ca, servername: 'localhost' } }),
    } as RequestInit);
    expect(health.status).toBe(200);
    expect((await admin.workflow.getHandle('seed-running').describe()).status.name).toBe('RUNNING');
  }, 180_000);
});
