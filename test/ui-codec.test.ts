/**
 * The web UI pointed at a codec endpoint (Temporal's codec server, docs/encryption.md), in a real browser (Debian's
 * chromium, driven by playwright-core), against a server that needs API keys. A workflow runs with AES-GCM
 * encrypted payloads that carry a plaintext marker: without the setting the execution page shows them encoded and
 * the marker nowhere; with the endpoint set (the dialog validates the URL) the input, the result, the history and
 * a schedule's arguments show decoded, marked so; a codec server that refuses (no API key passed) or cannot be
 * reached leaves them encoded with a note, and the page keeps working. Without /usr/bin/chromium the tests are
 * skipped, with a message, outside CI; in CI (CI=true) its absence fails the run.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../src/client/index.js';
import { startCodecServer, type CodecServer } from '../src/codec-server/index.js';
import { EncryptionCodec } from '../examples/encryption/codec.js';
import * as activities from './fixtures/codec-activities.js';
import { note } from './fixtures/codec-workflows.js';
import { artifacts, buildUiOnce, CHROMIUM, hasChromium, launchChromium } from './ui-build.js';
import { fixture, startTestServer, startWorker, uid, type TestServer } from './helpers.js';

const ADMIN_KEY = 'ui-codec-admin-secret-for-tests';
const SECRET = 'ui-codec-plaintext-marker-7c41';
const TQ = 'ui-codec';
const codec = new EncryptionCodec([{ id: 'ui-k1', key: randomBytes(32) }]);
const dataConverter = { payloadCodecs: [codec] };

let ts: TestServer;
let connection: Connection;
let codecServer: CodecServer;
let deadEndpoint: string;
let stopWorker: (() => Promise<void>) | undefined;
let browser: Browser | undefined;
const ids = { workflow: '', schedule: '' };

beforeAll(async () => {
  await buildUiOnce();
  ts = await startTestServer({ apiKeys: [ADMIN_KEY] });
  connection = await Connection.connect({ address: ts.server.address, apiKey: ADMIN_KEY });
  const client = new Client({ connection, dataConverter });
  // decodes for the UI's origin, for a caller that passes the admin's Weft API key
  codecServer = await startCodecServer({
    codecs: [codec],
    allowedOrigins: [ts.server.address],
    authorize: ({ headers }) => headers.authorization === `Bearer ${ADMIN_KEY}`,
  });
  const dead = await startCodecServer({ codecs: [codec] });
  deadEndpoint = dead.address;
  await dead.stop();
  ({ stop: stopWorker } = await startWorker(
    { connection },
    { taskQueue: TQ, workflowsPath: fixture('codec-workflows.ts'), activities, dataConverter },
  ));
  const h = await client.workflow.start('codecWaiter', {
    taskQueue: TQ,
    workflowId: uid('ui-codec'),
    args: [{ secret: SECRET }],
    memo: { note: SECRET },
  });
  await h.signal(note, { signalled: SECRET });
  expect(await h.result()).toMatchObject({ secret: { secret: SECRET } });
  ids.workflow = h.workflowId;
  ids.schedule = uid('ui-codec-sched');
  await client.schedule.create({
    scheduleId: ids.schedule,
    spec: { intervals: [{ every: '1h' }] },
    action: { type: 'startWorkflow', workflowType: 'codecWaiter', taskQueue: TQ, args: [{ scheduled: SECRET }] },
  });
  if (hasChromium) {
    browser = await launchChromium();
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopWorker?.();
  await connection?.close();
  await codecServer?.stop();
  await ts?.stop();
});

const url = (p: string): string => `${ts.server.address}${p}`;
const executionPath = (): string => `/namespaces/default/workflows/${ids.workflow}`;

/** A new browser context (its own localStorage and sessionStorage), signed in with the admin key. */
async function signedInPage(at: string): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(url(at));
  await page.locator('text=This server needs an API key').waitFor();
  await page.fill('input[aria-label="API key"]', ADMIN_KEY);
  await page.click('button:has-text("Sign in")');
  await page.locator('button:has-text("Sign out")').waitFor();
  return page;
}

