/** The SQLite side of the shared migration runner (../migrations.ts). */
import type Database from 'better-sqlite3';
import type { AppliedMigration, Migration, MigrationDriver } from '../migrations.js';

export class SqliteMigrationDriver implements MigrationDriver {
  constructor(private readonly db: Database.Database) {}

  async ensureMigrationsTable(): Promise<void> {
    this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER NOT NULL PRIMARY KEY,
      name       TEXT    NOT NULL,
      checksum   TEXT    NOT NULL,
      applied_at INTEGER NOT NULL
    ) STRICT`);
  }

  async appliedMigrations(): Promise<AppliedMigration[]> {
    const rows = this.db
      .prepare('SELECT version, name, checksum, applied_at AS appliedAt FROM schema_migrations ORDER BY version')
      .all() as AppliedMigration[];
    return rows;
  }

  async applyMigration(migration: Migration, appliedAt: number): Promise<boolean> {
    const db = this.db;
    // IMMEDIATE takes the write lock first, so a second process migrating the same file waits, then sees the row.
    db.exec('BEGIN IMMEDIATE');
    try {
      const exists = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
      if (exists) {
        db.exec('COMMIT');
        return false;
      }
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)').run(
        migration.version,
        migration.name,
        migration.checksum,
        appliedAt,
      );
      db.exec('COMMIT');
      return true;
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw new Error(`migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}
