/**
 * Next and previous run times of a cron-effective expression, from `CronTrigger.fromCrontab` of
 * @kairos/triggers: its day-of-month OR day-of-week rule, time zones and DST rules apply as they
 * are. The trigger only looks forward, so a previous run is found by scanning windows that grow
 * backwards from the given instant.
 */
import { CronTrigger } from '@kairos/triggers';

const HOUR_MS = 3_600_000;
/** A schedule that can match at all matches within 28 years (the calendar repeats). */
const LOOK_BACK_MS = 29 * 366 * 24 * HOUR_MS;

/** The first run strictly after `from`. */
export function nextRun(expression: string, from: Date, timezone?: string): Date | null {
  const trigger = CronTrigger.fromCrontab(expression, timezone);
  return trigger.getNextFireTime(null, new Date(from.getTime() + 1));
}

/** The last run strictly before `from`. */
export function previousRun(expression: string, from: Date, timezone?: string): Date | null {
  const trigger = CronTrigger.fromCrontab(expression, timezone);
  const end = from.getTime();
  let upper = end;
  for (let span = HOUR_MS; upper > end - LOOK_BACK_MS; span *= 8) {
    const lower = end - span;
    let last: Date | null = null;
    let run = trigger.getNextFireTime(null, new Date(lower));
    while (run !== null && run.getTime() < upper) {
      last = run;
      run = trigger.getNextFireTime(run, run);
    }
    if (last !== null) return last;
    upper = lower;
  }
  return null;
}
