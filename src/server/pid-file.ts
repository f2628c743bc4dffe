/**
 * The PID file of a server process, next to its SQLite database (`weft.db.pid`), as PostgreSQL keeps
 * `postmaster.pid` in its data directory: `weft server stop --db weft.db` finds the process there and signals
 * it, so stopping a server takes access to its machine and files, not a request any local process can send.
 * It also stops a second server process from opening a database another one serves.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface PidFileContents {
  pid: number;
  address: string;
  db: string;
  startedAt: string;
}

export function pidFilePath(db: string): string {
  return `${path.resolve(db)}.pid`;
}

export function readPidFile(db: string): PidFileContents | undefined {
  let text: string;
  try {
    text = readFileSync(pidFilePath(db), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const v = JSON.parse(text) as Partial<PidFileContents>;
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0)
      return { pid: v.pid, address: String(v.address ?? ''), db: String(v.db ?? db), startedAt: String(v.startedAt) };
  } catch {
    // a torn or foreign file: treated as absent
  }
  return undefined;
}

/**
 * Whether `pid` is a live Weft server process. A PID file left by a killed server may name a PID the system
 * gave to another process since: on Linux its command line must still be a `weft server` one.
 */
export function isServerProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes('server');
  } catch {
    return true; // no /proc: trust the signal check
  }
}

/** The live server holding `db`, if any (a stale PID file is ignored). */
export function runningServer(db: string): PidFileContents | undefined {
  const f = readPidFile(db);
  return f && f.pid !== process.pid && isServerProcess(f.pid) ? f : undefined;
}

export class ServerRunningError extends Error {
  constructor(readonly holder: PidFileContents) {
    super(
      `another Weft server (pid ${holder.pid}${holder.address ? `, ${holder.address}` : ''}) is serving ${holder.db}: ` +
        `stop it first (weft server stop --db ${holder.db})`,
    );
    this.name = 'ServerRunningError';
  }
}

/**
 * Claims the database for this process: creates its PID file, atomically, unless a live server holds it
 * (ServerRunningError); a stale file (its process is gone) is replaced. Returns the file's handle: `address`
 * records where the server listens once it does, `release` removes the file while it is still ours.
 */
export function claimPidFile(db: string): { address(address: string): void; release(): void } {
  const file = pidFilePath(db);
  const contents = (address: string): string =>
    `${JSON.stringify({ pid: process.pid, address, db: path.resolve(db), startedAt } satisfies PidFileContents)}\n`;
  const startedAt = new Date().toISOString();
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, contents(''), { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const holder = runningServer(db);
      if (holder) throw new ServerRunningError(holder);
      unlinkSync(file);
    }
  }
  const ours = (): boolean => readPidFile(db)?.pid === process.pid;
  return {
    address(address) {
      if (!ours()) return;
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, contents(address));
      renameSync(tmp, file);
    },
    release() {
      try {
        if (ours()) unlinkSync(file);
      } catch {
        // already gone
      }
    },
  };
}
