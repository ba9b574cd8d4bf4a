/**
 * What the built-in triggers share: jitter, and the two sequence queries the combining triggers
 * use to intersect and merge their children without re-running the call protocol step by step.
 */
import { MAX_INSTANT_MS } from './calendar.js';
import { TriggerConfigError, TriggerIterationLimitError, show } from './errors.js';
import type { Trigger, TriggerOptions, TriggerSpec } from './interfaces.js';

/** Largest number of plain steps a generic sequence walk takes before giving up. */
const WALK_LIMIT = 1_000_000;

/**
 * Steps a trigger's own sequence from `from` with `next` until it reaches `target` (or ends), at
 * most {@link WALK_LIMIT} steps: the generic `advance` of triggers that cannot jump.
 */
export function walkSequence(
  trigger: Trigger,
  next: (value: number) => number | null,
  from: number | null,
  target: number,
): number | null {
  let value = from;
  for (let steps = 0; value !== null && value < target; steps++) {
    if (steps >= WALK_LIMIT) {
      throw new TriggerIterationLimitError(
        trigger.toString(),
        WALK_LIMIT,
        new Date(from ?? 0),
        `no fire time at or after ${new Date(target).toISOString()}`,
        `it fires more than ${WALK_LIMIT} times before then; give it a later start date.`,
      );
    }
    value = next(value);
  }
  return value;
}

/** Whether a value is a trigger instance (anything with `getNextFireTime`). */
export function isTrigger(value: unknown): value is Trigger {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Trigger).getNextFireTime === 'function'
  );
}

/** Validates a jitter value (seconds, ≥ 0, or null for none). */
export function checkJitter(trigger: string, jitter: unknown): number | null {
  if (jitter === undefined || jitter === null) return null;
  if (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0) {
    throw new TriggerConfigError(
      trigger,
      'jitter',
      jitter,
      `${show(jitter)} must be a number of seconds ≥ 0`,
    );
  }
  return jitter === 0 ? null : jitter;
}

/**
 * The random source of each trigger with jitter, kept beside it rather than in a field: most
 * triggers have no jitter, and every one of them is a field smaller.
 */
const randomSources = new WeakMap<BaseTrigger, () => number>();

/** The base of the built-in triggers. */
export abstract class BaseTrigger implements Trigger {
  /** {@inheritDoc Trigger.type} */
  abstract get type(): TriggerSpec['type'];
  /** Maximum random delay in seconds, or null. */
  readonly jitter: number | null;
  /** Latest fire time (epoch ms, inclusive), or null. Jitter never pushes a fire time past it. */
  protected readonly endLimit: number | null;

  protected constructor(
    type: string,
    jitter: unknown,
    endLimit: number | null,
    options: TriggerOptions,
  ) {
    this.jitter = checkJitter(type, jitter);
    this.endLimit = endLimit;
    if (this.jitter !== null) randomSources.set(this, options.random ?? Math.random);
  }

  /**
   * {@inheritDoc Trigger.getNextFireTime}
   *
   * Built-in triggers return a time after `previous` whenever `previous` is given, also when
   * `now` is before it (a clock set back): fire times strictly increase. A fire time with a
   * fraction of a millisecond is cut down to the millisecond, as a `Date` holds it.
   */
  getNextFireTime(previous: Date | null, now: Date): Date | null {
    const next = this.jitteredFireTime(
      previous === null ? null : previous.getTime(),
      now.getTime(),
    );
    return next === null ? null : new Date(next);
  }

  /** {@inheritDoc Trigger.getNextFireTimeMs} */
  getNextFireTimeMs(previousMs: number | null, nowMs: number): number | null {
    // A subclass that overrides getNextFireTime is asked through it, so both answer alike.
    if (this.getNextFireTime !== BaseTrigger.prototype.getNextFireTime) {
      const next = this.getNextFireTime(
        previousMs === null ? null : new Date(previousMs),
        new Date(nowMs),
      );
      return next === null ? null : next.getTime();
    }
    return this.jitteredFireTime(previousMs, nowMs);
  }

  /** The next fire time with jitter, in whole epoch ms (see {@link getNextFireTime}). */
  private jitteredFireTime(previous: number | null, now: number): number | null {
    const next = this.nextFireTime(previous, now);
    if (next === null) return null;
    // A whole number is returned as it is (no new number: a date trigger's run time and the
    // job's next run time share one).
    if (this.jitter === null) return Number.isInteger(next) ? next : Math.floor(next);
    const random = randomSources.get(this) ?? Math.random;
    const jittered = next + random() * this.jitter * 1000;
    // Never past the end, nor past the last instant Kairos schedules (a huge jitter).
    const limit = Math.min(this.endLimit ?? MAX_INSTANT_MS, MAX_INSTANT_MS);
    return Math.floor(Math.max(next, Math.min(jittered, limit)));
  }

  /** {@inheritDoc Trigger.skipTo} */
  skipTo(previous: Date, target: Date): Date | null {
    const next = this.advance(previous.getTime(), target.getTime());
    return next === null ? null : new Date(next);
  }

  /**
   * The next fire time without jitter, in epoch ms (the call protocol of this trigger type).
   * @internal
   */
  abstract nextFireTime(previous: number | null, now: number): number | null;

  /**
   * The first fire time ≥ `target` of the sequence that continues from `current`, one of this
   * trigger's own fire times. The default walks the call protocol; triggers override it with a jump.
   * @internal
   */
  advance(current: number, target: number): number | null {
    return walkSequence(this, (value) => this.nextFireTime(value, value), current, target);
  }

  /**
   * The first fire time ≥ `lowerBound` (> when `exclusive`) of the trigger's own sequence from
   * its start: what an OR asks each child, instead of passing it another child's fire time as
   * `previous`.
   * @internal
   */
  abstract firstAtOrAfter(lowerBound: number, exclusive?: boolean): number | null;

  abstract toJSON(): TriggerSpec;
  abstract toString(): string;
}
