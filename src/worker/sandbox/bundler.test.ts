// esbuild's helper process does not outlive the bundling: stopped once idle, started again by the next bundle.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { bundleWorkflowCode } from './bundler.js';

const workflowsPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/workflows.ts');

/** This process's children named esbuild (from /proc). */
function esbuildChildren(): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && comm.startsWith('esbuild')) pids.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it.runIf(process.platform === 'linux')(
  'the esbuild helper process is stopped within a second of the last bundle, and the next bundle starts a new one',
  async () => {
    const first = await bundleWorkflowCode({ workflowsPath });
    expect(esbuildChildren().length).toBe(1);
    await until('the helper has stopped', () => esbuildChildren().length === 0, 1000);
    const second = await bundleWorkflowCode({ workflowsPath });
    expect(second.code).toBe(first.code);
    expect(esbuildChildren().length).toBe(1);
    await until('the helper has stopped again', () => esbuildChildren().length === 0, 1000);
  },
  30_000,
);
