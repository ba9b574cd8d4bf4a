/**
 * Turning user-given instants, dates and time zones into epoch milliseconds, with errors that
 * name the field. Strings follow APScheduler's `convert_to_datetime`; naive ones are wall times.
 */
import { DateTime } from 'luxon';
import {
  DAY_MS,
  HOUR_MS,
  MAX_INSTANT_MS,
  MINUTE_MS,
  MIN_INSTANT_MS,
  SECOND_MS,
  daysFromCivil,
  daysInMonth,
  weekdayOfDays,
} from './calendar.js';
import { TriggerConfigError, show } from './errors.js';
import type { DateInput } from './interfaces.js';
import { ZoneRules } from './zone.js';

const DATE_TIME =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?(Z|[+-]\d\d:\d\d)?)?$/;

/** Resolves a time-zone name, or throws naming the trigger and field. */
export function resolveZone(
  trigger: string,
  name: unknown,
  fallback: string | undefined,
): ZoneRules {
  const zoneName = name ?? fallback ?? ZoneRules.hostZoneName();
  if (typeof zoneName !== 'string' || zoneName === '') {
    throw new TriggerConfigError(
      trigger,
      'timezone',
      zoneName,
      `${show(zoneName)} is not a time zone name`,
    );
  }
  const zone = ZoneRules.get(zoneName);
  if (!zone) {
    throw new TriggerConfigError(
      trigger,
      'timezone',
      zoneName,
      `${show(zoneName)} is not a known IANA time zone (for example 'UTC', 'Europe/Paris', 'America/New_York')`,
    );
  }
  return zone;
}

/**
 * A trigger's `start_date` and `end_date` as epoch ms (null when not given; `defaultStart` for a
 * missing start), rejecting an end before the start.
 */
export function toBounds<Start extends number | null>(
  trigger: string,
  fields: { startDate?: DateInput | null; endDate?: DateInput | null },
  zone: ZoneRules,
  defaultStart: Start,
): { start: number | Start; end: number | null } {
  const given = (value: unknown): boolean => value !== undefined && value !== null;
  const start = given(fields.startDate)
    ? toInstant(trigger, 'start_date', fields.startDate, zone)
    : defaultStart;
  const end = given(fields.endDate) ? toInstant(trigger, 'end_date', fields.endDate, zone) : null;
  if (start !== null && end !== null && start > end) {
    throw new TriggerConfigError(
      trigger,
      'end_date',
      fields.endDate,
      `${new Date(end).toISOString()} is before start_date ${new Date(start).toISOString()}`,
    );
  }
  return { start, end };
}

/**
 * Converts a {@link DateInput} to whole epoch ms; naive strings are wall times in `zone`. Instants
 * outside the years 1 to 9999 are rejected: Kairos schedules within them.
 */
export function toInstant(trigger: string, field: string, value: unknown, zone: ZoneRules): number {
  const instant = anyToInstant(trigger, field, value, zone);
  if (instant < MIN_INSTANT_MS || instant > MAX_INSTANT_MS) {
    throw outsideYears(trigger, field, value);
  }
  return instant;
}

function anyToInstant(trigger: string, field: string, value: unknown, zone: ZoneRules): number {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new TriggerConfigError(trigger, field, value, 'is an invalid Date');
    return ms;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new TriggerConfigError(
        trigger,
        field,
        value,
        `${show(value)} is not a finite epoch-milliseconds number`,
      );
    }
    // A Date holds whole milliseconds; so does every instant a trigger computes from this one.
    return Math.floor(value);
  }
  if (DateTime.isDateTime(value)) {
    if (!value.isValid)
      throw new TriggerConfigError(
        trigger,
        field,
        value,
        `is an invalid Luxon DateTime (${value.invalidReason ?? 'unknown reason'})`,
      );
    return value.toMillis();
  }
  if (typeof value === 'string') return parseDateTimeString(trigger, field, value, zone);
  throw new TriggerConfigError(
    trigger,
    field,
    value,
    `${show(value)} is not a Date, epoch milliseconds, Luxon DateTime or ISO-8601 string`,
  );
}

