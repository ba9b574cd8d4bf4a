/**
 * The dashboard's paging in a real browser (Debian's Chromium): the jobs list when jobs are
 * removed under a page past the first, and a job's history beyond the 1,000 runs one API call
 * gives.
 */
import { BackgroundScheduler, FakeClock } from 'kairos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDashboard, type ServedDashboard } from './harness/dashboard-served.js';

let scheduler: BackgroundScheduler;
let clock: FakeClock;
let dashboard: ServedDashboard;

/** Runs the job `busy` has by the end. */
const BUSY_RUNS = 1030;

beforeAll(async () => {
  clock = new FakeClock(Date.parse('2030-01-01T00:00:00Z'));
  scheduler = new BackgroundScheduler({
    clock,
    logger: false,
    timezone: 'UTC',
    history: { keep: 5000 },
    jobstores: { default: { type: 'memory', maxRuns: 10_000 } },
  });
  await scheduler.start();
  await scheduler.addJob(() => undefined, { type: 'interval', seconds: 1 }, { id: 'busy' });
  // Whole seconds, so the fake clock runs the job BUSY_RUNS times.
  for (let second = 0; second < BUSY_RUNS; second++) await clock.advance(1000);
  await scheduler.pauseJob('busy');
  for (let index = 0; index < 54; index++) {
    await scheduler.addJob(
      () => undefined,
      { type: 'interval', hours: 1 },
      { id: `job-${String(index).padStart(2, '0')}` },
    );
  }
  dashboard = await serveDashboard(scheduler);
});

afterAll(async () => {
  await dashboard?.close();
  await scheduler?.shutdown();
});

describe('paging in the dashboard', () => {
  it('the jobs list goes back to the last page there is when jobs are removed under it', async () => {
    const page = await dashboard.open('#/');
    await expect.poll(() => page.getByText('55 jobs').count()).toBe(1);
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.getByText('51–55 of 55').count()).toBe(1);
    for (let index = 0; index < 10; index++) {
      await scheduler.removeJob(`job-${String(index).padStart(2, '0')}`);
    }
    // The removals' events reload the list: 45 jobs, all on the first page.
    await expect.poll(() => page.locator('tbody tr[data-job-id]').count()).toBe(45);
    expect(await page.getByText('No jobs yet.').count()).toBe(0);
    await page.close();
  });

  it("shows a job's runs beyond the 1,000 one call of the API gives", async () => {
    const page = await dashboard.open('#/jobs/busy');
    const rows = page.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(20);
    const older = page.getByRole('button', { name: 'Show older runs' });
    for (let shown = 20; shown < BUSY_RUNS; shown = Math.min(shown + 20, BUSY_RUNS)) {
      await older.click();
      await expect.poll(() => rows.count()).toBe(Math.min(shown + 20, BUSY_RUNS));
    }
    await expect.poll(() => older.count()).toBe(0);
    expect(await page.getByText('is not a whole number').count()).toBe(0);
    await page.close();
  });
});
