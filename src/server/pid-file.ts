/**
 * The PID file of a server, next to its SQLite database (`weft.db.pid`), as PostgreSQL keeps `postmaster.pid` in
 * its data directory. A server claims it before it opens the database, so a second server process on the same
 * file refuses to start, naming the first; `weft server stop --db weft.db` finds the process there and signals
 * it, so stopping a server takes access to its machine and files, not a request any local process can send.
 *
 * A file left by a killed server is stale: its process is gone, or its PID now belongs to another process. On
 * Linux the file records the process's start time (/proc/<pid>/stat), which tells the two apart for certain.
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface PidFileContents {
  pid: number;
  /** The process's start time in clock ticks since boot (Linux), which a reused PID does not share. */
  processStart?: number;
  address: string;
  db: string;
  startedAt: string;
}

export function pidFilePath(db: string): string {
  return `${path.resolve(db)}.pid`;
}

/** Field 22 of /proc/<pid>/stat, or undefined without /proc (or without the process). */
export function processStartOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses; fields after it start at 3
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[22 - 3]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
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
      return {
        pid: v.pid,
        ...(typeof v.processStart === 'number' ? { processStart: v.processStart } : {}),
        address: String(v.address ?? ''),
        db: String(v.db ?? db),
        startedAt: String(v.startedAt),
      };
  } catch {
    // a torn or foreign file: treated as absent
  }
  return undefined;
}

/** Whether the process the file names is still the one that wrote it. */
export function isAlive(f: Pick<PidFileContents, 'pid' | 'processStart'>): boolean {
  try {
    process.kill(f.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (f.processStart === undefined) return true;
  const now = processStartOf(f.pid);
  return now === undefined || now === f.processStart;
}

/** The live server holding `db`, if any (a stale PID file is ignored). */
export function runningServer(db: string): PidFileContents | undefined {
  const f = readPidFile(db);
  return f && f.pid !== process.pid && isAlive(f) ? f : undefined;
}

export class ServerRunningError extends Error {
  readonly code = 'SERVER_RUNNING';
  constructor(readonly holder: PidFileContents) {
    super(
      `another Weft server (pid ${holder.pid}${holder.address ? `, ${holder.address}` : ''}) is serving ${holder.db}: ` +
        `stop it first (weft server stop --db ${holder.db})`,
    );
    this.name = 'ServerRunningError';
  }
}

export interface PidFileClaim {
  /** Records where the server listens, once it does. */
  address(address: string): void;
  /** Removes the file, while it is still this process's. */
  release(): void;
}

/**
 * Claims the database for this process: creates its PID file, atomically, unless a live server holds it
 * (ServerRunningError); a stale file is replaced.
 */
export function claimPidFile(db: string): PidFileClaim {
  const file = pidFilePath(db);
  const startedAt = new Date().toISOString();
  const processStart = processStartOf(process.pid);
  const contents = (address: string): string => {
    const c: PidFileContents = {
      pid: process.pid,
      ...(processStart !== undefined ? { processStart } : {}),
      address,
      db: path.resolve(db),
      startedAt,
    };
    return `${JSON.stringify(c)}\n`;
  };
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
