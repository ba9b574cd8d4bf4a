/**
 * CronTrigger: fires at the wall-clock times a cron expression matches, in a time zone, under
 * the wall-clock model across DST (every matching wall time fires once, a repeated one at both
 * instants, one inside a spring-forward gap shifted forward by the gap).
 */
import { BaseTrigger } from './base.js';
import { DAY_MS, MAX_WALL_MS, SECOND_MS } from './calendar.js';
import {
  CRON_FIELD_NAMES,
  type CronFieldName,
  type GivenCronFields,
  normaliseCronFields,
  parseCronFields,
} from './cron-fields.js';
import { CronSchedule } from './cron-schedule.js';
import { parseCrontab } from './crontab.js';
import { resolveZone, toBounds } from './date-input.js';
import { checkFieldNames } from './keys.js';
import type {
  BoundedSpecFields,
  CronFields,
  CronTriggerFields,
  CronTriggerSpec,
  CrontabOptions,
  CrontabTriggerSpec,
  TriggerOptions,
} from './interfaces.js';
import { MAX_OFFSET_MS, type ZoneRules } from './zone.js';

const CRONTAB = Symbol('crontab');

const CAMEL_NAMES: Record<CronFieldName, keyof CronFields> = {
  year: 'year',
  month: 'month',
  day: 'day',
  week: 'week',
  day_of_week: 'dayOfWeek',
  hour: 'hour',
  minute: 'minute',
  second: 'second',
};

/**
 * Fires when the wall clock in `timezone` matches every given field (APScheduler's keyword form),
 * or a crontab expression ({@link CronTrigger.fromCrontab}).
 *
 * @example new CronTrigger({ dayOfWeek: 'mon-fri', hour: 9, timezone: 'Europe/Paris' })
 */
export class CronTrigger extends BaseTrigger {
  /** The IANA time zone the fields are read in. */
  readonly timezone: string;
  private readonly zone: ZoneRules;
  private readonly schedule: CronSchedule;
  private readonly start: number | null;
  private readonly fields: GivenCronFields | null;
  private readonly crontab: string | null;

  /**
   * @param fields keyword fields as in APScheduler (`dayOfWeek` 0 = Monday), bounds, zone, jitter
   * @throws TriggerConfigError naming the field and the bad value
   */
  constructor(fields: CronTriggerFields = {}, options: TriggerOptions = {}) {
    // fromCrontab's expression, even an undefined one (refused below, naming `expr`).
    const fromCrontab = Object.hasOwn(fields, CRONTAB);
    const expr: unknown = (fields as { [CRONTAB]?: unknown })[CRONTAB];
    const kind = fromCrontab ? 'crontab' : 'cron';
    checkFieldNames(kind, fields);
    const zone = resolveZone(kind, fields.timezone, options.timezone);
    const { start, end } = toBounds(kind, fields, zone, null);
    super(kind, fields.jitter, end, options);
    this.zone = zone;
    this.timezone = zone.name;
    this.start = start;
    if (!fromCrontab) {
      this.crontab = null;
      this.fields = normaliseCronFields({
        year: fields.year,
        month: fields.month,
        day: fields.day,
        week: fields.week,
        day_of_week: fields.dayOfWeek,
        hour: fields.hour,
        minute: fields.minute,
        second: fields.second,
      });
      this.schedule = new CronSchedule(parseCronFields(this.fields));
    } else {
      this.fields = null;
      this.schedule = new CronSchedule(parseCrontab(expr));
      this.crontab = expr as string;
    }
  }

  /**
   * A trigger from a crontab expression with standard (Vixie) meaning: `minute hour day-of-month
   * month day-of-week`, an optional leading seconds field, 0 and 7 = Sunday, names, macros
   * (`@hourly` … `@yearly`), day-of-month OR day-of-week when both are restricted, and the
   * extensions `L`, `<weekday>L`, `<weekday>#n` and `?`.
   *
   * @example CronTrigger.fromCrontab('0 9 * * 1-5', 'America/New_York')
   */
  static fromCrontab(expr: string, timezone?: string, options: CrontabOptions = {}): CronTrigger {
    const { startDate, endDate, jitter, ...triggerOptions } = options;
    const fields = { timezone, startDate, endDate, jitter, [CRONTAB]: expr } as CronTriggerFields;
    return new CronTrigger(fields, triggerOptions);
  }

  /** Earliest fire time, or null. */
  get startDate(): Date | null {
    return this.start === null ? null : new Date(this.start);
  }

