/**
 * AndTrigger and OrTrigger. Each child keeps its own fire-time sequence; AND fires at the
 * instants common to all of them (searching with an iteration bound), OR at the union of them.
 */
import { BaseTrigger, isTrigger, walkSequence } from './base.js';
import { DAY_MS } from './calendar.js';
import { TriggerConfigError, TriggerIterationLimitError } from './errors.js';
import { checkFieldNames } from './keys.js';
import type {
  CombiningTriggerFields,
  CombiningTriggerSpec,
  Trigger,
  TriggerOptions,
} from './interfaces.js';

/** How far ahead an AND looks for a common fire time: 100 years (36,525 days). */
const AND_HORIZON_MS = 36_525 * DAY_MS;
const DEFAULT_MAX_ITERATIONS = 10_000;

/** A child's sequence operations: native for built-in triggers, by calling protocol otherwise. */
interface Sequence {
  next(previous: number | null, now: number): number | null;
  advance(current: number, target: number): number | null;
  firstAtOrAfter(lowerBound: number, exclusive: boolean): number | null;
}

function sequenceOf(trigger: Trigger): Sequence {
  if (trigger instanceof BaseTrigger) {
    return {
      next: (previous, now) => trigger.nextFireTime(previous, now),
      advance: (current, target) => trigger.advance(current, target),
      firstAtOrAfter: (lowerBound, exclusive) => trigger.firstAtOrAfter(lowerBound, exclusive),
    };
  }
  // A foreign trigger only has getNextFireTime: walk it.
  const call = (previous: number | null, now: number): number | null =>
    trigger
      .getNextFireTime(previous === null ? null : new Date(previous), new Date(now))
      ?.getTime() ?? null;
  const walk = (from: number | null, target: number): number | null =>
    walkSequence(trigger, (value) => call(value, value), from, target);
  return {
    next: call,
    advance: walk,
    firstAtOrAfter: (lowerBound, exclusive) => {
      const first = walk(call(null, lowerBound), lowerBound);
      return exclusive && first === lowerBound ? call(first, first) : first;
    },
  };
}

abstract class CombiningTrigger extends BaseTrigger {
  /** The children, in the order given. */
  readonly triggers: readonly Trigger[];
  /** The children's fire times as sequences, in the order of {@link triggers}. */
  protected readonly sequences: readonly Sequence[];

  protected constructor(
    kind: 'and' | 'or',
    fields: CombiningTriggerFields,
    options: TriggerOptions,
  ) {
    checkFieldNames(kind, fields);
    super(kind, fields.jitter, null, options);
    const children: unknown = fields.triggers;
    if (!Array.isArray(children) || children.length === 0) {
      throw new TriggerConfigError(
        kind,
        'triggers',
        children,
        'must be a non-empty array of triggers',
      );
    }
    children.forEach((child: unknown, index) => {
      if (!isTrigger(child)) {
        throw new TriggerConfigError(
          kind,
          `triggers[${index}]`,
          child,
          'is not a trigger (build specs with triggerFromSpec)',
        );
      }
      if (child instanceof BaseTrigger && child.jitter !== null) {
        throw new TriggerConfigError(
          kind,
          `triggers[${index}].jitter`,
          child.jitter,
          `jitter on a child is not applied inside ${kind}; set jitter on the ${kind} trigger itself`,
        );
      }
    });
    this.triggers = children as Trigger[];
    this.sequences = this.triggers.map(sequenceOf);
  }

  /** {@inheritDoc Trigger.toJSON} */
  toJSON(): CombiningTriggerSpec {
    const spec: CombiningTriggerSpec = {
      type: this.type as 'and' | 'or',
      triggers: this.triggers.map((child) => child.toJSON()),
    };
    if (this.jitter !== null) spec.jitter = this.jitter;
    return spec;
  }

  /** e.g. `and[cron[hour='9'], interval[1 day, 0:00:00]]`. */
  override toString(): string {
    return `${this.type}[${this.triggers.map((child) => child.toString()).join(', ')}]`;
  }
}

