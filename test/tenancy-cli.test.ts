/**
 * The CLI of namespaces and API keys against `weft server start --auth api-keys`: the first admin key made
 * offline against the database, then namespaces and keys through the server; no key, a revoked key and bad
 * input fail with a code and a non-zero exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runWeft, spawnWeft, type CliProcess } from './cli-runner.js';

const dir = mkdtempSync(path.join(tmpdir(), 'weft-tenancy-cli-'));
const db = path.join(dir, 'weft.db');
let server: CliProcess | undefined;
let address = '';
let rootKey = '';

function expectError(r: { code: number | null; stderr: string }, code: string): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^Error: .+ \\(${code}\\)$`, 'm'));
}
const weft = (args: string[], key?: string) => runWeft(address, key ? [...args, '--api-key', key] : args);

beforeAll(async () => {
  // the first admin key, offline, before any server ran on the file
  const made = await runWeft('http://127.0.0.1:1', [
    'api-key',
    'create',
    '--db',
    `sqlite:${db}`,
    '--name',
    'root',
    '--role',
    'admin',
    '--namespace',
    '*',
    '-o',
    'json',
  ]);
  expect(made.code, made.stderr).toBe(0);
  rootKey = (JSON.parse(made.stdout) as { key: string }).key;
  server = spawnWeft([
    'server',
    'start',
    '--db',
    `sqlite:${db}`,
    '--port',
    '0',
    '--auth',
    'api-keys',
    '--headless',
    '--namespace',
    'made-at-start',
  ]);
  address = (await server.waitForOutput(/listening on (http:\/\/[\d.]+:\d+)/, 30_000))[1]!;
}, 60_000);
afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

it('namespaces: create, describe, update, list, delete with an admin key; without one: UNAUTHENTICATED', async () => {
  expectError(await weft(['namespace', 'list']), 'UNAUTHENTICATED');
  const created = await weft(
    ['namespace', 'create', 'payments', '--retention', '30d', '--description', 'pay'],
    rootKey,
  );
  expect(created.code, created.stderr).toBe(0);
  expect(created.stdout).toContain('Namespace payments is created (retention 30d)');
  const described = await weft(['namespace', 'describe', '-n', 'payments', '-o', 'json'], rootKey);
  expect(JSON.parse(described.stdout)).toMatchObject({ name: 'payments', retentionMs: 30 * 86_400_000 });
  const updated = await weft(['namespace', 'update', 'payments', '--max-payload-bytes', '1000'], rootKey);
  expect(updated.stdout).toContain('1000 bytes');
  const listed = await weft(['namespace', 'list'], rootKey);
  expect(listed.stdout).toMatch(/default/);
  expect(listed.stdout).toMatch(/made-at-start/); // weft server start --namespace
  expect(listed.stdout).toMatch(/payments\W+Registered\W+30d/);
  expectError(await weft(['namespace', 'create', 'payments'], rootKey), 'NAMESPACE_ALREADY_EXISTS');
  expectError(await weft(['namespace', 'create', 'bad name'], rootKey), 'INVALID_ARGUMENT');
  expectError(await weft(['namespace', 'create', 'x', '--retention', 'soon'], rootKey), 'INVALID_ARGUMENT');
  expectError(await weft(['namespace', 'describe', 'nope'], rootKey), 'NAMESPACE_NOT_FOUND');
  const deleted = await weft(['namespace', 'delete', 'payments'], rootKey);
  expect(deleted.code, deleted.stderr).toBe(0);
}, 60_000);

it('keys: create, list, revoke; a reader key reads but may not start; a revoked key is refused', async () => {
  const made = await weft(
    ['api-key', 'create', '--name', 'ci-reader', '--role', 'reader', '-n', 'default', '-n', 'other'],
    rootKey,
  );
  expect(made.code, made.stderr).toBe(0);
  const readerKey = made.stdout.split('\n')[1]!.trim();
  expect(readerKey).toMatch(/^weft_/);
  const listed = await weft(['api-key', 'list'], rootKey);
  expect(listed.stdout).toMatch(/ci-reader\W+reader\W+default,other/);
  expect(listed.stdout).not.toContain(readerKey);

  expect((await weft(['workflow', 'list'], readerKey)).code).toBe(0);
  expectError(
    await weft(['workflow', 'start', '--type', 't', '--task-queue', 'q', '--workflow-id', 'w'], readerKey),
    'PERMISSION_DENIED',
  );
  expectError(await weft(['api-key', 'list'], readerKey), 'PERMISSION_DENIED');

  const revoked = await weft(['api-key', 'revoke', 'ci-reader'], rootKey);
  expect(revoked.stdout).toContain('API key ci-reader is revoked');
  expectError(await weft(['workflow', 'list'], readerKey), 'UNAUTHENTICATED');
  expectError(await weft(['api-key', 'revoke', 'nobody'], rootKey), 'API_KEY_NOT_FOUND');
  const badRole = await weft(['api-key', 'create', '--name', 'x', '--role', 'root', '-n', 'default'], rootKey);
  expect(badRole.code).not.toBe(0);
  // offline against the database the server is running on: the server sees the new key within a second
  const offline = await runWeft(address, ['api-key', 'list', '--db', `sqlite:${db}`, '-o', 'json']);
  expect((JSON.parse(offline.stdout) as Array<{ name: string }>).map((k) => k.name)).toEqual(['root', 'ci-reader']);
}, 60_000);
