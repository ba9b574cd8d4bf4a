/**
 * A fluent job: `every(10).minutes.at(':17').until('18:30').do(job).tag('report')`. The
 * builder checks each step as `schedule` does, and `do()` hands the finished job to its
 * scheduler.
 */
import { inspect } from 'node:util';
import { formatWallTime, show, type Trigger } from 'kairos';
import { IntervalError, ScheduleError, ScheduleValueError } from './errors.js';
import type { FluentJobOptions, FluentTask, UntilInput, Unit, Weekday } from './interfaces.js';
import { planTrigger, type Plan } from './job-trigger.js';
import { checkTimeZone, formatAtTime, parseAt, parseUntil, type AtTime } from './time-input.js';

/**
 * What a job needs from its scheduler.
 * @internal
 */
export interface JobHost {
  now(): number;
  /** The scheduler's time zone. */
  zone(): string;
  readonly random: () => number;
  checkTask(task: FluentTask, call: string): void;
  /** Takes a job `do()` finished. */
  adopt(job: Job): void;
  cancelJob(job: Job): void;
}

const SINGULAR: Record<Unit, string> = {
  seconds: 'second',
  minutes: 'minute',
  hours: 'hour',
  days: 'day',
  weeks: 'week',
};

interface OptionCheck {
  test(value: unknown): boolean;
  expected: string;
}
const NAME: OptionCheck = {
  test: (value) => typeof value === 'string' && value !== '',
  expected: 'a non-empty string',
};
const SECONDS_OR_NULL: OptionCheck = {
  test: (value) => value === null || (typeof value === 'number' && value > 0),
  expected: 'a number of seconds > 0, or null',
};
/** What `with()` takes, and the check of each value. */
const OPTION_CHECKS: Record<keyof FluentJobOptions, OptionCheck> = {
  id: NAME,
  executor: NAME,
  jobstore: NAME,
  misfireGraceTime: SECONDS_OR_NULL,
  maxInstances: {
    test: (value) => Number.isInteger(value) && (value as number) >= 1,
    expected: 'a whole number ≥ 1',
  },
  timeout: SECONDS_OR_NULL,
};

/**
 * A periodic job, made by `scheduler.every(n)` and configured by chaining: a unit (`.minutes`),
 * optionally a time (`.at()`), a random upper bound (`.to()`), a deadline (`.until()`), Kairos
 * options (`.with()`), then `.do(task, ...args)` to schedule it. Tags can be added after `do()`.
 */
export class Job {
  readonly #host: JobHost;
  readonly #interval: number;
  #chain: string;
  #latest: number | null = null;
  #unit: Unit | null = null;
  #weekday: Weekday | null = null;
  #at: AtTime | null = null;
  #atText: string | null = null;
  #atZone: string | null = null;
  #deadline: number | null = null;
  #options: FluentJobOptions = {};
  #task: FluentTask | null = null;
  #args: readonly unknown[] = [];
  #trigger: Trigger | null = null;
  readonly #tags = new Set<string>();
  /** The Kairos job id; set by `do()`. @internal */
  id = '';
  /** Next run (epoch ms), as the scheduler last knew it. @internal */
  nextRunMs: number | null = null;
  /** Start of the latest run (epoch ms). @internal */
  lastRunMs: number | null = null;

  /** @internal use `scheduler.every(n)` */
  constructor(interval: number, host: JobHost) {
    this.#interval = interval;
    this.#host = host;
    this.#chain = interval === 1 ? 'every()' : `every(${interval})`;
  }

  // ─── units ───────────────────────────────────────────────────────────────────────────────────

  /** One second; only with `every()` or `every(1)`. */
  get second(): this {
    return this.#singular('seconds');
  }
  /** `n` seconds. */
  get seconds(): this {
    return this.#setUnit('seconds', '.seconds');
  }
  /** One minute; only with `every()` or `every(1)`. */
  get minute(): this {
    return this.#singular('minutes');
  }
  /** `n` minutes. */
  get minutes(): this {
    return this.#setUnit('minutes', '.minutes');
  }
  /** One hour; only with `every()` or `every(1)`. */
  get hour(): this {
    return this.#singular('hours');
  }
  /** `n` hours. */
  get hours(): this {
    return this.#setUnit('hours', '.hours');
  }
  /** One day; only with `every()` or `every(1)`. */
  get day(): this {
    return this.#singular('days');
  }
  /** `n` days. */
  get days(): this {
    return this.#setUnit('days', '.days');
  }
  /** One week; only with `every()` or `every(1)`. */
  get week(): this {
    return this.#singular('weeks');
  }
  /** `n` weeks. */
  get weeks(): this {
    return this.#setUnit('weeks', '.weeks');
  }

