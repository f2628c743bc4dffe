// Build: TypeScript to dist/, then the non-TS assets the runtime reads (SQL migrations), then the web UI (ui/dist).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, existsSync, chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildUi } from './build-ui.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')],
  {
    stdio: 'inherit',
  },
);
const migrations = path.join(root, 'src/store/migrations');
if (existsSync(migrations)) cpSync(migrations, path.join(dist, 'store/migrations'), { recursive: true });
const cli = path.join(dist, 'cli/main.js');
if (existsSync(cli)) chmodSync(cli, 0o755);
await buildUi();
