/**
 * Loads the activities module of `weft worker start --activities PATH`. TypeScript (or any module) is bundled
 * with esbuild into a temporary .mjs next to the source, with packages left external so they resolve from the
 * same place the source's would (except `weft/activity`, pinned to this CLI's own copy); then it is imported
 * and removed. Every exported function is an activity (and the functions of an exported default object).
 */
import { accessSync, constants, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import type { ActivityImplementations } from '../worker/activity-executor.js';
import { CliError } from './output.js';

type Fn = ActivityImplementations[string];

function functionsOf(obj: object): Record<string, Fn> {
  const out: Record<string, Fn> = {};
  for (const [k, v] of Object.entries(obj)) if (typeof v === 'function') out[k] = v as Fn;
  return out;
}

function isWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `weft/activity` must be the very module the worker runs activities with (its Context lives there), even when
 * this CLI is not the copy of weft the activities' project depends on.
 */
function ownActivityModule(): Plugin {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const own = ['.js', '.ts'].map((ext) => path.join(here, `../activity/index${ext}`)).find((p) => existsSync(p));
  return {
    name: 'weft-own-activity-module',
    setup(b) {
      if (own) b.onResolve({ filter: /^weft\/activity$/ }, () => ({ path: pathToFileURL(own).href, external: true }));
    },
  };
}

async function bundleTo(entry: string, outfile: string): Promise<void> {
  const { build } = await import('esbuild');
  try {
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'silent',
      plugins: [ownActivityModule()],
    });
  } catch (e) {
    const errors = (e as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors;
    if (!errors?.length) throw e;
    const lines = errors.map((er) => (er.location ? `${er.location.file}:${er.location.line}: ${er.text}` : er.text));
    throw new CliError(`bundling the activities failed:\n${lines.join('\n')}`, 'ACTIVITIES_BUNDLE_ERROR');
  }
}

export async function loadActivities(file: string): Promise<ActivityImplementations> {
  const entry = path.resolve(file);
  if (!existsSync(entry)) throw new CliError(`--activities: no such file: ${entry}`, 'INVALID_ARGUMENT');
  const name = `.weft-activities-${process.pid}-${randomBytes(4).toString('hex')}.mjs`;
  // next to the source, so bare imports resolve as they would from it; a read-only folder falls back to the
  // temp folder, where only built-ins and weft/activity are sure to resolve
  const outfile = path.join(isWritable(path.dirname(entry)) ? path.dirname(entry) : tmpdir(), name);
  await bundleTo(entry, outfile);
  // stack traces of activities point at the TypeScript source
  process.setSourceMapsEnabled(true);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(outfile).href)) as Record<string, unknown>;
  } finally {
    rmSync(outfile, { force: true });
  }
  const fromDefault = mod.default && typeof mod.default === 'object' ? functionsOf(mod.default) : {};
  const { default: _default, ...named } = mod;
  const activities = { ...fromDefault, ...functionsOf(named) };
  if (Object.keys(activities).length === 0)
    throw new CliError(`--activities: ${entry} exports no functions`, 'INVALID_ARGUMENT');
  return activities;
}
