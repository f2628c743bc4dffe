import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeStoreConformance } from '../conformance.js';
import { makeEvents, makeState, startMutation } from '../conformance-fixtures.js';
import { checksumOf, loadMigrations, migrationsDir, MigrationError, runMigrations } from '../migrations.js';
import type { AppliedMigration, Migration, MigrationDriver } from '../migrations.js';
import { parseQuery } from '../../visibility/query-parser.js';
import { compileQuery } from '../sql/compile-query.js';
import { SqliteStore } from './sqlite-store.js';

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'weft-sqlite-'));
}

describeStoreConformance('sqlite', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'weft.db');
  return {
    store: new SqliteStore({ path: file }),
    reopen: async () => new SqliteStore({ path: file }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SqliteStore', () => {
  let dir: string;
  let file: string;
  const open: SqliteStore[] = [];
  const openStore = async (opts: Partial<ConstructorParameters<typeof SqliteStore>[0]> = {}): Promise<SqliteStore> => {
    const s = new SqliteStore({ path: file, ...opts });
    open.push(s);
    await s.init();
    return s;
  };

  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'weft.db');
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not ready when a migration is missing, or once closed', async () => {
    const s = await openStore();
    await s.ready();
    s.database
      .prepare('DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)')
      .run();
    await expect(s.ready()).rejects.toThrow(/lacks migrations \d+ \(\w+\)/);
    const t = await openStore({ path: path.join(dir, 'other.db') });
    await t.close();
    await expect(t.ready()).rejects.toThrow(/closed/);
  });

  it('runs in WAL mode with synchronous=FULL and a busy timeout by default', async () => {
    const s = await openStore();
    const db = s.database;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('takes synchronous=NORMAL when asked', async () => {
    const s = await openStore({ synchronous: 'NORMAL' });
    expect(s.database.pragma('synchronous', { simple: true })).toBe(1);
  });

  it('records the migrations it applied, and applies none again on reopen', async () => {
    const s = await openStore();
    const rows = s.database
      .prepare('SELECT version, name, checksum, applied_at FROM schema_migrations')
      .all() as Array<{
      version: number;
      name: string;
      checksum: string;
      applied_at: number;
    }>;
    const sql = (file: string): string => readFileSync(new URL(file, migrationsDir('sqlite')), 'utf8');
    // every file of the migrations folder, in order (0001_init.sql -> version 1, name 'init')
    const files = readdirSync(migrationsDir('sqlite'))
      .filter((f) => /^\d{4}_.+\.sql$/.test(f))
      .sort();
    expect(files.slice(0, 3)).toEqual(['0001_init.sql', '0002_state_rows.sql', '0003_schedules.sql']);
    expect(rows).toEqual(
      files.map((f) => ({
        version: Number(f.slice(0, 4)),
        name: f.slice(5, -'.sql'.length),
        checksum: checksumOf(sql(f)),
        applied_at: expect.any(Number),
      })),
    );
    await s.close();
    const again = await openStore();
    expect(again.database.prepare('SELECT applied_at FROM schema_migrations ORDER BY version').pluck().all()).toEqual(
      rows.map((r) => r.applied_at),
    );
  });

  it('refuses to start when an applied migration was changed', async () => {
    const s = await openStore();
    s.database.prepare("UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1").run();
    await s.close();
    await expect(openStore()).rejects.toThrow(/migration 1 \(init\) was changed after it was applied/);
  });

  it('refuses to start on a database migrated by a newer version', async () => {
    const s = await openStore();
    s.database.prepare("INSERT INTO schema_migrations VALUES (9999, 'future', 'x', 0)").run();
    await s.close();
    await expect(openStore()).rejects.toThrow(MigrationError);
  });

  it('works in memory', async () => {
    const s = new SqliteStore({ path: ':memory:' });
    await s.init();
    await s.commit(startMutation('r1'));
    expect((await s.getExecution('r1'))?.version).toBe(1);
    await s.close();
    await expect(s.commit(startMutation('r2'))).rejects.toThrow(/closed/);
  });

  it('answers the type + status + time-range list from one index, without sorting', async () => {
    const s = await openStore();
    const q = compileQuery(
      parseQuery(
        "WorkflowType = 'order' AND ExecutionStatus = 'Completed' AND StartTime >= '2025-01-01' AND StartTime < '2025-02-01'",
      ),
      { dialect: 'sqlite' },
    );
    const plan = (keyset: string) =>
      (
        s.database
          .prepare(
            `EXPLAIN QUERY PLAN SELECT run_id FROM executions WHERE namespace = ? AND ${q.where}${keyset}
             ORDER BY start_time DESC, run_id DESC LIMIT 51`,
          )
          .all('default', ...q.params, ...(keyset ? [1, 'x'] : [])) as Array<{ detail: string }>
      )
        .map((r) => r.detail)
        .join('\n');
    for (const p of [plan(''), plan(' AND (start_time, run_id) < (?, ?)')]) {
      expect(p).toContain('executions_by_type_status');
      expect(p).not.toContain('TEMP B-TREE');
    }
  });
});

