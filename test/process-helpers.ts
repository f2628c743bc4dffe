/** Child processes for crash tests: started with tsx, waited on until they print READY, killed for real. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export interface Child {
  proc: ChildProcess;
  /** Text after READY on the ready line. */
  ready: string;
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** Runs `node --import tsx <script> ...args` and resolves once it prints a line starting with READY. */
export function spawnTs(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let out = '';
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code) => {
      live.delete(proc);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} did not get ready in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /^READY ?(.*)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          proc,
          ready: m[1]!.trim(),
          output: () => out,
          exited,
          async kill(signal: NodeJS.Signals = 'SIGKILL') {
            if (proc.exitCode !== null || proc.signalCode !== null) return;
            proc.kill(signal);
            await exited;
          },
        });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(script)} exited (${code}) before it was ready:\n${out}`));
    });
  });
}
