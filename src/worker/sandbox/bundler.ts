/**
 * Bundles workflow code with esbuild into one script for the sandbox. `weft/workflow` resolves to this
 * package's own workflow runtime; a Node built-in, or `weft/worker|client|activity|server|testing`, anywhere in
 * the import graph fails the bundle with the chain of imports that led to it.
 */
import { existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export interface WorkflowBundle {
  /** A script that defines `globalThis.__weftFactory`, which returns a fresh module instance per call. */
  code: string;
}

export class WorkflowBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkflowBundleError';
  }
}

const FORBIDDEN_WEFT = /^weft\/(worker|client|activity|server|testing)(\/|$)/;

function ownModule(rel: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const ext of ['.js', '.ts']) {
    const p = path.resolve(here, `${rel}${ext}`);
    if (existsSync(p)) return p;
  }
  throw new Error(`weft: cannot find ${rel} next to ${here}`);
}

function sandboxGuard(entry: string): Plugin {
  const parentOf = new Map<string, string>();
  const chain = (importer: string, last: string): string => {
    const links = [last];
    for (let p: string | undefined = importer; p; p = parentOf.get(p)) {
      links.push(p === entry ? '(entry)' : path.relative(process.cwd(), p) || p);
      if (p === entry || links.length > 50) break;
    }
    return links.reverse().join(' -> ');
  };
  return {
    name: 'weft-sandbox-guard',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'inner') return undefined;
        if (args.path === 'weft/workflow') return { path: ownModule('../../workflow/index') };
        const forbidden = isBuiltin(args.path) ? 'a Node built-in' : FORBIDDEN_WEFT.test(args.path) ? 'not available inside workflows' : undefined;
        if (forbidden) {
          return {
            errors: [
              {
                text:
                  `workflow code cannot import '${args.path}' (${forbidden}): workflows run in a deterministic sandbox; ` +
                  `move this code into an activity. Import chain: ${chain(args.importer, args.path)}`,
              },
            ],
          };
        }
        const r = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: 'inner',
        });
        if (r.errors.length > 0) return { errors: r.errors };
        if (r.path && args.importer) parentOf.set(r.path, args.importer);
        return { path: r.path, external: r.external, namespace: r.namespace, sideEffects: r.sideEffects };
      });
    },
  };
}

/** Bundles the workflows module (and what it imports) for the sandbox. */
export async function bundleWorkflowCode(opts: { workflowsPath: string }): Promise<WorkflowBundle> {
  const workflowsPath = path.resolve(opts.workflowsPath);
  if (!existsSync(workflowsPath)) throw new WorkflowBundleError(`workflowsPath not found: ${workflowsPath}`);
  const runtime = ownModule('../../workflow/runtime');
  const entry = path.join(path.dirname(workflowsPath), '__weft_entry__.js');
  const source =
    `import { createInstance } from ${JSON.stringify(runtime)};\n` +
    `import * as workflows from ${JSON.stringify(workflowsPath)};\n` +
    `export { createInstance, workflows };\n`;
  let result;
  try {
    result = await build({
      stdin: { contents: source, resolveDir: path.dirname(workflowsPath), sourcefile: entry, loader: 'js' },
      bundle: true,
      write: false,
      format: 'iife',
      globalName: '__weftModule',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      conditions: ['import', 'default'],
      target: 'es2022',
      logLevel: 'silent',
      plugins: [sandboxGuard(entry)],
    });
  } catch (e) {
    const errors = (e as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors;
    if (errors?.length) {
      const lines = errors.map((er) => (er.location ? `${er.location.file}:${er.location.line}: ${er.text}` : er.text));
      throw new WorkflowBundleError(`bundling workflows failed:\n${lines.join('\n')}`);
    }
    throw e;
  }
  const code = result.outputFiles[0]!.text;
  return { code: `globalThis.__weftFactory = function () {\n${code}\nreturn __weftModule;\n};\n` };
}
