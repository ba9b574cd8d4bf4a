/**
 * Turns a fluent job's settings into a Kairos trigger with `schedule`'s timing: the first run
 * comes one interval after the job is made, `at()` pins it to a time of day (today's or this
 * hour's when that is still ahead), a weekday picks the next such day, and `until()` ends it.
 */
import { DateTime } from 'luxon';
import { CalendarIntervalTrigger, CronTrigger, IntervalTrigger, type Trigger } from 'kairos';
import type { Unit, Weekday } from './interfaces.js';
import { RandomIntervalTrigger } from './random-interval.js';
import type { AtTime } from './time-input.js';

/** What a fluent job was told, as the trigger needs it. */
export interface Plan {
  interval: number;
  /** Upper bound of a random interval (`to()`), or null. */
  latest: number | null;
  unit: Unit;
  weekday: Weekday | null;
  at: AtTime | null;
  /** Time zone of the times of day (the `at()` zone, else the scheduler's). */
  timezone: string;
  /** No run after this instant (epoch ms), or null. */
  deadline: number | null;
}

const CRON_DAY: Record<Weekday, string> = {
  monday: 'mon',
  tuesday: 'tue',
  wednesday: 'wed',
  thursday: 'thu',
  friday: 'fri',
  saturday: 'sat',
  sunday: 'sun',
};

/**
 * The trigger for a plan made at `now`. Cron when the interval is one unit at a time of day (or
 * a weekday), a calendar interval for `every(n).days.at()`, an interval otherwise, and the
 * random interval for `to()`.
 */
export function planTrigger(plan: Plan, now: number, random: () => number): Trigger {
  const { interval, unit, at, timezone } = plan;
  const endDate = plan.deadline ?? undefined;
  if (plan.latest !== null) {
    return new RandomIntervalTrigger(
      {
        unit,
        min: interval,
        max: plan.latest,
        ...at,
        ...(plan.deadline === null ? {} : { endDate: new Date(plan.deadline).toISOString() }),
        timezone,
      },
      { random },
    );
  }
  // Strictly after now, as `schedule` does: a time of day equal to now is the next one.
  const startDate = now + 1;
  if (plan.weekday !== null) {
    const time = at ?? wallTime(now, timezone);
    return new CronTrigger({
      dayOfWeek: CRON_DAY[plan.weekday],
      hour: time.hour ?? 0,
      minute: time.minute ?? 0,
      second: time.second,
      startDate,
      endDate,
      timezone,
    });
  }
  if (at === null) {
    return new IntervalTrigger({
      [unit]: interval,
      startDate: now + interval * unitMs(unit),
      endDate,
      timezone,
    });
  }
  if (interval === 1) return new CronTrigger({ ...at, startDate, endDate, timezone });
  if (unit === 'days') {
    const first = DateTime.fromMillis(now, { zone: timezone }).plus({ days: interval });
    return new CalendarIntervalTrigger({
      days: interval,
      hour: at.hour,
      minute: at.minute,
      second: at.second,
      startDate: first.toISODate() ?? undefined,
      endDate:
        plan.deadline === null
          ? undefined
          : (DateTime.fromMillis(plan.deadline, { zone: timezone }).toISODate() ?? undefined),
      timezone,
    });
  }
  return new IntervalTrigger({
    [unit]: interval,
    startDate: firstPinnedRun(plan, now),
    endDate,
    timezone,
  });
}

/**
 * `every(n).hours.at('MM:SS')` and `every(n).minutes.at(':SS')`: n units from now, pinned to the
 * minute and second given, one unit earlier when that time is still ahead in the current unit
 * (`schedule`'s rule: at 02:00, `every(5).hours.at('20:30')` first runs at 06:20:30).
 */
function firstPinnedRun(plan: Plan, now: number): number {
  const { interval, unit, at, timezone } = plan;
  const current = DateTime.fromMillis(now, { zone: timezone });
  const fields = { minute: at?.minute, second: at?.second ?? 0, millisecond: 0 };
  if (unit === 'hours') {
    const pinned = current.plus({ hours: interval }).set(fields);
    const ahead = current.set(fields).toMillis() > now;
    return (ahead ? pinned.minus({ hours: 1 }) : pinned).toMillis();
  }
  const pinned = current.plus({ minutes: interval }).set({ second: fields.second, millisecond: 0 });
  const ahead = current.set({ second: fields.second, millisecond: 0 }).toMillis() > now;
  return (ahead ? pinned.minus({ minutes: 1 }) : pinned).toMillis();
}

function wallTime(now: number, timezone: string): AtTime {
  const time = DateTime.fromMillis(now, { zone: timezone });
  return { hour: time.hour, minute: time.minute, second: time.second };
}

/** Milliseconds in one unit (days and weeks as 24-hour days). */
export function unitMs(unit: Unit): number {
  return { seconds: 1, minutes: 60, hours: 3_600, days: 86_400, weeks: 604_800 }[unit] * 1000;
}
