/**
 * Schema migrations, shared by every dialect: numbered files `migrations/<dialect>/NNNN_name.sql` beside this
 * module, applied in order at start-up and recorded in `schema_migrations(version, name, checksum, applied_at)`.
 *
 * The runner reads the files, orders them and checks them against what the database has recorded; a dialect
 * only supplies a MigrationDriver (three small operations), so the SQLite and PostgreSQL stores share it.
 * An applied migration is never edited: a changed checksum, or a recorded version this build does not know,
 * stops start-up with a clear error instead of running against a schema nobody wrote code for.
 * Each file runs inside the transaction that records it, so it must not contain BEGIN or COMMIT itself.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';

export interface Migration {
  version: number;
  name: string;
  /** sha256 of the file's text (line endings normalised to \n), hex. */
  checksum: string;
  sql: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: number;
}

/** The dialect-specific part: how to run SQL against one database. */
export interface MigrationDriver {
  /** Creates schema_migrations when missing. */
  ensureMigrationsTable(): Promise<void>;
  /** Every recorded migration, in any order. */
  appliedMigrations(): Promise<AppliedMigration[]>;
  /**
   * Runs the migration's SQL and records it, in one transaction. Returns false, and changes nothing, when the
   * version was recorded meanwhile (another process migrated the same database at the same moment).
   */
  applyMigration(migration: Migration, appliedAt: number): Promise<boolean>;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The migrations folder of a dialect; resolved from this module, so it works from src/ and from dist/. */
export function migrationsDir(dialect: string): URL {
  return new URL(`./migrations/${dialect}/`, import.meta.url);
}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** Reads and orders the migration files of a folder; files that are not NNNN_name.sql are an error. */
export function loadMigrations(dir: URL): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE_NAME.exec(file);
    if (!m) throw new MigrationError(`migration file name ${file} is not NNNN_name.sql (lower case, digits, _)`);
    const sql = readFileSync(new URL(file, dir), 'utf8');
    migrations.push({ version: Number(m[1]), name: m[2]!, checksum: checksumOf(sql), sql });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version)
      throw new MigrationError(`two migrations have version ${migrations[i]!.version}`);
  }
  return migrations;
}

function checkApplied(known: Migration[], applied: AppliedMigration[]): void {
  const byVersion = new Map(known.map((m) => [m.version, m]));
  for (const a of applied) {
    const m = byVersion.get(a.version);
    if (!m)
      throw new MigrationError(
        `the database has migration ${a.version} (${a.name}) that this version of Weft does not know: ` +
          'it was migrated by a newer version',
      );
    if (m.checksum !== a.checksum)
      throw new MigrationError(
        `migration ${a.version} (${m.name}) was changed after it was applied: checksum ${m.checksum} in the file, ` +
          `${a.checksum} in schema_migrations. Applied migrations must never be edited; add a new one instead`,
      );
  }
}

export interface MigrateResult {
  /** Versions applied by this call. */
  applied: number[];
}

/** Applies every pending migration in order; checks that the applied ones are unchanged. */
export async function runMigrations(
  driver: MigrationDriver,
  migrations: Migration[],
  now: () => number = Date.now,
): Promise<MigrateResult> {
  await driver.ensureMigrationsTable();
  const before = await driver.appliedMigrations();
  checkApplied(migrations, before);
  const done = new Set(before.map((a) => a.version));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    if (await driver.applyMigration(m, now())) applied.push(m.version);
  }
  // Someone else may have applied some meanwhile: their records must match our files too.
  if (applied.length < migrations.length - done.size) checkApplied(migrations, await driver.appliedMigrations());
  return { applied };
}

/** The migrations not applied yet (for readiness); checks the applied ones as `runMigrations` does. */
export async function pendingMigrations(driver: MigrationDriver, migrations: Migration[]): Promise<Migration[]> {
  const applied = await driver.appliedMigrations();
  checkApplied(migrations, applied);
  const done = new Set(applied.map((a) => a.version));
  return migrations.filter((m) => !done.has(m.version));
}
