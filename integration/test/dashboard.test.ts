/**
 * The dashboard in a real browser (Debian's Chromium, driven by playwright-core): a scheduler
 * with jobs in SQLite serves it on 127.0.0.1; the test reads the pages, acts on jobs and checks
 * the safety defaults (read-only, authorisation, cross-site requests). It also writes the
 * screenshots shown in docs/dashboard.md.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDashboard } from '@kairos/dashboard';
import { serve, type Api } from '@kairos/http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wcagViolations } from './harness/dashboard-a11y.js';
import { launchChromium, requireChromium } from './harness/dashboard-browser.js';
import { startForger, type Forger } from './harness/dashboard-forger.js';
import { serveLogged, type Answered, type LoggedServer } from './harness/dashboard-server.js';
import { startDashboardScheduler, type DashboardScheduler } from './harness/dashboard-scheduler.js';

const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const BASIC = { username: 'ops', password: 'correct horse battery staple' };

type Served = { url: string; close(): Promise<void> };

let env: DashboardScheduler;
let browser: Browser;
let main: LoggedServer;
let mainApi: Api;
let readOnly: Served;
let guarded: Served;
let forger: Forger;
const contexts: BrowserContext[] = [];

/** The dashboard's URL of `path` (relative to its mount: `#/nodes`, `api/jobs`). */
const at = (served: Served, path = ''): string =>
  new URL(path, `${served.url.replace(/\/?$/, '/')}`).href;

