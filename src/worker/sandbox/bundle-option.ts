/**
 * The `workflowBundle` option of `Worker.create` and the replay APIs, as Temporal takes it: the bundle itself
 * (`{ code }`, from `bundleWorkflowCode`), or the path of a file that holds a bundle's code (`{ codePath }`,
 * typically written at build time with `writeFile(codePath, (await bundleWorkflowCode(...)).code)`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { WorkflowBundleError, type WorkflowBundle } from './bundler.js';

export interface WorkflowBundlePath {
  codePath: string;
}

/** Temporal's older form; Weft's bundles carry no separate source map, so `sourceMapPath` is not read. */
export interface WorkflowBundlePathWithSourceMap {
  codePath: string;
  sourceMapPath: string;
}

export type WorkflowBundleOption = WorkflowBundle | WorkflowBundlePath | WorkflowBundlePathWithSourceMap;

/** The bundle an option names: as given, or read from its file (a clear error when the file is no Weft bundle). */
export async function loadWorkflowBundle(opt: WorkflowBundleOption): Promise<WorkflowBundle> {
  const o = opt as Partial<WorkflowBundle & WorkflowBundlePath>;
  if (typeof o.code === 'string') return { code: o.code };
  if (typeof o.codePath !== 'string')
    throw new TypeError('workflowBundle: give { code } (from bundleWorkflowCode) or { codePath } (a file holding it)');
  const file = path.resolve(o.codePath);
  let code: string;
  try {
    code = await readFile(file, 'utf8');
  } catch (e) {
    throw new WorkflowBundleError(`workflowBundle.codePath ${file} cannot be read: ${(e as Error).message}`);
  }
  if (!code.includes('__weftFactory') || !code.includes('__weftWorkflowRuntime'))
    throw new WorkflowBundleError(
      `workflowBundle.codePath ${file} does not hold a workflow bundle made by bundleWorkflowCode from weft/worker`,
    );
  return { code };
}
