/**
 * A fluent job: `every(10).minutes.at(':17').until('18:30').do(job).tag('report')`. The
 * builder checks each step as `schedule` does, and `do()` hands the finished job to its
 * scheduler. When the job runs, and the checks of the steps that say so, live in
 * `job-timing.ts`; the check of `with()` options in `job-options.ts`.
 */
import { inspect } from 'node:util';
import { formatWallTime, show, type Trigger } from 'kairos';
import { ScheduleError, ScheduleValueError } from './errors.js';
import type { FluentJobOptions, FluentTask, UntilInput, Unit, Weekday } from './interfaces.js';
import { checkOptions } from './job-options.js';
import { JobTiming, type TimingHost, type UnitWord } from './job-timing.js';
import { planTrigger } from './job-trigger.js';

/**
 * What a job needs from its scheduler.
 * @internal
 */
export interface JobHost extends TimingHost {
  readonly random: () => number;
  checkTask(task: FluentTask, call: string): void;
  /** Takes a job `do()` finished. */
  adopt(job: Job): void;
  cancelJob(job: Job): void;
}

/**
 * A periodic job, made by `scheduler.every(n)` and configured by chaining: a unit (`.minutes`),
 * optionally a time (`.at()`), a random upper bound (`.to()`), a deadline (`.until()`), Kairos
 * options (`.with()`), then `.do(task, ...args)` to schedule it. Tags can be added after `do()`.
 */
