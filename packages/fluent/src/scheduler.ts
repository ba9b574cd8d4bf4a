/**
 * The fluent scheduler: `schedule`'s API over Kairos. Jobs are timed by Kairos triggers in both
 * loop styles. In the manual one, `runPending()` runs the due jobs in the caller's loop, like
 * `schedule`. After `start()`, the jobs live in a Kairos `BackgroundScheduler` (`kairos`), which
 * runs them on its executors, logs their errors and can keep them in a persistent store.
 *
 * The class holds the API and delegates to its rooms in `scheduler/`: the jobs (`job-list.ts`),
 * the manual loop (`manual-loop.ts`), the link to the engine that `start()` makes
 * (`on-kairos.ts`) and the delayed calls (`call-queue.ts`).
 */
import {
  isModuleReference,
  type SchedulerConfig,
  type ShutdownOptions,
  type StartOptions,
  type TaskFunction,
  show,
} from 'kairos';
import type { CallHost, DelayedCall } from './delayed-call.js';
import { FluentEngine } from './engine.js';
import { ScheduleValueError } from './errors.js';
import type { FluentOptions, FluentTask, RunAllOptions } from './interfaces.js';
import { Job, type JobHost } from './job.js';
import { CallQueue } from './scheduler/call-queue.js';
import { JobList } from './scheduler/job-list.js';
import { ManualLoop } from './scheduler/manual-loop.js';
import { KairosLink } from './scheduler/on-kairos.js';

/**
 * A scheduler with `schedule`'s API. Several can live side by side; each has its own jobs and
 * its own Kairos scheduler underneath.
 *
 * @example
 * const scheduler = new Scheduler();
 * scheduler.every(10).minutes.do(job);
 * await scheduler.start(); // Kairos runs the jobs, or the manual loop:
 * for (;;) {
 *   await scheduler.runPending().catch((error: unknown) => console.error(error));
 *   await sleep(1000); // setTimeout of node:timers/promises
 * }
 */
export class Scheduler {
  /**
   * The Kairos scheduler underneath, for everything the fluent API does not cover: listeners,
   * `printJobs()`, jobs with cron triggers. It owns the jobs while the fluent scheduler runs.
   */
  readonly kairos: FluentEngine;
  readonly #jobs = new JobList();
  readonly #calls: CallQueue;
  readonly #link: KairosLink;
  readonly #loop: ManualLoop;
  readonly #host: JobHost & CallHost;

