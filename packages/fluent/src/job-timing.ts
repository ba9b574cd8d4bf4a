/**
 * When a fluent job runs, as its chain builds it step by step: the interval of `every(n)`, a unit
 * or a weekday (`.minutes`, `.monday`), a time (`.at()`), a random upper bound (`.to()`) and a
 * deadline (`.until()`). Each step is checked as `schedule` checks it, and its errors quote the
 * chain so far.
 */
import { formatWallTime, show } from 'kairos';
import { IntervalError, ScheduleError, ScheduleValueError } from './errors.js';
import type { UntilInput, Unit, Weekday } from './interfaces.js';
import type { Plan } from './job-trigger.js';
import { checkTimeZone, formatAtTime, parseAt, parseUntil, type AtTime } from './time-input.js';

/** What a job's timing needs from its scheduler. @internal */
export interface TimingHost {
  now(): number;
  /** The scheduler's time zone. */
  zone(): string;
}

/** A unit named for one of it: `.minute` is `every(1).minutes`. */
type SingularUnit = 'second' | 'minute' | 'hour' | 'day' | 'week';

/** The words of the unit steps: `.second` … `.weeks`, `.monday` … `.sunday`. */
export type UnitWord = SingularUnit | Unit | Weekday;

const SINGULAR: Record<Unit, SingularUnit> = {
  seconds: 'second',
  minutes: 'minute',
  hours: 'hour',
  days: 'day',
  weeks: 'week',
};

/** What each unit step sets: a unit, one of it (with `every(1)` only), or a weekday. */
const UNIT_WORDS: Record<UnitWord, { unit: Unit; one?: true; weekday?: Weekday }> = {
  second: { unit: 'seconds', one: true },
  seconds: { unit: 'seconds' },
  minute: { unit: 'minutes', one: true },
  minutes: { unit: 'minutes' },
  hour: { unit: 'hours', one: true },
  hours: { unit: 'hours' },
  day: { unit: 'days', one: true },
  days: { unit: 'days' },
  week: { unit: 'weeks', one: true },
  weeks: { unit: 'weeks' },
  monday: { unit: 'weeks', weekday: 'monday' },
  tuesday: { unit: 'weeks', weekday: 'tuesday' },
  wednesday: { unit: 'weeks', weekday: 'wednesday' },
  thursday: { unit: 'weeks', weekday: 'thursday' },
  friday: { unit: 'weeks', weekday: 'friday' },
  saturday: { unit: 'weeks', weekday: 'saturday' },
  sunday: { unit: 'weeks', weekday: 'sunday' },
};

/** What a job's chain has set so far. @internal */
export interface TimingState {
  /** The interval given to `every()`. */
  readonly interval: number;
  /** The chain as the user wrote it, e.g. `every(10).minutes.at(":17")`, for messages. */
  chain: string;
  /** The upper bound given to `to()`, or null. */
  latest: number | null;
  /** The unit (`'weeks'` for weekday jobs), or null before one is given. */
  unit: Unit | null;
  /** The weekday of a weekday job, or null. */
  weekday: Weekday | null;
  /** The time given to `at()`, parsed, or null. */
  at: AtTime | null;
  /** The time given to `at()`, as written, or null. */
  atText: string | null;
  /** The time zone given to `at()`, or null (the scheduler's). */
  atZone: string | null;
  /** The `until()` deadline as epoch ms, or null. */
  deadline: number | null;
}

/** A job's timing, filled in by its chain. @internal */
export class JobTiming {
  readonly #host: TimingHost;
  /** Throws when the job is scheduled already: its steps are then closed. */
  readonly #checkOpen: (call: string) => void;
  readonly #state: TimingState;

