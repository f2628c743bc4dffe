/** Runs the `weft` CLI from its sources (through tsx, no build needed) against a test server, to its end. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const CLI = path.join(ROOT, 'src/cli/main.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** This environment without its WEFT_* settings (and NODE_OPTIONS), plus `env`: what a CLI child sees. */
export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(e)) if (k.startsWith('WEFT_') || k === 'NODE_OPTIONS') delete e[k];
  return { ...e, ...env };
}

/** `weft ...args` with WEFT_ADDRESS set to `address` (and no other WEFT_* settings from this environment). */
export function runWeft(address: string, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: cliEnv({ WEFT_ADDRESS: address }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`weft ${args.join(' ')} still running after ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A child running the CLI, with its output collected as it comes. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
  async waitForOutput(re: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.stdout.match(re);
      if (m) return m;
      if (!this.running)
        throw new Error(
          `process exited (${this.child.exitCode}) before printing ${re}:\n${this.stdout}\n${this.stderr}`,
        );
      if (Date.now() > deadline) throw new Error(`no ${re} within ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  async waitForExit(timeoutMs = 15_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`process still running after ${timeoutMs} ms:\n${this.stdout}\n${this.stderr}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
  /** SIGTERM, then SIGKILL if it does not go. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const gone = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 5000)),
    ]);
    if (!gone) this.child.kill('SIGKILL');
  }
}

/** `weft ...args` from the sources, left running (a server, a worker): its output collected as it comes. */
export function spawnWeft(args: string[], env: Record<string, string> = {}): CliProcess {
  return new CliProcess(
    spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      cwd: ROOT,
      env: cliEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}
