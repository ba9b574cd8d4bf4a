// Kairos quickstart: a scheduler that is the whole program. It fires an interval job, a cron job
// and one-off jobs, prints every event it emits, and shuts itself down after about 10 seconds.
// Run from the repository root: npx --yes pnpm@10.34.9 install && npx --yes pnpm@10.34.9 run quickstart
import {
  BlockingScheduler,
  JobExecutionEvent,
  JobSubmissionEvent,
  SchedulerEvent,
  currentJob,
} from 'kairos';

const startedAt = Date.now();

/** `12:00:03.004 +3.0s`: a wall time (UTC) and the seconds since the program started. */
function stamp(date = new Date()) {
  const elapsed = (date.getTime() - startedAt) / 1000;
  const sign = elapsed < 0 ? '-' : '+';
  return `${date.toISOString().slice(11, 23)} ${`${sign}${Math.abs(elapsed).toFixed(1)}s`.padStart(6)}`;
}

// A BlockingScheduler: start() resolves only once the scheduler has shut down, and Ctrl-C
// (SIGINT) or SIGTERM shut it down gracefully.
const scheduler = new BlockingScheduler({ timezone: 'UTC' });

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

// Failures the scheduler caught and survived (a job store, an executor, a listener) arrive here.
scheduler.on('error', (failure) => {
  console.error(`${stamp()}  scheduler error while ${failure.action}:`, failure.error);
});

let beats = 0;

// Every 2 seconds, counting from start().
await scheduler.addJob(
  function heartbeat() {
    return ++beats;
  },
  { type: 'interval', seconds: 2 },
  { id: 'heartbeat' },
);

// Whenever the wall clock's seconds are a multiple of 3 (cron fields as APScheduler has them).
// An async task; currentJob() tells it which run it is doing.
await scheduler.addJob(
  async function poll() {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return `polled for the ${stamp(currentJob()?.scheduledRunTime)} run`;
  },
  { type: 'cron', second: '*/3' },
  { id: 'poll' },
);

// Once, 5 seconds from now; it fails, which is reported as a job_error event.
await scheduler.addJob(
  function sendReport() {
    throw new Error('the report server is down');
  },
  { type: 'date', runDate: new Date(startedAt + 5_000) },
  { id: 'report' },
);

// Once, at a time already 5 seconds past: more than misfireGraceTime (1 s by default) late, so it
// is skipped with a job_missed event instead of running.
await scheduler.addJob(
  function tooLate() {
    return 'never runs';
  },
  { type: 'date', runDate: new Date(startedAt - 5_000) },
  { id: 'too-late' },
);

// Once, 10.5 seconds from now: shuts the scheduler down. Not awaited: shutdown() waits for the
// running jobs to finish, and this job is one of them.
await scheduler.addJob(
  function stop() {
    scheduler.shutdown().catch((error) => console.error('shutdown failed', error));
    return 'shutting down';
  },
  { type: 'date', runDate: new Date(startedAt + 10_500) },
  { id: 'stop' },
);

console.log(`Kairos quickstart, ${new Date(startedAt).toISOString()}: five jobs, until +10.5s\n`);
// Jobs added before start() are pending; they get their first run time when it starts.
await scheduler.printJobs();
console.log();

await scheduler.start(); // resolves after the `stop` job has shut the scheduler down

console.log(`\nThe scheduler is ${scheduler.state}; the heartbeat ran ${beats} times. Bye.`);
