/**
 * The web UI in a real browser (Debian's chromium, driven by playwright-core) against a real server with a worker:
 * the list and its status filter and query errors, an execution with its history and timeline, cancelling a
 * running workflow through the confirmation dialog, schedules, task queues. Screenshots of the list and of an
 * execution page go to test-artifacts/. Without /usr/bin/chromium (CI installs it) the browser tests are skipped,
 * with a message, outside CI; in CI (CI=true) its absence fails the run. The HTTP checks of the UI serving (deep
 * links, headless) run everywhere.
 */
import path from 'node:path';
import { artifacts, buildUiOnce, CHROMIUM, hasChromium, launchChromium } from './ui-build.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startTestServer, startWorker, uid, waitFor, type TestServer } from './helpers.js';

const TQ = 'ui-tests';

let ts: TestServer;
let worker: { stop(): Promise<void> };
let browser: Browser | undefined;
let page: Page;
const ids = { done: [] as string[], failed: '', sleeping: [] as string[], schedule: '' };

beforeAll(async () => {
  // the server serves ui/dist: built from the sources under test (esbuild: well under a second)
  await buildUiOnce();
  // a workflow without progress for a second counts as stuck here (the sleepers below)
  ts = await startTestServer({ config: { stuckAfterMs: 1000 } });
  worker = await startWorker(ts, {
    taskQueue: TQ,
    workflowsPath: fixture('workflows.ts'),
    activities: await import('./fixtures/activities.js'),
    buildId: 'ui-build-1',
  });
  for (let i = 0; i < 3; i++) {
    const h = await ts.client.workflow.start('sequential', {
      taskQueue: TQ,
      workflowId: uid('ui-seq'),
      args: [i],
      // the first one shows its user metadata and priority on its page
      ...(i === 0
        ? { staticSummary: 'Order **1234**', staticDetails: 'line one\nline two', priority: { priorityKey: 2 } }
        : {}),
    });
    ids.done.push(h.workflowId);
    await h.result();
  }
  const failed = await ts.client.workflow.start('failsWithApplicationFailure', {
    taskQueue: TQ,
    workflowId: uid('ui-fail'),
  });
  ids.failed = failed.workflowId;
  await expect(failed.result()).rejects.toThrow();
  for (let i = 0; i < 2; i++) {
    const h = await ts.client.workflow.start('sleeper', {
      taskQueue: TQ,
      workflowId: uid('ui-sleep'),
      // the second one's timer has a summary, which its timeline and history show, and it starts after a delay
      args: i === 1 ? [600_000, 'waits for approval'] : [600_000],
      ...(i === 1 ? { startDelay: '100ms' } : {}),
    });
    ids.sleeping.push(h.workflowId);
  }
  // wait until the sleepers' timers are started (their first workflow task done)
  await waitFor(async () => {
    for (const id of ids.sleeping) {
      const d = await ts.client.workflow.getHandle(id).describe();
      if (d.historyLength < 5) return false;
    }
    return true;
  });
  ids.schedule = uid('ui-sched');
  await ts.client.schedule.create({
    scheduleId: ids.schedule,
    spec: { intervals: [{ every: '1h' }] },
    action: { type: 'startWorkflow', workflowType: 'sequential', taskQueue: TQ, args: [5] },
  });
  if (hasChromium) {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(15_000);
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await ts?.stop();
});

const url = (p: string): string => `${ts.server.address}${p}`;

describe('UI serving', () => {
  it('answers index.html for pages and deep links, JSON for the API', async () => {
    const home = await fetch(url('/'));
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('<div id="app">');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(url(script!));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toContain('immutable');

    const deep = await fetch(url('/namespaces/default/workflows/some.id/run-1'), { headers: { accept: 'text/html' } });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="app">');

    const api = await fetch(url('/api/v1/no-such-route'), { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await fetch(url('/healthz'))).status).toBe(200);
    expect((await fetch(url('/assets/missing.js'))).status).toBe(404);
  });

  it('lists the task queues that workers poll', async () => {
    const r = (await (await fetch(url('/api/v1/namespaces/default/task-queues'))).json()) as {
      taskQueues: Array<{ taskQueue: string; pollers: Array<{ buildId?: string }> }>;
    };
    const q = r.taskQueues.find((x) => x.taskQueue === TQ);
    expect(q?.pollers[0]?.buildId).toBe('ui-build-1');
  });

  it('serves no UI when headless', async () => {
    const headless = await startTestServer({ headless: true });
    try {
      const r = await fetch(`${headless.server.address}/`, { headers: { accept: 'text/html' } });
      expect(r.status).toBe(404);
      const deep = await fetch(`${headless.server.address}/namespaces/default/workflows`, {
        headers: { accept: 'text/html' },
      });
      expect(deep.status).toBe(404);
    } finally {
      await headless.stop();
    }
  });
});

describe.skipIf(!hasChromium)(`UI in chromium (${CHROMIUM})`, () => {
  it('lists workflows, filters by status and shows query errors', async () => {
    await page.goto(url('/namespaces/default/workflows'));
    const rows = page.locator('table.executions tbody tr');
    await expect.poll(() => rows.count()).toBe(6);
    await expect.poll(() => page.locator('[data-testid=workflow-count]').textContent()).toContain('6 matching');
    await page.screenshot({ path: path.join(artifacts, 'ui-list.png'), fullPage: true });

    await page.selectOption('select[aria-label=Status]', 'Running');
    await expect.poll(() => page.url()).toContain('status=Running');
    await expect.poll(() => rows.count()).toBe(2);
    const statuses = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-status')));
    expect(statuses).toEqual(['Running', 'Running']);

    await page.selectOption('select[aria-label=Status]', '');
    await page.fill('input[aria-label=Query]', `WorkflowType = 'failsWithApplicationFailure'`);
    await page.click('button:has-text("Search")');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-status')).toBe('Failed');

    await page.fill('input[aria-label=Query]', `WorkflowType = `);
    await page.click('button:has-text("Search")');
    const err = page.locator('[data-testid=query-error]');
    await err.waitFor();
    expect((await err.textContent())!.length).toBeGreaterThan(5);
  });

  it('opens an execution: summary, history, timeline with bars', async () => {
    await page.goto(url(`/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId = '${ids.done[0]}'`)}`));
    await page.click(`a:has-text("${ids.done[0]}")`);
    await expect.poll(() => page.url()).toMatch(new RegExp(`/workflows/${ids.done[0]}/[0-9a-f-]{36}$`));
    await page.locator('.page-head .badge:has-text("Completed")').waitFor();
    // the start's staticSummary, staticDetails (its lines kept) and priority
    await page.locator('.field:has(dt:text-is("Summary")) dd', { hasText: 'Order **1234**' }).waitFor();
    expect(await page.locator('.field:has(dt:text-is("Details")) dd').innerText()).toBe('line one\nline two');
    expect(await page.locator('.field:has(dt:text-is("Priority")) dd').innerText()).toBe('key 2');
    await expect.poll(() => page.locator('[data-testid=history-table] tbody tr').count()).toBeGreaterThan(10);
    // expand an event's attributes
    await page.locator('[data-testid=history-table] tbody tr:has-text("ActivityTaskScheduled")').first().click();
    await page.locator('.attrs-row pre.json').first().waitFor();

    await page.click('button[role=tab]:has-text("Timeline")');
    await page.locator('[data-testid=timeline]').waitFor();
    expect(await page.locator('.tl-bar[data-kind=activity]').count()).toBe(3);
    expect(await page.locator('.tl-bar[data-kind=workflow]').count()).toBe(1);
    await page.screenshot({ path: path.join(artifacts, 'ui-execution.png'), fullPage: true });

    await page.click('button[role=tab]:has-text("Raw JSON")');
    await page.locator('pre.json', { hasText: '"eventType": "WorkflowExecutionCompleted"' }).waitFor();
    await page.locator('pre.json', { hasText: '"workflowType": "sequential"' }).first().waitFor();
  });

  it("labels a timer by its summary in the timeline, and shows it in the history's line", async () => {
    await page.goto(url(`/namespaces/default/workflows/${ids.sleeping[1]!}`));
    await page
      .locator('[data-testid=history-table] tbody tr:has-text("TimerStarted")', {
        hasText: 'summary: waits for approval',
      })
      .waitFor();
    await page.click('button[role=tab]:has-text("Timeline")');
    await page.locator('.tl-kind-timer .tl-label-text', { hasText: 'waits for approval' }).waitFor();
    // its start delay: when its first workflow task could run (Temporal's execution time)
    expect(await page.locator('.field:has(dt:text-is("First task from"))').count()).toBe(1);
    // a timer without one keeps its duration as its label; a run without a delay shows no such field
    await page.goto(url(`/namespaces/default/workflows/${ids.sleeping[0]!}`));
    await page.click('button[role=tab]:has-text("Timeline")');
    await page.locator('.tl-kind-timer .tl-label-text', { hasText: 'timer' }).waitFor();
    expect(await page.locator('.field:has(dt:text-is("First task from"))').count()).toBe(0);
  });

  it('cancels a running workflow after confirmation and shows the new state', async () => {
    const id = ids.sleeping[0]!;
    await page.goto(url(`/namespaces/default/workflows/${id}`));
    await page.locator('.page-head .badge:has-text("Running")').waitFor();
    await page.locator('[data-testid=timeline], [data-testid=history-table]').first().waitFor();
    await page.click('button:has-text("Cancel…")');
    const dialog = page.locator('[role=dialog]');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(id);
    // backing out changes nothing
    await dialog.locator('button:has-text("Back")').click();
    await dialog.waitFor({ state: 'detached' });
    expect((await ts.client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');

    await page.click('button:has-text("Cancel…")');
    await page.fill('[role=dialog] input[aria-label=Reason]', 'from the UI test');
    await page.click('[role=dialog] button:has-text("Request cancellation")');
    await page.locator('.page-head .badge:has-text("Cancelled")').waitFor({ timeout: 20_000 });
    expect((await ts.client.workflow.getHandle(id).describe()).status.name).toBe('CANCELLED');
    // the history shows the request and the outcome; no more actions on a closed run
    await expect
      .poll(() => page.locator('[data-testid=history-table]').textContent())
      .toContain('WorkflowExecutionCanceled');
    expect(await page.locator('button:has-text("Cancel…")').count()).toBe(0);
  });

  it('signals a workflow and terminates another, each after confirmation', async () => {
    // summer(2) completes with the sum of the two numbers it is signalled
    const summer = await ts.client.workflow.start('summer', { taskQueue: TQ, workflowId: uid('ui-sum'), args: [2] });
    await page.goto(url(`/namespaces/default/workflows/${summer.workflowId}`));
    await page.locator('.page-head .badge:has-text("Running")').waitFor();
    for (const v of [5, 6]) {
      await page.click('button:has-text("Signal…")');
      await page.fill('[role=dialog] input[aria-label="Signal name"]', 'add');
      await page.fill('[role=dialog] textarea[aria-label="Signal arguments"]', `[${v}]`);
      await page.click('[role=dialog] button:has-text("Send signal")');
      await page.locator('[role=dialog]').waitFor({ state: 'detached' });
    }
    expect(await summer.result()).toBe(11);
    await page.locator('.page-head .badge:has-text("Completed")').waitFor({ timeout: 20_000 });

    const sleeper = await ts.client.workflow.start('sleeper', {
      taskQueue: TQ,
      workflowId: uid('ui-term'),
      args: [600_000],
    });
    await page.goto(url(`/namespaces/default/workflows/${sleeper.workflowId}`));
    await page.locator('.page-head .badge:has-text("Running")').waitFor();
    await page.click('button:has-text("Terminate…")');
    await page.fill('[role=dialog] input[aria-label=Reason]', 'ended from the UI');
    await page.click('[role=dialog] button:has-text("Terminate")');
    await page.locator('.page-head .badge:has-text("Terminated")').waitFor({ timeout: 20_000 });
    const d = await sleeper.describe();
    expect(d.status.name).toBe('TERMINATED');
    const last = (await sleeper.fetchHistory()).events.at(-1)!;
    expect(last.attributes).toMatchObject({ reason: 'ended from the UI' });
  });

  it('queries a workflow from the Query tab: the answer, a query it does not know, arguments that are not JSON', async () => {
    const summer = await ts.client.workflow.start('summer', { taskQueue: TQ, workflowId: uid('ui-query'), args: [3] });
    await summer.signal('add', 4);
    await page.goto(url(`/namespaces/default/workflows/${summer.workflowId}`));
    await page.locator('.page-head .badge:has-text("Running")').waitFor();
    await page.click('[role=tab]:has-text("Query")');
    const ask = async (name: string, args: string): Promise<void> => {
      await page.fill('input[aria-label="Query name"]', name);
      await page.fill('textarea[aria-label="Query arguments"]', args);
      await page.click('button:has-text("Run query")');
    };
    await ask('total', '');
    await page.locator('pre[aria-label="Query result"]:has-text("4")').waitFor();
    // countTimes(n) answers the number of signals times n
    await ask('countTimes', '[5]');
    await page.locator('pre[aria-label="Query result"]:has-text("5")').waitFor();
    await ask('noSuchQuery', '');
    await page.locator('[role=alert]:has-text("noSuchQuery")').waitFor();
    expect(await page.locator('pre[aria-label="Query result"]').count()).toBe(0);
    await ask('total', '[1,');
    await page.locator('[role=alert]:has-text("the arguments are not JSON")').waitFor();
    await summer.terminate('done with it');
  });

  it('shows schedules and pauses one', async () => {
    await page.goto(url('/namespaces/default/schedules'));
    const row = page.locator(`[data-testid=schedules-table] tr:has-text("${ids.schedule}")`);
    await row.waitFor();
    expect(await row.textContent()).toContain('sequential');
    await row.locator('a').click();
    await page.locator('h1:has-text("' + ids.schedule + '")').waitFor();
    await page.click('button:has-text("Pause…")');
    await page.click('[role=dialog] button:has-text("Pause")');
    await page.locator('.page-head .badge:has-text("Paused")').waitFor();
    expect((await ts.client.schedule.getHandle(ids.schedule).describe()).state.paused).toBe(true);
  });

  it('shows stuck and failing workflows on the front page', async () => {
    await page.goto(url('/'));
    const stuck = page.locator('#stuck');
    await stuck.waitFor();
    // every sleeper still running has made no progress for more than the threshold
    for (const id of ids.sleeping) {
      const d = await ts.client.workflow.getHandle(id).describe();
      if (d.status.name === 'RUNNING') await expect.poll(() => stuck.textContent()).toContain(id);
    }
    await expect.poll(() => page.locator('body').textContent()).toContain(ids.failed);
    await page.screenshot({ path: path.join(artifacts, 'ui-overview.png'), fullPage: true });
  });

  it('shows running workflows whose type no worker serves, on the front page and in the stuck table', async () => {
    const queue = uid('ui-unserved');
    const h = await ts.client.workflow.start('typeNoWorkerServes', { taskQueue: queue, workflowId: uid('ui-wait') });
    try {
      await page.goto(url('/'));
      const card = page.locator('#unserved');
      await card.waitFor();
      await expect.poll(() => card.textContent()).toContain('typeNoWorkerServes');
      expect(await card.textContent()).toContain(queue);
      // stuck after the threshold: its row says no worker serves its type
      await expect
        .poll(
          async () => {
            await page.goto(url('/'));
            return page.locator('#stuck').textContent();
          },
          { timeout: 15_000 },
        )
        .toContain('no worker for its type');
    } finally {
      await h.terminate();
    }
  });

  it('asks for no key on a server without auth, and offers every namespace action', async () => {
    await page.goto(url('/namespaces'));
    await page.locator('[data-testid=namespaces-table] tr[data-namespace=default]').waitFor();
    expect(await page.locator('text=This server needs an API key').count()).toBe(0);
    expect(await page.locator('button:has-text("Sign out")').count()).toBe(0);
    await page.locator('form[aria-label="New namespace"]').waitFor();
    expect(await page.locator('tr[data-namespace=default] button:has-text("Edit…")').count()).toBe(1);
    // the default namespace cannot be deleted: no button for it
    expect(await page.locator('tr[data-namespace=default] button:has-text("Delete…")').count()).toBe(0);
    expect(await page.locator('select[aria-label=Namespace] option').allTextContents()).toContain('default');
  });

  it('shows task queues with their workers and the header counts', async () => {
    await page.goto(url('/namespaces/default/task-queues'));
    await page.click(`a:has-text("${TQ}")`);
    const pollers = page.locator('[data-testid=pollers]');
    await pollers.waitFor();
    expect(await pollers.textContent()).toContain('ui-build-1');
    // one sleeper still runs, one workflow failed in the last 24 hours
    await expect.poll(() => page.locator('.count-running').textContent()).toContain('1');
    await expect.poll(() => page.locator('.count-failed').textContent()).toContain('1');
  });
});
