/**
 * The one cron evaluation engine behind both cron forms (APScheduler's keyword fields and
 * crontab strings): a compiled set of matching wall-clock times and the search for the next one.
 * Everything here works on wall milliseconds (a wall time written as if it were UTC); mapping to
 * instants across DST is the trigger's job. Sets are bitmasks, so an instance stays small.
 */
import {
  DAY_MS,
  HOUR_MS,
  MAX_WALL_MS,
  MINUTE_MS,
  SECOND_MS,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  isoWeekOfDays,
  weekdayOfDays,
} from './calendar.js';

/** An inclusive arithmetic range `first, first + step, … ≤ last`. */
export interface RangeItem {
  readonly kind: 'range';
  readonly first: number;
  readonly last: number;
  readonly step: number;
}

/** The last day of the month. */
export interface LastDayItem {
  readonly kind: 'last';
}

/** The n-th (1..5) or last (`nth: -1`) given weekday (0 = Monday) of the month. */
export interface WeekdayOfMonthItem {
  readonly kind: 'weekday';
  readonly weekday: number;
  readonly nth: number;
}

/** One item of a day-of-month or day-of-week rule. */
export type DayItem = RangeItem | LastDayItem | WeekdayOfMonthItem;

/** What the engine needs, from either cron form. Value lists are field values (weekday 0 = Monday). */
export interface CronScheduleParts {
  /** Allowed years as ranges; null = every year. */
  readonly years: readonly RangeItem[] | null;
  readonly months: readonly number[];
  /** Day-of-month items (ranges are clipped to each month's length). */
  readonly dayItems: readonly DayItem[];
  /** Plain weekdays, 0 = Monday. */
  readonly weekdays: readonly number[];
  /** Weekday-of-month items given in the day-of-week field (crontab `5L`, `5#3`). */
  readonly weekdayItems: readonly DayItem[];
  /** ISO weeks; null = every week. */
  readonly weeks: readonly number[] | null;
  /** How the day-of-month and day-of-week sets combine: AND (APScheduler) or OR (Vixie). */
  readonly dayCombine: 'and' | 'or';
  readonly hours: readonly number[];
  readonly minutes: readonly number[];
  readonly seconds: readonly number[];
}

const GREGORIAN_CYCLE_MS = 146_097 * DAY_MS;

