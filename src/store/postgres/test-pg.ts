/**
 * PostgreSQL for tests: the server named by WEFT_TEST_PG (default: the local one, trust auth, database `test`)
 * and a fresh database per caller, dropped afterwards.
 *
 * Outside CI a test file whose PostgreSQL does not answer is skipped with a message saying so; in CI
 * (CI=true) it fails instead: `describePg` then registers one failing test naming the server.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';
import { describe, it } from 'vitest';

export const TEST_PG_URL = process.env['WEFT_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/test';

let availability: Promise<string | undefined> | undefined;

/** Undefined when the test server answers; else why not. */
export function pgUnavailableReason(): Promise<string | undefined> {
  availability ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (err) {
      return (err as Error).message;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return availability;
}

/** `describe` for tests that need PostgreSQL: skipped with a message outside CI when none answers, failing in CI. */
export async function describePg(name: string, body: () => void): Promise<void> {
  const reason = await pgUnavailableReason();
  if (reason === undefined) {
    describe(name, body);
    return;
  }
  const message = `PostgreSQL at ${TEST_PG_URL} does not answer (${reason}); set WEFT_TEST_PG or start it (pg_ctlcluster 15 main start)`;
  if (process.env['CI'] === 'true') {
    describe(name, () => {
      it('needs PostgreSQL', () => {
        throw new Error(message);
      });
    });
    return;
  }
  console.warn(`[skipped] ${name}: ${message}`);
  describe.skip(name, body);
}

/** The URL of `database` on the test server. */
export function databaseUrl(database: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name on the test server. */
export async function createTestDatabase(prefix = 'weft_t'): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * Whether the tests may stop and restart the local PostgreSQL (`pg_ctlcluster`): undefined when they may, else
 * why not (another server named by WEFT_TEST_PG, or no pg_ctlcluster).
 */
export function postgresRestartUnavailable(): string | undefined {
  const host = new URL(TEST_PG_URL).hostname;
  if (!['127.0.0.1', 'localhost', '::1', ''].includes(host)) return `PostgreSQL at ${host} is not local`;
  if (!existsSync('/usr/bin/pg_ctlcluster') || !existsSync('/etc/postgresql')) return 'pg_ctlcluster is not installed';
  return undefined;
}

/** `pg_ctlcluster VERSION main ACTION` on the local PostgreSQL; stop and restart are fast (every session is cut). */
export function pgCtl(action: 'restart' | 'stop' | 'start'): void {
  const version = readdirSync('/etc/postgresql').sort().at(-1)!;
  const args = ['--skip-systemctl-redirect', version, 'main', action, ...(action === 'start' ? [] : ['-m', 'fast'])];
  execFileSync('pg_ctlcluster', args, { stdio: 'pipe', timeout: 60_000 });
}
