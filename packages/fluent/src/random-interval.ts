/**
 * The trigger behind `every(a).to(b).<unit>`: each next run is a whole random number of units
 * between `min` and `max` (inclusive) after the previous one, optionally at a time of day.
 * Registered as the `randominterval` trigger type, so jobs that use it can be stored.
 */
import { DateTime } from 'luxon';
import {
  TriggerConfigError,
  formatWallTime,
  hostTimezone,
  isTimeZone,
  type PluginRegistry,
  type Trigger,
  type TriggerOptions,
  show,
} from 'kairos';
import type { Unit } from './interfaces.js';
import { formatAtTime } from './time-input.js';

/** The spec a {@link RandomIntervalTrigger} serialises to (a type, so it is a plain record). */
export type RandomIntervalTriggerSpec = {
  /** The trigger alias the registry rebuilds it under. */
  type: 'randominterval';
  /** The unit `min` and `max` count in. */
  unit: Unit;
  /** Fewest units between runs (a whole number ≥ 1). */
  min: number;
  /** Most units between runs (a whole number ≥ `min`). */
  max: number;
  /** Hour of day of each run, for `days` and `weeks`. */
  hour?: number;
  /** Minute of each run, for `days`, `weeks` and `hours`. */
  minute?: number;
  /** Second of each run, for every unit but `seconds`. */
  second?: number;
  /** No run after this instant (ISO 8601). */
  endDate?: string;
  /** IANA time zone of the time of day. Default: the scheduler's. */
  timezone?: string;
};

const KEYS = ['type', 'unit', 'min', 'max', 'hour', 'minute', 'second', 'endDate', 'timezone'];
const UNITS: readonly Unit[] = ['seconds', 'minutes', 'hours', 'days', 'weeks'];
const UNIT_MS: Record<'seconds' | 'minutes' | 'hours', number> = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
};
/** Which time-of-day fields each unit may set. */
const AT_FIELDS: Record<Unit, readonly ('hour' | 'minute' | 'second')[]> = {
  seconds: [],
  minutes: ['second'],
  hours: ['minute', 'second'],
  days: ['hour', 'minute', 'second'],
  weeks: ['hour', 'minute', 'second'],
};
const FIELD_MAX = { hour: 23, minute: 59, second: 59 };

/** A random interval between runs, in whole units. */
export class RandomIntervalTrigger implements Trigger {
  readonly type = 'randominterval';
  /** The unit `min` and `max` count in. */
  readonly unit: Unit;
  /** Fewest units between runs. */
  readonly min: number;
  /** Most units between runs. */
  readonly max: number;
  /** The time-of-day fields set on each run time. */
  readonly at: Readonly<Partial<Record<'hour' | 'minute' | 'second', number>>>;
  /** No run after this instant (epoch ms); null = no end. */
  readonly endDate: number | null;
  /** IANA time zone of the time of day. */
  readonly timezone: string;
  readonly #random: () => number;

  /**
   * @throws TriggerConfigError naming the field and the value
   */
  constructor(spec: Omit<RandomIntervalTriggerSpec, 'type'>, options: TriggerOptions = {}) {
    for (const key of Object.keys(spec)) {
      if (!KEYS.includes(key))
        fail(
          key,
          spec[key as keyof typeof spec],
          `unknown key; allowed keys are ${KEYS.slice(1).join(', ')}`,
        );
    }
    if (!UNITS.includes(spec.unit)) fail('unit', spec.unit, `must be one of ${UNITS.join(', ')}`);
    if (!isWholeAtLeast(spec.min, 1)) fail('min', spec.min, 'must be a whole number ≥ 1');
    if (!isWholeAtLeast(spec.max, spec.min))
      fail('max', spec.max, `must be a whole number ≥ min (${spec.min})`);
    const at: Partial<Record<'hour' | 'minute' | 'second', number>> = {};
    for (const field of ['hour', 'minute', 'second'] as const) {
      const value = spec[field];
      if (value === undefined) continue;
      if (!AT_FIELDS[spec.unit].includes(field))
        fail(field, value, `a job every n ${spec.unit} has no ${field} to set`);
      if (!isWholeAtLeast(value, 0) || value > FIELD_MAX[field])
        fail(field, value, `must be a whole number 0-${FIELD_MAX[field]}`);
      at[field] = value;
    }
    const timezone = spec.timezone ?? options.timezone ?? hostTimezone();
    if (!isTimeZone(timezone)) fail('timezone', timezone, 'is not a known IANA time zone');
    const endDate = spec.endDate === undefined ? null : Date.parse(spec.endDate);
    if (endDate !== null && Number.isNaN(endDate))
      fail('endDate', spec.endDate, 'must be an ISO 8601 instant');
    this.unit = spec.unit;
    this.min = spec.min;
    this.max = spec.max;
    this.at = Object.freeze(at);
    this.endDate = endDate;
    this.timezone = timezone;
    this.#random = options.random ?? Math.random;
  }

  /** {@inheritDoc Trigger.getNextFireTime} */
  getNextFireTime(previous: Date | null, now: Date): Date | null {
    const from = previous ?? now;
    const units = this.min + Math.floor(this.#random() * (this.max - this.min + 1));
    let next: number;
    if (this.unit === 'days' || this.unit === 'weeks') {
      next = DateTime.fromJSDate(from, { zone: this.timezone })
        .plus({ [this.unit]: units })
        .toMillis();
    } else {
      next = from.getTime() + units * UNIT_MS[this.unit];
    }
    if (Object.keys(this.at).length > 0) {
      next = DateTime.fromMillis(next, { zone: this.timezone })
        .set({ ...this.at, millisecond: 0 })
        .toMillis();
    }
    if (this.endDate !== null && next > this.endDate) return null;
    return new Date(next);
  }

  /** {@inheritDoc Trigger.toJSON} */
  toJSON(): RandomIntervalTriggerSpec {
    return {
      type: 'randominterval',
      unit: this.unit,
      min: this.min,
      max: this.max,
      ...this.at,
      ...(this.endDate === null ? {} : { endDate: new Date(this.endDate).toISOString() }),
      timezone: this.timezone,
    };
  }

  /** E.g. `randominterval[5-10 seconds]` or `randominterval[1-3 hours at xx:15:00]`. */
  toString(): string {
    const at = this.at.second === undefined ? '' : ` at ${formatAtTime(this.at)}`;
    const end =
      this.endDate === null ? '' : `, until ${formatWallTime(this.endDate, this.timezone)}`;
    return `randominterval[${this.min}-${this.max} ${this.unit}${at}${end}]`;
  }
}

/** Registers the `randominterval` trigger type, so stores can rebuild the jobs that use it. */
export function registerRandomIntervalTrigger(registry: PluginRegistry): void {
  registry.registerTrigger('randominterval', (spec, options) => {
    const { type: _type, ...fields } = spec;
    return new RandomIntervalTrigger(fields as unknown as RandomIntervalTriggerSpec, options);
  });
}

function fail(field: string, value: unknown, problem: string): never {
  throw new TriggerConfigError('randominterval', field, value, `${show(value)} ${problem}`);
}

function isWholeAtLeast(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}
