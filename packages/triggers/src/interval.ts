/**
 * IntervalTrigger: fires every fixed amount of elapsed time, on a grid anchored at `startDate`.
 * Elapsed time, not wall time: a daily interval keeps 24 h between fires across DST.
 */
import { BaseTrigger } from './base.js';
import { DAY_MS, HOUR_MS, MAX_INSTANT_MS, MAX_WALL_MS, MINUTE_MS, SECOND_MS } from './calendar.js';
import { resolveZone, toBounds } from './date-input.js';
import { formatDuration } from './duration.js';
import { TriggerConfigError, show } from './errors.js';
import { checkFieldNames } from './keys.js';
import type { IntervalTriggerFields, IntervalTriggerSpec, TriggerOptions } from './interfaces.js';

const UNITS = [
  ['weeks', 7 * DAY_MS],
  ['days', DAY_MS],
  ['hours', HOUR_MS],
  ['minutes', MINUTE_MS],
  ['seconds', SECOND_MS],
] as const;

/**
 * An interval longer than this (10,000 years) could not fire twice between the years 1 and 9999,
 * the span Kairos schedules in.
 */
const MAX_INTERVAL_MS = 10_000 * 365.2425 * DAY_MS;

/**
 * Fires every `weeks/days/hours/minutes/seconds` from `startDate` (default: now + the interval)
 * until `endDate`. With no unit given at all it fires every second, as APScheduler does.
 *
 * Units are numbers ≥ 0 (fractions allowed) that add up to at least 1 ms: fire times are whole
 * milliseconds, and a shorter interval could not give increasing ones. Unlike APScheduler 3,
 * which runs a negative interval backwards and turns a zero one into one second, a negative unit
 * and an interval that adds up to zero (`{minutes: 0}`) are errors.
 *
 * @example new IntervalTrigger({ minutes: 5 })
 */
export class IntervalTrigger extends BaseTrigger {
  /** The interval in milliseconds. */
  readonly intervalMs: number;
  /** Time zone used for naive date strings. */
  readonly timezone: string;
  private readonly start: number;
  private readonly units: Partial<Record<(typeof UNITS)[number][0], number>>;

  /** @throws TriggerConfigError naming the field and the bad value */
  constructor(fields: IntervalTriggerFields = {}, options: TriggerOptions = {}) {
    checkFieldNames('interval', fields);
    const zone = resolveZone('interval', fields.timezone, options.timezone);
    const units: Partial<Record<(typeof UNITS)[number][0], number>> = {};
    let intervalMs = 0;
    let anyUnit = false;
    for (const [unit, ms] of UNITS) {
      const value: unknown = fields[unit];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new TriggerConfigError(
          'interval',
          unit,
          value,
          `${show(value)} must be a finite number`,
        );
      }
      if (value < 0) {
        throw new TriggerConfigError(
          'interval',
          unit,
          value,
          `${show(value)} is negative; an interval counts forward, give ${unit} ≥ 0 (for example {${unit}: ${-value}})`,
        );
      }
      anyUnit = true;
      units[unit] = value === 0 ? 0 : value; // -0 is 0 (a spec read back from JSON says 0)
      intervalMs += value * ms;
    }
    if (!anyUnit) intervalMs = SECOND_MS;
    if (intervalMs === 0) {
      throw new TriggerConfigError(
        'interval',
        'interval',
        units,
        'the interval adds up to 0; give at least one non-zero unit (for example {minutes: 5})',
      );
    }
    if (intervalMs < 1) {
      throw new TriggerConfigError(
        'interval',
        'interval',
        units,
        `the interval adds up to ${intervalMs} ms; fire times are whole milliseconds, so an interval under 1 ms cannot give increasing ones: give at least {seconds: 0.001}`,
      );
    }
    if (intervalMs > MAX_INTERVAL_MS) {
      throw new TriggerConfigError(
        'interval',
        'interval',
        units,
        'the interval is longer than 10,000 years; Kairos schedules between the years 1 and 9999, give a shorter one',
      );
    }
    // APScheduler's default start: now + one interval.
    const { start, end } = toBounds(
      'interval',
      fields,
      zone,
      (options.now ?? Date.now)() + intervalMs,
    );
    if (start > MAX_INSTANT_MS) {
      throw new TriggerConfigError(
        'interval',
        'interval',
        units,
        `the first fire time, one interval from now, would be after the year 9999; give a shorter interval or a start_date`,
      );
    }
    super('interval', fields.jitter, end, options);
    this.intervalMs = intervalMs;
    this.units = units;
    this.start = start;
    this.timezone = zone.name;
  }

  /** The grid origin: the first fire time. */
  get startDate(): Date {
    return new Date(this.start);
  }

  /** Latest fire time, or null. */
  get endDate(): Date | null {
    return this.endLimit === null ? null : new Date(this.endLimit);
  }

  /** {@inheritDoc Trigger.type} */
  get type(): 'interval' {
    return 'interval';
  }

  /** @internal */
  nextFireTime(previous: number | null, now: number): number | null {
    let next: number;
    if (previous !== null) next = this.onGrid(previous) + this.intervalMs;
    else if (this.start > now) next = this.start;
    else next = this.start + Math.ceil((now - this.start) / this.intervalMs) * this.intervalMs;
    return this.withinEnd(roundToMicros(next));
  }

  /** @internal */
  override advance(current: number, target: number): number | null {
    if (target <= current) return current;
    return this.withinEnd(
      roundToMicros(current + Math.ceil((target - current) / this.intervalMs) * this.intervalMs),
    );
  }

  /** @internal */
  firstAtOrAfter(lowerBound: number, exclusive = false): number | null {
    // Strictly after a Date (whole ms) means the next whole millisecond or later.
    return this.advance(this.start, exclusive ? Math.floor(lowerBound) + 1 : lowerBound);
  }

  /**
   * The grid point a previous fire time was cut from: a `Date` holds a grid point with its
   * fraction of a millisecond cut off, so the point lies in `[previous, previous + 1)`, and
   * adding the interval to the cut value would drift. An off-grid previous (a jittered or manual
   * one) stays as it is, as in APScheduler.
   */
  private onGrid(previous: number): number {
    // The first grid point at or above `previous`; the division may be off by one step.
    const steps = Math.floor((previous - this.start) / this.intervalMs);
    for (let step = steps - 1; step <= steps + 2; step++) {
      const point = roundToMicros(this.start + step * this.intervalMs);
      if (point >= previous) return point < previous + 1 ? point : previous;
    }
    return previous;
  }

  /** `next`, or null past `end_date` or past the year 9999 (as the other triggers). */
  private withinEnd(next: number): number | null {
    if (next > MAX_WALL_MS) return null;
    return this.endLimit !== null && next > this.endLimit ? null : next;
  }

  /** {@inheritDoc Trigger.toJSON} */
  toJSON(): IntervalTriggerSpec {
    const spec: IntervalTriggerSpec = {
      type: 'interval',
      ...this.units,
      startDate: new Date(this.start).toISOString(),
    };
    if (this.endLimit !== null) spec.endDate = new Date(this.endLimit).toISOString();
    spec.timezone = this.timezone;
    if (this.jitter !== null) spec.jitter = this.jitter;
    return spec;
  }

  /** APScheduler's form, e.g. `interval[0:05:00]`. */
  override toString(): string {
    return `interval[${formatDuration(this.intervalMs)}]`;
  }
}

/** APScheduler computes with float seconds rounded to the microsecond. */
function roundToMicros(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
