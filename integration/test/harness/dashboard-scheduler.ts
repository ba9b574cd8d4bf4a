/**
 * The scheduler the dashboard's browser test looks at: two schedulers sharing a SQLite file
 * (so the nodes page has two nodes), six jobs with schedules of every kind, and a history made
 * by running them for real — with failures, a paused job and a run left in flight.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundScheduler, type TriggerInput } from 'kairos';
import { SQLiteJobStore } from '@kairos/store-sqlite';

/** The schedulers and how to end them. */
export interface DashboardScheduler {
  /** The scheduler the dashboard serves. */
  scheduler: BackgroundScheduler;
  /** A second scheduler sharing the store (a second node). */
  peer: BackgroundScheduler;
  /** Runs `jobId` now and resolves when the run has ended. */
  runToEnd(jobId: string): Promise<void>;
  /** Releases the run left in flight, stops both schedulers and deletes the store. */
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Durations that look like real work, the same at every test run. */
function durations(...ms: number[]): () => number {
  let index = 0;
  return () => ms[index++ % ms.length] ?? 0;
}

/** The jobs, by id: name, task and trigger. */
export const DASHBOARD_JOBS: { id: string; name: string; task: string; trigger: TriggerInput }[] = [
  {
    id: 'nightly-report',
    name: 'Nightly sales report',
    task: 'report',
    trigger: { type: 'cron', hour: 2, minute: 30, timezone: 'Europe/Paris' },
  },
  {
    id: 'sync-invoices',
    name: 'Sync invoices',
    task: 'sync',
    trigger: { type: 'interval', minutes: 5 },
  },
  {
    id: 'import-orders',
    name: 'Import partner orders',
    task: 'importOrders',
    trigger: { type: 'crontab', expr: '*/15 8-18 * * 1-5', timezone: 'America/New_York' },
  },
  {
    id: 'weekly-digest',
    name: 'Weekly digest email',
    task: 'report',
    trigger: { type: 'cron', day_of_week: 'mon', hour: 9, timezone: 'Asia/Tokyo' },
  },
  {
    id: 'cleanup-tmp',
    name: 'Clean temporary files',
    task: 'sync',
    trigger: { type: 'interval', hours: 6 },
  },
  {
    id: 'reindex-search',
    name: 'Rebuild search index',
    task: 'reindex',
    trigger: { type: 'cron', day: 1, hour: 3, timezone: 'UTC' },
  },
];

/** Starts the schedulers, adds the jobs and gives them a history. */
export async function startDashboardScheduler(): Promise<DashboardScheduler> {
  const dir = mkdtempSync(join(tmpdir(), 'kairos-dashboard-'));
  const path = join(dir, 'jobs.sqlite');
  let releaseReindex: () => void = () => {};
  const reindexGate = new Promise<void>((resolve) => (releaseReindex = resolve));
  const reportMs = durations(180, 240, 150, 320, 210, 260, 190, 280);
  const syncMs = durations(40, 55, 35, 90, 60, 45, 70, 50);
  const importMs = durations(120, 95, 140, 110, 160);
  let imports = 0;

  const tasks = {
    report: async () => {
      await sleep(reportMs());
      return { rows: 1200 };
    },
    sync: async () => {
      await sleep(syncMs());
      return { synced: 14 };
    },
    importOrders: async () => {
      await sleep(importMs());
      imports += 1;
      if (imports % 3 === 2)
        throw new ImportFailure('partner API answered 503 Service Unavailable');
      return { orders: 31 };
    },
    // Runs until the test ends: the run in flight.
    reindex: () => reindexGate,
  };
  const options = (schedulerId: string) => ({
    schedulerId,
    logger: false as const,
    timezone: 'UTC',
    jobstores: { default: new SQLiteJobStore({ path }) },
    tasks,
  });
  const scheduler = new BackgroundScheduler(options('web-1'));
  const peer = new BackgroundScheduler(options('web-2'));
  await scheduler.start();
  await peer.start();

  for (const job of DASHBOARD_JOBS) {
    await scheduler.addJob(job.task, job.trigger, { id: job.id, name: job.name });
  }

  const runToEnd = (jobId: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const ended = (event: { jobId: string }): void => {
        if (event.jobId !== jobId) return;
        scheduler.off('job_executed', ended);
        scheduler.off('job_error', ended);
        resolve();
      };
      scheduler.on('job_executed', ended);
      scheduler.on('job_error', ended);
      scheduler.runJob(jobId).catch(reject);
    });

  // A history: each job a few runs (one after another, as maxInstances is 1), the jobs at once.
  await Promise.all(
    [
      ['nightly-report', 8],
      ['sync-invoices', 8],
      ['import-orders', 7],
      ['weekly-digest', 3],
      ['cleanup-tmp', 5],
    ].map(async ([id, count]) => {
      for (let run = 0; run < Number(count); run += 1) await runToEnd(String(id));
    }),
  );
  await scheduler.pauseJob('weekly-digest');
  await scheduler.runJob('reindex-search');

  return {
    scheduler,
    peer,
    runToEnd,
    async close() {
      releaseReindex();
      await peer.shutdown({ wait: false });
      await scheduler.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error the import task fails with, so that its name shows in the run history. */
class ImportFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFailure';
  }
}
