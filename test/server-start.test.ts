/**
 * `weft server start` (production) and what every foreground server shares: flags and their WEFT_* variables,
 * JSON or readable logs, /readyz, one server process per SQLite file, and `weft server stop` by the database.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runWeft, spawnWeft, type CliProcess } from './cli-runner.js';
import { rawSend } from './raw-http.js';
import { upgradeRefusal } from './helpers.js';
import { CHANNEL_PATH, CHANNEL_PROTOCOL } from '../src/protocol/channel.js';

const dir = mkdtempSync(path.join(tmpdir(), 'weft-start-'));
const running: CliProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.kill()));
  rmSync(dir, { recursive: true, force: true });
});

const LISTENING = /listening on (http:\/\/[\d.]+:\d+)/;

function start(args: string[], env: Record<string, string> = {}): CliProcess {
  const p = spawnWeft(['server', ...args], env);
  running.push(p);
  return p;
}

/** An expected failure of a one-shot command: exit 1 with `Error: ... (CODE)`. */
function expectError(r: { code: number | null; stderr: string }, code: string, message?: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^Error: .+ \\(${code}\\)$`, 'm'));
  if (message) expect(r.stderr).toMatch(message);
}

describe('weft server start', () => {
  it('takes every setting from WEFT_* variables; logs JSON lines; /readyz and /healthz answer; stop by --db', async () => {
    const db = path.join(dir, 'prod.db');
    const server = start(['start'], {
      WEFT_DB: `sqlite:${db}`,
      WEFT_PORT: '0',
      WEFT_HOST: '127.0.0.1',
      WEFT_LOG_LEVEL: 'info',
      WEFT_LOG_FORMAT: 'json',
      WEFT_HEADLESS: '1',
      WEFT_CHANNEL: '0',
    });
    const address = (await server.waitForOutput(LISTENING, 30_000))[1]!;
    expect(server.stdout).toContain(`db ${db}`);
    const ready = await fetch(`${address}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', store: 'sqlite' });
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    expect((await fetch(`${address}/`)).status).toBe(404); // headless
    // no streaming channel (WEFT_CHANNEL=0): clients get 404 and send HTTP requests
    expect((await upgradeRefusal(address, CHANNEL_PATH, CHANNEL_PROTOCOL)).status).toBe(404);
    // the PID file names this process and its address
    expect(JSON.parse(readFileSync(`${db}.pid`, 'utf8'))).toMatchObject({ pid: server.child.pid, address, db });
    // every log line is JSON (at least the "listening" one)
    await new Promise((r) => setTimeout(r, 200));
    const lines = server.stderr.split('\n').filter((l) => l.trim());
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(JSON.parse(l)).toMatchObject({ svc: 'weft-server' });

    // a second server process on the same file is refused, naming the first
    const second = await runWeft(address, ['server', 'start', '--db', db, '--port', '0']);
    expectError(second, 'SERVER_RUNNING', new RegExp(`another Weft server \\(pid ${server.child.pid}, ${address}\\)`));
    expect(server.running).toBe(true);

    const stop = await runWeft(address, ['server', 'stop', '--db', `sqlite:${db}`, '--output', 'json']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(JSON.parse(stop.stdout)).toMatchObject({ pid: server.child.pid, status: 'stopped' });
    expect(await server.waitForExit()).toBe(0);
    expect(existsSync(`${db}.pid`)).toBe(false);
  }, 60_000);

  it('flags win over the environment; readable log lines with --log-format pretty', async () => {
    const server = start(
      ['start', '--db', ':memory:', '--port', '0', '--log-format', 'pretty', '--headless', '--no-channel'],
      { WEFT_DB: path.join(dir, 'not-this.db'), WEFT_LOG_FORMAT: 'json', WEFT_CHANNEL: '1' },
    );
    const address = (await server.waitForOutput(LISTENING, 30_000))[1]!;
    expect((await upgradeRefusal(address, CHANNEL_PATH, CHANNEL_PROTOCOL)).status).toBe(404);
    await new Promise((r) => setTimeout(r, 200));
    expect(server.stdout).toContain('db :memory:');
    expect(existsSync(path.join(dir, 'not-this.db'))).toBe(false);
    expect(server.stderr).toMatch(/INFO.*weft server listening/);
    expect(server.stderr.trimStart().startsWith('{')).toBe(false);
    await server.kill();
  }, 60_000);

  it('request bounds: --max-payload-bytes, --max-json-depth, --request-timeout (and bad values refused)', async () => {
    const server = start(
      [
        'start',
        '--db',
        ':memory:',
        '--port',
        '0',
        '--headless',
        '--max-payload-bytes',
        '2048',
        '--request-timeout',
        '1s',
      ],
      { WEFT_MAX_JSON_DEPTH: '10' },
    );
    const address = (await server.waitForOutput(LISTENING, 30_000))[1]!;
    const post = (body: string) =>
      fetch(`${address}/api/v1/namespaces/default/workflows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const big = await post(
      JSON.stringify({ workflowId: 'w', workflowType: 't', taskQueue: 'q', args: ['x'.repeat(3000)] }),
    );
    expect(big.status).toBe(413);
    const deep = await post(
      JSON.stringify({
        workflowId: 'w',
        workflowType: 't',
        taskQueue: 'q',
        args: [JSON.parse('['.repeat(12) + ']'.repeat(12))],
      }),
    );
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as { error: { message: string } }).error.message).toMatch(/nest/);
    // a body that stops arriving: 408 after about the request timeout
    const t0 = Date.now();
    const stalled = await rawSend(
      Number(new URL(address).port),
      'POST /api/v1/namespaces/default/workflows HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      { timeoutMs: 10_000 },
    );
    expect(stalled.responses[0]?.status).toBe(408);
    expect(Date.now() - t0).toBeLessThan(5_000);
    await server.kill();
    for (const [flag, value] of [
      ['--max-payload-bytes', '10'],
      ['--max-json-depth', '5000'],
      ['--request-timeout', 'soon'],
    ] as const) {
      const r = await runWeft('http://127.0.0.1:1', ['server', 'start', '--db', ':memory:', flag, value]);
      expect(r.code, `${flag} ${value}`).not.toBe(0);
      expect(r.stderr).toContain(flag);
    }
  }, 60_000);

  it('bad settings: no database, an unsupported store, a bad port or log format, a missing folder', async () => {
    const noDb = await runWeft('http://127.0.0.1:1', ['server', 'start', '--port', '0']);
    expectError(noDb, 'INVALID_ARGUMENT', /give the database: --db/);
    const other = await runWeft('http://127.0.0.1:1', ['server', 'start', '--db', 'mysql://127.0.0.1/test']);
    expectError(other, 'SERVER_START_FAILED', /neither a SQLite file .* nor postgres:\/\//);
    // a PostgreSQL nobody listens on: a clear error, the password never printed
    const pg = await runWeft('http://127.0.0.1:1', ['server', 'start', '--db', 'postgres://u:secret@127.0.0.1:1/x']);
    expectError(pg, 'STORE_UNAVAILABLE', /PostgreSQL is unavailable: .*ECONNREFUSED/);
    expect(pg.stderr).not.toContain('secret');
    const folder = await runWeft('http://127.0.0.1:1', ['server', 'start', '--db', path.join(dir, 'no/such/x.db')]);
    expectError(folder, 'INVALID_ARGUMENT', /does not exist/);
    const port = await runWeft('http://127.0.0.1:1', ['server', 'start', '--db', ':memory:', '--port', 'many']);
    expect(port.code).not.toBe(0);
    expect(port.stderr).toMatch(/port/i);
    const headless = start(['start', '--db', ':memory:', '--port', '0'], { WEFT_HEADLESS: 'maybe' });
    expect(await headless.waitForExit()).toBe(1);
    expect(headless.stderr).toMatch(/WEFT_HEADLESS: expected 1 or 0.*\(INVALID_ARGUMENT\)/);
    const channel = start(['start', '--db', ':memory:', '--port', '0'], { WEFT_CHANNEL: 'sometimes' });
    expect(await channel.waitForExit()).toBe(1);
    expect(channel.stderr).toMatch(/WEFT_CHANNEL: expected 1 or 0.*\(INVALID_ARGUMENT\)/);
    const format = await runWeft('http://127.0.0.1:1', ['server', 'start-dev', '--log-format', 'xml']);
    expect(format.code).not.toBe(0);
    expect(format.stderr).toMatch(/log-format/);
    for (const bad of ['-1', 'lots', '5000']) {
      const heap = await runWeft('http://127.0.0.1:1', [
        'server',
        'start',
        '--db',
        ':memory:',
        '--heap-growing-percent',
        bad,
      ]);
      expect(heap.code).not.toBe(0);
      expect(heap.stderr).toMatch(/heap-growing-percent/);
    }
    const retention = await runWeft('http://127.0.0.1:1', [
      'server',
      'start',
      '--db',
      ':memory:',
      '--retention',
      'soon',
    ]);
    expect(retention.code).not.toBe(0);
    expect(retention.stderr).toMatch(/--retention/);
    const heapEnv = start(['start', '--db', ':memory:', '--port', '0'], { WEFT_HEAP_GROWING_PERCENT: 'x' });
    expect(await heapEnv.waitForExit()).not.toBe(0);
    expect(heapEnv.stderr).toMatch(/heap-growing-percent/);
  }, 120_000);
});
