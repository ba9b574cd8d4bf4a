/**
 * Proleptic Gregorian calendar arithmetic on plain integers, so the hot paths never build a
 * `Date` or a Luxon `DateTime`. Days are counted from 1970-01-01 (day 0).
 */

/** Milliseconds in a second, minute, hour and day. */
export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Days since 1970-01-01 of a calendar date (month 1..12). Howard Hinnant's `days_from_civil`. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** A calendar date. */
export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** The calendar date of a day number (inverse of {@link daysFromCivil}). */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Whether `year` is a leap year. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_LENGTHS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Number of days in a month (month 1..12). */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_LENGTHS[month - 1] ?? 31);
}

/** ISO weekday of a day number: 0 = Monday … 6 = Sunday (APScheduler's numbering). */
export function weekdayOfDays(days: number): number {
  // 1970-01-01 was a Thursday (3).
  return (((days + 3) % 7) + 7) % 7;
}

/** ISO-8601 week number (1..53) of a day number, as Python's `date.isocalendar()` gives it. */
export function isoWeekOfDays(days: number): number {
  const weekday = weekdayOfDays(days);
  // The Thursday of this ISO week decides its year.
  const thursday = days - weekday + 3;
  const { year } = civilFromDays(thursday);
  const firstThursdayOffset = thursday - daysFromCivil(year, 1, 1);
  return Math.floor(firstThursdayOffset / 7) + 1;
}

/** Largest instant Kairos schedules: 9999-12-31T23:59:59.999 wall time. */
export const MAX_WALL_MS = daysFromCivil(10000, 1, 1) * DAY_MS - 1;

/**
 * The instants Kairos accepts and returns: the years 1 to 9999 in UTC, the range an ISO-8601
 * string (and so a stored spec) writes with four year digits.
 */
export const MIN_INSTANT_MS = daysFromCivil(1, 1, 1) * DAY_MS;
/** See {@link MIN_INSTANT_MS}. */
export const MAX_INSTANT_MS = MAX_WALL_MS;
