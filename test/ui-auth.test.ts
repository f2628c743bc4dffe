/**
 * The web UI against a server that needs API keys (docs/security.md), in a real browser (Debian's chromium,
 * driven by playwright-core): the key prompt, a wrong key's error, signing in and out, the session surviving a
 * reload (sessionStorage); a reader's key sees no cancel, terminate, signal or schedule actions where an admin's
 * does, and a revoked key brings the prompt back; the namespaces page (create with a retention, edit, delete, the server's refusals shown inline). Without
 * /usr/bin/chromium the tests are skipped, with a message, outside CI; in CI (CI=true) its absence fails the run.
 */
import path from 'node:path';
import { artifacts, buildUiOnce, CHROMIUM, hasChromium, launchChromium } from './ui-build.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '../src/client/index.js';
import { startTestServer, uid, type TestServer } from './helpers.js';

const ADMIN_KEY = 'ui-auth-admin-secret-for-tests';
const DAY = 86_400_000;

let ts: TestServer;
let admin: Client;
let readerKey: string;
let browser: Browser | undefined;
const ids = { running: '', schedule: '' };

beforeAll(async () => {
  // the server serves ui/dist
  await buildUiOnce();
  ts = await startTestServer({ apiKeys: [ADMIN_KEY] });
  admin = new Client({ connection: await Connection.connect({ address: ts.server.address, apiKey: ADMIN_KEY }) });
  readerKey = (await admin.apiKeys.create({ name: 'ui-reader', role: 'reader', namespaces: ['default'] })).key;
  // no worker serves it: it stays running
  ids.running = (
    await admin.workflow.start('nobodyServesThis', { taskQueue: 'ui-auth-nowhere', workflowId: uid('ui-auth-run') })
  ).workflowId;
  ids.schedule = uid('ui-auth-sched');
  await admin.schedule.create({
    scheduleId: ids.schedule,
    spec: { intervals: [{ every: '1h' }] },
    action: { type: 'startWorkflow', workflowType: 'nobodyServesThis', taskQueue: 'ui-auth-nowhere' },
  });
  if (hasChromium) browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await admin?.connection.close();
  await ts?.stop();
});

const url = (p: string): string => `${ts.server.address}${p}`;

/** A new browser context: its own sessionStorage, so no key carries over from another test. */
async function freshPage(): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.locator('text=This server needs an API key').waitFor();
  await page.fill('input[aria-label="API key"]', key);
  await page.click('button:has-text("Sign in")');
  await page.locator('button:has-text("Sign out")').waitFor();
}

const storedKey = (page: Page): Promise<string | null> => page.evaluate(() => sessionStorage.getItem('weft.apiKey'));

