/**
 * Bundles workflow code with esbuild into one script for the sandbox. `weft/workflow` (and `weft/common`)
 * resolve to this package's own workflow runtime; a Node built-in, or `weft/worker|client|activity|server|testing`,
 * anywhere in the import graph fails the bundle with the chain of imports that led to it.
 */
import { existsSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, stop as stopEsbuild, type BuildOptions, type Plugin } from 'esbuild';

export interface WorkflowBundle {
  /**
   * A script that defines `globalThis.__weftWorkflowRuntime` (the workflow runtime, shared by every run) and
   * `globalThis.__weftFactory`, which returns a fresh instance of the user's modules per call.
   */
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

const bundleOptions = {
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  conditions: ['import', 'default'],
  target: 'es2022',
  logLevel: 'silent',
} satisfies BuildOptions;

function firstOutput(files: Array<{ text: string }> | undefined): string {
  const f = files?.[0];
  if (!f) throw new Error('esbuild produced no output');
  return f.text;
}

/**
 * esbuild's helper process is stopped once no bundle has been made for this long: it restarts in 5-10 ms when
 * needed, and a worker that keeps it would carry ~12 MB for nothing from its start on.
 */
const ESBUILD_IDLE_MS = 50;
let building = 0;
let idleStop: NodeJS.Timeout | undefined;

/**
 * esbuild's build, and its helper process stopped once idle: a worker bundles at start and then runs for days,
 * and the helper (a Go process of ~17 MB) would stay beside it doing nothing. The next build starts a new one.
 */
async function withEsbuild<R>(fn: () => Promise<R>): Promise<R> {
  clearTimeout(idleStop);
  building++;
  try {
    return await fn();
  } finally {
    if (--building === 0) {
      idleStop = setTimeout(() => {
        if (building === 0) void stopEsbuild().catch(() => undefined);
      }, ESBUILD_IDLE_MS);
      idleStop.unref();
    }
  }
}

let runtimeCode: Promise<string> | undefined;
let runtimeExports: Promise<string[]> | undefined;

/** The workflow runtime, bundled once per process: evaluated once per sandbox, shared by its runs. */
function workflowRuntimeCode(): Promise<string> {
  runtimeCode ??= withEsbuild(() =>
    build({
      ...bundleOptions,
      entryPoints: [ownModule('../../workflow/runtime')],
      globalName: '__weftWorkflowRuntime',
    }),
  ).then((r) => firstOutput(r.outputFiles));
  return runtimeCode;
}

/** What `weft/workflow` exports, so workflow code can import it from the shared runtime by name. */
function workflowApiNames(): Promise<string[]> {
  runtimeExports ??= import(pathToFileURL(ownModule('../../workflow/index')).href).then((m: Record<string, unknown>) =>
    Object.keys(m),
  );
  return runtimeExports;
}

let commonExports: Promise<string[]> | undefined;

/** What `weft/common` exports that the workflow runtime has too (its failures, enums and helpers). */
function commonApiNames(): Promise<string[]> {
  commonExports ??= Promise.all([
    import(pathToFileURL(ownModule('../../common/index')).href).then((m: Record<string, unknown>) => Object.keys(m)),
    workflowApiNames(),
  ]).then(([common, api]) => common.filter((n) => api.includes(n)));
  return commonExports;
}

/** `weft/workflow` (or `weft/common`) inside a bundle: a module that re-exports the shared runtime's API. */
async function runtimeApiModule(specifier: string): Promise<string> {
  const names = specifier === 'weft/common' ? await commonApiNames() : await workflowApiNames();
  return [
    'const api = globalThis.__weftWorkflowRuntime.api;',
    ...names.map((n) => `export const ${n} = api.${n};`),
  ].join('\n');
}

/**
 * This package's own workflow API imported by a relative path (from a module of this package that runs in
 * workflows, such as the OpenTelemetry workflow interceptors): the shared runtime too, never a second copy.
 */
function isOwnWorkflowApi(specifier: string, resolveDir: string): boolean {
  if (!specifier.startsWith('.')) return false;
  const target = path.resolve(resolveDir, specifier).replace(/\.(js|ts)$/, '');
  return target === ownModule('../../workflow/index').replace(/\.(js|ts)$/, '');
}

/** A module named in `ignoreModules` (or a path inside it, or its `node:` form). */
function isIgnored(specifier: string, ignoreModules: readonly string[]): boolean {
  const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
  return ignoreModules.some((m) => {
    const name = m.startsWith('node:') ? m.slice(5) : m;
    return bare === name || bare.startsWith(`${name}/`);
  });
}

function sandboxGuard(entry: string, ignoreModules: readonly string[] = []): Plugin {
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
      b.onLoad({ filter: /.*/, namespace: 'weft-runtime' }, async (args) => ({
        contents: await runtimeApiModule(args.path),
        loader: 'js',
      }));
      // an ignored module is an empty one (Temporal's bundlerOptions.ignoreModules): it must not be used
      b.onLoad({ filter: /.*/, namespace: 'weft-ignored' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'inner') return undefined;
        if (args.path === 'weft/workflow' || isOwnWorkflowApi(args.path, args.resolveDir))
          return { path: 'weft/workflow', namespace: 'weft-runtime' };
        if (args.path === 'weft/common') return { path: 'weft/common', namespace: 'weft-runtime' };
        if (isIgnored(args.path, ignoreModules)) return { path: args.path, namespace: 'weft-ignored' };
        const forbidden = isBuiltin(args.path)
          ? 'a Node built-in'
          : FORBIDDEN_WEFT.test(args.path)
            ? 'not available inside workflows'
            : undefined;
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

/**
 * Bundles the workflows module (and what it imports) for the sandbox, with the workflow interceptor modules
 * (`interceptors.workflowModules` of the worker: each exports `interceptors`, a WorkflowInterceptorsFactory).
 */
export async function bundleWorkflowCode(opts: {
  workflowsPath: string;
  workflowInterceptorModules?: string[];
  /** Modules left out of the bundle (Temporal's `ignoreModules`): each import of one gets an empty module. */
  ignoreModules?: string[];
}): Promise<WorkflowBundle> {
  const workflowsPath = path.resolve(opts.workflowsPath);
  if (!existsSync(workflowsPath)) throw new WorkflowBundleError(`workflowsPath not found: ${workflowsPath}`);
  const modules = (opts.workflowInterceptorModules ?? []).map((m) => path.resolve(m));
  for (const m of modules)
    if (!existsSync(m)) throw new WorkflowBundleError(`workflow interceptor module not found: ${m}`);
  const entry = path.join(path.dirname(workflowsPath), '__weft_entry__.js');
  const source =
    `export * as workflows from ${JSON.stringify(workflowsPath)};\n` +
    modules.map((m, i) => `import * as __weftInterceptors${i} from ${JSON.stringify(m)};\n`).join('') +
    `export const interceptorModules = [${modules.map((_, i) => `__weftInterceptors${i}`).join(', ')}];\n`;
  let result;
  try {
    result = await withEsbuild(() =>
      build({
        ...bundleOptions,
        stdin: { contents: source, resolveDir: path.dirname(workflowsPath), sourcefile: entry, loader: 'js' },
        globalName: '__weftModule',
        plugins: [sandboxGuard(entry, opts.ignoreModules)],
      }),
    );
  } catch (e) {
    const errors = (e as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }).errors;
    if (errors?.length) {
      const lines = errors.map((er) => (er.location ? `${er.location.file}:${er.location.line}: ${er.text}` : er.text));
      throw new WorkflowBundleError(`bundling workflows failed:\n${lines.join('\n')}`);
    }
    throw e;
  }
  const code = firstOutput(result.outputFiles);
  const runtime = await workflowRuntimeCode();
  return {
    code:
      `${runtime}\nglobalThis.__weftWorkflowRuntime = __weftWorkflowRuntime;\n` +
      `globalThis.__weftFactory = function () {\n${code}\nreturn __weftModule;\n};\n`,
  };
}
