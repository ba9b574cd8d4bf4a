/**
 * BaseScheduler: APScheduler's scheduler API and main loop. It binds job stores, executors and
 * triggers; keeps pending jobs until start; runs the loop (due jobs, coalescing, misfire via the
 * executors, maxInstances, exhaustion) on the injected clock; and never lets a store, executor
 * or listener failure stop the loop.
 */
import {
  DateTrigger,
  formatDuration,
  formatWallTime,
  hostTimezone,
  isTrigger,
  show,
  type Trigger,
} from '@kairos/triggers';
import { MAX_TIMER_MS, systemClock } from './clock.js';
import {
  isComponentRequest,
  parseConfig,
  type ComponentRequest,
  type SchedulerConfig,
} from './config/index.js';
import {
  ComponentLookupError,
  ConfigurationError,
  ConflictingIdError,
  JobLookupError,
  JobOptionError,
  SchedulerAlreadyRunningError,
  SchedulerNotRunningError,
} from './errors.js';
import {
  EVENT_ALL,
  EVENT_ALL_JOBS_REMOVED,
  EVENT_EXECUTOR_ADDED,
  EVENT_EXECUTOR_REMOVED,
  EVENT_JOB_ADDED,
  EVENT_JOB_MODIFIED,
  EVENT_JOB_REMOVED,
  EVENT_JOB_UNRESTORABLE,
  EVENT_JOBSTORE_ADDED,
  EVENT_JOBSTORE_REMOVED,
  EVENT_SCHEDULER_PAUSED,
  EVENT_SCHEDULER_RESUMED,
  EVENT_SCHEDULER_SHUTDOWN,
  EVENT_SCHEDULER_STARTED,
  JobEvent,
  JobUnrestorableEvent,
  SchedulerEvent,
  type EventListener,
  type EventMap,
  type SchedulerErrorEvent,
} from './events.js';
import { AsyncExecutor } from './executors/async.js';
import type {
  AddJobOptions,
  ClaimedRun,
  Clock,
  ClockTimer,
  Executor,
  ExecutorContext,
  JobChanges,
  JobDefaults,
  JobHost,
  JobStore,
  JobStoreContext,
  PluginSpec,
  SchedulerState,
  Task,
  TaskFunction,
  TriggerInput,
} from './interfaces.js';
import { newJobId, newSchedulerId } from './ids.js';
import { Job, type JobFields, type ListedJob } from './job.js';
import {
  checkAddJobOptions,
  checkJobChanges,
  checkTriggerSpecHasNoJobOptions,
  instantOf,
  normalizeAddJobArguments,
} from './job-options.js';
import { eventCodeByName, Listeners, type ErrorListener } from './listeners.js';
import { defaultLogger, Log } from './logger.js';
import { MemoryJobStore } from './jobstores/memory.js';
import { defaultRegistry } from './builtins.js';
import type { PluginRegistry } from './registry.js';
import { RunLayer } from './runs/layer.js';
import { dueRunTimes, type DueRuns } from './runs/run-times.js';
import { exportDocument, parseJobsExport, restoreJobFields, serializeJob } from './serialize.js';
import { sameSchedule } from './same-schedule.js';
import { TaskRegistry } from './tasks.js';

/** Options of `start()`. */
export interface StartOptions {
  /** Start with job processing paused; `resume()` starts it. Default false. */
  paused?: boolean;
}

/** Options of `shutdown()`. */
export interface ShutdownOptions {
  /** Wait for running jobs to finish. Default true. */
  wait?: boolean;
}

/** Where `printJobs` writes. */
export interface PrintJobsOptions {
  /** Only this job store. */
  jobstore?: string;
  /** A writable with `write(text)`. Default: `process.stdout`. */
  out?: { write(text: string): unknown };
}

/** Options of the scheduler constructor besides its configuration. */
export interface SchedulerSetup {
  /** The plugin registry aliases are looked up in. Default: the shared registry. */
  registry?: PluginRegistry;
}

interface PendingJob {
  job: Job;
  /** The first run time is computed from the trigger at start. */
  computeNextRunTime: boolean;
  replaceExisting: boolean;
  /** Trigger spec keys left to their defaults (see {@link defaultedKeys}). */
  defaulted: readonly string[];
}

const EMPTY_ARGS: readonly unknown[] = Object.freeze([]);

/** How many due jobs one pass claims from a store at most; a full batch triggers another pass. */
const CLAIM_BATCH = 1000;

/**
 * The scheduler API shared by {@link BackgroundScheduler} and {@link BlockingScheduler}.
 * Methods that touch job stores return promises; the rest are synchronous.
 */
export abstract class BaseScheduler implements JobHost {
  #timezone: string = hostTimezone();
  #jobDefaults: Required<JobDefaults> = { misfireGraceTime: 1, coalesce: true, maxInstances: 1 };
  #jobstoreRetryInterval = 10;
  #maxSleepTime = 60;
  #daemon = true;
  #clock: Clock = systemClock;
  #log = new Log(defaultLogger);
  readonly #registry: PluginRegistry;
  readonly #tasks: TaskRegistry = new TaskRegistry();

  readonly #jobstores = new Map<string, JobStore | ComponentRequest>();
  readonly #executors = new Map<string, Executor | ComponentRequest>();
  /** The job stores that are started (while the scheduler runs); the run layer keeps the started executors. */
  readonly #liveStores = new Map<string, JobStore>();
  #pending: PendingJob[] = [];
  #state: SchedulerState = 'stopped';
  #starting = false;