  /**
   * @param config the Kairos configuration (the dictionary `BackgroundScheduler` takes): time
   *   zone, clock, logger, job stores, executors, registered tasks
   */
  constructor(config: SchedulerConfig = {}, options: FluentOptions = {}) {
    const kairos = new FluentEngine(config);
    this.kairos = kairos;
    this.#host = {
      now: () => kairos.clock.now(),
      zone: () => kairos.timezone,
      random: options.random ?? Math.random,
      checkTask: (task, call) => this.#checkTask(task, call),
      adopt: (job) => this.#link.take(job),
      cancelJob: (job) => this.cancelJob(job),
      cancel: (call) => this.cancel(call),
    };
    const jobs = this.#jobs;
    const cancelJob = (job: Job): void => this.cancelJob(job);
    this.#calls = new CallQueue({
      kairos,
      host: this.#host,
      onKairos: () => this.#link.mode !== 'manual',
    });
    this.#link = new KairosLink({ kairos, jobs, calls: this.#calls, cancelJob });
    this.#loop = new ManualLoop({
      kairos,
      jobs,
      calls: this.#calls,
      mode: () => this.#link.mode,
      cancelJob,
    });
  }

  /** The time zone of `at()` times without a zone of their own, and of `until()` strings. */
  get timezone(): string {
    return this.kairos.timezone;
  }

  /** Whether `start()` handed the jobs to Kairos (and `shutdown()` has not taken them back). */
  get running(): boolean {
    return this.#link.mode === 'running';
  }

  /**
   * Starts a job that runs every `interval` units: `every(10).minutes`, `every().monday`.
   * @throws ScheduleValueError when the interval is not a whole number ≥ 1
   */
  every(interval = 1): Job {
    if (!Number.isInteger(interval) || interval < 1) {
      throw new ScheduleValueError(
        `every(${show(interval)}): the interval is a whole number of units ≥ 1; ` +
          'for half a minute write every(30).seconds',
      );
    }
    return new Job(interval, this.#host);
  }

  /**
   * Registers a task under a name, for `do('name')`: jobs a persistent store keeps refer to
   * their task by name.
   */
  registerTask(name: string, task: TaskFunction | string): this {
    this.kairos.registerTask(name, task);
    return this;
  }

  /** The jobs, or those with a tag. */
  getJobs(tag?: string): Job[] {
    return this.#jobs.list(tag);
  }

  /** Cancels every job, or those with a tag. */
  clear(tag?: string): void {
    for (const job of this.getJobs(tag)) this.cancelJob(job);
  }

  /** Cancels a job; one that is not scheduled (any more) is ignored. */
  cancelJob(job: Job): void {
    this.#link.cancel(job);
  }

  /**
   * When the next job runs (the next with a tag), or null when none is scheduled. Without a tag,
   * delayed calls count too.
   */
  nextRun(tag?: string): Date | null {
    return this.#loop.nextRun(tag);
  }

  /**
   * Seconds until the next run: negative when it is overdue, null when nothing is scheduled.
   * A manual loop can sleep that long between `runPending()` calls.
   */
  idleSeconds(): number | null {
    return this.#loop.idleSeconds();
  }

  // ─── the manual loop ─────────────────────────────────────────────────────────────────────────

  /**
   * Runs the jobs and delayed calls that are due, one after another in the order they were due,
   * awaiting each. A job missed several times runs once. Each job's next run is set before it
   * runs, so one that throws is not run again at once; the other due jobs still run, then the
   * error is thrown (an `AggregateError` when several failed).
   * @throws ScheduleError while the scheduler runs on Kairos (after `start()`)
   */
  runPending(): Promise<void> {
    return this.#loop.runPending();
  }

  /**
   * Runs every job now, whether due or not, one after another. Their schedules stay as they
   * were, as Kairos's `runJob` does. In the manual loop each run is awaited and errors are thrown
   * at the end; after `start()` each job is handed to its executor.
   */
  runAll(options: RunAllOptions = {}): Promise<void> {
    return this.#loop.runAll(options);
  }

  // ─── delayed calls, Python `sched` style ─────────────────────────────────────────────────────

  /**
   * Calls `task(...args)` once, `delaySeconds` from now. Calls due at the same time run in
   * `priority` order, lower first.
   */
  enter<A extends unknown[]>(
    delaySeconds: number,
    priority: number,
    task: (...args: A) => unknown,
    ...args: A
  ): DelayedCall {
    return this.#calls.enter(delaySeconds, priority, task, args);
  }

  /** Calls `task(...args)` once, at `time`. Like `enter`, with a time instead of a delay. */
  enterAbs<A extends unknown[]>(
    time: Date | number,
    priority: number,
    task: (...args: A) => unknown,
    ...args: A
  ): DelayedCall {
    return this.#calls.enterAbs(time, priority, task, args);
  }

  /** Removes a delayed call from the queue; false when it ran or was cancelled already. */
  cancel(call: DelayedCall): boolean {
    return this.#calls.cancel(call);
  }

  /** The delayed calls still to run, in the order they will. */
  get queue(): DelayedCall[] {
    return this.#calls.list();
  }

  // ─── on Kairos ───────────────────────────────────────────────────────────────────────────────

  /**
   * Hands the jobs to the Kairos scheduler and starts it: from now on it runs them itself, in
   * parallel on its executors, logging errors instead of throwing them. A job a persistent store
   * kept from an earlier start, made by the same line of code, is picked up where it was rather
   * than added again.
   * @throws the error of a job Kairos refuses (a function task for a persistent store, say);
   *   the scheduler then stays stopped
   */
  start(options: StartOptions = {}): Promise<void> {
    return this.#link.start(options);
  }

  /**
   * Stops the Kairos scheduler (by default after the running jobs finish). The jobs stay, with
   * their next run times; `runPending()` works again, and so does `start()`.
   * @throws ScheduleError when the scheduler is not running
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    return this.#link.shutdown(options);
  }

  // ─── internals ───────────────────────────────────────────────────────────────────────────────

  #checkTask(task: FluentTask, call: string): void {
    if (typeof task === 'function') return;
    if (typeof task !== 'string' || task === '') {
      throw new TypeError(
        `${call}: a task is a function, a registered task name or a module reference such as ` +
          `'./tasks.js#report'; got ${show(task)}`,
      );
    }
    // Module references load when the job is added to Kairos or first runs; names must exist.
    if (!isModuleReference(task)) {
      const resolved = this.kairos.resolveTask(task);
      if (resolved instanceof Promise) resolved.catch(() => undefined);
    }
  }
}
