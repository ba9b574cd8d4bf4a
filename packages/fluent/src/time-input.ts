/**
 * Parsing what `at()` and `until()` take, with `schedule`'s formats and checks: each bad value
 * fails at the call with a message naming it and the form that works.
 */
import { DateTime, Duration } from 'luxon';
import { formatWallTime, isTimeZone, show } from 'kairos';
import { ScheduleValueError } from './errors.js';
import type { DurationFields, TimeOfDay, UntilInput, Unit } from './interfaces.js';

/** A time of day as `at()` fills it in: the fields the unit does not use stay undefined. */
export interface AtTime {
  hour?: number;
  minute?: number;
  second: number;
}

const DAILY = /^([0-2]\d):([0-5]\d)(?::([0-5]\d))?$/;
const HOURLY = /^(?:([0-5]\d))?:([0-5]\d)$/;
const MINUTELY = /^:([0-5]\d)$/;

/**
 * Reads an `at()` time for a job of this unit: `HH:MM[:SS]` for daily and weekday jobs, `MM:SS`
 * or `:MM` for hourly ones, `:SS` for minutely ones.
 * @param call the call as the user wrote it, for messages (`every().day.at("25:00")`)
 */
export function parseAt(text: unknown, unit: Unit | null, weekly: boolean, call: string): AtTime {
  if (typeof text !== 'string') {
    throw new TypeError(`${call}: the time must be a string such as "10:30", not ${show(text)}`);
  }
  if (unit === 'days' || weekly) {
    const match = DAILY.exec(text);
    if (match === null || Number(match[1]) > 23) {
      throw new ScheduleValueError(
        `${call}: a daily or weekday job takes "HH:MM" or "HH:MM:SS" with hours 00-23`,
      );
    }
    return { hour: Number(match[1]), minute: Number(match[2]), second: Number(match[3] ?? 0) };
  }
  if (unit === 'hours') {
    const match = HOURLY.exec(text);
    if (match === null) {
      throw new ScheduleValueError(
        `${call}: an hourly job takes "MM:SS" or ":MM" (minutes and seconds past the hour)`,
      );
    }
    return match[1] === undefined
      ? { minute: Number(match[2]), second: 0 }
      : { minute: Number(match[1]), second: Number(match[2]) };
  }
  if (unit === 'minutes') {
    const match = MINUTELY.exec(text);
    if (match === null) {
      throw new ScheduleValueError(`${call}: a minutely job takes ":SS" (seconds past the minute)`);
    }
    return { second: Number(match[1]) };
  }
  throw new ScheduleValueError(
    `${call}: ${unit === null ? 'there is no unit yet' : `a job every n ${unit} has no time of day`}; ` +
      'at() goes after .day(s), .hour(s), .minute(s) or a weekday such as .monday',
  );
}

/** `10:30:00`, or `xx:20:30` / `xx:xx:17` for the fields a unit leaves alone. */
export function formatAtTime(at: Partial<AtTime>): string {
  const pad = (value: number | undefined): string =>
    value === undefined ? 'xx' : String(value).padStart(2, '0');
  return `${pad(at.hour)}:${pad(at.minute)}:${pad(at.second)}`;
}

