/** DateTrigger: fires once, at a given instant. */
import { BaseTrigger } from './base.js';
import { resolveZone, toInstant } from './date-input.js';
import { checkFieldNames } from './keys.js';
import { formatWallTime } from './wall-time.js';
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
    return `date[${formatWallTime(this.run, this.timezone)}]`;
  }
}
