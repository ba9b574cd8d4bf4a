/**
 * The fluent scheduler: `schedule`'s API over Kairos. Jobs are timed by Kairos triggers in both
 * loop styles. In the manual one, `runPending()` runs the due jobs in the caller's loop, like
 * `schedule`. After `start()`, the jobs live in a Kairos `BackgroundScheduler` (`kairos`), which
 * runs them on its executors, logs their errors and can keep them in a persistent store.
 */
import {
  DateTrigger,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_REMOVED,
  EVENT_JOB_SUBMITTED,
  JobEvent,
  JobExecutionEvent,
  JobLookupError,
  isModuleReference,
  sameSchedule,
  type AnySchedulerEvent,
  type SchedulerConfig,
  type ShutdownOptions,
  type StartOptions,
  type TaskFunction,
  type Trigger,
  show,
} from 'kairos';
import { isCancelJob } from './cancel-job.js';
import { compareCalls, DelayedCall, type CallHost } from './delayed-call.js';
import { FluentEngine } from './engine.js';
import { ScheduleError, ScheduleValueError } from './errors.js';
import type { FluentOptions, FluentTask } from './interfaces.js';
import { Job, type JobHost } from './job.js';

/**
 * The engine events that change what a fluent job knows: a run claimed (submitted, or refused by
 * `maxInstances`), which moved its next run time; a result (`CancelJob`); its removal.
 */
const JOB_EVENTS =
  EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_EXECUTED | EVENT_JOB_REMOVED;

/** Id prefix of the engine jobs that run the delayed calls due at one time. */
const CALLS_ID = 'fluent-calls@';

/** Options of `runAll()`. */
export interface RunAllOptions {
  /** Seconds to wait between one job and the next. Default 0. */
  delaySeconds?: number;
}

/**
 * A scheduler with `schedule`'s API. Several can live side by side; each has its own jobs and
 * its own Kairos scheduler underneath.
 *
 * @example
 * const scheduler = new Scheduler();
 * scheduler.every(10).minutes.do(job);
 * setInterval(() => void scheduler.runPending(), 1000); // the manual loop, or:
 * await scheduler.start(); // Kairos runs the jobs
 */
export class Scheduler {
  /**
   * The Kairos scheduler underneath, for everything the fluent API does not cover: listeners,
   * `printJobs()`, jobs with cron triggers. It owns the jobs while the fluent scheduler runs.
   */
  readonly kairos: FluentEngine;
  readonly #random: () => number;
  readonly #jobs: Job[] = [];
  readonly #byId = new Map<string, Job>();
  /** Jobs handed to the engine. */
  readonly #adopted = new WeakSet<Job>();
  /** Ids of adopted jobs cancelled while the engine was stopped; removed at the next start. */
  readonly #removeAtStart = new Set<string>();
  /** Delayed calls, in queue order. */
  readonly #calls: DelayedCall[] = [];
  /** Times that have an engine job for their delayed calls. */
  readonly #armedCallTimes = new Set<number>();
  #callSeq = 0;
  #mode: 'manual' | 'starting' | 'running' = 'manual';
  readonly #host: JobHost & CallHost;

  /**
   * @param config the Kairos configuration (the dictionary `BackgroundScheduler` takes): time
   *   zone, clock, logger, job stores, executors, registered tasks
   */
  constructor(config: SchedulerConfig = {}, options: FluentOptions = {}) {
    this.kairos = new FluentEngine(config);
    this.#random = options.random ?? Math.random;
    this.kairos.addListener((event) => this.#onEngineEvent(event), JOB_EVENTS);
    this.#host = {
      now: () => this.kairos.clock.now(),
      zone: () => this.kairos.timezone,
      random: this.#random,
      checkTask: (task, call) => this.#checkTask(task, call),
      adopt: (job) => this.#take(job),
      cancelJob: (job) => this.cancelJob(job),
      cancel: (call) => this.cancel(call),
    };
  }

  /** The time zone of `at()` times without a zone of their own, and of `until()` strings. */
  get timezone(): string {
    return this.kairos.timezone;
  }

