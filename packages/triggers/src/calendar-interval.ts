/**
 * CalendarIntervalTrigger: fires every N years/months/weeks/days at the same wall-clock time of
 * day. Month arithmetic keeps the day of the month, so the 31st skips shorter months; a time of
 * day that a spring-forward skips skips that date; a repeated one fires at its first occurrence.
 */
import { BaseTrigger } from './base.js';
import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  SECOND_MS,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
} from './calendar.js';
import { formatCalendarDay, resolveZone, toCalendarDay } from './date-input.js';
import { TriggerConfigError, show } from './errors.js';
import { checkFieldNames } from './keys.js';
import type {
  CalendarIntervalTriggerFields,
  CalendarIntervalTriggerSpec,
  TriggerOptions,
} from './interfaces.js';
import type { ZoneRules } from './zone.js';

const LAST_DAY = daysFromCivil(9999, 12, 31);

/**
 * Fires on `startDate` at `hour:minute:second` wall time, then every `years/months/weeks/days`.
 *
 * @example new CalendarIntervalTrigger({ months: 1, hour: 9, startDate: '2025-01-31', timezone: 'Europe/Berlin' })
 */
export class CalendarIntervalTrigger extends BaseTrigger {
  /** Years between fire times. */
  readonly years: number;
  /** Months between fire times. */
  readonly months: number;
  /** Weeks between fire times. */
  readonly weeks: number;
  /** Days between fire times. */
  readonly days: number;
  /** Hour of day of each fire time, 0..23. */
  readonly hour: number;
  /** Minute of each fire time, 0..59. */
  readonly minute: number;
  /** Second of each fire time, 0..59. */
  readonly second: number;
  /** The time zone of the wall-clock time. */
  readonly timezone: string;
  private readonly zone: ZoneRules;
  private readonly startDay: number;
  private readonly endDay: number | null;
  private readonly timeOfDay: number;

  /** @throws TriggerConfigError naming the field and the bad value */
  constructor(fields: CalendarIntervalTriggerFields = {}, options: TriggerOptions = {}) {
    checkFieldNames('calendarinterval', fields);
    const zone = resolveZone('calendarinterval', fields.timezone, options.timezone);
    const count = (name: 'years' | 'months' | 'weeks' | 'days'): number =>
      wholeNumber(name, fields[name], 0, Infinity, 0);
    const years = count('years');
    const months = count('months');
    const weeks = count('weeks');
    const days = count('days');
    if (years === 0 && months === 0 && weeks === 0 && days === 0) {
      throw new TriggerConfigError(
        'calendarinterval',
        'days',
        fields,
        'the interval must be at least 1 day long; give years, months, weeks or days',
      );
    }
    const hour = wholeNumber('hour', fields.hour, 0, 23, 0);
    const minute = wholeNumber('minute', fields.minute, 0, 59, 0);
    const second = wholeNumber('second', fields.second, 0, 59, 0);
    const startDay =
      fields.startDate === undefined || fields.startDate === null
        ? Math.floor(zone.wallOf((options.now ?? Date.now)()) / DAY_MS)
        : toCalendarDay('calendarinterval', 'start_date', fields.startDate, zone);
    const endDay =
      fields.endDate === undefined || fields.endDate === null
        ? null
        : toCalendarDay('calendarinterval', 'end_date', fields.endDate, zone);
    if (endDay !== null && endDay < startDay) {
      throw new TriggerConfigError(
        'calendarinterval',
        'end_date',
        fields.endDate,
        `${formatCalendarDay(endDay)} is before start_date ${formatCalendarDay(startDay)}`,
      );
    }
    const timeOfDay = hour * HOUR_MS + minute * MINUTE_MS + second * SECOND_MS;
    super(
      'calendarinterval',
      fields.jitter,
      endDay === null ? null : zone.wallToInstant(endDay * DAY_MS + timeOfDay),
      options,
    );
    this.years = years;
    this.months = months;
    this.weeks = weeks;
    this.days = days;
    this.hour = hour;
    this.minute = minute;
    this.second = second;
    this.zone = zone;
    this.timezone = zone.name;
    this.startDay = startDay;
    this.endDay = endDay;
    this.timeOfDay = timeOfDay;
  }

  /** {@inheritDoc Trigger.type} */
  get type(): 'calendarinterval' {
    return 'calendarinterval';
  }