  /** Latest fire time, or null. */
  get endDate(): Date | null {
    return this.endLimit === null ? null : new Date(this.endLimit);
  }

  /** `'cron'`, or `'crontab'` for a trigger built from a crontab string. */
  get type(): 'cron' | 'crontab' {
    return this.crontab === null ? 'cron' : 'crontab';
  }

  /** @internal */
  nextFireTime(previous: number | null, now: number): number | null {
    if (previous === null)
      return this.search(this.start === null ? now : Math.max(now, this.start));
    // Missed fire times come one by one, from the one after `previous`. APScheduler searches from
    // min(now, previous + 1 µs), which repeats or goes back before `previous` when the clock was
    // set back; Kairos's fire times strictly increase.
    return this.search(previous, true);
  }

  /** @internal */
  override advance(current: number, target: number): number | null {
    return target <= current ? current : this.search(target);
  }

  /** @internal */
  firstAtOrAfter(lowerBound: number, exclusive = false): number | null {
    if (this.start !== null && this.start > lowerBound) return this.search(this.start);
    return this.search(lowerBound, exclusive);
  }

  /** The first fire time at (or strictly after) `from`, on a whole second, within `end_date`. */
  private search(from: number, exclusive = false): number | null {
    let at = exclusive
      ? Math.floor(from / SECOND_MS) * SECOND_MS + SECOND_MS
      : Math.ceil(from / SECOND_MS) * SECOND_MS;
    const end = this.endLimit;
    // No wall time later than this can be an instant within `end_date`.
    const wallLimit = end === null ? MAX_WALL_MS : end + MAX_OFFSET_MS;
    let segment = this.zone.segmentAt(at);
    // A sparse schedule (year=9999) must not walk every DST segment up to its match. With `first`
    // the first matching wall time at or after this segment's, no instant t in
    // [safeFrom, skipTo) can match or be gap-shifted onto: its wall time lies in
    // [t - 15 h, t + 15 h], inside the stretch of wall times already searched and found empty.
    const safeFrom = segment.end + 2 * DAY_MS;
    let skipTo = -Infinity;
    for (;;) {
      if (end !== null && at > end) return null;
      let best = Infinity;
      // Wall times skipped by a spring-forward at the segment's start fire shifted by the gap.
      const gap = segment.offset - segment.previousOffset;
      if (gap > 0 && at < segment.start + gap) {
        const wall = this.schedule.next(
          Math.max(at, segment.start) + segment.previousOffset,
          wallLimit,
        );
        if (wall !== null && wall < segment.start + segment.offset)
          best = wall - segment.previousOffset;
      }
      const wall = this.schedule.next(Math.max(at, segment.start) + segment.offset, wallLimit);
      if (wall !== null && wall - segment.offset < segment.end)
        best = Math.min(best, wall - segment.offset);
      if (best !== Infinity) return end !== null && best > end ? null : best;
      if (wall === null) return null;
      if (skipTo === -Infinity) skipTo = wall - MAX_OFFSET_MS - DAY_MS;
      at = segment.end;
      segment = this.zone.nextSegment(segment);
      if (at >= safeFrom && skipTo > at) {
        at = skipTo;
        segment = this.zone.segmentAt(at);
      }
    }
  }

  /** {@inheritDoc Trigger.toJSON} */
  toJSON(): CronTriggerSpec | CrontabTriggerSpec {
    const bounds: BoundedSpecFields = { timezone: this.timezone };
    if (this.start !== null) bounds.startDate = new Date(this.start).toISOString();
    if (this.endLimit !== null) bounds.endDate = new Date(this.endLimit).toISOString();
    if (this.jitter !== null) bounds.jitter = this.jitter;
    if (this.crontab !== null) return { type: 'crontab', expr: this.crontab, ...bounds };
    const spec: CronTriggerSpec = { type: 'cron' };
    for (const name of CRON_FIELD_NAMES) {
      const value = this.fields?.[name];
      if (value !== undefined) spec[CAMEL_NAMES[name]] = value;
    }
    return { ...spec, ...bounds };
  }

  /** APScheduler's form: the given fields, e.g. `cron[day_of_week='mon-fri', hour='9']`. */
  override toString(): string {
    if (this.crontab !== null) return `crontab['${this.crontab}']`;
    const fields = CRON_FIELD_NAMES.filter((name) => this.fields?.[name] !== undefined).map(
      (name) => `${name}='${this.fields?.[name] ?? ''}'`,
    );
    return `cron[${fields.join(', ')}]`;
  }
}
