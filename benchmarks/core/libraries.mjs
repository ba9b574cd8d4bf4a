// The Node schedulers under comparison, behind one small interface so that every workload treats
// them alike. APScheduler, the Python peer, lives in apscheduler_peer.py with the same workloads.
//
// Each library has:
//   name          as printed in the tables
//   open()     -> Promise<{ add(runAtMs, task): Promise<unknown> | void,
//                           addAll?(jobs: [runAtMs, task][]): Promise<unknown> }>
//                 a running scheduler; `add` schedules `task` to run once at epoch ms `runAtMs`,
//                 the way a user of that library writes a one-off job; `addAll`, when a library
//                 has it, adds a whole workload's jobs in one call (the workloads then use it).
//                 Nothing is shut down: each measurement runs in its own child process, which
//                 exits when it is done.
//   addCostUs     a generous estimate of one `add` in microseconds, used only to put the due time
//                 of the dispatch and lateness workloads far enough ahead that every job is added
//                 before the first one is due (the child checks it and reports an overrun).
import { BackgroundScheduler } from '@kairos/core';
import { Cron } from 'croner';
import schedule from 'node-schedule';
import { SimpleIntervalJob, Task, ToadScheduler } from 'toad-scheduler';

/** @type {Array<{ name: string, addCostUs: number, open: () => Promise<object> }>} */
export const LIBRARIES = [
  {
    name: 'Kairos',
    addCostUs: 60,
    async open() {
      const scheduler = await startKairos();
      return {
        add: (runAtMs, task) =>
          scheduler.addJob(task, { type: 'date', runDate: new Date(runAtMs) }),
      };
    },
  },
  {
    // The same scheduler, every job of a workload added by one `addJobs` call: an extra
    // column, beside the one-job-at-a-time `addJob` that the targets are measured with.
    name: 'Kairos addJobs',
    addCostUs: 60,
    async open() {
      const scheduler = await startKairos();
      return {
        add: (runAtMs, task) =>
          scheduler.addJob(task, { type: 'date', runDate: new Date(runAtMs) }),
        addAll: (jobs) =>
          scheduler.addJobs(
            jobs.map(([runAtMs, task]) => ({
              task,
              trigger: { type: 'date', runDate: new Date(runAtMs) },
            })),
          ),
      };
    },
  },
  {
    name: 'toad-scheduler',
    addCostUs: 20,
    async open() {
      // toad-scheduler has no one-off job: the usual idiom is an interval job whose first (and
      // only) interval ends at the run time and whose task stops it.
      const scheduler = new ToadScheduler();
      return {
        add(runAtMs, task) {
          const job = new SimpleIntervalJob(
            { milliseconds: Math.max(runAtMs - Date.now(), 1) },
            new Task('job', () => {
              job.stop();
              task();
            }),
          );
          scheduler.addSimpleIntervalJob(job);
        },
      };
    },
  },
  {
    name: 'croner',
    addCostUs: 800,
    async open() {
      return {
        add(runAtMs, task) {
          new Cron(new Date(runAtMs), { maxRuns: 1 }, task);
        },
      };
    },
  },
  {
    name: 'node-schedule',
    addCostUs: 500,
    async open() {
      return {
        add(runAtMs, task) {
          schedule.scheduleJob(new Date(runAtMs), task);
        },
      };
    },
  },
];

/**
 * A started Kairos scheduler with the defaults a user gets (memory store, async executor with 10
 * workers), except that no run may be skipped as missed: the dispatch workload counts every
 * callback, and a misfireGraceTime of 1 s would drop runs if dispatching 100k jobs took longer.
 */
async function startKairos() {
  const scheduler = new BackgroundScheduler({
    jobDefaults: { misfireGraceTime: null },
    executors: { default: { type: 'async', maxWorkers: 10 } },
  });
  await scheduler.start();
  return scheduler;
}
