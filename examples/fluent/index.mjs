// Kairos example: Python `schedule`'s first example, on @kairos/fluent.
//
// The jobs are those of schedule's "Run a job every x minute" example, line for line (with the
// time zone line of its README), plus a heartbeat every second so that ten seconds have
// something to show. A `while` loop runs what is due with runPending() and sleeps until the next
// run with idleSeconds(), as a schedule program does; then it lists the jobs with their runs and
// next run times, clears them and exits. The times of day are in the host's time zone.
//
//   node examples/fluent/index.mjs          run for 10 s (or until Ctrl-C)
//   node examples/fluent/index.mjs --smoke  run for 6 s; exit 0 only if the 1-second and
//                                           3-second jobs ran as often as expected (±1) and no
//                                           run failed (CI runs this)
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { schedule } from '@kairos/fluent';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });
const seconds = values.smoke ? 6 : 10;

const started = Date.now();
const log = (line) =>
  console.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${line}`);

function job() {
  log("I'm working...");
}

function heartbeat() {
  log('heartbeat');
}

// ─── schedule's example ───────────────────────────────────────────────────────────────────────

// Run job every 3 second/minute/hour/day/week,
// Starting 3 second/minute/hour/day/week from now
const everyThreeSeconds = schedule.every(3).seconds.do(job);
schedule.every(3).minutes.do(job);
schedule.every(3).hours.do(job);
schedule.every(3).days.do(job);
schedule.every(3).weeks.do(job);

// Run job every minute at the 23rd second
schedule.every().minute.at(':23').do(job);

// Run job every hour at the 42nd minute
schedule.every().hour.at(':42').do(job);

// Run jobs every 5th hour, 20 minutes and 30 seconds in.
// If current time is 02:00, first execution is at 06:20:30
schedule.every(5).hours.at('20:30').do(job);

// Run job every day at specific HH:MM and next HH:MM:SS
schedule.every().day.at('10:30').do(job);
schedule.every().day.at('10:30:42').do(job);
schedule.every().day.at('12:42', 'Europe/Amsterdam').do(job);

// Run job on a specific day of the week
schedule.every().monday.do(job);
schedule.every().wednesday.at('13:15').do(job);
schedule.every().minute.at(':17').do(job);

// ─── and a heartbeat ──────────────────────────────────────────────────────────────────────────

const everySecond = schedule.every().second.do(heartbeat);

// ─── the loop ─────────────────────────────────────────────────────────────────────────────────

if (values.smoke) {
  // A hung smoke test fails CI instead of stalling it.
  setTimeout(() => {
    console.error('smoke: timed out');
    process.exit(1);
  }, 30_000).unref();
}

/** How many times each job ran: counted from its lastRun, which each run sets. */
const runs = new Map(schedule.getJobs().map((scheduled) => [scheduled, 0]));
const lastRuns = new Map();
const failures = [];

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
// A little past the last second, so that the runs due at that second are in.
const deadline = Date.now() + seconds * 1000 + 250;

log(`${schedule.getJobs().length} jobs, time zone ${schedule.timezone}; running for ${seconds} s`);
while (!stop.signal.aborted && Date.now() < deadline) {
  try {
    await schedule.runPending();
  } catch (error) {
    failures.push(String(error));
    log(`a run failed: ${String(error)}`);
  }
  for (const scheduled of schedule.getJobs()) {
    const last = scheduled.lastRun?.getTime();
    if (last !== undefined && last !== lastRuns.get(scheduled)) {
      lastRuns.set(scheduled, last);
      runs.set(scheduled, (runs.get(scheduled) ?? 0) + 1);
    }
  }
  // Sleep until the next run (idleSeconds() is negative when one is overdue), or the end.
  const idleMs = (schedule.idleSeconds() ?? Infinity) * 1000;
  const sleepMs = Math.max(0, Math.min(idleMs, deadline - Date.now()));
  await sleep(sleepMs, undefined, { signal: stop.signal }).catch(() => undefined);
}

console.log('\njobs (runs in this program, then what schedule prints for a job):');
for (const [scheduled, count] of runs) console.log(`  ${String(count).padStart(2)}  ${scheduled}`);
schedule.clear();

// ─── the smoke test ───────────────────────────────────────────────────────────────────────────

if (values.smoke) {
  const problems = [...failures];
  for (const [scheduled, interval] of [
    [everySecond, 1],
    [everyThreeSeconds, 3],
  ]) {
    const expected = Math.floor(seconds / interval);
    const count = runs.get(scheduled) ?? 0;
    if (Math.abs(count - expected) > 1) {
      problems.push(
        `${scheduled.name}: ran ${count} times in ${seconds} s, expected ${expected} ± 1`,
      );
    }
  }
  if (schedule.getJobs().length > 0) problems.push('clear() left jobs behind');
  if (problems.length > 0) {
    console.error(`smoke: FAILED\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  } else {
    console.log('smoke: passed');
  }
}
