/** `weft store migrate`: apply the schema migrations to a database ahead of a deploy (servers also do at start). */
import { Option, type Command } from 'commander';
import type { PgStore } from '../store/postgres/pg-store.js';
import type { SqliteStore } from '../store/sqlite/sqlite-store.js';
import { addCommonOptions } from './options.js';
import { CliError, printJson, printLine, type OutputFormat } from './output.js';

interface MigrateOptions {
  db?: string;
  output: OutputFormat;
}

async function migrate(o: MigrateOptions): Promise<void> {
  const db = o.db;
  if (!db)
    throw new CliError('give the database: --db postgres://... or --db sqlite:PATH (also WEFT_DB)', 'INVALID_ARGUMENT');
  // loaded here: the drivers and the server take a while to load, and every other command needs none of them
  const { describeDb, isPostgresUrl, sqliteFileOf } = await import('../server/server.js');
  const { MigrationError } = await import('../store/migrations.js');
  const { StoreUnavailableError } = await import('../store/store.js');
  const { PgStore } = await import('../store/postgres/pg-store.js');
  const { SqliteStore } = await import('../store/sqlite/sqlite-store.js');
  let store: PgStore | SqliteStore;
  if (isPostgresUrl(db)) store = new PgStore({ url: db, poolSize: 1 });
  else {
    const file = sqliteFileOf(db);
    if (!file)
      throw new CliError(`--db: ${JSON.stringify(db)} is neither a SQLite file nor postgres://`, 'INVALID_ARGUMENT');
    store = new SqliteStore({ path: file });
  }
  let applied: number[];
  try {
    ({ applied } = await store.migrate());
  } catch (e) {
    if (e instanceof MigrationError) throw new CliError(e.message, 'MIGRATION_FAILED', [], 1, e);
    if (e instanceof StoreUnavailableError)
      throw new CliError(`cannot reach ${describeDb(db)}: ${e.message}`, 'STORE_UNAVAILABLE', [], 1, e);
    throw new CliError(`migrating ${describeDb(db)} failed: ${(e as Error).message}`, 'MIGRATION_FAILED', [], 1, e);
  } finally {
    if (store instanceof PgStore) await store.close();
  }
  if (o.output === 'json') printJson({ db: describeDb(db), applied });
  else if (applied.length === 0) printLine(`${describeDb(db)} is up to date`);
  else printLine(`Applied migrations ${applied.join(', ')} to ${describeDb(db)}`);
}

export function addStoreCommands(program: Command): void {
  const store = program.command('store').description("manage Weft's database");
  addCommonOptions(
    store
      .command('migrate')
      .description(
        'apply pending schema migrations (under an advisory lock on PostgreSQL; servers also migrate at start)',
      )
      .addOption(new Option('--db <db>', 'postgres://... or a SQLite file (PATH, sqlite:PATH)').env('WEFT_DB')),
    true,
  ).action((o: MigrateOptions) => migrate(o));
}
