/**
 * A trigger's schedule in English, for people: cron schedules through `@kairos/crontab`'s
 * describers (a crontab expression as it reads it; the keyword form turned into the cron
 * expression that means the same, for cronstrue as written), intervals, dates, calendar
 * intervals and their and/or combinations.
 * What cannot be said in words falls back to the trigger's APScheduler form
 * (`cron[week='1']`), which is always true.
 */
import { describeExpression, describeSchedule } from '@kairos/crontab';
import {
  AndTrigger,
  CalendarIntervalTrigger,
  CronTrigger,
  DateTrigger,
  IntervalTrigger,
  OrTrigger,
  type CalendarIntervalTriggerSpec,
  type IntervalTriggerSpec,
  type Trigger,
} from 'kairos';
import { DateTime } from 'luxon';
import { keywordCronExpression } from './describe-cron.js';

/** Options of {@link describeTrigger}. */
export interface DescribeTriggerOptions {
  /** `14:00` rather than `02:00 PM`. Default false (cronstrue's default). */
  use24HourTimeFormat?: boolean;
}

/**
 * The schedule of a trigger in English: `At 09:00 AM, Monday through Friday`, `Every 5
 * minutes`, `Once, at 2026-12-07 09:00 (Europe/Paris)`, `Every 2 weeks, at 09:30 AM`. A
 * schedule that cannot be said in words (an ISO week, a day of the month AND a weekday, a
 * plugin's trigger) comes back in its APScheduler form, `trigger.toString()`.
 */
export function describeTrigger(trigger: Trigger, options: DescribeTriggerOptions = {}): string {
  try {
    return describeKnown(trigger, options) ?? trigger.toString();
  } catch {
    // cronstrue refuses what it cannot say; the APScheduler form is exact.
    return trigger.toString();
  }
}

function describeKnown(trigger: Trigger, options: DescribeTriggerOptions): string | null {
  if (trigger instanceof CronTrigger) return describeCron(trigger, options);
  if (trigger instanceof IntervalTrigger) return describeInterval(trigger.toJSON());
  if (trigger instanceof DateTrigger) return describeDate(trigger);
  if (trigger instanceof CalendarIntervalTrigger)
    return describeCalendarInterval(trigger.toJSON(), options);
  if (trigger instanceof OrTrigger || trigger instanceof AndTrigger) {
    const parts = trigger.triggers.map((child) => `(${describeTrigger(child, options)})`);
    return trigger instanceof OrTrigger
      ? `Whenever any of these fires: ${parts.join(' or ')}`
      : `Whenever all of these fire at once: ${parts.join(' and ')}`;
  }
  return null;
}

function describeCron(trigger: CronTrigger, options: DescribeTriggerOptions): string | null {
  const spec = trigger.toJSON();
  const words = { use24HourTimeFormat: options.use24HourTimeFormat ?? false };
  if (spec.type === 'crontab') return describeExpression(spec.expr, words);
  const expression = keywordCronExpression(spec);
  if (expression === null) return null;
  return describeSchedule(expression, words);
}

const INTERVAL_UNITS = ['weeks', 'days', 'hours', 'minutes', 'seconds'] as const;

/** `Every 5 minutes`, `Every hour`, `Every 1 day and 12 hours`. */
function describeInterval(spec: IntervalTriggerSpec): string {
  const parts = INTERVAL_UNITS.filter((unit) => (spec[unit] ?? 0) !== 0).map((unit) =>
    quantity(spec[unit] ?? 0, unit),
  );
  if (parts.length === 0) return 'Continuously';
  if (parts.length === 1 && parts[0]?.startsWith('1 ') === true)
    return `Every ${parts[0].slice(2)}`;
  return `Every ${listed(parts)}`;
}

/** `Once, at 2026-12-07 09:00 (Europe/Paris)`. */
function describeDate(trigger: DateTrigger): string {
  const spec = trigger.toJSON();
  const zone = spec.timezone ?? 'UTC';
  const at = DateTime.fromISO(String(spec.runDate), { zone });
  const format =
    at.second === 0 && at.millisecond === 0 ? 'yyyy-MM-dd HH:mm' : 'yyyy-MM-dd HH:mm:ss';
  return `Once, at ${at.toFormat(format)} (${zone})`;
}

const CALENDAR_UNITS = ['years', 'months', 'weeks', 'days'] as const;

/** `Every month, at 09:00 AM`, `Every 2 weeks, at 06:30:15 PM`. */
function describeCalendarInterval(
  spec: CalendarIntervalTriggerSpec,
  options: DescribeTriggerOptions,
): string {
  const parts = CALENDAR_UNITS.filter((unit) => (spec[unit] ?? 0) !== 0).map((unit) =>
    quantity(spec[unit] ?? 0, unit),
  );
  const every =
    parts.length === 1 && parts[0]?.startsWith('1 ') === true ? parts[0].slice(2) : listed(parts);
  return `Every ${every}, at ${timeOfDay(spec.hour ?? 0, spec.minute ?? 0, spec.second ?? 0, options)}`;
}

/** A time of day as cronstrue writes it: `09:00 AM`, or `21:00` in 24-hour form. */
function timeOfDay(
  hour: number,
  minute: number,
  second: number,
  options: DescribeTriggerOptions,
): string {
  const time = DateTime.fromObject({ hour, minute, second }, { zone: 'UTC' });
  const seconds = second === 0 ? '' : ':ss';
  return options.use24HourTimeFormat === true
    ? time.toFormat(`HH:mm${seconds}`)
    : time.toFormat(`hh:mm${seconds} a`, { locale: 'en-US' });
}

/** `5 minutes`, `1 hour`, `0.5 seconds`. */
function quantity(count: number, unit: string): string {
  return `${count} ${count === 1 ? unit.slice(0, -1) : unit}`;
}

/** `a`, `a and b`, `a, b and c`. */
function listed(parts: readonly string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1] ?? ''}`;
}
