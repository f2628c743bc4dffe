/** The web UI built for the browser tests, once at a time (test/ui.test.ts, test/ui-auth.test.ts). */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/**
 * Builds ui/dist from the sources under test, unless it is already newer than every file of ui/src. Test files
 * run in parallel, and a build first empties ui/dist, which another file's server may be serving: so one build at
 * a time (a lock directory), and none when the output is fresh.
 */
export async function buildUiOnce(): Promise<void> {
  const { buildUi } = (await import('../scripts/build-ui.mjs')) as { buildUi: () => Promise<void> };
  const lock = path.join(tmpdir(), `weft-ui-build-${createHash('sha256').update(root).digest('hex').slice(0, 12)}`);
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // a lock older than a minute was left by a run that died (a build takes about a second)
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 60_000) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const newest = (p: string): number =>
      statSync(p).isDirectory()
        ? Math.max(0, ...readdirSync(p).map((f) => newest(path.join(p, f))))
        : statSync(p).mtimeMs;
    const index = path.join(root, 'ui/dist/index.html');
    const sources = Math.max(newest(path.join(root, 'ui/src')), newest(path.join(root, 'scripts/build-ui.mjs')));
    if (!existsSync(index) || statSync(index).mtimeMs <= sources) await buildUi();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
