// Build of the web UI: ui/src (Preact, TSX) bundled by esbuild into ui/dist (index.html + hashed assets/).
// Run alone with `node scripts/build-ui.mjs`; `npm run build` runs it after tsc.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const out = path.join(root, 'ui/dist');

export async function buildUi() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const result = await build({
    entryPoints: { app: path.join(root, 'ui/src/main.tsx') },
    bundle: true,
    outdir: path.join(out, 'assets'),
    entryNames: '[name]-[hash]',
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
  });
  const files = Object.keys(result.metafile.outputs).map((f) => path.relative(out, path.join(root, f)));
  const js = files.find((f) => f.endsWith('.js'));
  const css = files.find((f) => f.endsWith('.css'));
  if (!js) throw new Error('the UI build produced no script');
  writeFileSync(
    path.join(out, 'index.html'),
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Weft</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%232f5bd3'/%3E%3Cpath d='M3 5h10M3 8h10M3 11h10' stroke='white' stroke-width='1.5'/%3E%3C/svg%3E">
${css ? `<link rel="stylesheet" href="/${css}">\n` : ''}<script type="module" src="/${js}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Weft web UI needs JavaScript. The API is at <a href="/api/v1/openapi.json">/api/v1</a>.</noscript>
</body>
</html>
`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildUi();
