/**
 * A small disk for disk-full tests: a tmpfs of a few MiB, filled with a filler file until ENOSPC and freed by
 * deleting it. Mounting needs Linux and root (CAP_SYS_ADMIN), which CI has.
 *
 * Outside CI a test file that cannot mount one is skipped with a message saying so; in CI (CI=true) it fails
 * instead: `describeSmallDisk` then registers one failing test with the reason (as describePg does).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';

export interface SmallDisk {
  /** The mount point. */
  dir: string;
  /** Writes a filler file until the disk is full; returns its size. */
  fill(): number;
  /** Deletes the filler file: the space returns. */
  free(): void;
  /** Free bytes now. */
  available(): number;
  /** Unmounts (lazily if files are still open) and removes the mount point. */
  unmount(): void;
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Mounts a tmpfs of `sizeMiB` MiB on a new temp directory. */
export function mountSmallDisk(sizeMiB: number): SmallDisk {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-disk-'));
  try {
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', dir]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const filler = path.join(dir, 'filler');
  let mounted = true;
  return {
    dir,
    fill() {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(1 << 20);
      let size = 0;
      try {
        for (;;) size += writeSync(fd, chunk); // a short write, then ENOSPC
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
      return size;
    },
    free() {
      rmSync(filler, { force: true });
    },
    available() {
      const s = statfsSync(dir);
      return s.bavail * s.bsize;
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      try {
        run('umount', [dir]);
      } catch {
        run('umount', ['-l', dir]); // a child that still holds a file open
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let availability: string | undefined | null = null;

/** Undefined when a small disk can be mounted here; else why not. */
export function smallDiskUnavailableReason(): string | undefined {
  if (availability !== null) return availability;
  if (process.platform !== 'linux') return (availability = `tmpfs mounts need Linux (this is ${process.platform})`);
  try {
    mountSmallDisk(1).unmount();
    availability = undefined;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    const why = (stderr || (err as Error).message).replace(/\s+/g, ' ');
    availability = `cannot mount a tmpfs (${why}); run as root`;
  }
  return availability;
}

/** `describe` for tests that need a small disk: skipped with a message outside CI when none mounts, failing in CI. */
export function describeSmallDisk(name: string, body: () => void): void {
  const reason = smallDiskUnavailableReason();
  if (reason === undefined) {
    describe(name, body);
    return;
  }
  if (process.env['CI'] === 'true') {
    describe(name, () => {
      it('needs a tmpfs mount (root)', () => {
        throw new Error(reason);
      });
    });
    return;
  }
  console.warn(`[skipped] ${name}: ${reason}`);
  describe.skip(name, body);
}
