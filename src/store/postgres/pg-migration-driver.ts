/** The PostgreSQL side of the shared migration runner (../migrations.ts), on one held connection. */
import type { AppliedMigration, Migration, MigrationDriver } from '../migrations.js';
import type { PgSession } from './pg-db.js';

/** Key of the advisory lock held while migrating: servers starting together migrate one after another. */
export const MIGRATION_LOCK_KEY = 0x77656674; // 'weft'

export class PgMigrationDriver implements MigrationDriver {
  constructor(private readonly session: PgSession) {}

  async ensureMigrationsTable(): Promise<void> {
    await this.session.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer NOT NULL PRIMARY KEY,
      name       text    NOT NULL,
      checksum   text    NOT NULL,
      applied_at bigint  NOT NULL
    )`);
  }

  async appliedMigrations(): Promise<AppliedMigration[]> {
    const rows = await this.session.query<{ version: number; name: string; checksum: string; applied_at: number }>(
      'SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version',
    );
    return rows.map((r) => ({ version: r.version, name: r.name, checksum: r.checksum, appliedAt: r.applied_at }));
  }

  async applyMigration(migration: Migration, appliedAt: number): Promise<boolean> {
    const s = this.session;
    await s.query('BEGIN');
    try {
      const exists = await s.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (exists.length > 0) {
        await s.query('COMMIT');
        return false;
      }
      await s.exec(migration.sql);
      await s.query('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)', [
        migration.version,
        migration.name,
        migration.checksum,
        appliedAt,
      ]);
      await s.query('COMMIT');
      return true;
    } catch (err) {
      await s.query('ROLLBACK').catch(() => undefined);
      throw new Error(`migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}