export class Job {
  readonly #host: JobHost;
  readonly #timing: JobTiming;
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
    this.#host = host;
    this.#timing = new JobTiming(interval, host, (call) => this.#checkOpen(call));
  }

  // ─── units ───────────────────────────────────────────────────────────────────────────────────

  /** One second; only with `every()` or `every(1)`. */
  get second(): this {
    return this.#step('second');
  }
  /** `n` seconds. */
  get seconds(): this {
    return this.#step('seconds');
  }
  /** One minute; only with `every()` or `every(1)`. */
  get minute(): this {
    return this.#step('minute');
  }
  /** `n` minutes. */
  get minutes(): this {
    return this.#step('minutes');
  }
  /** One hour; only with `every()` or `every(1)`. */
  get hour(): this {
    return this.#step('hour');
  }
  /** `n` hours. */
  get hours(): this {
    return this.#step('hours');
  }
  /** One day; only with `every()` or `every(1)`. */
  get day(): this {
    return this.#step('day');
  }
  /** `n` days. */
  get days(): this {
    return this.#step('days');
  }
  /** One week; only with `every()` or `every(1)`. */
  get week(): this {
    return this.#step('week');
  }
  /** `n` weeks. */
  get weeks(): this {
    return this.#step('weeks');
  }

  // ─── weekdays ────────────────────────────────────────────────────────────────────────────────

  /** Every Monday (at the time of `.at()`, else at the time of day the job was made). */
  get monday(): this {
    return this.#step('monday');
  }
  /** Every Tuesday. */
  get tuesday(): this {
    return this.#step('tuesday');
  }
  /** Every Wednesday. */
  get wednesday(): this {
    return this.#step('wednesday');
  }
  /** Every Thursday. */
  get thursday(): this {
    return this.#step('thursday');
  }
  /** Every Friday. */
  get friday(): this {
    return this.#step('friday');
  }
  /** Every Saturday. */
  get saturday(): this {
    return this.#step('saturday');
  }
  /** Every Sunday. */
  get sunday(): this {
    return this.#step('sunday');
  }

  // ─── refinements ─────────────────────────────────────────────────────────────────────────────

  /**
   * The time the job runs at: `'HH:MM'` or `'HH:MM:SS'` for daily and weekday jobs, `'MM:SS'` or
   * `':MM'` for hourly ones, `':SS'` for minutely ones.
   * @param timezone IANA zone the time is in (default: the scheduler's)
   * @throws ScheduleValueError for another unit, a malformed time or an unknown zone
   */
  at(time: string, timezone?: string): this {
    this.#timing.at(time, timezone);
    return this;
  }

  /**
   * Runs the job at a random interval: `every(5).to(10).seconds` waits a whole number of seconds
   * from 5 to 10 (both included), drawn afresh for each run.
   * @throws ScheduleValueError when `latest` is not a whole number ≥ the interval
   */
  to(latest: number): this {
    this.#timing.to(latest);
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
    this.#timing.until(deadline);
    return this;
  }

  /**
   * Kairos job options for when the scheduler runs on Kairos (`start()`): another executor (a
   * worker pool for CPU-bound tasks), another job store, a misfire grace time, overlapping runs,
   * a timeout.
   */
  with(options: FluentJobOptions): this {
    const call = `${this.#timing.state.chain}.with(${show(options)})`;
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
    const call = `${this.#timing.state.chain}.do(${taskName(task)})`;
    this.#checkOpen(call);
    if (this.#timing.state.unit === null) {
      throw new ScheduleError(
        `${call}: the job has no unit; add one such as .seconds, .hours, .day or .monday before .do()`,
      );
    }
    this.#host.checkTask(task, call);
    const now = this.#host.now();
    const plan = this.#timing.plan();
    const deadline = this.#timing.state.deadline;
    const neverRuns = (): ScheduleValueError =>
      new ScheduleValueError(
        `${call}: the job would never run: its first run comes after its until() deadline ` +
          `(${formatWallTime(deadline ?? now, this.#host.zone())})`,
      );
    // A trigger refuses an end before its start: look at the first run without the deadline.
    const unbounded = planTrigger({ ...plan, deadline: null }, now, () => 0);
    const earliest = unbounded.getNextFireTime(null, new Date(now));
    if (earliest === null || (deadline !== null && earliest.getTime() > deadline)) {
      throw neverRuns();
    }
    const trigger = planTrigger(plan, now, this.#host.random);
    const first = trigger.getNextFireTime(null, new Date(now));
    this.#task = task;
    this.#args = Object.freeze([...args]);
    this.#trigger = trigger;
    // A random interval (`to()`) drawn past the deadline: as for any later run past it, the job
    // ends without running, as `schedule` cancels it (it could have run: not an error).
    if (first === null) return this;
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
        throw new TypeError(
          `${this.#timing.state.chain}.tag(): tags are strings; got ${show(tag)}`,
        );
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
    return this.#timing.state.interval;
  }
  /** The upper bound given to `to()`, or null. */
  get latest(): number | null {
    return this.#timing.state.latest;
  }
  /** The unit (`'weeks'` for weekday jobs), or null before one is given. */
  get unit(): Unit | null {
    return this.#timing.state.unit;
  }
  /** The weekday of a weekday job, or null. */
  get startDay(): Weekday | null {
    return this.#timing.state.weekday;
  }
  /** The time given to `at()`, as written, or null. */
  get atTime(): string | null {
    return this.#timing.state.atText;
  }
  /** The time zone given to `at()`, or null (the scheduler's). */
  get atTimeZone(): string | null {
    return this.#timing.state.atZone;
  }
  /** The `until()` deadline, or null. */
  get cancelAfter(): Date | null {
    const deadline = this.#timing.state.deadline;
    return deadline === null ? null : new Date(deadline);
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
    return this.#timing.state.deadline;
  }

  /** What the job does, e.g. `Every 10 minutes do job()`; the Kairos job's name. */
  get name(): string {
    return `${this.#timing.describe()} do ${this.call}`;
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

  /** A unit or weekday step of the chain. */
  #step(word: UnitWord): this {
    this.#timing.step(word);
    return this;
  }

  #checkOpen(call: string): void {
    if (this.#task !== null) {
      throw new ScheduleError(`${call}: the job is scheduled already; make a new one with every()`);
    }
  }
}

/** The name a task shows as: a function's name, or the registered name or reference. */
export function taskName(task: FluentTask): string {
  if (typeof task === 'string') return task;
  // What is not a task is named by its value; `checkTask` says what a task is.
  if (typeof task !== 'function') return show(task);
  return task.name || 'anonymous';
}

function showArg(arg: unknown): string {
  return inspect(arg, { depth: 2, breakLength: Infinity });
}
