/**
 * What the browser tests share (test/ui.test.ts, test/ui-auth.test.ts, test/ui-codec.test.ts): the web UI built
 * once at a time, and Debian's chromium (its absence skips them with a message outside CI, fails them in CI).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

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

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium`);
  console.warn(`${CHROMIUM} is missing: the browser tests are skipped (apt-get install chromium to run them)`);
}

/** test-artifacts/: the browser tests' screenshots. */
export const artifacts = path.join(root, 'test-artifacts');

/** Headless chromium for a test file (and test-artifacts/ made for its screenshots). */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
