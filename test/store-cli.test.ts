/** `weft store migrate`: PostgreSQL and SQLite, then up to date; bad input with a code. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { createTestDatabase, describePg } from '../src/store/postgres/test-pg.js';
import { runWeft } from './cli-runner.js';

const NO_SERVER = 'http://127.0.0.1:1';

await describePg('weft store migrate', () => {
  it('migrates a PostgreSQL database, then finds it up to date; JSON output; the password never printed', async () => {
    const db = await createTestDatabase();
    try {
      const first = await runWeft(NO_SERVER, ['store', 'migrate', '--db', db.url, '--output', 'json']);
      expect(first.code, first.stderr).toBe(0);
      const out = JSON.parse(first.stdout) as { applied: number[] };
      expect(out.applied.length).toBeGreaterThanOrEqual(2);
      const again = await runWeft(NO_SERVER, ['store', 'migrate', '--db', db.url]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/is up to date/);
      const down = await runWeft(NO_SERVER, ['store', 'migrate', '--db', 'postgres://u:secret@127.0.0.1:1/x']);
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/\(STORE_UNAVAILABLE\)/);
      expect(down.stderr).not.toContain('secret');
    } finally {
      await db.drop();
    }
  });

  it('migrates a SQLite file; no --db and a bad one are INVALID_ARGUMENT', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-migrate-'));
    try {
      const file = path.join(dir, 'weft.db');
      const r = await runWeft(NO_SERVER, ['store', 'migrate', '--db', `sqlite:${file}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Applied migrations 1, 2/);
      const none = await runWeft(NO_SERVER, ['store', 'migrate']);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/give the database.*\(INVALID_ARGUMENT\)/);
      const bad = await runWeft(NO_SERVER, ['store', 'migrate', '--db', 'mysql://x/y']);
      expect(bad.stderr).toMatch(/\(INVALID_ARGUMENT\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