function parseDateTimeString(
  trigger: string,
  field: string,
  text: string,
  zone: ZoneRules,
): number {
  const match = DATE_TIME.exec(text.trim());
  if (!match) {
    throw new TriggerConfigError(
      trigger,
      field,
      text,
      `${show(text)} is not a date-time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS with an optional fraction and Z or ±HH:MM`,
    );
  }
  const [, y, mo, d, h, mi, s, fraction, offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new TriggerConfigError(
      trigger,
      field,
      text,
      `${show(text)} is not a real calendar date and time`,
    );
  }
  // The fraction is a decimal fraction of a second (APScheduler reads it as whole microseconds),
  // kept to the millisecond that a Date holds.
  const fractionMs = fraction ? Math.floor(Number(`0.${fraction}`) * SECOND_MS) : 0;
  const wall =
    daysFromCivil(year, month, day) * DAY_MS +
    hour * HOUR_MS +
    minute * MINUTE_MS +
    second * SECOND_MS +
    fractionMs;
  if (offset === undefined) return zone.wallToInstant(wall);
  if (offset === 'Z') return wall;
  const sign = offset.startsWith('-') ? -1 : 1;
  const offsetHours = Number(offset.slice(1, 3));
  const offsetMinutes = Number(offset.slice(4, 6));
  // Python's datetime refuses an offset of a day or more; no zone has one.
  if (offsetHours > 23 || offsetMinutes > 59) {
    throw new TriggerConfigError(
      trigger,
      field,
      text,
      `${show(text)} has the UTC offset ${offset}, which is not a real one (offsets run from ` +
        `-23:59 to +23:59; write the time in UTC with Z, or give its zone in timezone)`,
    );
  }
  return wall - sign * (offsetHours * HOUR_MS + offsetMinutes * MINUTE_MS);
}

/**
 * Parses a calendar date as Python 3.11's `date.fromisoformat` does (`YYYY-MM-DD`, `YYYYMMDD`,
 * ISO week dates `YYYY-Www[-D]`), or takes the date of a `Date`/`DateTime`/epoch ms in `zone`.
 * Returns days since 1970-01-01.
 */
export function toCalendarDay(
  trigger: string,
  field: string,
  value: unknown,
  zone: ZoneRules,
): number {
  const days = anyToCalendarDay(trigger, field, value, zone);
  if (days < FIRST_DAY || days > LAST_DAY) {
    throw outsideYears(trigger, field, value);
  }
  return days;
}

const FIRST_DAY = daysFromCivil(1, 1, 1);
const LAST_DAY = daysFromCivil(9999, 12, 31);

function anyToCalendarDay(trigger: string, field: string, value: unknown, zone: ZoneRules): number {
  if (typeof value !== 'string') {
    const instant = toInstant(trigger, field, value, zone);
    return Math.floor(zone.wallOf(instant) / DAY_MS);
  }
  const text = value.trim();
  let match = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (match && (text.length === 8 || text.length === 10)) {
    const [, y, m, d] = match;
    const year = Number(y);
    const month = Number(m);
    const day = Number(d);
    if (month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))
      return daysFromCivil(year, month, day);
  }
  match = /^(\d{4})-?W(\d{2})(?:-?([1-7]))?$/.exec(text);
  if (match) {
    const [, y, w, d] = match;
    const year = Number(y);
    const week = Number(w);
    const weekday = Number(d ?? 1);
    const jan4 = daysFromCivil(year, 1, 4);
    const week1Monday = jan4 - weekdayOfDays(jan4);
    const days = week1Monday + (week - 1) * 7 + (weekday - 1);
    const weeksInYear =
      weekdayOfDays(daysFromCivil(year, 1, 1)) === 3 ||
      weekdayOfDays(daysFromCivil(year, 12, 31)) === 3
        ? 53
        : 52;
    if (week >= 1 && week <= weeksInYear) return days;
  }
  throw new TriggerConfigError(
    trigger,
    field,
    value,
    `${show(value)} is not a calendar date; write YYYY-MM-DD`,
  );
}

/** Formats a day number as `YYYY-MM-DD`. */
export function formatCalendarDay(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/** The error of a date outside the years 1 to 9999 (UTC), which Kairos schedules in. */
function outsideYears(trigger: string, field: string, value: unknown): TriggerConfigError {
  return new TriggerConfigError(
    trigger,
    field,
    value,
    `${show(value)} is outside the years 1 to 9999 (UTC) that Kairos schedules in; give a date between them`,
  );
}