describe('migration runner', () => {
  class FakeDriver implements MigrationDriver {
    rows: AppliedMigration[] = [];
    async ensureMigrationsTable(): Promise<void> {}
    async appliedMigrations(): Promise<AppliedMigration[]> {
      return [...this.rows];
    }
    async applyMigration(m: Migration, appliedAt: number): Promise<boolean> {
      if (this.rows.some((r) => r.version === m.version)) return false;
      this.rows.push({ version: m.version, name: m.name, checksum: m.checksum, appliedAt });
      return true;
    }
  }
  const mig = (version: number, sql: string): Migration => ({
    version,
    name: `m${version}`,
    sql,
    checksum: checksumOf(sql),
  });

  it('applies pending migrations in order, once', async () => {
    const d = new FakeDriver();
    expect(await runMigrations(d, [mig(1, 'a'), mig(2, 'b')])).toEqual({ applied: [1, 2] });
    expect(await runMigrations(d, [mig(1, 'a'), mig(2, 'b'), mig(3, 'c')])).toEqual({ applied: [3] });
    expect(d.rows.map((r) => r.version)).toEqual([1, 2, 3]);
  });

  it('ignores line-ending differences but nothing else', async () => {
    const d = new FakeDriver();
    await runMigrations(d, [mig(1, 'CREATE TABLE x (a);\n')]);
    await expect(runMigrations(d, [mig(1, 'CREATE TABLE x (a);\r\n')])).resolves.toEqual({ applied: [] });
    await expect(runMigrations(d, [mig(1, 'CREATE TABLE x (b);\n')])).rejects.toThrow(MigrationError);
  });

  it('loads the sqlite folder as numbered files', () => {
    const ms = loadMigrations(migrationsDir('sqlite'));
    expect(ms[0]).toMatchObject({ version: 1, name: 'init' });
    expect(ms.map((m) => m.version)).toEqual([...ms.map((m) => m.version)].sort((a, b) => a - b));
  });
});

describe('crash durability', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged commit when the process is killed with SIGKILL', async () => {
    const file = path.join(dir, 'crash.db');
    const here = path.dirname(fileURLToPath(import.meta.url));
    const storeUrl = pathToFileURL(path.join(here, 'sqlite-store.ts')).href;
    const fixturesUrl = pathToFileURL(path.join(here, '../conformance-fixtures.ts')).href;
    // The child commits runs (30 events each), 50 in flight at a time, and prints each run id once commit() resolved.
    const child = `
      const { SqliteStore } = await import(${JSON.stringify(storeUrl)});
      const { startMutation } = await import(${JSON.stringify(fixturesUrl)});
      const store = new SqliteStore({ path: ${JSON.stringify(file)} });
      await store.init();
      process.stdout.write('ready\\n');
      let next = 0;
      const worker = async () => {
        while (next < 1_000_000) {
          const id = 'run-' + next++;
          await store.commit(startMutation(id, {}, 30));
          process.stdout.write(id + '\\n');
        }
      };
      await Promise.all(Array.from({ length: 50 }, worker));
    `;
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
      cwd: path.resolve(here, '../../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      proc.on('close', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if ((out.match(/\n/g)?.length ?? 0) > 2000) {
          proc.kill('SIGKILL');
          resolve();
        }
      });
      proc.on('exit', () => reject(new Error(`child exited before it was killed: ${err}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const lines = out.split('\n');
    lines.pop(); // a line cut short by the kill is no acknowledgement
    const acked = lines.filter((l) => l.startsWith('run-'));
    expect(acked.length).toBeGreaterThan(2000 - 1);

    const store = new SqliteStore({ path: file });
    await store.init();
    try {
      expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');
      for (const id of acked) {
        const stored = await store.getExecution(id);
        expect(stored?.version, id).toBe(1);
        const events = await store.readEvents(id, 1, 100);
        expect(events.length, id).toBe(30);
        expect(events).toEqual(makeEvents(makeState(id, { nextEventId: 31 }), 1, 30));
      }
    } finally {
      await store.close();
    }
  });
});