/** Checks an `at()` time zone name. */
export function checkTimeZone(zone: unknown, call: string): string {
  if (typeof zone !== 'string' || !isTimeZone(zone)) {
    throw new ScheduleValueError(
      `${call}: ${show(zone)} is not a known time zone; use an IANA name such as "Europe/Amsterdam"`,
    );
  }
  return zone;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;
const DURATION_KEYS = ['weeks', 'days', 'hours', 'minutes', 'seconds', 'milliseconds'] as const;
const TIME_KEYS = ['hour', 'minute', 'second'] as const;
const FORMS =
  'a Date, "YYYY-MM-DD HH:MM[:SS]", "YYYY-MM-DD", "HH:MM[:SS]" (today), a duration such as ' +
  '{hours: 8}, or a time of day such as {hour: 18, minute: 30}';

/**
 * The instant (epoch ms) an `until()` value stands for. Strings and times of day are wall times
 * in `zone`; a time alone means today.
 * @throws ScheduleValueError when the value is malformed or in the past
 */
export function parseUntil(input: UntilInput, now: number, zone: string, call: string): number {
  const at = untilInstant(input, now, zone, call);
  if (Number.isNaN(at)) throw new ScheduleValueError(`${call}: not a valid moment; use ${FORMS}`);
  if (at < now) {
    throw new ScheduleValueError(
      `${call}: ${formatWallTime(at, zone)} is in the past (now is ${formatWallTime(now, zone)}); ` +
        'a job cannot run until a time that has gone by',
    );
  }
  return at;
}

function untilInstant(input: UntilInput, now: number, zone: string, call: string): number {
  if (input instanceof Date) return input.getTime();
  if (DateTime.isDateTime(input)) return input.isValid ? input.toMillis() : NaN;
  if (Duration.isDuration(input)) return input.isValid ? now + input.toMillis() : NaN;
  if (typeof input === 'string') return parseUntilString(input, now, zone, call);
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    return parseUntilObject(input as Record<string, unknown>, now, zone, call);
  }
  throw new TypeError(`${call}: ${show(input)} is not a moment; use ${FORMS}`);
}

function parseUntilString(text: string, now: number, zone: string, call: string): number {
  const full = DATE_TIME.exec(text);
  const time = full === null ? TIME.exec(text) : null;
  if (full === null && time === null) {
    throw new ScheduleValueError(`${call}: not a date or time; use ${FORMS}`);
  }
  // Date fields (when given), then hour, minute, second.
  const numbers = (full ?? time ?? []).slice(1).map((part) => Number(part ?? 0));
  const [hour = 0, minute = 0, second = 0] = numbers.slice(full === null ? 0 : 3);
  const moment =
    full === null
      ? DateTime.fromMillis(now, { zone }).set({ hour, minute, second, millisecond: 0 })
      : DateTime.fromObject(
          { year: numbers[0], month: numbers[1], day: numbers[2], hour, minute, second },
          { zone },
        );
  if (!moment.isValid || hour > 23 || minute > 59 || second > 59) {
    throw new ScheduleValueError(`${call}: ${show(text)} is not a real date or time`);
  }
  return moment.toMillis();
}

function parseUntilObject(
  fields: Record<string, unknown>,
  now: number,
  zone: string,
  call: string,
): number {
  const keys = Object.keys(fields);
  const numeric = keys.every(
    (key) => typeof fields[key] === 'number' && Number.isFinite(fields[key]),
  );
  if (
    keys.length > 0 &&
    numeric &&
    keys.every((key) => includes(TIME_KEYS, key)) &&
    'hour' in fields
  ) {
    const { hour, minute = 0, second = 0 } = fields as unknown as TimeOfDay;
    if (!isWhole(hour, 23) || !isWhole(minute, 59) || !isWhole(second, 59)) {
      throw new ScheduleValueError(
        `${call}: a time of day has hour 0-23, minute and second 0-59 (whole numbers)`,
      );
    }
    return DateTime.fromMillis(now, { zone })
      .set({ hour, minute, second, millisecond: 0 })
      .toMillis();
  }
  if (keys.length > 0 && numeric && keys.every((key) => includes(DURATION_KEYS, key))) {
    const duration = fields as DurationFields;
    if (keys.some((key) => (fields[key] as number) < 0)) {
      throw new ScheduleValueError(`${call}: a duration cannot be negative`);
    }
    return now + Duration.fromObject(duration).toMillis();
  }
  throw new ScheduleValueError(
    `${call}: an object is a duration with keys ${DURATION_KEYS.join(', ')} or a time of day ` +
      `with keys ${TIME_KEYS.join(', ')} (hour required), each a number; use ${FORMS}`,
  );
}

function includes(list: readonly string[], key: string): boolean {
  return list.includes(key);
}

function isWhole(value: number, max: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= max;
}