/** Lowest set bit position of a non-zero 32-bit mask. */
function lowestBit(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

/** Mask of the bits `from..31`. */
function fromBit(from: number): number {
  return from >= 32 ? 0 : ~((1 << from) - 1);
}

function toMask(values: readonly number[], offset = 0): number {
  let mask = 0;
  for (const value of values)
    if (value - offset >= 0 && value - offset < 32) mask |= 1 << (value - offset);
  return mask;
}

/** A compiled cron schedule over wall-clock time. */
export class CronSchedule {
  private readonly years: readonly RangeItem[] | null;
  private readonly months: number;
  private readonly dayItems: readonly DayItem[];
  private readonly weekdays: number;
  private readonly weekdayItems: readonly DayItem[];
  private readonly weeksLow: number;
  private readonly weeksHigh: number;
  private readonly anyWeek: boolean;
  private readonly dayCombineOr: boolean;
  private readonly hours: number;
  private readonly minutesLow: number;
  private readonly minutesHigh: number;
  private readonly secondsLow: number;
  private readonly secondsHigh: number;
  // One-entry caches: the day mask of the last month looked at, and the last search.
  private maskMonth = -1;
  private mask = 0;
  private searchFrom = NaN;
  private searchResult: number | null = null;

  constructor(parts: CronScheduleParts) {
    this.years = parts.years;
    this.months = toMask(parts.months);
    this.dayItems = parts.dayItems;
    this.weekdays = toMask(parts.weekdays);
    this.weekdayItems = parts.weekdayItems;
    this.anyWeek = parts.weeks === null;
    this.weeksLow = toMask(parts.weeks ?? []);
    this.weeksHigh = toMask(parts.weeks ?? [], 32);
    this.dayCombineOr = parts.dayCombine === 'or';
    this.hours = toMask(parts.hours);
    this.minutesLow = toMask(parts.minutes);
    this.minutesHigh = toMask(parts.minutes, 32);
    this.secondsLow = toMask(parts.seconds);
    this.secondsHigh = toMask(parts.seconds, 32);
  }

  /**
   * The first matching wall time at or after `wall` (wall ms, rounded up to the second), or null
   * when none exists before the year 10000, or none up to `limit` (a trigger's end: a schedule
   * that never matches must not be searched to the year 9999 past it).
   */
  next(wall: number, limit = MAX_WALL_MS): number | null {
    let at = Math.ceil(wall / SECOND_MS) * SECOND_MS;
    // Repeated searches between the same two matches (walking DST segments) reuse the answer.
    if (at >= this.searchFrom && (this.searchResult === null || at <= this.searchResult))
      return this.searchResult;
    const from = at;
    // Without a year rule the calendar repeats every 400 years (146,097 days, a whole number of
    // weeks): no match within one cycle means none ever (`{month: 2, week: 1}`).
    const lastUseful =
      this.years === null ? Math.min(MAX_WALL_MS, from + GREGORIAN_CYCLE_MS) : MAX_WALL_MS;
    let result: number | null = null;
    for (;;) {
      // Cut short by the limit: no answer to remember.
      if (at > limit && limit < lastUseful) return null;
      if (at > lastUseful) break;
      const days = Math.floor(at / DAY_MS);
      const { year, month, day } = civilFromDays(days);
      if (this.years !== null) {
        const nextYear = this.nextYear(year);
        if (nextYear === null) break;
        if (nextYear !== year) {
          at = daysFromCivil(nextYear, 1, 1) * DAY_MS;
          continue;
        }
      }
      const monthMask = this.months & fromBit(month);
      if (monthMask === 0) {
        at = daysFromCivil(year + 1, 1, 1) * DAY_MS;
        continue;
      }
      const nextMonth = lowestBit(monthMask);
      if (nextMonth !== month) {
        at = daysFromCivil(year, nextMonth, 1) * DAY_MS;
        continue;
      }
      const dayMask = this.dayMask(year, month) & fromBit(day);
      if (dayMask === 0) {
        at =
          (month === 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, month + 1, 1)) *
          DAY_MS;
        continue;
      }
      const nextDay = lowestBit(dayMask);
      if (nextDay !== day) {
        at = (days + nextDay - day) * DAY_MS;
        continue;
      }
      const time = this.nextTimeOfDay(at - days * DAY_MS);
      if (time === null) {
        at = (days + 1) * DAY_MS;
        continue;
      }
      result = days * DAY_MS + time;
      break;
    }
    this.searchFrom = from;
    this.searchResult = result;
    return result;
  }

  /** First matching time of day (ms since midnight) at or after `time`, or null for none today. */
  private nextTimeOfDay(time: number): number | null {
    let hour = Math.floor(time / HOUR_MS);
    let minute = Math.floor((time - hour * HOUR_MS) / MINUTE_MS);
    let second = Math.floor((time - hour * HOUR_MS - minute * MINUTE_MS) / SECOND_MS);
    for (;;) {
      const hourMask = this.hours & fromBit(hour);
      if (hourMask === 0) return null;
      const nextHour = lowestBit(hourMask);
      if (nextHour !== hour) {
        hour = nextHour;
        minute = 0;
        second = 0;
      }
      const nextMinute = nextIn60(this.minutesLow, this.minutesHigh, minute);
      if (nextMinute < 0) {
        hour += 1;
        minute = 0;
        second = 0;
        continue;
      }
      if (nextMinute !== minute) {
        minute = nextMinute;
        second = 0;
      }
      const nextSecond = nextIn60(this.secondsLow, this.secondsHigh, second);
      if (nextSecond < 0) {
        minute += 1;
        second = 0;
        if (minute === 60) {
          hour += 1;
          minute = 0;
        }
        continue;
      }
      return hour * HOUR_MS + minute * MINUTE_MS + nextSecond * SECOND_MS;
    }
  }

  private nextYear(year: number): number | null {
    let best: number | null = null;
    for (const item of this.years ?? []) {
      if (year > item.last) continue;
      const candidate =
        year <= item.first
          ? item.first
          : item.first + Math.ceil((year - item.first) / item.step) * item.step;
      if (candidate <= item.last && (best === null || candidate < best)) best = candidate;
    }
    return best;
  }

  /** Bit d (1..31) set when day d of the month matches the day rules. */
  private dayMask(year: number, month: number): number {
    const key = year * 12 + month;
    if (key === this.maskMonth) return this.mask;
    const length = daysInMonth(year, month);
    const firstDay = daysFromCivil(year, month, 1);
    const firstWeekday = weekdayOfDays(firstDay);
    const allDays = fromBit(1) & (length === 31 ? -1 : (1 << (length + 1)) - 1);
    let byDay = 0;
    for (const item of this.dayItems) byDay |= itemMask(item, length, firstWeekday);
    let byWeekday = 0;
    if (this.weekdays === 0x7f) byWeekday = allDays;
    else if (this.weekdays !== 0) {
      for (let day = 1; day <= length; day++) {
        if (this.weekdays & (1 << ((firstWeekday + day - 1) % 7))) byWeekday |= 1 << day;
      }
    }
    for (const item of this.weekdayItems) byWeekday |= itemMask(item, length, firstWeekday);
    let mask = this.dayCombineOr ? byDay | byWeekday : byDay & byWeekday;
    if (!this.anyWeek && mask !== 0) {
      // The ISO week changes on Mondays only: work it out once per week, not once per day.
      let week = isoWeekOfDays(firstDay);
      for (let day = 1; day <= length; day++) {
        if (day > 1 && (firstWeekday + day - 1) % 7 === 0) week = isoWeekOfDays(firstDay + day - 1);
        if (!(mask & (1 << day))) continue;
        const inWeeks =
          week < 32 ? this.weeksLow & (1 << week) : this.weeksHigh & (1 << (week - 32));
        if (!inWeeks) mask &= ~(1 << day);
      }
    }
    this.maskMonth = key;
    this.mask = mask;
    return mask;
  }
}

/** The next value ≥ `from` in a 60-value set split into two 32-bit masks, or -1. */
function nextIn60(low: number, high: number, from: number): number {
  if (from < 32) {
    const masked = low & fromBit(from);
    if (masked !== 0) return lowestBit(masked);
    return high === 0 ? -1 : 32 + lowestBit(high);
  }
  const masked = high & fromBit(from - 32);
  return masked === 0 ? -1 : 32 + lowestBit(masked);
}

/** The days (bit d = day d) of a month that one day item selects. */
function itemMask(item: DayItem, length: number, firstWeekday: number): number {
  switch (item.kind) {
    case 'range': {
      let mask = 0;
      const last = Math.min(item.last, length);
      for (let day = item.first; day <= last; day += item.step) mask |= 1 << day;
      return mask;
    }
    case 'last':
      return 1 << length;
    case 'weekday': {
      const first = 1 + ((item.weekday - firstWeekday + 7) % 7);
      if (item.nth === -1) return 1 << (first + Math.floor((length - first) / 7) * 7);
      const day = first + (item.nth - 1) * 7;
      return day <= length ? 1 << day : 0;
    }
  }
}
