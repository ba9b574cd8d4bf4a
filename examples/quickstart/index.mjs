// Kairos quickstart: a scheduler that is the whole program, keeping its jobs in a SQLite file.
// It fires an interval job, a cron job and one-off jobs and prints every event; after 5 s it
// stops, and a second scheduler opens the same file and finds the jobs still there — a job
// survives a restart. It ends by itself after about 11 seconds.
// Run from the repository root: npx --yes pnpm@10.34.9 install && npx --yes pnpm@10.34.9 run quickstart
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BlockingScheduler,
  JobExecutionEvent,
  JobSubmissionEvent,
  SchedulerEvent,
  currentJob,
} from 'kairos';

const startedAt = Date.now();
const file = join(tmpdir(), `kairos-quickstart-${process.pid}.sqlite`);

/** `12:00:03.004 +3.0s`: a wall time (UTC) and the seconds since the program started. */
function stamp(date = new Date()) {
  const elapsed = (date.getTime() - startedAt) / 1000;
  const sign = elapsed < 0 ? '-' : '+';
  return `${date.toISOString().slice(11, 23)} ${`${sign}${Math.abs(elapsed).toFixed(1)}s`.padStart(6)}`;
}

let beats = 0;

// A persistent store keeps tasks by name, never as code: each task is registered under the name
// its jobs refer to (a module reference such as './tasks.js#poll' works too).
const tasks = {
  heartbeat() {
    return ++beats;
  },
  // An async task; currentJob() tells it which run it is doing.
  async poll() {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return `polled for the ${stamp(currentJob()?.scheduledRunTime)} run`;
  },
  sendReport() {
    throw new Error('the report server is down');
  },
  tooLate() {
    return 'never runs';
  },
  // Shuts the running scheduler down. Not awaited: shutdown() waits for the running jobs to
  // finish, and this job is one of them.
  stop() {
    current.shutdown().catch((error) => console.error('shutdown failed', error));
    return 'shutting down';
  },
};

/**
 * A BlockingScheduler on the SQLite file: start() resolves only once the scheduler has shut
 * down, and Ctrl-C (SIGINT) or SIGTERM shut it down gracefully.
 */
function makeScheduler() {
  const scheduler = new BlockingScheduler({
    timezone: 'UTC',
    // `sqlite` is @kairos/store-sqlite (WAL, one row per job, indexed by next run time).
    jobstores: { default: { type: 'sqlite', path: file } },
    tasks,
  });
  // One listener for every event (the default mask is EVENT_ALL). Events are classes: the job
  // events carry the job id, the run outcome events the scheduled run time and the result.
  scheduler.addListener((event) => {
    let detail = '';
    if (event instanceof JobExecutionEvent) {
      detail = `${event.jobId} (scheduled ${stamp(event.scheduledRunTime)})`;
      if (event.name === 'job_executed') detail += ` returned ${JSON.stringify(event.retval)}`;
      if (event.name === 'job_error') detail += ` threw ${String(event.exception)}`;
    } else if (event instanceof JobSubmissionEvent) {
      detail = `${event.jobId} (run times ${event.scheduledRunTimes.map((t) => stamp(t)).join(', ')})`;
    } else if ('jobId' in event) {
      detail = event.jobId;
    } else if (event instanceof SchedulerEvent && event.alias !== null) {
      detail = event.alias;
    }
    console.log(`${stamp()}  ${event.name.padEnd(18)} ${detail}`);
  });
  // Failures the scheduler caught and survived (a job store, an executor, a listener).
  scheduler.on('error', (failure) => {
    console.error(`${stamp()}  scheduler error while ${failure.action}:`, failure.error);
  });
  return scheduler;
}

// ─── first life ───────────────────────────────────────────────────────────────────────────────

let current = makeScheduler();

// Every 2 seconds, counting from start().
await current.addJob('heartbeat', { type: 'interval', seconds: 2 }, { id: 'heartbeat' });
// Whenever the wall clock's seconds are a multiple of 3 (cron fields as APScheduler has them).
await current.addJob('poll', { type: 'cron', second: '*/3' }, { id: 'poll' });
// Once, 3 seconds from now; it fails, which is reported as a job_error event.
await current.addJob(
  'sendReport',
  { type: 'date', runDate: new Date(startedAt + 3_000) },
  { id: 'report' },
);
// Once, at a time already 5 seconds past: more than misfireGraceTime (1 s by default) late, so it
// is skipped with a job_missed event instead of running.
await current.addJob(
  'tooLate',
  { type: 'date', runDate: new Date(startedAt - 5_000) },
  { id: 'too-late' },
);
// Once, 5 seconds from now: ends the first life.
await current.addJob(
  'stop',
  { type: 'date', runDate: new Date(startedAt + 5_000) },
  { id: 'stop' },
);

console.log(`Kairos quickstart, ${new Date(startedAt).toISOString()}: jobs in ${file}\n`);
// Jobs added before start() are pending; they get their first run time when it starts.
await current.printJobs();
console.log();

await current.start(); // resolves after the `stop` job has shut the scheduler down

// ─── second life: a new scheduler on the same file ────────────────────────────────────────────

console.log(`\nThe first scheduler is ${current.state}. A new one opens ${file}:\n`);
current = makeScheduler();
// Nothing is added again but a new stop job: heartbeat and poll come back from the file.
await current.addJob(
  'stop',
  { type: 'date', runDate: new Date(startedAt + 11_000) },
  { id: 'stop' },
);
current.on('scheduler_started', () => {
  current
    .printJobs()
    .then(() => console.log())
    .catch((error) => console.error('printJobs failed', error));
});
await current.start();

console.log(`\nThe scheduler is ${current.state}; the heartbeat ran ${beats} times. Bye.`);
rmSync(file, { force: true });
for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
