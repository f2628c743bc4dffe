/** Opening a SQLite connection with Weft's settings: WAL, the chosen synchronous level, a busy timeout. */
import Database from 'better-sqlite3';

export interface ConnectionSettings {
  file: string;
  synchronous: 'FULL' | 'NORMAL' | 'OFF';
  busyTimeoutMs: number;
}

export function isMemory(file: string): boolean {
  return file === ':memory:' || file === '';
}

export function openConnection(s: ConnectionSettings): Database.Database {
  if (!['FULL', 'NORMAL', 'OFF'].includes(s.synchronous)) throw new Error(`bad synchronous setting ${s.synchronous}`);
  const db = new Database(s.file);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(s.busyTimeoutMs))}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
    if (!isMemory(s.file) && mode.toLowerCase() !== 'wal')
      throw new Error(`could not put ${s.file} in WAL mode (journal_mode is ${mode})`);
    db.pragma(`synchronous = ${s.synchronous}`);
    // 8 MiB of pages per connection; the OS's page cache holds the rest of the file. Measured against 64 MiB
    // (docs/speed-plan.md, 2026-12-07): the server's peak PSS on seq3 about 15 MB lower, seq3 and list1m
    // (1,000,000 runs) no slower
    db.pragma('cache_size = -8192');
    db.pragma('temp_store = MEMORY');
    db.pragma('journal_size_limit = 67108864'); // truncate the WAL back to 64 MiB after checkpoints
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