  /** Whether `start()` handed the jobs to Kairos (and `shutdown()` has not taken them back). */
  get running(): boolean {
    return this.#mode === 'running';
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
    return tag === undefined ? [...this.#jobs] : this.#jobs.filter((job) => job.tags.has(tag));
  }

  /** Cancels every job, or those with a tag. */
  clear(tag?: string): void {
    for (const job of this.getJobs(tag)) this.cancelJob(job);
  }

  /** Cancels a job; one that is not scheduled (any more) is ignored. */
  cancelJob(job: Job): void {
    if (!this.#jobs.includes(job)) return;
    const adopted = this.#adopted.has(job);
    this.#forget(job);
    if (!adopted) return;
    if (this.#mode === 'manual') {
      // A stopped engine's stores keep their jobs; this one goes when the engine starts again.
      this.#removeAtStart.add(job.id);
    } else {
      void this.#removeFromEngine(job.id);
    }
  }

  /**
   * When the next job runs (the next with a tag), or null when none is scheduled. Without a tag,
   * delayed calls count too.
   */
  nextRun(tag?: string): Date | null {
    let next: number | null = null;
    for (const job of this.getJobs(tag)) {
      if (job.nextRunMs !== null && (next === null || job.nextRunMs < next)) next = job.nextRunMs;
    }
    const call = this.#calls[0];
    if (tag === undefined && call !== undefined && (next === null || call.time.getTime() < next)) {
      next = call.time.getTime();
    }
    return next === null ? null : new Date(next);
  }

  /**
   * Seconds until the next run: negative when it is overdue, null when nothing is scheduled.
   * A manual loop can sleep that long between `runPending()` calls.
   */
  idleSeconds(): number | null {
    const next = this.nextRun();
    return next === null ? null : (next.getTime() - this.kairos.clock.now()) / 1000;
  }

  // ─── the manual loop ─────────────────────────────────────────────────────────────────────────

  /**
   * Runs the jobs and delayed calls that are due, one after another in the order they were due,
   * awaiting each. A job missed several times runs once. Each job's next run is set before it
   * runs, so one that throws is not run again at once; the other due jobs still run, then the
   * error is thrown (an `AggregateError` when several failed).
   * @throws ScheduleError while the scheduler runs on Kairos (after `start()`)
   */
  async runPending(): Promise<void> {
    this.#checkManual('runPending()');
    const now = this.kairos.clock.now();
    const due: { at: number; run: () => Promise<void> }[] = [];
    const jobs = this.#jobs.filter((job) => job.nextRunMs !== null && job.nextRunMs <= now);
    for (const job of jobs) due.push({ at: job.nextRunMs ?? now, run: () => this.#runDue(job) });
    for (const call of this.#calls) {
      if (call.time.getTime() > now) break;
      due.push({ at: call.time.getTime(), run: () => this.#runCall(call) });
    }
    due.sort((a, b) => a.at - b.at);
    const errors: unknown[] = [];
    for (const item of due) {
      try {
        await item.run();
      } catch (error) {
        errors.push(error);
      }
    }
    throwErrors(errors, 'runPending()');
  }

  /**
   * Runs every job now, whether due or not, one after another. Their schedules stay as they
   * were, as Kairos's `runJob` does. In the manual loop each run is awaited and errors are thrown
   * at the end; after `start()` each job is handed to its executor.
   */
  async runAll(options: RunAllOptions = {}): Promise<void> {
    const delaySeconds = options.delaySeconds ?? 0;
    if (typeof delaySeconds !== 'number' || !Number.isFinite(delaySeconds) || delaySeconds < 0) {
      throw new ScheduleValueError(
        `runAll({delaySeconds: ${show(delaySeconds)}}): the delay is a number of seconds ≥ 0`,
      );
    }
    const errors: unknown[] = [];
    for (const [index, job] of [...this.#jobs].entries()) {
      if (index > 0 && delaySeconds > 0) await this.#sleep(delaySeconds);
      if (!this.#jobs.includes(job)) continue;
      try {
        if (this.#mode === 'manual') await this.#runNow(job);
        else await this.kairos.runJob(job.id, job.options.jobstore);
      } catch (error) {
        errors.push(error);
      }
    }
    throwErrors(errors, 'runAll()');
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
    if (typeof delaySeconds !== 'number' || !Number.isFinite(delaySeconds) || delaySeconds < 0) {
      throw new ScheduleValueError(
        `enter(${show(delaySeconds)}, …): the delay is a number of seconds ≥ 0`,
      );
    }
    return this.enterAbs(this.kairos.clock.now() + delaySeconds * 1000, priority, task, ...args);
  }

  /** Calls `task(...args)` once, at `time`. Like `enter`, with a time instead of a delay. */
  enterAbs<A extends unknown[]>(
    time: Date | number,
    priority: number,
    task: (...args: A) => unknown,
    ...args: A
  ): DelayedCall {
    const at = time instanceof Date ? time.getTime() : time;
    if (typeof at !== 'number' || !Number.isFinite(at)) {
      throw new ScheduleValueError(
        `enterAbs(${show(time)}, …): the time is a valid Date or epoch ms`,
      );
    }
    if (typeof priority !== 'number' || !Number.isFinite(priority)) {
      throw new ScheduleValueError(`enter…(…, ${show(priority)}, …): the priority is a number`);
    }
    if (typeof task !== 'function') {
      throw new TypeError(`enter…(…, ${show(task)}): a delayed call runs a function`);
    }
    const call = new DelayedCall(this.#host, at, priority, task, args, this.#callSeq++);
    const index = this.#calls.findIndex((other) => compareCalls(call, other) < 0);
    this.#calls.splice(index < 0 ? this.#calls.length : index, 0, call);
    if (this.#mode !== 'manual') {
      this.#armCalls(at).catch((error: unknown) =>
        this.kairos.logError(
          `Could not schedule the delayed calls due at ${new Date(at).toISOString()}`,
          error,
        ),
      );
    }
    return call;
  }

  /** Removes a delayed call from the queue; false when it ran or was cancelled already. */
  cancel(call: DelayedCall): boolean {
    const index = this.#calls.indexOf(call);
    if (index < 0) return false;
    this.#calls.splice(index, 1);
    return true;
  }

  /** The delayed calls still to run, in the order they will. */
  get queue(): DelayedCall[] {
    return [...this.#calls];
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
  async start(options: StartOptions = {}): Promise<void> {
    if (this.#mode !== 'manual') throw new ScheduleError('start(): the scheduler runs already');
    this.#mode = 'starting';
    try {
      await this.kairos.start({ paused: true });
    } catch (error) {
      this.#mode = 'manual';
      throw error;
    }
    try {
      for (const id of this.#removeAtStart) await this.#removeFromEngine(id);
      this.#removeAtStart.clear();
      for (const time of new Set(this.#calls.map((call) => call.time.getTime()))) {
        await this.#armCalls(time);
      }
      // Jobs made while this runs are picked up too, up to the switch to 'running' just below.
      for (let job = this.#nextUnadopted(); job !== undefined; job = this.#nextUnadopted()) {
        await this.#adopt(job);
      }
    } catch (error) {
      await this.kairos.shutdown({ wait: false });
      this.#mode = 'manual';
      throw error;
    }
    this.#mode = 'running';
    if (options.paused !== true) this.kairos.resume();
  }

  /**
   * Stops the Kairos scheduler (by default after the running jobs finish). The jobs stay, with
   * their next run times; `runPending()` works again, and so does `start()`.
   * @throws ScheduleError when the scheduler is not running
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.#mode !== 'running') {
      throw new ScheduleError('shutdown(): the scheduler is not running; start() runs it');
    }
    this.#mode = 'manual';
    this.#armedCallTimes.clear();
    await this.kairos.shutdown(options);
  }

  // ─── internals ───────────────────────────────────────────────────────────────────────────────

  /**
   * Takes a job `do()` finished, under its `with({id})` or an id made from its task and
   * arguments: the same line of code makes the same id at each start, so a persistent store's
   * job is found again, and a changed schedule replaces it rather than adding a second job.
   */
  #take(job: Job): void {
    const base = job.options.id ?? `fluent:${job.call}`;
    let id = base;
    for (let n = 2; this.#byId.has(id); n++) id = `${base} #${n}`;
    job.id = id;
    this.#jobs.push(job);
    this.#byId.set(id, job);
    if (this.#mode !== 'running') return;
    this.#adopt(job).catch((error: unknown) => {
      this.cancelJob(job);
      this.kairos.logError(`Could not schedule job "${job.name}"; it is cancelled`, error);
    });
  }

  /**
   * Puts a job into the engine: updates the stored one when a persistent store has it from an
   * earlier start with the same schedule (keeping its next run time), adds it otherwise.
   */
  async #adopt(job: Job): Promise<void> {
    const trigger = job.trigger as Trigger;
    const { executor, jobstore, misfireGraceTime = null, maxInstances = 1, timeout } = job.options;
    const fields = {
      name: job.name,
      args: job.args,
      misfireGraceTime,
      maxInstances,
      coalesce: true,
      ...(executor === undefined ? {} : { executor }),
      ...(timeout === undefined ? {} : { timeout }),
    };
    const task = job.task as FluentTask;
    const existing = await this.kairos.getJob(job.id, jobstore);
    const stored =
      existing !== null &&
      existing.state !== 'unrestorable' &&
      sameSchedule(existing.trigger, trigger, ['startDate'])
        ? await this.kairos.modifyJob(job.id, { ...fields, task, trigger }, existing.jobstore)
        : await this.kairos.addJob(task, trigger, {
            ...fields,
            id: job.id,
            ...(jobstore === undefined ? {} : { jobstore }),
            replaceExisting: true,
          });
    if (this.#byId.get(job.id) !== job) {
      // Cancelled while it was being added.
      await this.#removeFromEngine(job.id);
      return;
    }
    this.#adopted.add(job);
    job.nextRunMs = stored.nextRunTimeMs;
  }

  #nextUnadopted(): Job | undefined {
    return this.#jobs.find((job) => !this.#adopted.has(job));
  }

  /** Drops a job from this scheduler's lists (not from the engine's stores). */
  #forget(job: Job): void {
    this.#jobs.splice(this.#jobs.indexOf(job), 1);
    this.#byId.delete(job.id);
    this.#adopted.delete(job);
    job.nextRunMs = null;
  }

  async #removeFromEngine(id: string): Promise<void> {
    try {
      await this.kairos.removeJob(id);
    } catch (error) {
      if (!(error instanceof JobLookupError)) {
        this.kairos.logError(`Could not remove cancelled job "${id}"`, error);
      }
    }
  }

  /** Keeps each job's view of its runs up to date as the engine runs it. */
  #onEngineEvent(event: AnySchedulerEvent): void {
    if (!(event instanceof JobEvent)) return;
    const job = this.#byId.get(event.jobId);
    if (job === undefined || !this.#adopted.has(job)) return;
    if (event.code === EVENT_JOB_REMOVED) {
      // Its trigger ran out, or it was removed through `kairos`.
      this.#forget(job);
      return;
    }
    if (event instanceof JobExecutionEvent) {
      if (isCancelJob(event.retval)) this.cancelJob(job);
      return;
    }
    // Claimed: the store has moved the next run time already; read it once per run.
    if (event.code === EVENT_JOB_SUBMITTED) job.lastRunMs = this.kairos.clock.now();
    void this.#refresh(job);
  }

  /** Reads a job's next run time back from the engine; cancels it once that passes `until`. */
  async #refresh(job: Job): Promise<void> {
    try {
      const stored = await this.kairos.getJob(job.id, job.options.jobstore);
      if (this.#byId.get(job.id) !== job || stored === null) return;
      job.nextRunMs = stored.nextRunTimeMs;
      if (job.deadlineMs !== null && job.nextRunMs !== null && job.nextRunMs > job.deadlineMs) {
        this.cancelJob(job);
      }
    } catch (error) {
      if (this.#mode === 'running') {
        this.kairos.logError(`Could not read back job "${job.name}"`, error);
      }
    }
  }

  /** One due job of the manual loop: next run set first, missed runs coalesced into this one. */
  async #runDue(job: Job): Promise<void> {
    if (!this.#jobs.includes(job)) return; // cancelled by a job that ran before it
    const now = this.kairos.clock.now();
    job.nextRunMs = nextRunAfter(job.trigger as Trigger, job.nextRunMs ?? now, now);
    await this.#runNow(job); // which cancels the job instead when its deadline has passed
  }

  /**
   * Runs a job in the caller's loop, unless its deadline has passed; cancels it then, or when it
   * returns `CancelJob` or has no next run.
   */
  async #runNow(job: Job): Promise<void> {
    if (job.deadlineMs !== null && this.kairos.clock.now() > job.deadlineMs) {
      this.cancelJob(job);
      return;
    }
    job.lastRunMs = this.kairos.clock.now();
    let result: unknown;
    try {
      const task = (await this.kairos.resolveTask(job.task as FluentTask)) as (
        ...args: unknown[]
      ) => unknown;
      result = await task(...job.args);
    } finally {
      const next = job.nextRunMs;
      const ended = next === null || (job.deadlineMs !== null && next > job.deadlineMs);
      if (isCancelJob(result) || ended) this.cancelJob(job);
    }
  }

  async #runCall(call: DelayedCall): Promise<void> {
    if (!this.cancel(call)) return; // cancelled by an earlier run
    await (call.task as (...args: unknown[]) => unknown)(...call.args);
  }

  /** Makes sure an engine job runs the delayed calls due at `time`. */
  async #armCalls(time: number): Promise<void> {
    if (this.#armedCallTimes.has(time)) return;
    this.#armedCallTimes.add(time);
    const iso = new Date(time).toISOString();
    await this.kairos.addJob(() => this.#runCallsDue(), new DateTrigger({ runDate: time }), {
      id: `${CALLS_ID}${iso}`,
      name: `Delayed calls due at ${iso}`,
      misfireGraceTime: null,
      replaceExisting: true,
    });
  }

  /** The engine job of delayed calls: runs every call due by now, in queue order. */
  async #runCallsDue(): Promise<void> {
    const now = this.kairos.clock.now();
    const errors: unknown[] = [];
    for (const call of this.#calls.filter((queued) => queued.time.getTime() <= now)) {
      try {
        await this.#runCall(call);
      } catch (error) {
        errors.push(error);
      }
    }
    for (const time of this.#armedCallTimes) if (time <= now) this.#armedCallTimes.delete(time);
    throwErrors(errors, 'delayed calls');
  }

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

  #checkManual(call: string): void {
    if (this.#mode !== 'manual') {
      throw new ScheduleError(
        `${call}: the scheduler runs its jobs itself since start(); shutdown() returns it to the manual loop`,
      );
    }
  }

  #sleep(seconds: number): Promise<void> {
    return new Promise((resolve) => this.kairos.clock.setTimer(resolve, seconds * 1000));
  }
}

/** The first fire time after `now`, continuing from `previous` (missed ones coalesced). */
function nextRunAfter(trigger: Trigger, previous: number, now: number): number | null {
  const skipped = trigger.skipTo?.(new Date(previous), new Date(now + 1));
  let next =
    skipped === undefined ? trigger.getNextFireTime(new Date(previous), new Date(now)) : skipped;
  while (next !== null && next.getTime() <= now)
    next = trigger.getNextFireTime(next, new Date(now));
  return next === null ? null : next.getTime();
}

function throwErrors(errors: unknown[], what: string): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1)
    throw new AggregateError(errors, `${errors.length} runs failed in ${what}`);
}