  // ─── weekdays ────────────────────────────────────────────────────────────────────────────────

  /** Every Monday (at the time of `.at()`, else at the time of day the job was made). */
  get monday(): this {
    return this.#setWeekday('monday');
  }
  /** Every Tuesday. */
  get tuesday(): this {
    return this.#setWeekday('tuesday');
  }
  /** Every Wednesday. */
  get wednesday(): this {
    return this.#setWeekday('wednesday');
  }
  /** Every Thursday. */
  get thursday(): this {
    return this.#setWeekday('thursday');
  }
  /** Every Friday. */
  get friday(): this {
    return this.#setWeekday('friday');
  }
  /** Every Saturday. */
  get saturday(): this {
    return this.#setWeekday('saturday');
  }
  /** Every Sunday. */
  get sunday(): this {
    return this.#setWeekday('sunday');
  }

  // ─── refinements ─────────────────────────────────────────────────────────────────────────────

  /**
   * The time the job runs at: `'HH:MM'` or `'HH:MM:SS'` for daily and weekday jobs, `'MM:SS'` or
   * `':MM'` for hourly ones, `':SS'` for minutely ones.
   * @param timezone IANA zone the time is in (default: the scheduler's)
   * @throws ScheduleValueError for another unit, a malformed time or an unknown zone
   */
  at(time: string, timezone?: string): this {
    const call = `${this.#chain}.at(${show(time)}${timezone === undefined ? '' : `, ${show(timezone)}`})`;
    this.#checkOpen(call);
    if (this.#at !== null)
      throw new ScheduleError(`${call}: the job has a time already (${this.#atText})`);
    this.#at = parseAt(time, this.#unit, this.#weekday !== null, call);
    this.#atZone = timezone === undefined ? null : checkTimeZone(timezone, call);
    this.#atText = time;
    this.#chain = call;
    return this;
  }

  /**
   * Runs the job at a random interval: `every(5).to(10).seconds` waits a whole number of seconds
   * from 5 to 10 (both included), drawn afresh for each run.
   * @throws ScheduleValueError when `latest` is not a whole number ≥ the interval
   */
  to(latest: number): this {
    const call = `${this.#chain}.to(${show(latest)})`;
    this.#checkOpen(call);
    if (!Number.isInteger(latest) || latest < this.#interval) {
      throw new ScheduleValueError(
        `${call}: the upper bound must be a whole number ≥ the interval (${this.#interval})`,
      );
    }
    if (this.#weekday !== null) {
      throw new IntervalError(`${call}: a weekday job runs every week; it has no random interval`);
    }
    this.#latest = latest;
    this.#chain = call;
    return this;
  }

  /**
   * The job's deadline: no run starts after it, and the job is cancelled once its next run would
   * fall after it. Takes a `Date`, a string (`'18:30'`, `'2030-01-01 18:33'`), a duration from
   * now (`{hours: 8}`) or a time of day today (`{hour: 11, minute: 33, second: 42}`); strings and
   * times of day are in the scheduler's time zone.
   * @throws ScheduleValueError when the value is malformed or in the past
   */
  until(deadline: UntilInput): this {
    const call = `${this.#chain}.until(${show(deadline)})`;
    this.#checkOpen(call);
    this.#deadline = parseUntil(deadline, this.#host.now(), this.#host.zone(), call);
    this.#chain = call;
    return this;
  }

  /**
   * Kairos job options for when the scheduler runs on Kairos (`start()`): another executor (a
   * worker pool for CPU-bound tasks), another job store, a misfire grace time, overlapping runs,
   * a timeout.
   */
  with(options: FluentJobOptions): this {
    const call = `${this.#chain}.with(${show(options)})`;
    this.#checkOpen(call);
    checkOptions(options, call);
    this.#options = { ...this.#options, ...options };
    return this;
  }

  /**
   * Schedules the job: `task` runs with `args` at each run. A task is a function, or, for jobs
   * that a persistent store keeps or a worker thread runs, the name of a registered task or a
   * module reference (`'./tasks.js#report'`).
   * @throws ScheduleError when the job has no unit, or would never run
   */
  do<A extends unknown[]>(task: (...args: A) => unknown, ...args: A): this;
  do(task: string, ...args: unknown[]): this;
  do(task: FluentTask, ...args: unknown[]): this {
    const call = `${this.#chain}.do(${taskName(task)})`;
    this.#checkOpen(call);
    if (this.#unit === null) {
      throw new ScheduleError(
        `${call}: the job has no unit; add one such as .seconds, .hours, .day or .monday before .do()`,
      );
    }
    this.#host.checkTask(task, call);
    const now = this.#host.now();
    const plan = this.#plan();
    const neverRuns = (): ScheduleValueError =>
      new ScheduleValueError(
        `${call}: the job would never run: its first run comes after its until() deadline ` +
          `(${formatWallTime(this.#deadline ?? now, this.#host.zone())})`,
      );
    // A trigger refuses an end before its start: look at the first run without the deadline.
    const unbounded = planTrigger({ ...plan, deadline: null }, now, () => 0);
    const earliest = unbounded.getNextFireTime(null, new Date(now));
    if (earliest === null || (this.#deadline !== null && earliest.getTime() > this.#deadline)) {
      throw neverRuns();
    }
    const trigger = planTrigger(plan, now, this.#host.random);
    const first = trigger.getNextFireTime(null, new Date(now));
    if (first === null) throw neverRuns(); // a random interval drawn past the deadline
    this.#task = task;
    this.#args = Object.freeze([...args]);
    this.#trigger = trigger;
    this.nextRunMs = first.getTime();
    this.#host.adopt(this);
    return this;
  }

  /**
   * Tags the job, for `getJobs(tag)` and `clear(tag)`. Works before and after `do()`; a tag
   * given twice is kept once.
   */
  tag(...tags: string[]): this {
    for (const tag of tags) {
      if (typeof tag !== 'string') {
        throw new TypeError(`${this.#chain}.tag(): tags are strings; got ${show(tag)}`);
      }
      this.#tags.add(tag);
    }
    return this;
  }

  /** Cancels the job (the same as `scheduler.cancelJob(job)`). */
  cancel(): void {
    this.#host.cancelJob(this);
  }

  // ─── what the job is ─────────────────────────────────────────────────────────────────────────

  /** The interval given to `every()`. */
  get interval(): number {
    return this.#interval;
  }
  /** The upper bound given to `to()`, or null. */
  get latest(): number | null {
    return this.#latest;
  }
  /** The unit (`'weeks'` for weekday jobs), or null before one is given. */
  get unit(): Unit | null {
    return this.#unit;
  }
  /** The weekday of a weekday job, or null. */
  get startDay(): Weekday | null {
    return this.#weekday;
  }
  /** The time given to `at()`, as written, or null. */
  get atTime(): string | null {
    return this.#atText;
  }
  /** The time zone given to `at()`, or null (the scheduler's). */
  get atTimeZone(): string | null {
    return this.#atZone;
  }
  /** The `until()` deadline, or null. */
  get cancelAfter(): Date | null {
    return this.#deadline === null ? null : new Date(this.#deadline);
  }
  /** The tags. */
  get tags(): ReadonlySet<string> {
    return this.#tags;
  }
  /** The task given to `do()`, or null before. */
  get task(): FluentTask | null {
    return this.#task;
  }
  /** The arguments given to `do()`. */
  get args(): readonly unknown[] {
    return this.#args;
  }
  /** The Kairos trigger that times the job (null before `do()`). */
  get trigger(): Trigger | null {
    return this.#trigger;
  }
  /** Kairos options given with `with()`. */
  get options(): Readonly<FluentJobOptions> {
    return this.#options;
  }
  /** When the job runs next, or null when it is not scheduled. */
  get nextRun(): Date | null {
    return this.nextRunMs === null ? null : new Date(this.nextRunMs);
  }
  /** When the latest run started, or null before the first. */
  get lastRun(): Date | null {
    return this.lastRunMs === null ? null : new Date(this.lastRunMs);
  }
  /** The deadline as epoch ms. @internal */
  get deadlineMs(): number | null {
    return this.#deadline;
  }

  /** What the job does, e.g. `Every 10 minutes do job()`; the Kairos job's name. */
  get name(): string {
    const zone = this.#host.zone();
    const every =
      this.#weekday !== null
        ? `Every ${capitalize(this.#weekday)}`
        : this.#latest !== null
          ? `Every ${this.#interval} to ${this.#latest} ${this.#unit ?? '?'}`
          : `Every ${this.#interval} ${unitWord(this.#unit, this.#interval)}`;
    const at =
      this.#at === null
        ? ''
        : ` at ${formatAtTime(this.#at)}${this.#atZone === null ? '' : ` ${this.#atZone}`}`;
    const until = this.#deadline === null ? '' : ` until ${formatWallTime(this.#deadline, zone)}`;
    return `${every}${at}${until} do ${this.call}`;
  }

  /** The call each run makes, e.g. `greet('Alice')`. */
  get call(): string {
    if (this.#task === null) return '[nothing yet]';
    return `${taskName(this.#task)}(${this.#args.map(showArg).join(', ')})`;
  }

  /** Like `schedule`'s: `Every 1 day at 10:30:00 do job() (last run: [never], next run: …)`. */
  toString(): string {
    const zone = this.#host.zone();
    const time = (ms: number | null): string =>
      ms === null ? '[never]' : formatWallTime(ms, zone);
    return `${this.name} (last run: ${time(this.lastRunMs)}, next run: ${time(this.nextRunMs)})`;
  }

  // ─── internals ───────────────────────────────────────────────────────────────────────────────

  #singular(unit: Unit): this {
    const word = SINGULAR[unit];
    if (this.#interval !== 1) {
      throw new IntervalError(
        `${this.#chain}.${word}: use .${unit} with an interval of ${this.#interval} (.${word} means every(1))`,
      );
    }
    return this.#setUnit(unit, `.${word}`);
  }

  #setUnit(unit: Unit, step: string): this {
    const call = `${this.#chain}${step}`;
    this.#checkOpen(call);
    if (this.#unit !== null) {
      throw new ScheduleError(`${call}: the job has a unit already (${this.#unit}); a job has one`);
    }
    this.#unit = unit;
    this.#chain = call;
    return this;
  }

  #setWeekday(day: Weekday): this {
    const call = `${this.#chain}.${day}`;
    if (this.#interval !== 1) {
      throw new IntervalError(
        `${call}: weekday jobs run every week; every(${this.#interval}) weeks on a ${capitalize(day)} is not supported (use every().${day})`,
      );
    }
    if (this.#latest !== null) {
      throw new IntervalError(`${call}: a weekday job runs every week; it has no random interval`);
    }
    this.#setUnit('weeks', `.${day}`);
    this.#weekday = day;
    return this;
  }

  #checkOpen(call: string): void {
    if (this.#task !== null) {
      throw new ScheduleError(`${call}: the job is scheduled already; make a new one with every()`);
    }
  }

  #plan(): Plan {
    return {
      interval: this.#interval,
      latest: this.#latest,
      unit: this.#unit ?? 'seconds',
      weekday: this.#weekday,
      at: this.#at,
      timezone: this.#atZone ?? this.#host.zone(),
      deadline: this.#deadline,
    };
  }
}

function checkOptions(options: FluentJobOptions, call: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`${call}: options are an object such as {executor: 'worker'}`);
  }
  for (const [key, value] of Object.entries(options) as [string, unknown][]) {
    const check = OPTION_CHECKS[key as keyof FluentJobOptions] as OptionCheck | undefined;
    if (check === undefined) {
      throw new ScheduleValueError(
        `${call}: unknown option ${show(key)}; known: ${Object.keys(OPTION_CHECKS).join(', ')}`,
      );
    }
    if (!check.test(value)) {
      throw new ScheduleValueError(`${call}: ${key} must be ${check.expected}; got ${show(value)}`);
    }
  }
}

/** The name a task shows as: a function's name, or the registered name or reference. */
export function taskName(task: FluentTask): string {
  if (typeof task === 'string') return task;
  return task.name || 'anonymous';
}

function showArg(arg: unknown): string {
  return inspect(arg, { depth: 2, breakLength: Infinity });
}

function unitWord(unit: Unit | null, interval: number): string {
  if (unit === null) return '?';
  return interval === 1 ? SINGULAR[unit] : unit;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