  /** @internal */
  nextFireTime(previous: number | null): number | null {
    // Without a previous fire time the first fire is on startDate, whatever `now` is (APScheduler).
    const day =
      previous === null
        ? this.startDay
        : this.step(Math.floor(this.zone.wallOf(previous) / DAY_MS));
    return this.fireOnOrAfter(day);
  }

  /** @internal */
  override advance(current: number, target: number): number | null {
    if (target <= current) return current;
    let day = Math.floor(this.zone.wallOf(current) / DAY_MS);
    if (this.years === 0 && this.months === 0) {
      // A fixed number of days apart: jump close to the target instead of walking. (A whole-day
      // gap between the two, like Apia's in 2011, would shift the real sequence by a day.)
      const stride = this.weeks * 7 + this.days;
      const targetDay = Math.floor(this.zone.wallOf(target) / DAY_MS);
      const strides = Math.max(0, Math.floor((targetDay - day) / stride) - 1);
      day += strides * stride;
      if (strides > 0) {
        const fire = this.fireOnOrAfter(day);
        if (fire === null || fire >= target) return fire;
        return super.advance(fire, target);
      }
    }
    return super.advance(current, target);
  }

  /** @internal */
  firstAtOrAfter(lowerBound: number, exclusive = false): number | null {
    const first = this.fireOnOrAfter(this.startDay);
    const next = first === null ? null : this.advance(first, lowerBound);
    return exclusive && next === lowerBound ? this.nextFireTime(next) : next;
  }

  /**
   * The fire time on `day`, or on the next date of the sequence if a DST gap skips that one. A
   * gap of whole days (Apia skipped 2011-12-30) moves the fire to the same time on the next date,
   * which the sequence then continues from, as APScheduler does.
   */
  private fireOnOrAfter(startDay: number | null): number | null {
    let day = startDay;
    while (day !== null) {
      if (this.endDay !== null && day > this.endDay) return null;
      const resolved = this.zone.resolveWall(day * DAY_MS + this.timeOfDay);
      if (!resolved.inGap) return resolved.first;
      const shiftedWall = this.zone.wallOf(resolved.first);
      if (shiftedWall - Math.floor(shiftedWall / DAY_MS) * DAY_MS === this.timeOfDay)
        return resolved.first;
      day = this.step(day);
    }
    return null;
  }

  /** The next date of the sequence after `day`, or null past the year 9999. */
  private step(day: number): number | null {
    const from = civilFromDays(day);
    let year = from.year;
    let month = from.month;
    // Keep the day of the month; a date that does not exist (the 31st, Feb 29) moves on again.
    for (;;) {
      month += this.months;
      year += this.years + Math.floor((month - 1) / 12);
      month = ((month - 1) % 12) + 1;
      if (year > 9999) return null;
      if (from.day <= daysInMonth(year, month)) break;
    }
    const next = daysFromCivil(year, month, from.day) + this.weeks * 7 + this.days;
    return next > LAST_DAY ? null : next;
  }

  /** {@inheritDoc Trigger.toJSON} */
  toJSON(): CalendarIntervalTriggerSpec {
    const spec: CalendarIntervalTriggerSpec = { type: 'calendarinterval' };
    if (this.years) spec.years = this.years;
    if (this.months) spec.months = this.months;
    if (this.weeks) spec.weeks = this.weeks;
    if (this.days) spec.days = this.days;
    spec.hour = this.hour;
    spec.minute = this.minute;
    spec.second = this.second;
    spec.startDate = formatCalendarDay(this.startDay);
    if (this.endDay !== null) spec.endDate = formatCalendarDay(this.endDay);
    spec.timezone = this.timezone;
    if (this.jitter !== null) spec.jitter = this.jitter;
    return spec;
  }

  /** e.g. `calendarinterval[months=1, time=09:00:00]`. */
  override toString(): string {
    const parts = (['years', 'months', 'weeks', 'days'] as const)
      .filter((unit) => this[unit] !== 0)
      .map((unit) => `${unit}=${this[unit]}`);
    const pad = (value: number): string => String(value).padStart(2, '0');
    return `calendarinterval[${parts.join(', ')}, time=${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}]`;
  }
}

function wholeNumber(
  field: string,
  value: unknown,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `a whole number ≥ ${min}` : `a whole number in ${min}..${max}`;
    throw new TriggerConfigError(
      'calendarinterval',
      field,
      value,
      `${show(value)} must be ${range}`,
    );
  }
  return value === 0 ? 0 : value; // -0 is 0 (a spec read back from JSON says 0)
}