async function openPage(
  options: {
    colorScheme?: 'light' | 'dark';
    httpCredentials?: typeof BASIC;
    bypassCSP?: boolean;
  } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    bypassCSP: options.bypassCSP ?? false,
    ...(options.httpCredentials ? { httpCredentials: options.httpCredentials } : {}),
  });
  contexts.push(context);
  const page = await context.newPage();
  // Any script or style the CSP refuses, or any error of the page's code, fails the test.
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  pageProblems.set(page, problems);
  return page;
}
const pageProblems = new Map<Page, string[]>();

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${IMAGES}dashboard-${name}.png`, fullPage: true });
}

beforeAll(async () => {
  requireChromium();
  mkdirSync(IMAGES, { recursive: true });
  env = await startDashboardScheduler();
  browser = await launchChromium();
  // The main one through toNodeListener on a node:http server of the test's own (it logs what
  // it answers); the others through serve().
  mainApi = createDashboard({ scheduler: env.scheduler });
  main = await serveLogged(mainApi);
  readOnly = await serve(createDashboard({ scheduler: env.scheduler, readOnly: true }), {
    port: 0,
  });
  guarded = await serve(createDashboard({ scheduler: env.scheduler, basicAuth: BASIC }), {
    port: 0,
  });
  forger = await startForger(at(main, 'api/jobs/nightly-report/pause'));
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await Promise.all([main?.close(), readOnly?.close(), guarded?.close(), forger?.close()]);
  await env?.close();
});

describe('the dashboard in Chromium', () => {
  it('shows every page, in light and dark (the screenshots of docs/dashboard.md)', async () => {
    const page = await openPage();
    await page.goto(at(main));

    // Jobs: each with its state, next run (relative and in its zone), schedule in words, trend.
    const jobs = page.getByRole('table', { name: /6 jobs/ });
    await expect.poll(() => jobs.getByRole('row').count()).toBe(7);
    const report = jobs.getByRole('row', { name: /Nightly sales report/ });
    await expect
      .poll(() => report.textContent())
      .toMatch(/scheduled.*in \d+ (h|min).*CET.*At 02:30 AM/);
    await expect
      .poll(() => report.getByRole('img', { name: /Durations of the last 8 runs/ }).count())
      .toBe(1);
    expect(await jobs.getByRole('row', { name: /Weekly digest/ }).textContent()).toContain(
      'paused',
    );
    expect(await jobs.getByRole('row', { name: /Import partner orders/ }).textContent()).toMatch(
      /error|executed/,
    );
    await screenshot(page, 'jobs');

    // The filter box and the state filter.
    await page.getByRole('searchbox', { name: 'Filter' }).fill('sync');
    await expect.poll(() => page.getByRole('table', { name: /1 job matching/ }).count()).toBe(1);
    await page.getByRole('searchbox', { name: 'Filter' }).fill('');
    await page.getByLabel('State').selectOption('paused');
    await expect
      .poll(() => page.getByRole('table', { name: /1 job matching/ }).textContent())
      .toContain('Weekly digest');
    await page.getByLabel('State').selectOption('');

    // One job: facts, upcoming runs, the history with an error's stack behind a disclosure.
    await page.getByRole('link', { name: 'Import partner orders' }).click();
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toContain('Import partner orders');
    // The next ten runs on New York's wall clock: quarter hours from 08:00 to 18:45, weekdays.
    const upcoming = page.getByRole('list', { name: 'Upcoming runs' }).getByRole('listitem');
    await expect.poll(() => upcoming.count()).toBe(10);
    for (const text of await upcoming.allTextContents())
      expect(text).toMatch(/ (0[89]|1[0-8]):(00|15|30|45):00 GMT-[45]/);
    const history = page.getByRole('table', { name: /The last 7 runs of Import partner orders/ });
    await expect.poll(() => history.getByRole('row').count()).toBe(8);
    const failure = history.locator('details').first();
    await failure.locator('summary').click();
    expect(await failure.locator('pre').textContent()).toMatch(
      /ImportFailure: partner API answered 503[\s\S]*at /,
    );
    await screenshot(page, 'job');

    // Runs in flight: the reindex run started at set-up and still running.
    await page.getByRole('link', { name: 'In flight' }).click();
    const inFlight = page.getByRole('table', { name: /1 run in flight/ });
    await expect.poll(() => inFlight.textContent()).toContain('Rebuild search index');
    await screenshot(page, 'in-flight');

    // Nodes: both schedulers sharing the SQLite file, alive.
    await page.getByRole('link', { name: 'Nodes' }).click();
    const nodes = page.getByRole('table', { name: /schedulers sharing/ });
    await expect.poll(() => nodes.getByRole('row', { name: /web-1.*alive/ }).count()).toBe(1);
    expect(await nodes.getByRole('row', { name: /web-2/ }).textContent()).toContain('alive');
    await screenshot(page, 'nodes');

    // Live events: runs made now arrive over Server-Sent Events.
    await page.getByRole('link', { name: 'Live events' }).click();
    await expect.poll(() => page.getByText('Connected').count()).toBe(1);
    await env.runToEnd('sync-invoices');
    await env.runToEnd('import-orders');
    await env.runToEnd('nightly-report');
    const log = page.getByRole('log');
    await expect.poll(() => log.getByText('job_executed').count()).toBeGreaterThanOrEqual(2);
    await expect.poll(() => log.textContent()).toContain('Import partner orders');
    await screenshot(page, 'events');

    // Dark.
    const dark = await openPage({ colorScheme: 'dark' });
    await dark.goto(at(main, '#/jobs/import-orders'));
    await expect
      .poll(() => dark.getByRole('table', { name: /runs of Import partner orders/ }).count())
      .toBe(1);
    expect(await dark.evaluate<string>('getComputedStyle(document.body).backgroundColor')).not.toBe(
      'rgb(246, 247, 249)',
    );
    await screenshot(dark, 'job-dark');

    expect(pageProblems.get(page)).toEqual([]);
    expect(pageProblems.get(dark)).toEqual([]);
  });

  it('breaks no WCAG 2 A or AA rule (axe-core) on any page, light or dark', async () => {
    const pages: [string, 'table' | 'log'][] = [
      ['', 'table'],
      ['#/jobs/import-orders', 'table'],
      ['#/in-flight', 'table'],
      ['#/nodes', 'table'],
      ['#/events', 'log'],
    ];
    for (const colorScheme of ['light', 'dark'] as const) {
      // axe-core is injected into the page, which the page's own CSP would refuse.
      const page = await openPage({ colorScheme, bypassCSP: true });
      for (const [path, role] of pages) {
        await page.goto(at(main, path));
        await expect.poll(() => page.getByRole(role).count()).toBeGreaterThan(0);
        expect(await wcagViolations(page), `${colorScheme} ${path || '#/'}`).toEqual([]);
      }
    }
  });

  it('Run now starts a run that appears in the job’s history', async () => {
    const page = await openPage();
    await page.goto(at(main, '#/jobs/sync-invoices'));
    const rows = page.getByRole('table', { name: /runs of Sync invoices/ }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    const before = (await env.scheduler.getRuns({ jobId: 'sync-invoices' })).runs.length;
    expect(await rows.count()).toBe(before);

    await page.getByRole('button', { name: 'Run now' }).click();
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe('Sync invoices was started.');
    await expect.poll(() => rows.count()).toBe(before + 1);
    await expect.poll(() => rows.first().textContent()).toMatch(/executed/);
    expect((await env.scheduler.getRuns({ jobId: 'sync-invoices' })).runs.length).toBe(before + 1);
    expect(pageProblems.get(page)).toEqual([]);
  });

  it('Pause and Resume change the job’s state, in the page and in the store', async () => {
    const page = await openPage();
    await page.goto(at(main, '#/jobs/cleanup-tmp'));
    const title = page.getByRole('heading', { level: 1 });
    await expect.poll(() => title.textContent()).toContain('scheduled');

    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => title.textContent()).toContain('paused');
    expect((await env.scheduler.getJob('cleanup-tmp'))?.nextRunTime).toBeNull();
    await page.getByRole('navigation').getByRole('link', { name: 'Jobs' }).click();
    await expect
      .poll(() => page.getByRole('row', { name: /Clean temporary files/ }).textContent())
      .toContain('paused');

    await page.getByRole('link', { name: 'Clean temporary files' }).click();
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => title.textContent()).toContain('scheduled');
    expect((await env.scheduler.getJob('cleanup-tmp'))?.nextRunTime).toBeInstanceOf(Date);
  });

  it('Remove asks first: Cancel keeps the job, Remove removes it', async () => {
    await env.scheduler.addJob(
      'sync',
      { type: 'interval', hours: 1 },
      { id: 'one-off', name: 'One-off export' },
    );
    const page = await openPage();
    await page.goto(at(main, '#/jobs/one-off'));
    await page.getByRole('button', { name: 'Remove…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove One-off export?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await env.scheduler.getJob('one-off')).not.toBeNull();

    await page.getByRole('button', { name: 'Remove…' }).click();
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => page.getByText('The job was removed.').count()).toBe(1);
    expect(await env.scheduler.getJob('one-off')).toBeNull();
  });

  it('works from the keyboard', async () => {
    const page = await openPage();
    await page.goto(at(main));
    await expect.poll(() => page.getByRole('table', { name: /jobs/ }).count()).toBe(1);
    const focused = (): Promise<string> =>
      page.evaluate<string>('document.activeElement?.textContent ?? ""');

    // The first Tab reaches the skip link; Enter moves the focus to the page's content.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('main');

    // A job's link, then its actions, by Tab and Enter alone; the focus ring is visible.
    await page.getByRole('link', { name: 'Sync invoices' }).focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toContain('Sync invoices');
    const remove = page.getByRole('button', { name: 'Remove…' });
    await remove.focus();
    expect(await page.evaluate<boolean>('document.activeElement.matches(":focus-visible")')).toBe(
      true,
    );
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Remove Sync invoices?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await focused()).toBe('Cancel');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await env.scheduler.getJob('sync-invoices')).not.toBeNull();
  });

  it('read-only mode shows no action buttons', async () => {
    const page = await openPage();
    await page.goto(at(readOnly, '#/jobs/sync-invoices'));
    await expect
      .poll(() => page.getByRole('table', { name: /runs of Sync invoices/ }).count())
      .toBe(1);
    // The read-only mark comes with api/meta, which may answer after the runs: wait for it
    // before counting buttons, so the count is of the read-only page.
    await expect.poll(() => page.getByText('read-only').count()).toBe(1);
    expect(await page.getByRole('button').count()).toBe(0);
    // And the API refuses the action even with the page's own token.
    const token = await page.locator('meta[name="csrf-token"]').getAttribute('content');
    const status = await page.evaluate(
      async (csrf) =>
        (
          await fetch('api/jobs/sync-invoices/pause', {
            method: 'POST',
            headers: { 'x-csrf-token': csrf ?? '' },
          })
        ).status,
      token,
    );
    expect(status).toBe(403);
  });

  it('over a paused scheduler (as kairos dashboard opens a store) it says what live events leave out', async () => {
    env.peer.pause();
    const served = await serve(createDashboard({ scheduler: env.peer }), { port: 0 });
    try {
      const page = await openPage();
      await page.goto(at(served, '#/events'));
      await expect
        .poll(() => page.getByText("This dashboard's scheduler is paused").count())
        .toBe(1);
      await page.goto(at(served, '#/nodes'));
      await expect
        .poll(() => page.getByRole('rowheader', { name: /^web-2 \(this one, paused/ }).count())
        .toBe(1);
      expect(await page.getByRole('rowheader', { name: 'web-1' }).count()).toBe(1);
      expect(pageProblems.get(page)).toEqual([]);
      // A running scheduler's page has no such notice.
      await page.goto(at(main, '#/events'));
      await expect.poll(() => page.getByText('Connected').count()).toBe(1);
      expect(await page.getByText("This dashboard's scheduler is paused").count()).toBe(0);
    } finally {
      await served.close();
      env.peer.resume();
    }
  });

  it('a request without authorisation gets 401; with it, the page works', async () => {
    // Headless Chromium has no one to ask for a password: the navigation fails, after a 401.
    const anonymous = await openPage();
    const refused = anonymous.waitForResponse((response) => response.url() === at(guarded));
    await anonymous.goto(at(guarded)).catch(() => null);
    expect((await refused).status()).toBe(401);
    expect((await refused).headers()['www-authenticate']).toMatch(/^Basic realm="Kairos"/);
    for (const path of ['', 'api/jobs', 'api/events']) {
      const response = await fetch(at(guarded, path));
      expect(response.status, path).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        'unauthorized',
      );
    }

    const operator = await openPage({ httpCredentials: BASIC });
    const allowed = await operator.goto(at(guarded));
    expect(allowed?.status()).toBe(200);
    await expect
      .poll(() => operator.getByRole('table', { name: /jobs/ }).getByRole('row').count())
      .toBeGreaterThan(1);

    // The authorize option: false is a 401 too.
    const keyed = await serve(
      createDashboard({
        scheduler: env.scheduler,
        authorize: (request) => request.headers.get('x-api-key') === 'key-1',
      }),
    );
    try {
      expect((await fetch(at(keyed, 'api/jobs'))).status).toBe(401);
      expect(
        (await fetch(at(keyed, 'api/jobs'), { headers: { 'x-api-key': 'key-1' } })).status,
      ).toBe(200);
    } finally {
      await keyed.close();
    }
  });

  it('a forged cross-site POST is refused and the job stays scheduled', async () => {
    const victim = await openPage();
    await victim.goto(at(main)); // the operator has the dashboard open in the same browser
    const forged = (): Answered[] =>
      main.answered.filter((request) => request.path === '/api/jobs/nightly-report/pause');

    // A form on another origin, submitted.
    const page = await victim.context().newPage();
    await page.goto(forger.formUrl);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/jobs/nightly-report/pause')),
      page.getByRole('button', { name: 'Claim' }).click(),
    ]);
    expect(response.status()).toBe(403);

    // A script on another origin, POSTing with fetch (no-cors: it cannot set x-csrf-token).
    const scripted = await victim.context().newPage();
    await scripted.goto(forger.fetchUrl);
    // The script sees an error or an opaque answer; what matters is the server's 403 below.
    await expect.poll(() => scripted.locator('#result').textContent()).not.toBe('pending');
    await expect.poll(() => forged().length).toBe(2);
    const forgerOrigin = new URL(forger.formUrl).origin;
    expect(forged()).toEqual([
      { method: 'POST', path: '/api/jobs/nightly-report/pause', status: 403, origin: forgerOrigin },
      { method: 'POST', path: '/api/jobs/nightly-report/pause', status: 403, origin: forgerOrigin },
    ]);

    // Without a browser: the right token from a foreign Origin, and the own origin without it.
    const action = at(main, 'api/jobs/nightly-report/pause');
    const own = new URL(at(main)).origin;
    const foreign = await fetch(action, {
      method: 'POST',
      headers: { origin: forgerOrigin, 'x-csrf-token': mainApi.csrfToken },
    });
    expect(foreign.status).toBe(403);
    expect((await fetch(action, { method: 'POST', headers: { origin: own } })).status).toBe(403);
    expect(
      (await fetch(action, { method: 'POST', headers: { origin: own, 'x-csrf-token': 'wrong' } }))
        .status,
    ).toBe(403);

    const job = await env.scheduler.getJob('nightly-report');
    expect(job?.nextRunTime).toBeInstanceOf(Date);
  });
});