describe.skipIf(!hasChromium)(`UI with API keys in chromium (${CHROMIUM})`, () => {
  it('asks for a key, shows a wrong key refused, signs in with the admin key and lists the workflows', async () => {
    const page = await freshPage();
    try {
      await page.goto(url('/namespaces/default/workflows'));
      await page.locator('text=This server needs an API key').waitFor();
      const input = page.locator('input[aria-label="API key"]');
      expect(await input.getAttribute('type')).toBe('password');
      // no page behind the prompt: nothing of the API shows without a key
      expect(await page.locator('table.executions').count()).toBe(0);
      expect(await page.locator('header nav').count()).toBe(0);

      await input.fill('not-a-key');
      await page.click('button:has-text("Sign in")');
      const error = page.locator('[data-testid=sign-in-error]');
      await error.waitFor();
      expect(await error.textContent()).toContain('the API key is not valid');
      await page.screenshot({ path: path.join(artifacts, 'ui-sign-in.png') });
      expect(await storedKey(page)).toBeNull();

      await input.fill(ADMIN_KEY);
      await page.click('button:has-text("Sign in")');
      await page.locator('button:has-text("Sign out")').waitFor();
      expect(await page.locator('.whoami').textContent()).toContain('admin');
      const row = page.locator(`table.executions tbody tr:has-text("${ids.running}")`);
      await row.waitFor();
      expect(await row.getAttribute('data-status')).toBe('Running');
      expect(await storedKey(page)).toBe(ADMIN_KEY);
    } finally {
      await page.context().close();
    }
  });

  it('keeps the key across a reload (sessionStorage), forgets it on sign-out', async () => {
    const page = await freshPage();
    try {
      await page.goto(url('/'));
      await signIn(page, ADMIN_KEY);
      await page.goto(url(`/namespaces/default/workflows/${ids.running}`));
      await page.locator('.page-head .badge:has-text("Running")').waitFor();
      await page.reload();
      await page.locator('.page-head .badge:has-text("Running")').waitFor();
      expect(await page.locator('text=This server needs an API key').count()).toBe(0);
      expect(await page.locator('button:has-text("Sign out")').count()).toBe(1);

      await page.click('button:has-text("Sign out")');
      await page.locator('text=This server needs an API key').waitFor();
      expect(await storedKey(page)).toBeNull();
      await page.reload();
      await page.locator('text=This server needs an API key').waitFor();
      expect(await page.locator('.page-head .badge').count()).toBe(0);
    } finally {
      await page.context().close();
    }
  });

  it("hides a reader's write actions: no cancel, terminate, signal, pause; the admin sees them", async () => {
    const reader = await freshPage();
    const adminPage = await freshPage();
    try {
      await reader.goto(url(`/namespaces/default/workflows/${ids.running}`));
      await signIn(reader, readerKey);
      expect(await reader.locator('.whoami').textContent()).toContain('reader');
      // the page names the run in its URL, then shows it with its history: the actions would be there by now
      await expect.poll(() => reader.url()).toMatch(new RegExp(`/workflows/${ids.running}/[0-9a-f-]{36}$`));
      await reader.locator('.page-head .badge:has-text("Running")').waitFor();
      await reader.locator('[data-testid=history-table] tbody tr').first().waitFor();
      for (const label of ['Cancel…', 'Terminate…', 'Signal…'])
        expect(await reader.locator(`.page-head button:has-text("${label}")`).count()).toBe(0);
      // the namespace picker offers the key's namespaces only
      const options = await reader.locator('select[aria-label=Namespace] option').allTextContents();
      expect(options).toEqual(['default']);

      await reader.goto(url(`/namespaces/default/schedules/${ids.schedule}`));
      await reader.locator('.page-head .badge:has-text("Active")').waitFor();
      expect(await reader.locator('button:has-text("Pause…")').count()).toBe(0);
      expect(await reader.locator('button:has-text("Trigger now…")').count()).toBe(0);

      // the namespaces page, read-only
      await reader.click('header nav a:has-text("Namespaces")');
      await reader.locator('[data-testid=namespaces-table] tr[data-namespace=default]').waitFor();
      expect(await reader.locator('form[aria-label="New namespace"]').count()).toBe(0);
      expect(await reader.locator('button:has-text("Edit…"), button:has-text("Delete…")').count()).toBe(0);

      // revoked while its page is open: the next poll's 401 brings the prompt back, with the server's reason
      await admin.apiKeys.revoke('ui-reader');
      await reader.locator('text=This server needs an API key').waitFor({ timeout: 20_000 });
      expect(await reader.locator('[data-testid=sign-in-error]').textContent()).toContain('revoked');
      expect(await storedKey(reader)).toBeNull();

      await adminPage.goto(url(`/namespaces/default/workflows/${ids.running}`));
      await signIn(adminPage, ADMIN_KEY);
      await adminPage.locator('.page-head .badge:has-text("Running")').waitFor();
      for (const label of ['Cancel…', 'Terminate…', 'Signal…'])
        await adminPage.locator(`.page-head button:has-text("${label}")`).waitFor();
      await adminPage.goto(url(`/namespaces/default/schedules/${ids.schedule}`));
      await adminPage.locator('button:has-text("Pause…")').waitFor();
      // still running: the reader changed nothing
      expect((await admin.workflow.getHandle(ids.running).describe()).status.name).toBe('RUNNING');
    } finally {
      await reader.context().close();
      await adminPage.context().close();
    }
  });

  it('creates a namespace with a retention, edits it, and deletes it once it is empty', async () => {
    const page = await freshPage();
    const name = uid('ui-ns').replace(/[^A-Za-z0-9._-]/g, '-');
    try {
      await page.goto(url('/namespaces'));
      await signIn(page, ADMIN_KEY);
      await page.locator('[data-testid=namespaces-table] tr[data-namespace=default]').waitFor();
      expect(await page.locator('header nav a.active').textContent()).toBe('Namespaces');

      // the server's refusal of a bad retention shows in the form
      const form = page.locator('form[aria-label="New namespace"]');
      await form.locator('input[aria-label=Name]').fill(name);
      await form.locator('input[aria-label=Retention]').fill('soon');
      await form.locator('button:has-text("Create namespace")').click();
      await form.locator('.error-box').waitFor();
      expect(await form.locator('.error-box').textContent()).toContain('retention');

      await form.locator('input[aria-label=Description]').fill('made in the UI test');
      await form.locator('input[aria-label=Retention]').fill('3d');
      await form.locator('button:has-text("Create namespace")').click();
      const row = page.locator(`[data-testid=namespaces-table] tr[data-namespace="${name}"]`);
      await row.waitFor();
      expect(await row.locator('[data-testid=retention]').textContent()).toBe('3d');
      expect(await row.textContent()).toContain('made in the UI test');
      expect(await form.locator('.error-box').count()).toBe(0);
      const made = await admin.namespaces.describe(name);
      expect(made.retentionMs).toBe(3 * DAY);
      expect(made.retentionIsServerDefault).toBe(false);
      // the header's picker knows it at once
      await expect.poll(() => page.locator('select[aria-label=Namespace] option').allTextContents()).toContain(name);

      // a name in use: the server's message, inline
      await form.locator('input[aria-label=Name]').fill(name);
      await form.locator('button:has-text("Create namespace")').click();
      await form.locator('.error-box:has-text("already exists")').waitFor();

      // edit: a new retention, a limit, a new description
      await row.locator('button:has-text("Edit…")').click();
      let dialog = page.locator('[role=dialog]');
      await dialog.waitFor();
      expect(await dialog.locator('input[aria-label=Retention]').inputValue()).toBe('3d');
      await dialog.locator('input[aria-label=Retention]').fill('12h');
      await dialog.locator('input[aria-label=Description]').fill('edited in the UI test');
      await dialog.locator('input[aria-label="Max history events"]').fill('5000');
      await dialog.locator('button:has-text("Save")').click();
      await dialog.waitFor({ state: 'detached' });
      await expect.poll(() => row.locator('[data-testid=retention]').textContent()).toBe('12h');
      expect(await row.textContent()).toContain('edited in the UI test');
      expect(await row.textContent()).toContain('history ≤ 5,000 events');
      await page.screenshot({ path: path.join(artifacts, 'ui-namespaces.png'), fullPage: true });
      const edited = await admin.namespaces.describe(name);
      expect(edited).toMatchObject({
        retentionMs: 12 * 3_600_000,
        description: 'edited in the UI test',
        limits: { maxHistoryEvents: 5000 },
      });

      // an empty retention goes back to the server's
      await row.locator('button:has-text("Edit…")').click();
      dialog = page.locator('[role=dialog]');
      await dialog.locator('input[aria-label=Retention]').fill('');
      await dialog.locator('button:has-text("Save")').click();
      await dialog.waitFor({ state: 'detached' });
      await expect.poll(() => row.locator('[data-testid=retention]').textContent()).toContain('(server default)');
      expect((await admin.namespaces.describe(name)).retentionIsServerDefault).toBe(true);

      // a running workflow there: the delete is refused, the reason shown in the dialog
      const there = new Client({ connection: admin.connection, namespace: name });
      const h = await there.workflow.start('nobodyServesThis', {
        taskQueue: 'ui-auth-nowhere',
        workflowId: uid('ui-ns-run'),
      });
      await row.locator('button:has-text("Delete…")').click();
      dialog = page.locator('[role=dialog]');
      await dialog.locator('button:has-text("Delete")').click();
      await dialog.locator('.error-box').waitFor();
      expect(await dialog.locator('.error-box').textContent()).toContain('running workflow');
      await dialog.locator('button:has-text("Back")').click();
      await dialog.waitFor({ state: 'detached' });

      await h.terminate('emptying the namespace');
      await row.locator('button:has-text("Delete…")').click();
      await dialog.locator('button:has-text("Delete")').click();
      await dialog.waitFor({ state: 'detached' });
      expect((await admin.namespaces.list()).find((n) => n.name === name)?.state ?? 'gone').not.toBe('Registered');
      // gone from the page, or listed as Deleted without actions until its runs are swept
      await expect
        .poll(async () =>
          (await row.count()) === 0 ? 'gone' : ((await row.locator('.badge').textContent()) ?? '').trim(),
        )
        .toMatch(/^(gone|Deleted)$/);
      expect(await row.locator('button').count()).toBe(0);
      await expect
        .poll(() => page.locator('select[aria-label=Namespace] option').allTextContents())
        .not.toContain(name);
    } finally {
      await page.context().close();
    }
  });
});
