/**
 * Times on the command line: reading `--tz`, `--from` and the other time options, listing a
 * trigger's next fire times, and writing them as wall time in a zone.
 */
import { DateTime } from 'luxon';
import { canonicalTimeZone, formatWallTime, hostTimezone, type Trigger } from 'kairos';
import { UsageError } from './errors.js';

/** The zone `--tz` names (canonical spelling), or the host's. */
export function zoneOption(name: string | undefined): string {
  if (name === undefined) return hostTimezone();
  const zone = canonicalTimeZone(name);
  if (zone === null)
    throw new UsageError(
      `--tz '${name}' is not an IANA time zone; write for example Europe/Paris or UTC`,
    );
  return zone;
}

/**
 * The instant `--from` names (see {@link timeOption}); now when not given.
 */
export function fromOption(text: string | undefined, zone: string, now: number): number {
  return text === undefined ? now : timeOption(text, '--from', zone);
}

/**
 * The instant a time option names: ISO 8601 (`2025-03-30T01:30`, a date alone, or with an offset
 * or `Z`); without an offset it is wall time in `zone`. `option` is how the user wrote it.
 */
export function timeOption(text: string, option: string, zone: string): number {
  const parsed = DateTime.fromISO(text, { zone, setZone: true });
  if (!parsed.isValid)
    throw new UsageError(
      `${option} '${text}' is not an ISO 8601 time; write for example 2025-03-30T09:00 (wall time in ${zone}) or 2025-03-30T07:00Z`,
    );
  return parsed.toMillis();
}

/** `-n` as a whole number of 1 or more. */
export function countOption(text: string, option = '-n'): number {
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`${option} '${text}' is not a whole number of 1 or more`);
  return count;
}

/** Up to `count` fire times of `trigger` strictly after `from` (epoch ms), in order. */
export function nextFireTimes(trigger: Trigger, from: number, count: number): Date[] {
  const after = new Date(from + 1);
  const times: Date[] = [];
  let next = trigger.getNextFireTime(null, after);
  // A trigger whose sequence starts at its start date (a calendar interval's) may begin before
  // `from`: skip to the first time after it, in one step where the trigger can.
  if (next !== null && next.getTime() <= from) {
    next = trigger.skipTo?.(next, after) ?? next;
    for (let steps = 0; next !== null && next.getTime() <= from; steps++) {
      if (steps === MAX_STEPS) return times;
      next = trigger.getNextFireTime(next, after);
    }
  }
  while (next !== null && times.length < count) {
    times.push(next);
    next = trigger.getNextFireTime(next, next);
  }
  return times;
}

/** How many fire times `nextFireTimes` steps through at most to pass `from`. */
const MAX_STEPS = 1_000_000;

/**
 * `Mon 2025-01-06 09:00:00 Europe/Paris`; a wall time the zone shows twice (the repeated hour
 * of a fall-back night) with its offset, `Sun 2025-11-02 01:30:00 America/New_York (-05:00)`,
 * so its two runs read apart.
 */
export function formatRunTime(time: Date, zone: string): string {
  const weekday = new Intl.DateTimeFormat('en-US', { timeZone: zone, weekday: 'short' }).format(
    time,
  );
  const wall = formatWallTime(time.getTime(), zone);
  const offset = repeatedWallTime(time.getTime(), zone, wall)
    ? ` (${DateTime.fromMillis(time.getTime(), { zone }).toFormat('ZZ')})`
    : '';
  return `${weekday} ${wall}${offset}`;
}

/** Shifts of the zones' clocks at DST changes: 30 minutes (Lord Howe), one hour, two hours. */
const CLOCK_SHIFTS_MS = [1_800_000, 3_600_000, 7_200_000];

/** Whether another instant, a DST shift away, shows the same wall time in `zone`. */
function repeatedWallTime(ms: number, zone: string, wall: string): boolean {
  return CLOCK_SHIFTS_MS.some(
    (shift) =>
      formatWallTime(ms - shift, zone) === wall || formatWallTime(ms + shift, zone) === wall,
  );
}

/** `2025-01-06T09:00:00+01:00`: the instant as wall time in the zone, with its offset. */
export function isoInZone(time: Date, zone: string): string {
  return (
    DateTime.fromMillis(time.getTime(), { zone }).toISO({ suppressMilliseconds: true }) ??
    time.toISOString()
  );
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** A duration option: seconds (`90`), or with a unit (`30s`, `15m`, `2h`, `1d`). */
export function secondsOption(text: string, option: string, allow: { zero: boolean }): number {
  const match = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  const seconds = match === null ? NaN : Number(match[1]) * (UNIT_SECONDS[match[2] ?? ''] ?? NaN);
  if (!Number.isFinite(seconds) || seconds < 0 || (!allow.zero && seconds === 0))
    throw new UsageError(
      `${option} '${text}' is not a duration${allow.zero ? '' : ' greater than 0'}; write seconds (90) or a number with s, m, h or d (30s, 15m, 2h, 1d)`,
    );
  return seconds;
}
