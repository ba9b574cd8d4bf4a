/**
 * A scheduler's dashboard served on 127.0.0.1 and a Chromium to open its pages, for the browser
 * tests that need a scheduler of their own (the main one, dashboard.test.ts, has its own set-up).
 */
import { createDashboard } from '@kairos/dashboard';
import { serve } from '@kairos/http';
import type { BackgroundScheduler } from 'kairos';
import type { Page } from 'playwright-core';
import { launchChromium } from './dashboard-browser.js';

/** The dashboard of one scheduler, in a browser. */
export interface ServedDashboard {
  /** A new page at `path` of the dashboard (`#/`, `#/jobs/busy`). */
  open(path: string): Promise<Page>;
  /** Closes the browser and the server (the scheduler is the caller's). */
  close(): Promise<void>;
}

/** Serves `scheduler`'s dashboard and launches Chromium. */
export async function serveDashboard(scheduler: BackgroundScheduler): Promise<ServedDashboard> {
  const server = await serve(createDashboard({ scheduler }), { port: 0 });
  const browser = await launchChromium();
  return {
    async open(path) {
      const page = await browser.newPage();
      await page.goto(new URL(path, `${server.url.replace(/\/?$/, '/')}`).href);
      return page;
    },
    async close() {
      await browser.close();
      await server.close();
    },
  };
}