/**
 * Fires at the instants at which every child fires: the intersection of the children's own
 * sequences, searched up to 100 years ahead and at most `maxIterations` steps (then it throws
 * {@link TriggerIterationLimitError} rather than hang).
 *
 * @example new AndTrigger({ triggers: [new CronTrigger({ dayOfWeek: 'fri' }), new CronTrigger({ day: 13 })] })
 */
export class AndTrigger extends CombiningTrigger {
  /** Search steps allowed per call. */
  readonly maxIterations: number;

  /** @throws TriggerConfigError for an empty or invalid child list */
  constructor(fields: CombiningTriggerFields, options: TriggerOptions = {}) {
    super('and', fields, options);
    this.maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
  }

  /** {@inheritDoc Trigger.type} */
  get type(): 'and' {
    return 'and';
  }

  /** @internal */
  nextFireTime(previous: number | null, now: number): number | null {
    return this.intersect(
      this.sequences.map((child) => child.next(previous, now)),
      now,
    );
  }

  /** @internal */
  override advance(current: number, target: number): number | null {
    if (target <= current) return current;
    // `current` is a common fire time, so it lies on every child's own sequence.
    return this.intersect(
      this.sequences.map((child) => child.advance(current, target)),
      target,
    );
  }

  /** @internal */
  firstAtOrAfter(lowerBound: number, exclusive = false): number | null {
    return this.intersect(
      this.sequences.map((child) => child.firstAtOrAfter(lowerBound, exclusive)),
      lowerBound,
    );
  }

  private intersect(values: (number | null)[], from: number): number | null {
    const horizon = from + AND_HORIZON_MS;
    for (let iteration = 0; ; iteration++) {
      let highest = -Infinity;
      for (const value of values) {
        if (value === null) return null;
        if (value > highest) highest = value;
      }
      if (highest > horizon) return null;
      if (values.every((value) => value === highest)) return highest;
      if (iteration >= this.maxIterations)
        throw new TriggerIterationLimitError(this.toString(), this.maxIterations, new Date(from));
      values = values.map((value, index) =>
        value !== null && value < highest
          ? (this.sequences[index]?.advance(value, highest) ?? null)
          : value,
      );
    }
  }
}

/**
 * Fires whenever any child fires: the union of the children's own sequences (equal instants
 * once). Each child keeps its own grid: an interval child is not re-phased by another's fires.
 *
 * @example new OrTrigger({ triggers: [new CronTrigger({ hour: 9 }), new CronTrigger({ hour: 17, dayOfWeek: 'fri' })] })
 */
export class OrTrigger extends CombiningTrigger {
  /** @throws TriggerConfigError for an empty or invalid child list */
  constructor(fields: CombiningTriggerFields, options: TriggerOptions = {}) {
    super('or', fields, options);
  }

  /** {@inheritDoc Trigger.type} */
  get type(): 'or' {
    return 'or';
  }

  /** @internal */
  nextFireTime(previous: number | null, now: number): number | null {
    if (previous === null) return earliest(this.sequences.map((child) => child.next(null, now)));
    // Ask each child for its own first fire time after `previous`, never passing another child's
    // fire time to it as its previous (and, unlike APScheduler, never going back to `now` when
    // the clock was set back before `previous`: fire times strictly increase).
    return this.firstAtOrAfter(previous, true);
  }

  /** @internal */
  override advance(current: number, target: number): number | null {
    return target <= current ? current : this.firstAtOrAfter(target);
  }

  /** @internal */
  firstAtOrAfter(lowerBound: number, exclusive = false): number | null {
    return earliest(this.sequences.map((child) => child.firstAtOrAfter(lowerBound, exclusive)));
  }
}

function earliest(values: (number | null)[]): number | null {
  let best: number | null = null;
  for (const value of values) if (value !== null && (best === null || value < best)) best = value;
  return best;
}