/** Sets the codec endpoint through the header's dialog. */
async function setEndpoint(page: Page, endpoint: string, passApiKey: boolean): Promise<void> {
  await page.click('button[aria-label="Codec endpoint settings"]');
  const dialog = page.locator('[role=dialog][aria-label="Codec endpoint"]');
  await dialog.waitFor();
  await dialog.locator('input[aria-label="Codec endpoint URL"]').fill(endpoint);
  await dialog.locator('input[type=checkbox]').setChecked(passApiKey);
  await dialog.locator('button:has-text("Save")').click();
  await dialog.waitFor({ state: 'detached' });
}

const card = (page: Page, title: string) => page.locator(`section.card:has(h2:text-is("${title}"))`);

/** Opens the history row of the first event of `type` and returns its attributes block. */
async function openEvent(page: Page, type: string) {
  const row = page.locator(`[data-testid=history-table] tbody tr.clickable:has(.ev:text-is("${type}"))`).first();
  await row.click();
  return page.locator(`[data-testid=history-table] tbody tr:has(.ev:text-is("${type}")) + tr.attrs-row`).first();
}

describe('the stored payloads', () => {
  it('are encrypted: the API answers the encoded objects, never the marker', async () => {
    const res = await fetch(url(`/api/v1${executionPath()}`), { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).toContain('"$weft":"payload"');
    expect(text).not.toContain(SECRET);
  });
});

describe.skipIf(!hasChromium)(`UI with a codec endpoint in chromium (${CHROMIUM})`, () => {
  it('shows payloads encoded without the setting, decoded and marked with it, and encoded again once off', async () => {
    const page = await signedInPage(executionPath());
    try {
      const input = page.locator('pre[aria-label=Input]');
      await input.waitFor();
      await page.locator('pre[aria-label=Result]').waitFor();
      await page.locator('[data-testid=history-table] tbody tr').first().waitFor();
      expect(await input.textContent()).toContain('$weft');
      await openEvent(page, 'WorkflowExecutionStarted');
      await openEvent(page, 'WorkflowExecutionCompleted');
      expect(await page.content()).not.toContain(SECRET);
      expect(await page.locator('[data-testid=decoded], [data-testid=decode-error]').count()).toBe(0);
      expect(await page.locator('button[aria-label="Codec endpoint settings"]').textContent()).toBe('Codec');

      // the dialog refuses what is not an http(s) URL, saying so
      await page.click('button[aria-label="Codec endpoint settings"]');
      const dialog = page.locator('[role=dialog][aria-label="Codec endpoint"]');
      const field = dialog.locator('input[aria-label="Codec endpoint URL"]');
      for (const [bad, says] of [
        ['ftp://127.0.0.1:8888', 'http:// or https://'],
        ['codec server', 'is not a URL'],
      ] as const) {
        await field.fill(bad);
        await dialog.locator('button:has-text("Save")').click();
        expect(await dialog.locator('[data-testid=codec-endpoint-error]').textContent()).toContain(says);
      }
      await dialog.locator('button:has-text("Back")').click();
      expect(await page.evaluate(() => localStorage.getItem('weft.codecEndpoint'))).toBeNull();

      await setEndpoint(page, `${codecServer.address}/`, true);
      expect(await page.evaluate(() => localStorage.getItem('weft.codecEndpoint'))).toBe(codecServer.address);
      expect(await page.locator('button[aria-label="Codec endpoint settings"]').textContent()).toBe('Codec: on');
      await page.locator(`pre[aria-label=Input]:has-text("${SECRET}")`).waitFor();
      await page.locator(`pre[aria-label=Result]:has-text("${SECRET}")`).waitFor();
      await card(page, 'Input').locator('[data-testid=decoded]').waitFor();
      await card(page, 'Result').locator('[data-testid=decoded]').waitFor();
      for (const type of ['WorkflowExecutionStarted', 'WorkflowExecutionSignaled', 'WorkflowExecutionCompleted']) {
        const attrs = page.locator(`[data-testid=history-table] tbody tr:has(.ev:text-is("${type}")) + tr.attrs-row`);
        if ((await attrs.count()) === 0) await openEvent(page, type);
        await attrs.locator(`pre:has-text("${SECRET}")`).waitFor();
        await attrs.locator('[data-testid=decoded]').waitFor();
      }
      // the memo, in the raw JSON of describe
      await page.click('button[role=tab]:has-text("Raw JSON")');
      await page.locator(`pre.json:has-text('"note": "${SECRET}"')`).first().waitFor();
      // a query's answer, encoded by the worker (the closed run answers by replay); its argument went as plain JSON
      await page.click('button[role=tab]:has-text("Query")');
      await page.fill('input[aria-label="Query name"]', 'notes');
      await page.fill('textarea[aria-label="Query arguments"]', '["asked from the UI"]');
      await page.click('button:has-text("Run query")');
      await page.locator(`pre[aria-label="Query result"]:has-text("${SECRET}")`).waitFor();
      await page.locator('pre[aria-label="Query result"]:has-text("asked from the UI")').waitFor();
      await page.locator('form:has(pre[aria-label="Query result"]) [data-testid=decoded]').waitFor();
      expect(await page.locator('[data-testid=decode-error]').count()).toBe(0);
      await page.screenshot({ path: path.join(artifacts, 'ui-codec-decoded.png'), fullPage: true });

      // kept in this browser: a reload shows them decoded again
      await page.reload();
      await page.locator(`pre[aria-label=Input]:has-text("${SECRET}")`).waitFor();

      // a schedule's arguments
      await page.goto(url(`/namespaces/default/schedules/${ids.schedule}`));
      await page.click('details.raw summary');
      await page.locator(`details.raw pre:has-text("${SECRET}")`).waitFor();
      await page.locator('details.raw [data-testid=decoded]').waitFor();

      // turned off: encoded again
      await page.goto(url(executionPath()));
      await page.locator(`pre[aria-label=Input]:has-text("${SECRET}")`).waitFor();
      await page.click('button[aria-label="Codec endpoint settings"]');
      await page.click('[role=dialog] button:has-text("Turn off")');
      await page.locator('pre[aria-label=Input]:has-text("$weft")').waitFor();
      expect(await page.content()).not.toContain(SECRET);
      expect(await page.evaluate(() => localStorage.getItem('weft.codecEndpoint'))).toBeNull();
    } finally {
      await page.context().close();
    }
  });

  it('shows payloads encoded with a note when the endpoint refuses or cannot be reached; the page keeps working', async () => {
    const page = await signedInPage(executionPath());
    try {
      await page.locator('pre[aria-label=Input]').waitFor();
      // the codec server wants the Weft API key, which is not passed: 403
      await setEndpoint(page, codecServer.address, false);
      const note403 = card(page, 'Input').locator('[data-testid=decode-error]');
      await note403.waitFor();
      expect(await note403.textContent()).toContain('answered 403');
      expect(await page.locator('pre[aria-label=Input]').textContent()).toContain('$weft');

      await setEndpoint(page, deadEndpoint, true);
      const unreachable = card(page, 'Result').locator('[data-testid=decode-error]');
      await unreachable.waitFor();
      expect(await unreachable.textContent()).toContain('cannot reach the codec endpoint');
      expect(await page.content()).not.toContain(SECRET);
      await page.screenshot({ path: path.join(artifacts, 'ui-codec-unreachable.png'), fullPage: true });

      // the page still works: its summary, its tabs, its history
      await page.locator('.page-head .badge:has-text("Completed")').waitFor();
      await page.click('button[role=tab]:has-text("Timeline")');
      await page.locator('.timeline').waitFor();
      await page.click('button[role=tab]:has-text("History")');
      const attrs = await openEvent(page, 'WorkflowExecutionStarted');
      await attrs.locator('[data-testid=decode-error]').waitFor();
      expect(await attrs.locator('pre').textContent()).toContain('$weft');
    } finally {
      await page.context().close();
    }
  });
});