  readonly #listeners = new Listeners(() => this.#log);
  /** This scheduler's id: it names the scheduler in its run records. */
  readonly id: string = newSchedulerId();
  readonly #runs = new RunLayer(
    this.id,
    () => this.#clock,
    this.#listeners,
    () => this.#log,
  );

  #timer: ClockTimer | null = null;
  /** When the armed timer fires (epoch ms), or null when none is armed. */
  #wakeAt: number | null = null;
  #processing = false;
  #again = false;
  #processScheduled = false;
  /** The earliest run time of the jobs added or changed during the current pass. */
  #addedDuringPass: number | null = null;
  #keepAlive: ReturnType<typeof setInterval> | null = null;
  /** Whether the warning about unrestricted task modules was given. */
  #warnedOfTaskLoading = false;
  #stopped: { promise: Promise<void>; resolve: () => void } | null = null;

  /**
   * @param config the nested options object or a flat `kairos.`-prefixed dictionary
   * @throws ConfigurationError naming the key and the value
   */
  constructor(config: SchedulerConfig = {}, setup: SchedulerSetup = {}) {
    this.#registry = setup.registry ?? defaultRegistry;
    this.configure(config);
  }

  // ─── configuration and state ─────────────────────────────────────────────────────────────────

  /**
   * Applies configuration (merging with what was configured before). Takes the nested object
   * and/or flat `kairos.`-prefixed keys with APScheduler's string coercion.
   * @throws SchedulerAlreadyRunningError when the scheduler runs
   * @throws ConfigurationError naming the bad key and value
   */
  configure(config: SchedulerConfig, prefix = 'kairos.'): void {
    if (this.#state !== 'stopped' || this.#starting) {
      throw new SchedulerAlreadyRunningError('configure()');
    }
    const parsed = parseConfig(config, this.#registry, prefix);
    if (parsed.timezone !== undefined) this.#timezone = parsed.timezone;
    if (parsed.jobDefaults !== undefined) {
      this.#jobDefaults = { ...this.#jobDefaults, ...definedOnly(parsed.jobDefaults) };
    }
    if (parsed.jobstoreRetryInterval !== undefined)
      this.#jobstoreRetryInterval = parsed.jobstoreRetryInterval;
    if (parsed.maxSleepTime !== undefined) this.#maxSleepTime = parsed.maxSleepTime;
    if (parsed.daemon !== undefined) this.#daemon = parsed.daemon;
    if (parsed.clock !== undefined) this.#clock = parsed.clock;
    if (parsed.logger !== undefined) this.#log = new Log(parsed.logger);
    for (const [alias, store] of parsed.jobstores ?? []) this.#jobstores.set(alias, store);
    for (const [alias, executor] of parsed.executors ?? []) this.#executors.set(alias, executor);
    for (const [name, task] of Object.entries(parsed.tasks ?? {})) this.registerTask(name, task);
    if (parsed.taskModules !== undefined) this.#tasks.allowModules(parsed.taskModules);
  }

  /** `'stopped'`, `'running'` or `'paused'`. */
  get state(): SchedulerState {
    return this.#state;
  }

  /** Whether the scheduler was started and not shut down (paused counts as running). */
  get running(): boolean {
    return this.#state !== 'stopped';
  }

  /** The scheduler's time zone: the default of triggers built from specs. */
  get timezone(): string {
    return this.#timezone;
  }

  /** The clock the scheduler reads. */
  get clock(): Clock {
    return this.#clock;
  }

  /** Whether the loop's timers leave the process free to exit (BackgroundScheduler `daemon`). */
  protected get daemon(): boolean {
    return this.#daemon;
  }

  /** The scheduler's log. */
  protected get log(): Log {
    return this.#log;
  }

  /** Whether this front-end holds the process open while it runs. */
  protected abstract get keepsProcessAlive(): boolean;

  /**
   * Registers a task under a name, for jobs that refer to it by that name: a function, or a
   * module reference (`'./tasks/report.js#build'`), which the worker executor can load too.
   * @throws TaskLookupError when the name or the task is not usable
   */
  registerTask(name: string, task: TaskFunction | string): this {
    this.#tasks.register(name, task);
    return this;
  }

  /**
   * The function a task stands for: a function as is, a registered name's function, or a module
   * reference's export (imported once, so the result may be a promise). Front-ends that run
   * tasks themselves, such as `@kairos/fluent`'s `runPending()`, resolve them here.
   * @throws TaskLookupError when the name is not registered or the module cannot be loaded
   */
  resolveTask(task: Task): TaskFunction | Promise<TaskFunction> {
    return this.#tasks.resolve(task);
  }

  // ─── lifecycle ───────────────────────────────────────────────────────────────────────────────

  /**
   * Starts the scheduler: builds the configured job stores and executors (a memory store and an
   * async executor as `default` when none is configured), starts them, adds the pending jobs
   * with their first run times, and starts the loop.
   * @throws SchedulerAlreadyRunningError when it runs already
   */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.#state !== 'stopped' || this.#starting) {
      throw new SchedulerAlreadyRunningError('start()');
    }
    this.#starting = true;
    try {
      await this.#startComponents();
      while (this.#pending.length > 0) {
        const pending = this.#pending[0];
        if (pending === undefined) break;
        await this.#realAddJob(
          pending.job,
          pending.computeNextRunTime,
          pending.replaceExisting,
          pending.defaulted,
        );
        this.#pending.shift();
      }
    } catch (error) {
      await this.#stopComponents(false);
      throw error;
    } finally {
      this.#starting = false;
    }
    this.#state = options.paused === true ? 'paused' : 'running';
    let resolveStopped = (): void => undefined;
    const stopped = new Promise<void>((resolve) => {
      resolveStopped = resolve;
    });
    this.#stopped = { promise: stopped, resolve: resolveStopped };
    if (this.keepsProcessAlive) this.#keepAlive = setInterval(() => undefined, MAX_TIMER_MS);
    this.#log.info('Scheduler started');
    this.#listeners.emit(
      EVENT_SCHEDULER_STARTED,
      () => new SchedulerEvent(EVENT_SCHEDULER_STARTED),
    );
    if (this.#state === 'running') this.wakeup();
  }

  /**
   * Shuts the scheduler down: stops the loop, shuts down executors (with `wait`, after their
   * running jobs finish) and job stores. The memory store keeps its jobs, so `start()` again
   * picks up where it left off.
   * @throws SchedulerNotRunningError when it is not running
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (this.#state === 'stopped') throw new SchedulerNotRunningError('shutdown()');
    this.#state = 'stopped';
    this.#disarm();
    await this.#stopComponents(options.wait ?? true);
    if (this.#keepAlive !== null) clearInterval(this.#keepAlive);
    this.#keepAlive = null;
    this.#log.info('Scheduler has been shut down');
    this.#listeners.emit(
      EVENT_SCHEDULER_SHUTDOWN,
      () => new SchedulerEvent(EVENT_SCHEDULER_SHUTDOWN),
    );
    const stopped = this.#stopped;
    this.#stopped = null;
    stopped?.resolve();
  }

  /** Resolves when the scheduler shuts down (at once when it is not running). */
  protected whenStopped(): Promise<void> {
    return this.#stopped?.promise ?? Promise.resolve();
  }

  /** Pauses job processing; jobs due meanwhile run (or are missed) on `resume()`. */
  pause(): void {
    if (this.#state === 'stopped') throw new SchedulerNotRunningError('pause()');
    if (this.#state !== 'running') return;
    this.#state = 'paused';
    this.#disarm();
    this.#log.info('Paused scheduler job processing');
    this.#listeners.emit(EVENT_SCHEDULER_PAUSED, () => new SchedulerEvent(EVENT_SCHEDULER_PAUSED));
  }

  /** Resumes job processing after `pause()` (or `start({paused: true})`). */
  resume(): void {
    if (this.#state === 'stopped') throw new SchedulerNotRunningError('resume()');
    if (this.#state !== 'paused') return;
    this.#state = 'running';
    this.#log.info('Resumed scheduler job processing');
    this.#listeners.emit(
      EVENT_SCHEDULER_RESUMED,
      () => new SchedulerEvent(EVENT_SCHEDULER_RESUMED),
    );
    this.wakeup();
  }

  /** Makes the loop look for due jobs now instead of at its next planned wakeup. */
  wakeup(): void {
    if (this.#state !== 'running') return;
    if (this.#processing) {
      this.#again = true;
      return;
    }
    if (this.#processScheduled) return;
    this.#processScheduled = true;
    queueMicrotask(() => {
      this.#processScheduled = false;
      void this.#process();
    });
  }

  // ─── executors and job stores ────────────────────────────────────────────────────────────────

  /**
   * Adds an executor: an instance, or a spec such as `{type: 'async', maxWorkers: 20}`.
   * @throws ConfigurationError when the alias is taken or the spec is bad
   */
  async addExecutor(executor: Executor | PluginSpec, alias = 'default'): Promise<void> {
    if (this.#executors.has(alias)) {
      throw new ConfigurationError(
        `executors.${alias}`,
        `an executor named '${alias}' exists already; remove it first`,
      );
    }
    const entry = this.#parseComponent('executors', alias, executor) as Executor | ComponentRequest;
    if (this.running) {
      const built = await this.#buildExecutor(entry);
      await built.start(this.#executorContext(alias), alias);
      this.#runs.attach(alias, built);
      this.#executors.set(alias, built);
    } else {
      this.#executors.set(alias, entry);
    }
    this.#listeners.emit(
      EVENT_EXECUTOR_ADDED,
      () => new SchedulerEvent(EVENT_EXECUTOR_ADDED, alias),
    );
  }

  /**
   * Removes an executor, shutting it down (waiting for its running jobs) unless told not to.
   * @throws ComponentLookupError when there is none of that alias
   */
  async removeExecutor(alias: string, shutdown = true): Promise<void> {
    if (!this.#executors.has(alias))
      throw new ComponentLookupError('executor', alias, this.#executors.keys());
    this.#executors.delete(alias);
    // The run layer knows the started executors; one never started has nothing to stop.
    if (shutdown) await this.#runs.detach(alias, true);
    else this.#runs.forget(alias);
    this.#listeners.emit(
      EVENT_EXECUTOR_REMOVED,
      () => new SchedulerEvent(EVENT_EXECUTOR_REMOVED, alias),
    );
  }

  /**
   * Adds a job store: an instance, or a spec such as `{type: 'memory'}`.
   * @throws ConfigurationError when the alias is taken or the spec is bad
   */
  async addJobstore(jobstore: JobStore | PluginSpec, alias = 'default'): Promise<void> {
    if (this.#jobstores.has(alias)) {
      throw new ConfigurationError(
        `jobstores.${alias}`,
        `a job store named '${alias}' exists already; remove it first`,
      );
    }
    const entry = this.#parseComponent('jobstores', alias, jobstore) as JobStore | ComponentRequest;
    if (this.running) {
      const built = await this.#buildJobstore(entry);
      await built.start(this.#storeContext(alias), alias);
      this.#liveStores.set(alias, built);
      this.#jobstores.set(alias, built);
    } else {
      this.#jobstores.set(alias, entry);
    }
    this.#listeners.emit(
      EVENT_JOBSTORE_ADDED,
      () => new SchedulerEvent(EVENT_JOBSTORE_ADDED, alias),
    );
    this.wakeup();
  }

  /**
   * Removes a job store (with its jobs, as far as this scheduler is concerned), shutting it
   * down unless told not to.
   * @throws ComponentLookupError when there is none of that alias
   */
  async removeJobstore(alias: string, shutdown = true): Promise<void> {
    if (!this.#jobstores.has(alias))
      throw new ComponentLookupError('job store', alias, this.#jobstores.keys());
    const live = this.#liveStores.get(alias);
    this.#jobstores.delete(alias);
    this.#liveStores.delete(alias);
    if (live !== undefined && shutdown) await live.shutdown();
    this.#listeners.emit(
      EVENT_JOBSTORE_REMOVED,
      () => new SchedulerEvent(EVENT_JOBSTORE_REMOVED, alias),
    );
  }

  // ─── listeners ───────────────────────────────────────────────────────────────────────────────

  /**
   * Calls `listener` for every event whose code is in `mask` (default: all), e.g.
   * `EVENT_JOB_EXECUTED | EVENT_JOB_ERROR`. A listener that throws is logged and skipped.
   */
  addListener(listener: EventListener, mask: number = EVENT_ALL): this {
    this.#listeners.add(listener, mask);
    return this;
  }

  /** Removes a listener added with `addListener` or `on` (every registration of it). */
  removeListener(listener: EventListener): this {
    this.#listeners.remove(listener);
    return this;
  }

  /**
   * Node-style listening by event name (`'job_executed'`, `'job_error'`, …), or `'error'` for
   * failures the scheduler caught and survived (job store, executor, listener).
   */
  on<K extends keyof EventMap>(name: K, listener: (event: EventMap[K]) => unknown): this;
  on(name: 'error', listener: (event: SchedulerErrorEvent) => unknown): this;
  on(name: string, listener: (event: never) => unknown): this {
    if (name === 'error') {
      this.#listeners.addErrorListener(listener as ErrorListener);
      return this;
    }
    return this.addListener(listener as EventListener, eventCodeByName(name));
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof EventMap>(name: K, listener: (event: EventMap[K]) => unknown): this;
  off(name: 'error', listener: (event: SchedulerErrorEvent) => unknown): this;
  off(name: string, listener: (event: never) => unknown): this {
    if (name === 'error') {
      this.#listeners.removeErrorListener(listener as ErrorListener);
      return this;
    }
    eventCodeByName(name);
    return this.removeListener(listener as EventListener);
  }

  // ─── jobs ────────────────────────────────────────────────────────────────────────────────────

  /**
   * Adds a job: `task` runs whenever `trigger` fires (once, now, when no trigger is given).
   * Before `start()` the job is pending and gets its first run time at start.
   *
   * Options may be spelled in snake_case (`misfire_grace_time`) and given as strings (`'2'`),
   * as the configuration dictionary takes them. APScheduler's call shape works too: a trigger
   * alias, its fields, then the options (`addJob(task, 'interval', {seconds: 5}, {id})`), where
   * job options among the fields are moved to the options as APScheduler's keyword arguments are.
   *
   * @example
   * await scheduler.addJob(sendReport, { type: 'cron', day_of_week: 'mon-fri', hour: 9 }, { id: 'report' });
   * await scheduler.addJob(sendReport, 'cron', { day_of_week: 'mon-fri', hour: 9 }, { id: 'report' });
   * @throws JobOptionError, TaskLookupError or TriggerConfigError naming the bad value
   * @throws ConflictingIdError when the id is taken and `replaceExisting` is not set
   */
  async addJob(task: Task, trigger?: TriggerInput | null, options?: AddJobOptions): Promise<Job>;
  async addJob(
    task: Task,
    trigger: string,
    fields?: Record<string, unknown>,
    options?: AddJobOptions,
  ): Promise<Job>;
  async addJob(
    task: Task,
    trigger?: TriggerInput | string | null,
    second?: unknown,
    third?: unknown,
  ): Promise<Job> {
    const call = normalizeAddJobArguments(trigger, second, third, () => addJobLabel(task));
    const { job, computeNextRunTime, replaceExisting } = this.#buildJob(
      task,
      call.trigger,
      call.options,
    );
    return this.#addBuilt(job, computeNextRunTime, replaceExisting, defaultedKeys(call.trigger));
  }

  /** Adds a job `#buildJob` made: pending while stopped, else to its store. */
  async #addBuilt(
    job: Job,
    computeNextRunTime: boolean,
    replaceExisting: boolean,
    defaulted: readonly string[],
  ): Promise<Job> {
    if (typeof job.task === 'string') await this.#checkTaskLoads(job);
    await this.#checkExecutorTakes(job);
    if (this.#state === 'stopped') {
      this.#addPending({ job, computeNextRunTime, replaceExisting, defaulted });
      this.#log.info(
        `Adding job tentatively -- it will be properly scheduled when the scheduler starts`,
      );
      return job;
    }
    return this.#realAddJob(job, computeNextRunTime, replaceExisting, defaulted);
  }

  /**
   * The decorator form of `addJob`: returns a function that schedules the task it is given and
   * returns it unchanged. Bad options throw at once; a failure to store the job is logged and
   * reported to `on('error')` listeners (use `addJob` to await it).
   *
   * @example
   * const tick = scheduler.scheduledJob({ type: 'interval', seconds: 5 })(() => console.log('tick'));
   */
  scheduledJob(
    trigger?: TriggerInput | null,
    options?: AddJobOptions,
  ): <T extends TaskFunction>(task: T) => T {
    return (task) => {
      const { job, computeNextRunTime, replaceExisting } = this.#buildJob(task, trigger, options);
      this.#addBuilt(job, computeNextRunTime, replaceExisting, defaultedKeys(trigger)).catch(
        (error: unknown) => {
          this.#log.error(`Could not add job "${task.name || 'anonymous'}"`, error);
          this.#listeners.reportError('jobstore', job.jobstore, error, 'adding a job');
        },
      );
      return task;
    };
  }

  /**
   * Changes a job's options (task, args, name, trigger, executor, policies, next run time).
   * A new trigger does not change the next run time; `rescheduleJob` does.
   * @throws JobLookupError when there is no such job
   */
  async modifyJob(id: string, changes: JobChanges, jobstore?: string): Promise<Job> {
    const { job, pending } = await this.#findJob(id, jobstore);
    const checked = checkJobChanges(changes, describe(job));
    const fields: { -readonly [K in keyof JobFields]?: JobFields[K] } = {};
    if (checked.task !== undefined) {
      this.#tasks.check(checked.task);
      fields.task = checked.task;
    }
    if (checked.trigger !== undefined) fields.trigger = this.#makeTrigger(checked.trigger);
    if (checked.args !== undefined) fields.args = checked.args;
    if (checked.name !== undefined) fields.name = checked.name;
    if (checked.executor !== undefined)
      fields.executor = this.#checkExecutorAlias(checked.executor);
    if (checked.misfireGraceTime !== undefined) fields.misfireGraceTime = checked.misfireGraceTime;
    if (checked.coalesce !== undefined) fields.coalesce = checked.coalesce;
    if (checked.maxInstances !== undefined) fields.maxInstances = checked.maxInstances;
    if (checked.timeout !== undefined) fields.timeout = checked.timeout;
    if (checked.nextRunTime !== undefined) {
      fields.nextRunTimeMs =
        checked.nextRunTime === null
          ? null
          : instantOf(checked.nextRunTime, this.#timezone, describe(job));
    }
    const updated = job.with(fields);
    if (fields.task !== undefined) await this.#checkTaskLoads(updated);
    if (fields.task !== undefined || fields.args !== undefined || fields.executor !== undefined)
      await this.#checkExecutorTakes(updated);
    if (pending !== undefined) {
      pending.job = updated;
      if (checked.nextRunTime !== undefined) pending.computeNextRunTime = false;
    } else {
      await this.#store(updated.jobstore).updateJob(updated);
    }
    this.#listeners.emit(
      EVENT_JOB_MODIFIED,
      () => new JobEvent(EVENT_JOB_MODIFIED, id, updated.jobstore),
    );
    this.#wakeFor(updated.nextRunTimeMs);
    return updated;
  }

  /** Gives a job a new trigger and sets its next run time to the trigger's first fire time. */
  async rescheduleJob(id: string, trigger: TriggerInput, jobstore?: string): Promise<Job> {
    const built = this.#makeTrigger(trigger);
    const next = built.getNextFireTime(null, new Date(this.#clock.now()));
    return this.modifyJob(id, { trigger: built, nextRunTime: next }, jobstore);
  }

  /** Pauses a job: it keeps its place in its store but has no next run time. */
  async pauseJob(id: string, jobstore?: string): Promise<Job> {
    return this.modifyJob(id, { nextRunTime: null }, jobstore);
  }

  /**
   * Resumes a paused job from its trigger's next fire time after now; removes the job and
   * resolves to null when the trigger has none left.
   */
  async resumeJob(id: string, jobstore?: string): Promise<Job | null> {
    const { job } = await this.#findJob(id, jobstore);
    const next = job.trigger.getNextFireTime(null, new Date(this.#clock.now()));
    if (next === null) {
      await this.removeJob(id, job.jobstore);
      return null;
    }
    return this.modifyJob(id, { nextRunTime: next }, job.jobstore);
  }

  /**
   * The jobs of one store or all of them (pending ones while the scheduler is stopped). Each
   * store's jobs come in its order, followed by the stored jobs it cannot restore, listed as
   * {@link UnrestorableJob}s (`state: 'unrestorable'`, with their `cause`): narrow on `state`
   * before reading a job's trigger or task.
   */
  async getJobs(jobstore?: string): Promise<ListedJob[]> {
    if (this.#state === 'stopped') {
      return this.#pending
        .filter((entry) => jobstore === undefined || entry.job.jobstore === jobstore)
        .map((entry) => entry.job.asPending());
    }
    const jobs: ListedJob[] = [];
    for (const [alias, store] of this.#liveStores) {
      if (jobstore !== undefined && alias !== jobstore) continue;
      jobs.push(...(await store.getAllJobs()));
      // After getAllJobs, which has read every stored job, the store knows all it cannot restore.
      if (store.getUnrestorableJobs) jobs.push(...(await store.getUnrestorableJobs()));
    }
    return jobs;
  }

  /**
   * The job with this id, or null. A stored job its store cannot restore comes as an
   * {@link UnrestorableJob} (`state: 'unrestorable'`).
   */
  async getJob(id: string, jobstore?: string): Promise<ListedJob | null> {
    try {
      const found = await this.#findJob(id, jobstore);
      return found.pending === undefined ? found.job : found.job.asPending();
    } catch (error) {
      if (!(error instanceof JobLookupError)) throw error;
    }
    // The lookup has just tried to restore the job, so a store that cannot knows it by now.
    for (const [alias, store] of this.#liveStores) {
      if ((jobstore !== undefined && alias !== jobstore) || !store.getUnrestorableJobs) continue;
      const found = (await store.getUnrestorableJobs()).find((job) => job.id === id);
      if (found !== undefined) return found;
    }
    return null;
  }

  /**
   * Removes a job.
   * @throws JobLookupError when there is no such job
   */
  async removeJob(id: string, jobstore?: string): Promise<void> {
    let alias: string | undefined;
    if (this.#state === 'stopped') {
      const index = this.#pending.findIndex(
        (entry) =>
          entry.job.id === id && (jobstore === undefined || entry.job.jobstore === jobstore),
      );
      if (index >= 0) {
        alias = this.#pending[index]?.job.jobstore;
        this.#pending.splice(index, 1);
      }
    } else {
      for (const [storeAlias, store] of this.#liveStores) {
        if (jobstore !== undefined && storeAlias !== jobstore) continue;
        try {
          await store.removeJob(id);
          alias = storeAlias;
          break;
        } catch (error) {
          if (!(error instanceof JobLookupError)) throw error;
        }
      }
    }
    if (alias === undefined) throw new JobLookupError(id, jobstore);
    this.#log.info(`Removed job ${id}`);
    const removedFrom = alias;
    this.#listeners.emit(EVENT_JOB_REMOVED, () => new JobEvent(EVENT_JOB_REMOVED, id, removedFrom));
  }

  /** Removes every job of one store, or of all of them. */
  async removeAllJobs(jobstore?: string): Promise<void> {
    if (this.#state === 'stopped') {
      this.#pending = this.#pending.filter(
        (entry) => jobstore !== undefined && entry.job.jobstore !== jobstore,
      );
    } else {
      for (const [alias, store] of this.#liveStores) {
        if (jobstore === undefined || alias === jobstore) await store.removeAllJobs();
      }
    }
    this.#listeners.emit(
      EVENT_ALL_JOBS_REMOVED,
      () => new SchedulerEvent(EVENT_ALL_JOBS_REMOVED, jobstore ?? null),
    );
  }

  /**
   * Runs a job once now, under its `maxInstances`, leaving its schedule untouched. Resolves
   * once the run is submitted; its outcome arrives as a JOB_EXECUTED / JOB_ERROR event.
   * @throws JobLookupError, SchedulerNotRunningError, MaxInstancesReachedError,
   *   ExecutorQueueFullError
   */
  async runJob(id: string, jobstore?: string): Promise<void> {
    if (this.#state === 'stopped') throw new SchedulerNotRunningError('runJob()');
    const { job } = await this.#findJob(id, jobstore);
    this.#runs.submitNow(job);
  }

  /**
   * Prints the jobs, APScheduler style: pending ones while stopped, else each store's.
   */
  async printJobs(options: PrintJobsOptions = {}): Promise<void> {
    const out = options.out ?? process.stdout;
    const lines: string[] = [];
    if (this.#state === 'stopped') {
      lines.push('Pending jobs:');
      const pending = this.#pending.filter(
        (entry) => options.jobstore === undefined || entry.job.jobstore === options.jobstore,
      );
      if (pending.length === 0) lines.push('    No pending jobs');
      for (const entry of pending) {
        lines.push(
          `    ${entry.computeNextRunTime ? `${entry.job.name} (trigger: ${entry.job.trigger.toString()}, pending)` : entry.job.toString()}`,
        );
      }
    } else {
      for (const alias of [...this.#liveStores.keys()].sort()) {
        if (options.jobstore !== undefined && alias !== options.jobstore) continue;
        lines.push(`Jobstore ${alias}:`);
        const jobs = await this.getJobs(alias);
        if (jobs.length === 0) lines.push('    No scheduled jobs');
        for (const job of jobs) lines.push(`    ${job.toString()}`);
      }
    }
    out.write(lines.join('\n') + '\n');
  }

  /**
   * The jobs (pending ones and those in running stores) as a JSON document that `importJobs`
   * reads back. Tasks must be registered names or module references.
   * @throws SerializationError naming a job that cannot be exported
   */
  async exportJobs(jobstore?: string): Promise<string> {
    const now = this.#clock.now();
    // A pending job whose first run time comes at start is exported with the one it would get
    // now: a null next run time would import as a paused job.
    const jobs = this.#pending
      .filter((entry) => jobstore === undefined || entry.job.jobstore === jobstore)
      .map((entry) =>
        entry.computeNextRunTime
          ? entry.job.with({ nextRunTimeMs: firstRunTime(entry.job.trigger, now) })
          : entry.job,
      );
    // Jobs a store cannot restore stay out: their stored form is the store's to keep.
    if (this.#state !== 'stopped') {
      for (const job of await this.getJobs(jobstore)) {
        if (job.state !== 'unrestorable') jobs.push(job);
      }
    }
    const states = jobs.map((job) => this.#storeContext().serializeJob(job));
    return JSON.stringify(exportDocument(states, now), null, 2);
  }

  /**
   * Adds the jobs of an `exportJobs` document (text or parsed) to a job store.
   * @throws SerializationError when the document is not one; ConflictingIdError on taken ids
   */
  async importJobs(
    document: unknown,
    options: { jobstore?: string; replaceExisting?: boolean } = {},
  ): Promise<Job[]> {
    const alias = options.jobstore ?? 'default';
    this.#checkJobstoreAlias(alias);
    const jobs: Job[] = [];
    for (const state of parseJobsExport(document)) {
      // Restoring checks the task is registered or an allowed module reference.
      const job = this.#storeContext().restoreJob(state, alias);
      await this.#checkTaskLoads(job);
      await this.#checkExecutorTakes(job);
      jobs.push(job);
    }
    const replaceExisting = options.replaceExisting ?? false;
    const added: Job[] = [];
    for (const job of jobs) {
      if (this.#state === 'stopped') {
        this.#addPending({ job, computeNextRunTime: false, replaceExisting, defaulted: [] });
        added.push(job);
      } else {
        added.push(await this.#realAddJob(job, false, replaceExisting, []));
      }
    }
    return added;
  }

  // ─── internals: jobs ─────────────────────────────────────────────────────────────────────────

  #buildJob(
    task: Task,
    trigger: TriggerInput | null | undefined,
    rawOptions: AddJobOptions | undefined,
  ): { job: Job; computeNextRunTime: boolean; replaceExisting: boolean } {
    const label = (): string => addJobLabel(task);
    const options = checkAddJobOptions(rawOptions, label);
    if (trigger !== undefined && trigger !== null) checkTriggerSpecHasNoJobOptions(trigger, label);
    this.#tasks.check(task);
    const id = options.id ?? newJobId();
    const builtTrigger =
      trigger === undefined || trigger === null
        ? new DateTrigger({ runDate: this.#clock.now(), timezone: this.#timezone })
        : this.#makeTrigger(trigger);
    const jobstore = options.jobstore ?? 'default';
    this.#checkJobstoreAlias(jobstore);
    const executor = this.#checkExecutorAlias(options.executor ?? 'default');
    let nextRunTimeMs: number | null = null;
    // Without a given next run time, the first one comes from the trigger when the job is
    // stored (at start for a pending job), where an unchanged stored job keeps its own.
    const computeNextRunTime = options.nextRunTime === undefined;
    if (options.nextRunTime !== undefined && options.nextRunTime !== null) {
      nextRunTimeMs = instantOf(
        options.nextRunTime,
        this.#timezone,
        `job ${show(options.name ?? id)}`,
      );
    }
    const job = new Job(
      {
        id,
        name: options.name ?? (typeof task === 'string' ? task : task.name || 'anonymous'),
        task,
        args: options.args ?? EMPTY_ARGS,
        trigger: builtTrigger,
        executor,
        jobstore,
        misfireGraceTime:
          options.misfireGraceTime === undefined
            ? this.#jobDefaults.misfireGraceTime
            : options.misfireGraceTime,
        coalesce: options.coalesce ?? this.#jobDefaults.coalesce,
        maxInstances: options.maxInstances ?? this.#jobDefaults.maxInstances,
        timeout: options.timeout ?? null,
        nextRunTimeMs,
      },
      this,
    );
    return { job, computeNextRunTime, replaceExisting: options.replaceExisting ?? false };
  }

  /** Module-reference tasks must load at the call that names them, not at their first run. */
  async #checkTaskLoads(job: Job): Promise<void> {
    if (typeof job.task === 'string') await this.#tasks.resolve(job.task);
  }

  /**
   * Lets the job's executor refuse a job it could never run (the worker executor, a function
   * task). An executor configured by spec is built here, so its check applies before start.
   */
  async #checkExecutorTakes(job: Job): Promise<void> {
    const entry = this.#executors.get(job.executor);
    if (entry === undefined) return;
    let executor: Executor;
    if (isComponentRequest(entry)) {
      executor = await this.#buildExecutor(entry);
      // start() starts this instance; a spec replaced meanwhile is left alone.
      if (this.#executors.get(job.executor) === entry) this.#executors.set(job.executor, executor);
    } else {
      executor = entry;
    }
    executor.checkJob?.(job, (task) => this.#tasks.locate(task));
  }

  #makeTrigger(input: unknown): Trigger {
    if (isTrigger(input)) return input;
    if (
      typeof input !== 'object' ||
      input === null ||
      typeof (input as { type?: unknown }).type !== 'string'
    ) {
      throw new JobOptionError(
        'trigger',
        'type',
        input,
        `${show(input)} is not a trigger: pass a Trigger instance or a spec such as {type: 'cron', hour: 3}`,
      );
    }
    return this.#registry.trigger(input as { type: string } & Record<string, unknown>, {
      timezone: this.#timezone,
      now: () => this.#clock.now(),
    });
  }

  #checkJobstoreAlias(alias: string): void {
    const known = this.#jobstores.has(alias) || (alias === 'default' && !this.running);
    if (!known)
      throw new ComponentLookupError('job store', alias, this.#knownAliases(this.#jobstores));
  }

  /** The aliases configured, with the `default` that `start()` adds when none is configured. */
  #knownAliases(components: Map<string, unknown>): string[] {
    const aliases = [...components.keys()];
    return this.running || aliases.includes('default') ? aliases : [...aliases, 'default'];
  }

  #checkExecutorAlias(alias: string): string {
    const known = this.#executors.has(alias) || (alias === 'default' && !this.running);
    if (!known)
      throw new ComponentLookupError('executor', alias, this.#knownAliases(this.#executors));
    return alias;
  }

  /**
   * Queues a job for `start()`. A pending job of the same id and store conflicts now, as a
   * stored one would, rather than making every later `start()` fail.
   */
  #addPending(entry: PendingJob): void {
    const { id, jobstore } = entry.job;
    const index = this.#pending.findIndex(
      (other) => other.job.id === id && other.job.jobstore === jobstore,
    );
    if (index < 0) this.#pending.push(entry);
    else if (entry.replaceExisting) this.#pending[index] = entry;
    else throw new ConflictingIdError(id, jobstore);
  }

  /**
   * Stores a job. Replacing a job whose schedule is unchanged (the same job added again at each
   * start) keeps its stored next run time, so a restart neither skips runs nor adds one.
   * @param defaulted trigger spec keys left to their defaults, ignored in that comparison
   */
  async #realAddJob(
    job: Job,
    computeNextRunTime: boolean,
    replaceExisting: boolean,
    defaulted: readonly string[],
  ): Promise<Job> {
    let added = computeNextRunTime
      ? job.with({ nextRunTimeMs: firstRunTime(job.trigger, this.#clock.now()) })
      : job;
    const store = this.#store(added.jobstore);
    try {
      await store.addJob(added);
    } catch (error) {
      if (!(error instanceof ConflictingIdError) || !replaceExisting) throw error;
      if (computeNextRunTime) {
        const existing = await store.lookupJob(added.id);
        if (existing !== null && sameSchedule(existing.trigger, added.trigger, defaulted)) {
          // The stored trigger too: an interval's default start is the time it was made.
          added = added.with({ trigger: existing.trigger, nextRunTimeMs: existing.nextRunTimeMs });
        }
      }
      await store.updateJob(added);
    }
    if (this.#log.infoOn)
      this.#log.info(`Added job "${added.name}" to job store "${added.jobstore}"`);
    this.#listeners.emit(
      EVENT_JOB_ADDED,
      () => new JobEvent(EVENT_JOB_ADDED, added.id, added.jobstore),
    );
    this.#wakeFor(added.nextRunTimeMs);
    return added;
  }

  /** The job with this id (and its pending entry while stopped). */
  async #findJob(id: string, jobstore?: string): Promise<{ job: Job; pending?: PendingJob }> {
    if (this.#state === 'stopped' || this.#starting) {
      const pending = this.#pending.find(
        (entry) =>
          entry.job.id === id && (jobstore === undefined || entry.job.jobstore === jobstore),
      );
      if (pending !== undefined) return { job: pending.job, pending };
      if (this.#state === 'stopped') throw new JobLookupError(id, jobstore);
    }
    for (const [alias, store] of this.#liveStores) {
      if (jobstore !== undefined && alias !== jobstore) continue;
      const job = await store.lookupJob(id);
      if (job !== null) return { job };
    }
    throw new JobLookupError(id, jobstore);
  }

  #store(alias: string): JobStore {
    const store = this.#liveStores.get(alias);
    if (store === undefined)
      throw new ComponentLookupError('job store', alias, this.#liveStores.keys());
    return store;
  }

  // ─── internals: the loop ─────────────────────────────────────────────────────────────────────

  /** Runs passes of the loop until no wakeup arrived meanwhile, then arms the timer. */
  async #process(): Promise<void> {
    if (this.#state !== 'running' || this.#processing) return;
    this.#processing = true;
    this.#disarm();
    let nextWake: number | null = null;
    try {
      do {
        this.#again = false;
        this.#addedDuringPass = null;
        nextWake = earliest(await this.#processJobs(), this.#addedDuringPass);
        // Another pass at once when asked to, or when a job added meanwhile is already due.
      } while (
        this.#state === 'running' &&
        (this.#again ||
          (this.#addedDuringPass !== null && this.#addedDuringPass <= this.#clock.now()))
      );
    } finally {
      this.#processing = false;
    }
    if (this.#state === 'running') this.#arm(nextWake);
  }

  /** One pass over every store: claim due jobs, submit them; the next wake time. */
  async #processJobs(): Promise<number | null> {
    const now = this.#clock.now();
    this.#log.debug('Looking for jobs to run');
    let nextWake: number | null = null;
    const retryAt = now + this.#jobstoreRetryInterval * 1000;
    for (const [alias, store] of this.#liveStores) {
      // The run times of each job the store asked about, for submitting the ones it won.
      const plans = new Map<Job, DueRuns>();
      let retry = false;
      let claimed: ClaimedRun[];
      try {
        claimed = await store.claimDueJobs({
          now,
          limit: CLAIM_BATCH,
          advance: (job) => {
            const due = this.#dueRuns(alias, job, now);
            if (due === undefined) {
              retry = true;
              return undefined;
            }
            plans.set(job, due);
            return due.next === null ? null : job.with({ nextRunTimeMs: due.next });
          },
        });
      } catch (error) {
        this.#storeFailed(alias, error, 'claiming due jobs');
        nextWake = earliest(nextWake, retryAt);
        continue;
      }
      for (const { job, next } of claimed) {
        const due = plans.get(job) ?? this.#dueRuns(alias, job, now);
        if (due !== undefined) this.#runs.submitDue(job, due, now);
        if (next === null) {
          if (this.#log.infoOn) this.#log.info(`Removed job ${job.id}`);
          this.#listeners.emit(
            EVENT_JOB_REMOVED,
            () => new JobEvent(EVENT_JOB_REMOVED, job.id, alias),
          );
        }
      }
      if (this.#state !== 'running') return null;
      // A full batch: more may be due; another pass follows at once.
      if (claimed.length >= CLAIM_BATCH) this.#again = true;
      if (retry) nextWake = earliest(nextWake, retryAt);
      try {
        const storeNext = await store.getNextRunTime();
        // A job this pass could not advance is still due: it waits for the retry rather than
        // waking the loop again at once, forever.
        nextWake = earliest(
          nextWake,
          retry && storeNext !== null && storeNext <= now ? retryAt : storeNext,
        );
      } catch (error) {
        this.#storeFailed(alias, error, 'getting the next run time');
        nextWake = earliest(nextWake, retryAt);
      }
    }
    return nextWake;
  }

  /**
   * The run times a due job is due for and its next one, or undefined when its trigger throws
   * (reported; the job is left as it is and retried).
   */
  #dueRuns(alias: string, job: Job, now: number): DueRuns | undefined {
    try {
      return dueRunTimes(job, now);
    } catch (error) {
      // A trigger that throws (an AND trigger past its iteration bound) must not stop the loop.
      this.#log.error(
        `Error computing the run times of job "${job.toString()}"; retrying in ${this.#jobstoreRetryInterval} s`,
        error,
      );
      this.#listeners.reportError(
        'trigger',
        alias,
        error,
        `computing the run times of job "${job.name}"`,
      );
      return undefined;
    }
  }

  /** Arms the loop timer: until `nextWake`, at most `maxSleepTime`, never above Node's limit. */
  #arm(nextWake: number | null): void {
    const now = this.#clock.now();
    const maxSleepMs = Math.min(this.#maxSleepTime * 1000, MAX_TIMER_MS);
    const waitMs =
      nextWake === null ? maxSleepMs : Math.min(Math.max(nextWake - now, 0), maxSleepMs);
    if (this.#log.debugOn) {
      this.#log.debug(
        nextWake === null
          ? 'No jobs; waiting until a job is added'
          : `Next wakeup is due at ${formatWallTime(nextWake, this.#timezone, { milliseconds: true })} (in ${formatDuration(Math.max(nextWake - now, 0))})`,
      );
    }
    this.#wakeAt = now + waitMs;
    const timer = this.#clock.setTimer(() => {
      this.#timer = null;
      this.#wakeAt = null;
      void this.#process();
    }, waitMs);
    timer.unref();
    this.#timer = timer;
  }

  #disarm(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#wakeAt = null;
  }

  /** Wakes the loop when a job's run time comes before the armed wakeup. */
  #wakeFor(nextRunTimeMs: number | null): void {
    if (this.#state !== 'running' || nextRunTimeMs === null) return;
    // During a pass, remember the earliest: the timer armed after it covers them all, instead of
    // a pass per job added meanwhile.
    if (this.#processing) this.#addedDuringPass = earliest(this.#addedDuringPass, nextRunTimeMs);
    else if (this.#wakeAt === null || nextRunTimeMs < this.#wakeAt) this.wakeup();
  }

  #storeFailed(alias: string, error: unknown, action: string): void {
    this.#log.warn(
      `Error ${action} from job store '${alias}'; retrying in ${this.#jobstoreRetryInterval} s`,
      error,
    );
    this.#listeners.reportError('jobstore', alias, error, action);
  }

  /** What the executor `alias` gets at start (the clock and logger cannot change while running). */
  #executorContext(alias: string): ExecutorContext {
    return {
      clock: this.#clock,
      logger: this.#log.logger,
      resolveTask: (job) => this.#tasks.resolve(job.task),
      locateTask: (task) => this.#tasks.locate(task),
      reportError: (error, action) => this.#listeners.reportError('executor', alias, error, action),
    };
  }

  /** What the job store `alias` gets at start; also how export and import (de)serialise jobs. */
  #storeContext(alias = ''): JobStoreContext {
    return {
      clock: this.#clock,
      logger: this.#log.logger,
      serializeJob: (job) => serializeJob(job, (task) => this.#tasks.referenceOf(task)),
      restoreJob: (state, alias) => {
        const job = new Job(
          restoreJobFields(state, alias, (spec) => this.#makeTrigger(spec)),
          this,
        );
        this.#tasks.check(job.task);
        return job;
      },
      reportUnrestorable: (id, error) => {
        this.#log.error(
          `Job ${id} in job store '${alias}' cannot be restored and is skipped; it stays stored ` +
            `until it is fixed (register its task, replace or remove the job)`,
          error,
        );
        this.#listeners.emit(
          EVENT_JOB_UNRESTORABLE,
          () => new JobUnrestorableEvent(id, alias, error),
        );
      },
      wakeup: (nextRunTime) => {
        if (nextRunTime === undefined) {
          if (this.#state === 'running') this.wakeup();
        } else {
          this.#wakeFor(nextRunTime);
        }
      },
    };
  }

  // ─── internals: components ───────────────────────────────────────────────────────────────────

  async #startComponents(): Promise<void> {
    if (!this.#executors.has('default')) this.#executors.set('default', new AsyncExecutor());
    if (!this.#jobstores.has('default')) this.#jobstores.set('default', new MemoryJobStore());
    for (const [alias, entry] of this.#executors) {
      const executor = await this.#buildExecutor(entry);
      this.#executors.set(alias, executor);
      await executor.start(this.#executorContext(alias), alias);
      this.#runs.attach(alias, executor);
    }
    for (const [alias, entry] of this.#jobstores) {
      const store = await this.#buildJobstore(entry);
      this.#jobstores.set(alias, store);
      await store.start(this.#storeContext(alias), alias);
      this.#liveStores.set(alias, store);
    }
    this.#warnOfOpenTaskLoading();
  }

  /**
   * A persistent store with no `taskModules`: whoever can write the store may make this process
   * load any module it can import. Said once per scheduler.
   */
  #warnOfOpenTaskLoading(): void {
    if (this.#warnedOfTaskLoading) return;
    const persistent = [...this.#liveStores.values()].some(
      (store) => !(store instanceof MemoryJobStore),
    );
    const warning = persistent ? this.#tasks.loadingWarning() : null;
    if (warning === null) return;
    this.#warnedOfTaskLoading = true;
    this.#log.warn(warning);
  }

  async #stopComponents(wait: boolean): Promise<void> {
    await this.#runs.detachAll(wait, (alias, error) => {
      this.#log.error(`Error shutting down executor '${alias}'`, error);
      this.#listeners.reportError('executor', alias, error, 'shutting down');
    });
    for (const [alias, store] of this.#liveStores) {
      try {
        await store.shutdown();
      } catch (error) {
        this.#log.error(`Error shutting down job store '${alias}'`, error);
        this.#listeners.reportError('jobstore', alias, error, 'shutting down');
      }
    }
    this.#liveStores.clear();
  }

  #parseComponent(
    kind: 'jobstores' | 'executors',
    alias: string,
    value: unknown,
  ): JobStore | Executor | ComponentRequest {
    const parsed = parseConfig({ [kind]: { [alias]: value } }, this.#registry);
    const entry = parsed[kind]?.get(alias);
    if (entry === undefined)
      throw new ConfigurationError(`${kind}.${alias}`, `${show(value)} is not usable`);
    return entry;
  }

  async #buildExecutor(entry: Executor | ComponentRequest): Promise<Executor> {
    if (!isComponentRequest(entry)) return entry;
    return (await this.#buildComponent('executor', entry)) as Executor;
  }

  async #buildJobstore(entry: JobStore | ComponentRequest): Promise<JobStore> {
    if (!isComponentRequest(entry)) return entry;
    return (await this.#buildComponent('jobstore', entry)) as JobStore;
  }

  async #buildComponent(
    kind: 'jobstore' | 'executor',
    request: ComponentRequest,
  ): Promise<unknown> {
    if (request.ctor !== undefined) return new request.ctor(request.options);
    const type = request.type ?? '';
    const plugin =
      kind === 'jobstore'
        ? this.#registry.component('jobstore', type, request.key)
        : this.#registry.component('executor', type, request.key);
    return plugin.create(request.options, request.key);
  }
}

/** A trigger's first fire time after `now`, in epoch ms. */
function firstRunTime(trigger: Trigger, now: number): number | null {
  const next = trigger.getNextFireTime(null, new Date(now));
  return next === null ? null : next.getTime();
}

/**
 * The keys of a trigger spec that its caller left out and the trigger fills with a time of its
 * own making (an interval's `startDate` is now), so that adding the same spec again is
 * recognised as the same schedule. None for trigger instances: they are compared whole.
 */
function defaultedKeys(input: TriggerInput | null | undefined): readonly string[] {
  if (input === null || input === undefined || isTrigger(input)) return [];
  const spec = input as Record<string, unknown>;
  const keys: string[] = [];
  if (spec['startDate'] === undefined && spec['start_date'] === undefined) keys.push('startDate');
  if (spec['runDate'] === undefined && spec['run_date'] === undefined) keys.push('runDate');
  return keys;
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** How messages about an `addJob` call name it: `addJob(report)`. */
function addJobLabel(task: Task): string {
  return `addJob(${typeof task === 'string' ? show(task) : task.name || 'anonymous'})`;
}

function describe(job: Job): string {
  return `job "${job.name}" (id ${job.id})`;
}
