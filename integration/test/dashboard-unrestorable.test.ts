/**
 * A job its store cannot restore, in the dashboard in a real browser (Debian's Chromium): its
 * page offers only Remove, shows no made-up policies, and Remove removes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundScheduler } from 'kairos';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serveDashboard, type ServedDashboard } from './harness/dashboard-served.js';

const dir = mkdtempSync(join(tmpdir(), 'kairos-unrestorable-'));
const jobstores = { default: { type: 'sqlite', path: join(dir, 'jobs.sqlite') } };
let scheduler: BackgroundScheduler;
let dashboard: ServedDashboard;

beforeAll(async () => {
  // A job stored with a registered task that the next scheduler does not have.
  const first = new BackgroundScheduler({ logger: false, timezone: 'UTC', jobstores });
  first.registerTask('gone', () => undefined);
  await first.start({ paused: true });
  await first.addJob('gone', { type: 'interval', hours: 1 }, { id: 'orphan' });
  await first.shutdown();
  scheduler = new BackgroundScheduler({ logger: false, timezone: 'UTC', jobstores });
  await scheduler.start({ paused: true });
  dashboard = await serveDashboard(scheduler);
});

afterAll(async () => {
  await dashboard?.close();
  await scheduler?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

it('offers only Remove for a job its store cannot restore, and shows no made-up policies', async () => {
  expect((await scheduler.getJob('orphan'))?.state).toBe('unrestorable');
  const page = await dashboard.open('#/jobs/orphan');
  await expect.poll(() => page.getByText('Cannot be restored', { exact: true }).count()).toBe(1);
  const actions = page.getByRole('group', { name: 'Actions' }).getByRole('button');
  expect(await actions.allTextContents()).toEqual(['Remove…']);
  expect(await page.getByText('Runs at once').count()).toBe(0);
  expect(await page.getByText('unknown: the store cannot restore the job').count()).toBe(1);
  await actions.first().click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
  await expect.poll(() => page.getByText('The job was removed.').count()).toBe(1);
  expect(await scheduler.getJob('orphan')).toBeNull();
  await page.close();
});