  constructor(interval: number, host: TimingHost, checkOpen: (call: string) => void) {
    this.#host = host;
    this.#checkOpen = checkOpen;
    this.#state = {
      interval,
      chain: interval === 1 ? 'every()' : `every(${interval})`,
      latest: null,
      unit: null,
      weekday: null,
      at: null,
      atText: null,
      atZone: null,
      deadline: null,
    };
  }

  /** What the chain has set so far. */
  get state(): Readonly<TimingState> {
    return this.#state;
  }

  /** A unit step: `.minutes`, `.minute` (one minute) or `.monday` (weekly, on Mondays). */
  step(word: UnitWord): void {
    const { unit, one, weekday } = UNIT_WORDS[word];
    if (weekday !== undefined) this.#setWeekday(weekday);
    else if (one === true) this.#setSingular(unit);
    else this.#setUnit(unit, `.${unit}`);
  }

  /** The `at(time, timezone)` step. */
  at(time: string, timezone: string | undefined): void {
    const call = `${this.#state.chain}.at(${show(time)}${timezone === undefined ? '' : `, ${show(timezone)}`})`;
    this.#checkOpen(call);
    if (this.#state.at !== null)
      throw new ScheduleError(`${call}: the job has a time already (${this.#state.atText})`);
    this.#state.at = parseAt(time, this.#state.unit, this.#state.weekday !== null, call);
    this.#state.atZone = timezone === undefined ? null : checkTimeZone(timezone, call);
    this.#state.atText = time;
    this.#state.chain = call;
  }

  /** The `to(latest)` step. */
  to(latest: number): void {
    const call = `${this.#state.chain}.to(${show(latest)})`;
    this.#checkOpen(call);
    if (!Number.isInteger(latest) || latest < this.#state.interval) {
      throw new ScheduleValueError(
        `${call}: the upper bound must be a whole number ≥ the interval (${this.#state.interval})`,
      );
    }
    if (this.#state.weekday !== null) {
      throw new IntervalError(`${call}: a weekday job runs every week; it has no random interval`);
    }
    this.#state.latest = latest;
    this.#state.chain = call;
  }

  /** The `until(deadline)` step. */
  until(deadline: UntilInput): void {
    const call = `${this.#state.chain}.until(${show(deadline)})`;
    this.#checkOpen(call);
    this.#state.deadline = parseUntil(deadline, this.#host.now(), this.#host.zone(), call);
    this.#state.chain = call;
  }

  /** What `planTrigger` makes the job's trigger from. */
  plan(): Plan {
    const { interval, latest, unit, weekday, at, atZone, deadline } = this.#state;
    return {
      interval,
      latest,
      unit: unit ?? 'seconds',
      weekday,
      at,
      timezone: atZone ?? this.#host.zone(),
      deadline,
    };
  }

  /** The timing in words, e.g. `Every 10 minutes at 00:17 until 2030-01-01 18:30:00`. */
  describe(): string {
    const { interval, latest, unit, weekday, at, atZone, deadline } = this.#state;
    const zone = this.#host.zone();
    const every =
      weekday !== null
        ? `Every ${capitalize(weekday)}`
        : latest !== null
          ? `Every ${interval} to ${latest} ${unit ?? '?'}`
          : `Every ${interval} ${unitWord(unit, interval)}`;
    const atText =
      at === null ? '' : ` at ${formatAtTime(at)}${atZone === null ? '' : ` ${atZone}`}`;
    const until = deadline === null ? '' : ` until ${formatWallTime(deadline, zone)}`;
    return `${every}${atText}${until}`;
  }

  #setSingular(unit: Unit): void {
    const word = SINGULAR[unit];
    if (this.#state.interval !== 1) {
      throw new IntervalError(
        `${this.#state.chain}.${word}: use .${unit} with an interval of ${this.#state.interval} (.${word} means every(1))`,
      );
    }
    this.#setUnit(unit, `.${word}`);
  }

  #setUnit(unit: Unit, step: string): void {
    const call = `${this.#state.chain}${step}`;
    this.#checkOpen(call);
    if (this.#state.unit !== null) {
      throw new ScheduleError(
        `${call}: the job has a unit already (${this.#state.unit}); a job has one`,
      );
    }
    this.#state.unit = unit;
    this.#state.chain = call;
  }

  #setWeekday(day: Weekday): void {
    const call = `${this.#state.chain}.${day}`;
    if (this.#state.interval !== 1) {
      throw new IntervalError(
        `${call}: weekday jobs run every week; every(${this.#state.interval}) weeks on a ${capitalize(day)} is not supported (use every().${day})`,
      );
    }
    if (this.#state.latest !== null) {
      throw new IntervalError(`${call}: a weekday job runs every week; it has no random interval`);
    }
    this.#setUnit('weeks', `.${day}`);
    this.#state.weekday = day;
  }
}

function unitWord(unit: Unit | null, interval: number): string {
  if (unit === null) return '?';
  return interval === 1 ? SINGULAR[unit] : unit;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
