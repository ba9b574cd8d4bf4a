/** DateTrigger: fires once, at a given instant. */
import { BaseTrigger } from './base.js';
import { resolveZone, toInstant } from './date-input.js';
import { checkFieldNames } from './keys.js';
import type { DateTriggerFields, DateTriggerSpec, TriggerOptions } from './interfaces.js';

/**
 * Fires once at `runDate`, even when that is already past on the first call (the scheduler's
 * misfire grace decides whether a late run still happens).
 *
 * @example new DateTrigger({ runDate: '2030-01-01T09:00:00', timezone: 'Europe/Paris' })
 */
export class DateTrigger extends BaseTrigger {
  /** Time zone used for a naive `runDate` string. */
  readonly timezone: string;
  private readonly run: number;

  /** @throws TriggerConfigError naming the field and the bad value */
  constructor(fields: DateTriggerFields = {}, options: TriggerOptions = {}) {
    checkFieldNames('date', fields);
    const zone = resolveZone('date', fields.timezone, options.timezone);
    const run =
      fields.runDate === undefined || fields.runDate === null
        ? (options.now ?? Date.now)()
        : toInstant('date', 'run_date', fields.runDate, zone);
    super('date', null, null, options);
    this.run = run;
    this.timezone = zone.name;
  }

  /** The fire time. */
  get runDate(): Date {
    return new Date(this.run);
  }

  /** {@inheritDoc Trigger.type} */
  get type(): 'date' {
    return 'date';
  }

  /** @internal */
  nextFireTime(previous: number | null): number | null {
    return previous === null ? this.run : null;
  }

  /** @internal */
  override advance(current: number, target: number): number | null {
    return target <= current ? current : null;
  }

  /** @internal */
  firstAtOrAfter(lowerBound: number, exclusive = false): number | null {
    return this.run > lowerBound || (!exclusive && this.run === lowerBound) ? this.run : null;
  }

  /** {@inheritDoc Trigger.toJSON} */
  toJSON(): DateTriggerSpec {
    return { type: 'date', runDate: new Date(this.run).toISOString(), timezone: this.timezone };
  }

  /** APScheduler's form, e.g. `date[2030-01-01 09:00:00 Europe/Paris]`. */
  override toString(): string {
    return `date[${formatWall(this.run, this.timezone)}]`;
  }
}

/** `YYYY-MM-DD HH:MM:SS <zone>` of an instant, as APScheduler's `datetime_repr`. */
export function formatWall(instant: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((part) => part.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${timezone}`;
}
