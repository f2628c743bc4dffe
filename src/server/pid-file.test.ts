/** The PID file next to a database: claimed once, refused while its server lives, replaced when it is stale. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimPidFile, pidFilePath, processStartOf, readPidFile, ServerRunningError } from './pid-file.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function db(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'weft-pid-'));
  dirs.push(d);
  return path.join(d, 'weft.db');
}

/** A live process (not this one). */
async function live(): Promise<number> {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  children.push(c);
  await new Promise((r) => c.once('spawn', r));
  return c.pid!;
}

const holderFile = (file: string, pid: number, processStart?: number): void =>
  writeFileSync(
    pidFilePath(file),
    JSON.stringify({ pid, processStart, address: 'http://127.0.0.1:1', db: file, startedAt: 'x' }),
  );

describe('claimPidFile', () => {
  it('writes this process, records the address, and removes the file on release', () => {
    const file = db();
    const claim = claimPidFile(file);
    expect(readPidFile(file)).toMatchObject({ pid: process.pid, address: '' });
    claim.address('http://127.0.0.1:7411');
    expect(readPidFile(file)).toMatchObject({ pid: process.pid, address: 'http://127.0.0.1:7411' });
    claim.release();
    expect(existsSync(pidFilePath(file))).toBe(false);
  });

  it('refuses while a live server process holds the database, naming it', async () => {
    const file = db();
    const pid = await live();
    holderFile(file, pid, processStartOf(pid));
    expect(() => claimPidFile(file)).toThrow(ServerRunningError);
    expect(() => claimPidFile(file)).toThrow(new RegExp(`pid ${pid}, http://127.0.0.1:1`));
  });

  it('replaces a stale file: its process is gone, or the PID now belongs to something else', async () => {
    const file = db();
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    holderFile(file, gone.pid!);
    claimPidFile(file).release();
    // a live process whose start time is not the one recorded: the PID was reused
    const pid = await live();
    holderFile(file, pid, (processStartOf(pid) ?? 0) - 1);
    const claim = claimPidFile(file);
    expect(readPidFile(file)?.pid).toBe(process.pid);
    claim.release();
  });

  it('a torn file is treated as absent', () => {
    const file = db();
    writeFileSync(pidFilePath(file), '{"pid": ');
    claimPidFile(file).release();
  });
});
