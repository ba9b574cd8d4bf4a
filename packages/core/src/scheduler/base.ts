/**
 * BaseScheduler: APScheduler's scheduler API. It holds the scheduler's rooms (wired in
 * `rooms.ts`) and delegates to them: settings (`settings.ts`), state changes (`lifecycle.ts`),
 * job stores and executors (`components.ts`), job construction (`job-builder.ts`), the jobs
 * before `start()` (`pending.ts`) and in the started stores (`stored.ts`), the loop
 * (`loop.ts`) and jobs as text (`transfer.ts`).
 */
import { parseConfig, type SchedulerConfig } from '../config/index.js';
import {
  JobLookupError,
  JobStoreError,
  SchedulerNotRunningError,
  UnrestorableJobError,
} from '../errors.js';
import {
  EVENT_ALL,
  EVENT_ALL_JOBS_REMOVED,
  EVENT_JOB_MODIFIED,
  EVENT_JOB_REMOVED,
  JobEvent,
  SchedulerEvent,
  type EventListener,
  type EventMap,
  type SchedulerErrorEvent,
} from '../events.js';
import type {
  AddJobOptions,
  Clock,
  Executor,
  JobChanges,
  JobHost,
  JobStore,
  Logger,
  PluginSpec,
  SchedulerState,
  Task,
  TaskFunction,
  TriggerInput,
} from '../interfaces.js';
import type { Job, ListedJob } from '../job.js';
import { normalizeAddJobArguments } from '../job-options.js';
import { eventCodeByName, type ErrorListener } from '../listeners.js';
import type { Log } from '../logger.js';
import { defaultRegistry } from '../builtins.js';
import type { PluginRegistry } from '../registry.js';
import { entryLabel } from './entries.js';
import type { GetRunsOptions, NodeInfo, RunsPage } from './history.js';
import { addJobLabel } from './job-builder.js';
import type { AddJobsEntry, SchedulerSetup, ShutdownOptions, StartOptions } from './options.js';
import type { FoundJob, JobPlace } from './places.js';
import type { RunObserver } from '../runs/observers.js';
import { buildRooms, type Rooms } from './rooms.js';
import { StartingJobs } from './starting.js';
import {
  exportText,
  readExport,
  writeJobLines,
  type ImportJobsOptions,
  type PrintJobsOptions,
} from './transfer.js';

/**
 * How many times `modifyJob` reads a job and writes its change before it gives up, each write
 * refused because a claim advanced the job since it was read.
 */
const MODIFY_ATTEMPTS = 10;

/**
 * The scheduler API shared by {@link BackgroundScheduler} and {@link BlockingScheduler}.
 * Methods that touch job stores return promises; the rest are synchronous.
 */
export abstract class BaseScheduler implements JobHost {
  readonly #registry: PluginRegistry;
  readonly #rooms: Rooms;
  /** The last `modifyJob` call of each job id in progress, settled or not; see modifyJob. */
  readonly #modifying = new Map<string, Promise<void>>();

  /**
   * @param config the nested options object or a flat `kairos.`-prefixed dictionary
   * @throws ConfigurationError naming the key and the value
   */
  constructor(config: SchedulerConfig = {}, setup: SchedulerSetup = {}) {
    this.#registry = setup.registry ?? defaultRegistry;
    this.#rooms = buildRooms(this, this.#registry);
    this.configure(config);
  }

  /**
   * Where the jobs are: pending while the scheduler is stopped, in the started job stores while
   * it runs. While it starts (`start()` moves the pending jobs to their stores one by one), a
   * call waits for the start to be over and then goes where the jobs are.
   */
  #jobs(): JobPlace {
    const { lifecycle } = this.#rooms;
    if (lifecycle.starting) return this.#whileStarting;
    return lifecycle.state === 'stopped' ? this.#rooms.pending : this.#rooms.stored;
  }

  readonly #whileStarting = new StartingJobs(
    () => this.#rooms.lifecycle.whenStarted(),
    () => this.#jobs(),
  );

  // ─── configuration and state ─────────────────────────────────────────────────────────────────

  /**
   * Applies configuration (merging with what was configured before). Takes the nested object
   * and/or flat `kairos.`-prefixed keys with APScheduler's string coercion.
   * @throws SchedulerAlreadyRunningError when the scheduler runs
   * @throws ConfigurationError naming the bad key and value
   */
  configure(config: SchedulerConfig, prefix = 'kairos.'): void {
    this.#rooms.lifecycle.checkStopped('configure()');
    const parsed = parseConfig(config, this.#registry, prefix);
    this.#rooms.settings.apply(parsed);
    this.#rooms.components.configure(parsed.jobstores, parsed.executors);
    for (const [name, task] of Object.entries(parsed.tasks ?? {})) this.registerTask(name, task);
    if (parsed.taskModules !== undefined) this.#rooms.tasks.allowModules(parsed.taskModules);
    if (parsed.commands !== undefined) this.#rooms.tasks.commands.allow(parsed.commands);
  }

  /**
   * This scheduler's id (option `schedulerId`; default `host:pid:random`): it owns the runs it
   * claims and names itself in `getNodes()` and run records.
   */
  get id(): string {
    return this.#rooms.settings.schedulerId;
  }

  /** `'stopped'`, `'running'` or `'paused'`. */
  get state(): SchedulerState {
    return this.#rooms.lifecycle.state;
  }

  /** Whether the scheduler was started and not shut down (paused counts as running). */
  get running(): boolean {
    return this.#rooms.lifecycle.state !== 'stopped';
  }

  /** The scheduler's time zone: the default of triggers built from specs. */
  get timezone(): string {
    return this.#rooms.settings.timezone;
  }

  /**
   * The aliases of the scheduler's job stores, as `addJob({ jobstore })` names them (`default`
   * included before `start()` adds it).
   */
  get jobstores(): string[] {
    return this.#rooms.components.jobstoreAliases;
  }

  /** The aliases of the scheduler's executors, as `addJob({ executor })` names them. */
  get executors(): string[] {
    return this.#rooms.components.executorAliases;
  }

  /** The clock the scheduler reads. */
  get clock(): Clock {
    return this.#rooms.settings.clock;
  }

  /** Whether the loop's timers leave the process free to exit (BackgroundScheduler `daemon`). */
  protected get daemon(): boolean {
    return this.#rooms.settings.daemon;
  }

  /**
   * The logger the scheduler writes to: the configured one, the stderr logger by default, a
   * silent one with `logger: false`. Components serving a scheduler (such as `@kairos/http`)
   * write their own failures here, so they land where the application's lines do.
   */
  get logger(): Logger {
    return this.#rooms.settings.log.logger;
  }

  /** The scheduler's log. */
  protected get log(): Log {
    return this.#rooms.settings.log;
  }

  /** Whether this front-end holds the process open while it runs. */
  protected abstract get keepsProcessAlive(): boolean;

  /**
   * Registers a task under a name, for jobs that refer to it by that name: a function, or a
   * module reference (`'./tasks/report.js#build'`), which the worker executor can load too.
   * @throws TaskLookupError when the name or the task is not usable
   */
  registerTask(name: string, task: TaskFunction | string): this {
    this.#rooms.tasks.register(name, task);
    return this;
  }

  /**
   * The function a task stands for: a function as is, a registered name's function, or a module
   * reference's export (imported once, so the result may be a promise). Front-ends that run
   * tasks themselves, such as `@kairos/fluent`'s `runPending()`, resolve them here.
   * @throws TaskLookupError when the name is not registered or the module cannot be loaded
   */
  resolveTask(task: Task): TaskFunction | Promise<TaskFunction> {
    return this.#rooms.tasks.resolve(task);
  }

  // ─── lifecycle ───────────────────────────────────────────────────────────────────────────────

  /**
   * Starts the scheduler: builds the configured job stores and executors (a memory store and an
   * async executor as `default` when none is configured), starts them, adds the pending jobs
   * with their first run times, and starts the loop. Called while a `shutdown()` still waits
   * for runs, it waits for that shutdown to end first.
   * @throws SchedulerAlreadyRunningError when it runs already
   */
  async start(options: StartOptions = {}): Promise<void> {
    await this.#rooms.lifecycle.start(options.paused === true, this.keepsProcessAlive);
  }

  /**
   * Shuts the scheduler down: stops the loop, shuts down executors (with `wait`, after their
   * running jobs finish) and job stores. The memory store keeps its jobs, so `start()` again
   * picks up where it left off. Called again while a shutdown is in progress, it resolves when
   * that one ends; with `wait: false` it first cancels the runs that shutdown waits for (a
   * second SIGTERM that should not wait).
   * @throws SchedulerNotRunningError when it is not running
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    await this.#rooms.lifecycle.shutdown(options.wait ?? true);
  }

  /** Resolves when the scheduler shuts down (at once when it is not running). */
  protected whenStopped(): Promise<void> {
    return this.#rooms.lifecycle.whenStopped();
  }

  /** Pauses job processing; jobs due meanwhile run (or are missed) on `resume()`. */
  pause(): void {
    this.#rooms.lifecycle.pause();
  }

  /** Resumes job processing after `pause()` (or `start({paused: true})`). */
  resume(): void {
    this.#rooms.lifecycle.resume();
  }

  /** Makes the loop look for due jobs now instead of at its next planned wakeup. */
  wakeup(): void {
    this.#rooms.loop.wakeup();
  }

  // ─── executors and job stores ────────────────────────────────────────────────────────────────

  /**
   * Adds an executor: an instance, or a spec such as `{type: 'async', maxWorkers: 20}`.
   * @throws ConfigurationError when the alias is taken or the spec is bad
   */
  async addExecutor(executor: Executor | PluginSpec, alias = 'default'): Promise<void> {
    await this.#rooms.components.addExecutor(executor, alias);
  }

  /**
   * Removes an executor, shutting it down (waiting for its running jobs) unless told not to.
   * @throws ComponentLookupError when there is none of that alias
   */
  async removeExecutor(alias: string, shutdown = true): Promise<void> {
    await this.#rooms.components.removeExecutor(alias, shutdown);
  }

  /**
   * Adds a job store: an instance, or a spec such as `{type: 'memory'}`.
   * @throws ConfigurationError when the alias is taken or the spec is bad
   */
  async addJobstore(jobstore: JobStore | PluginSpec, alias = 'default'): Promise<void> {
    await this.#rooms.components.addJobstore(jobstore, alias);
    this.wakeup();
  }

  /**
   * Removes a job store (with its jobs, as far as this scheduler is concerned), shutting it
   * down unless told not to. No run starts from it any more; in a store with a run ledger, this
   * resolves once its runs in flight here have ended and their outcomes are written to it, and
   * this scheduler has left its nodes (as `shutdown()` waits for runs).
   * @throws ComponentLookupError when there is none of that alias
   */
  async removeJobstore(alias: string, shutdown = true): Promise<void> {
    const live = this.#rooms.components.detachJobstore(alias);
    // A claim on it already sent hands its runs over first; then they are waited for.
    await this.#rooms.loop.settled();
    await this.#rooms.cluster.retire(alias, live?.ledger);
    await this.#rooms.components.closeJobstore(alias, live, shutdown);
  }

  // ─── listeners ───────────────────────────────────────────────────────────────────────────────

  /**
   * Calls `listener` for every event whose code is in `mask` (default: all), e.g.
   * `EVENT_JOB_EXECUTED | EVENT_JOB_ERROR`. A listener that throws is logged and skipped.
   */
  addListener(listener: EventListener, mask: number = EVENT_ALL): this {
    this.#rooms.listeners.add(listener, mask);
    return this;
  }

  /** Removes a listener added with `addListener` or `on` (every registration of it). */
  removeListener(listener: EventListener): this {
    this.#rooms.listeners.remove(listener);
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
      this.#rooms.listeners.addErrorListener(listener as ErrorListener);
      return this;
    }
    return this.addListener(listener as EventListener, eventCodeByName(name));
  }

  /** Removes a listener added with `on`. */
  off<K extends keyof EventMap>(name: K, listener: (event: EventMap[K]) => unknown): this;
  off(name: 'error', listener: (event: SchedulerErrorEvent) => unknown): this;
  off(name: string, listener: (event: never) => unknown): this {
    if (name === 'error') {
      this.#rooms.listeners.removeErrorListener(listener as ErrorListener);
      return this;
    }
    eventCodeByName(name);
    return this.removeListener(listener as EventListener);
  }

  /**
   * Tells `observer` of each run's start (it may run the task inside a context of its own, such
   * as a tracing span's) and of each run's outcome, from inside the run layer; see
   * {@link RunObserver}. Returns the function that removes it. `@kairos/otel` is built on it.
   */
  observeRuns(observer: RunObserver): () => void {
    return this.#rooms.runs.observers.add(observer);
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
  addJob(task: Task, trigger?: TriggerInput | null, options?: AddJobOptions): Promise<Job>;
  addJob(
    task: Task,
    trigger: string,
    fields?: Record<string, unknown>,
    options?: AddJobOptions,
  ): Promise<Job>;
  addJob(
    task: Task,
    trigger?: TriggerInput | string | null,
    second?: unknown,
    third?: unknown,
  ): Promise<Job> {
    // Not an async function: the job goes to its place without a wait of its own (a check
    // that throws still rejects the promise, as it would in an async function).
    try {
      const call = normalizeAddJobArguments(trigger, second, third, () => addJobLabel(task));
      const built = this.#rooms.builder.buildChecked(task, call);
      // Most checks finish at once; only a module to load or an executor to build is awaited.
      const checking = this.#rooms.builder.checkAddable(built.job);
      if (checking !== undefined) return checking.then(() => this.#jobs().add(built));
      return this.#jobs().add(built);
    } catch (error) {
      // What the checks threw, as is, as an async function would reject with it.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      return Promise.reject(error);
    }
  }

  /**
   * Adds many jobs in one call, much faster than one `addJob` per job: each entry holds what
   * `addJob` takes (`{task, trigger, ...options}`), and every entry is checked as `addJob`
   * checks it before any job is added; the error names the entry (`addJobs entry 3 (id
   * 'x')`). Entries without `replaceExisting` go to each job store in one `addJobs` call (one
   * transaction), all or none: a taken id, or one given twice in the call, adds nothing.
   * Entries with `replaceExisting` are then added one by one as `addJob` adds them. Before
   * `start()` the jobs are pending, all or none. Emits `job_added` per job and wakes the loop
   * once.
   *
   * @example
   * await scheduler.addJobs([
   *   { task: 'report', trigger: { type: 'cron', hour: 9 }, id: 'report-9' },
   *   { task: 'report', trigger: { type: 'cron', hour: 17 }, id: 'report-17' },
   * ]);
   * @returns the jobs, in entry order
   * @throws JobOptionError, TaskLookupError, TriggerConfigError or ComponentLookupError naming
   *   the entry and the bad value
   * @throws ConflictingIdError naming the entry whose id is taken
   */
  async addJobs(entries: Iterable<AddJobsEntry>): Promise<Job[]> {
    const { built, given } = await this.#rooms.builder.buildEntries(entries);
    if (built.length === 0) return [];
    return this.#jobs().addMany(built, (index) => entryLabel(index, given[index]));
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
      const built = this.#rooms.builder.build(task, trigger, options);
      const add = async (): Promise<Job> => {
        await this.#rooms.builder.checkAddable(built.job);
        return this.#jobs().add(built);
      };
      add().catch((error: unknown) => {
        this.log.error(`Could not add job "${task.name || 'anonymous'}"`, error);
        this.#rooms.listeners.reportError('jobstore', built.job.jobstore, error, 'adding a job');
      });
      return task;
    };
  }

  /**
   * Changes a job's options (task, args, name, trigger, executor, policies, next run time).
   * A new trigger does not change the next run time; `rescheduleJob` does. A job named after
   * its task (no name given) takes the new task's name. Calls for one job are carried out one
   * after the other, in call order, and a change that leaves the next run time alone never puts
   * back a run time that a scheduler claimed meanwhile (see `JobStore.updateJobIf`).
   * @throws JobLookupError when there is no such job; UnrestorableJobError when it is stored but
   *   cannot be restored (as for `rescheduleJob`, `pauseJob`, `resumeJob` and `runJob`)
   */
  modifyJob(id: string, changes: JobChanges, jobstore?: string): Promise<Job> {
    // One change of a job at a time, in call order: two at once would both read the job, and
    // the second write would undo the first.
    const previous = this.#modifying.get(id) ?? Promise.resolve();
    const modified = previous.then(() => this.#modify(id, changes, jobstore));
    const settled = modified.then(
      () => undefined,
      () => undefined,
    );
    this.#modifying.set(id, settled);
    void settled.then(() => {
      if (this.#modifying.get(id) === settled) this.#modifying.delete(id);
    });
    return modified;
  }

  async #modify(id: string, changes: JobChanges, jobstore?: string): Promise<Job> {
    let found = await this.#findJob(id, jobstore);
    let built = await this.#rooms.builder.change(found.job, changes);
    // A change that leaves the next run time alone is written only over the job as read: when
    // a claim advanced it meanwhile, the change is made again to the job as it is now.
    for (let attempt = 1; !(await found.replace(built.job, built.setsNextRunTime)); attempt++) {
      if (attempt === MODIFY_ATTEMPTS) {
        throw new JobStoreError(
          `modifyJob('${id}'): the job's next run time changed in its store ${attempt} times ` +
            `while the change was written (its runs are being claimed); try again`,
        );
      }
      found = await this.#findJob(id, jobstore);
      built = await this.#rooms.builder.change(found.job, changes);
    }
    const updated = built.job;
    this.#rooms.listeners.emit(
      EVENT_JOB_MODIFIED,
      () => new JobEvent(EVENT_JOB_MODIFIED, id, updated.jobstore),
    );
    this.#rooms.loop.wakeFor(updated.nextRunTimeMs, updated.jobstore);
    return found.listed.state === 'pending' ? updated.asPending() : updated;
  }

  /** Gives a job a new trigger and sets its next run time to the trigger's first fire time. */
  async rescheduleJob(id: string, trigger: TriggerInput, jobstore?: string): Promise<Job> {
    const built = this.#rooms.builder.makeTrigger(trigger);
    const next = built.getNextFireTime(null, new Date(this.clock.now()));
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
    const next = job.trigger.getNextFireTime(null, new Date(this.clock.now()));
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
   * @throws ComponentLookupError when `jobstore` names no job store of the scheduler
   */
  async getJobs(jobstore?: string): Promise<ListedJob[]> {
    this.#checkJobstore(jobstore);
    const jobs = await this.#jobs().list(jobstore);
    await this.#rooms.history.attachLastRuns(jobs);
    return jobs;
  }

  /**
   * The job with this id, or null. A stored job its store cannot restore comes as an
   * {@link UnrestorableJob} (`state: 'unrestorable'`).
   */
  async getJob(id: string, jobstore?: string): Promise<ListedJob | null> {
    const found = await this.#jobs().find(id, jobstore);
    if (found !== null) {
      await this.#rooms.history.attachLastRuns([found.listed]);
      return found.listed;
    }
    // The lookup has just tried to restore the job, so a store that cannot knows it by now.
    return this.#rooms.stored.findUnrestorable(id, jobstore);
  }

  /**
   * Removes a job.
   * @throws JobLookupError when there is no such job
   */
  async removeJob(id: string, jobstore?: string): Promise<void> {
    const alias = await this.#jobs().remove(id, jobstore);
    if (alias === undefined) throw new JobLookupError(id, jobstore);
    this.log.info(`Removed job ${id}`);
    this.#rooms.listeners.emit(EVENT_JOB_REMOVED, () => new JobEvent(EVENT_JOB_REMOVED, id, alias));
  }

  /**
   * Removes every job of one store, or of all of them.
   * @throws ComponentLookupError when `jobstore` names no job store of the scheduler
   */
  async removeAllJobs(jobstore?: string): Promise<void> {
    this.#checkJobstore(jobstore);
    await this.#jobs().removeAll(jobstore);
    this.#rooms.listeners.emit(
      EVENT_ALL_JOBS_REMOVED,
      () => new SchedulerEvent(EVENT_ALL_JOBS_REMOVED, jobstore ?? null),
    );
  }

  /**
   * Runs a job once now, under its `maxInstances`, leaving its schedule untouched. Resolves
   * once the run is submitted; its outcome arrives as a JOB_EXECUTED / JOB_ERROR event. In a
   * store shared through a run ledger (SQLite, PostgreSQL, Redis, MongoDB), `maxInstances`
   * counts the runs of every scheduler of the store, and a refusal is a JOB_MAX_INSTANCES
   * event and a `skipped` run, not a throw.
   * @throws JobLookupError, UnrestorableJobError, SchedulerNotRunningError,
   *   ComponentLookupError; in the memory store
   *   (or a store without a ledger) also MaxInstancesReachedError and ExecutorQueueFullError
   */
  async runJob(id: string, jobstore?: string): Promise<void> {
    await this.#rooms.lifecycle.whenStarted();
    if (this.#rooms.lifecycle.state === 'stopped') throw new SchedulerNotRunningError('runJob()');
    const { job } = await this.#findJob(id, jobstore);
    await this.#rooms.cluster.runJob(job);
  }

  /**
   * The run history of the stores with a run ledger (every built-in store): newest scheduled
   * time first, filtered by job, outcome and scheduled time, a page at a time (`nextCursor`).
   * The stores are open only while the scheduler runs (or is paused): before `start()` and
   * after `shutdown()` the page is empty.
   * @throws ConfigurationError naming a bad or unknown option
   */
  async getRuns(options: GetRunsOptions = {}): Promise<RunsPage> {
    return this.#rooms.history.getRuns(options);
  }

  /**
   * The schedulers seen in the stores with a run ledger, with their last heartbeat and whether
   * they are alive (a beat within `leaseSeconds`); nodes silent for a day are pruned.
   */
  async getNodes(): Promise<NodeInfo[]> {
    return this.#rooms.history.getNodes();
  }

  /**
   * Prints the jobs, APScheduler style: pending ones while stopped, else each store's.
   * @throws ComponentLookupError when `options.jobstore` names no job store of the scheduler
   */
  async printJobs(options: PrintJobsOptions = {}): Promise<void> {
    this.#checkJobstore(options.jobstore);
    writeJobLines(await this.#jobs().print(options.jobstore), options);
  }

  /**
   * The jobs (pending ones and those in running stores) as a JSON document that `importJobs`
   * reads back. Tasks must be registered names or module references.
   * @throws SerializationError naming a job that cannot be exported; ComponentLookupError when
   *   `jobstore` names no job store of the scheduler
   */
  async exportJobs(jobstore?: string): Promise<string> {
    this.#checkJobstore(jobstore);
    const now = this.clock.now();
    const jobs = await this.#jobs().exportable(jobstore, now);
    return exportText(jobs, this.#rooms.components.storeContext(), now);
  }

  /**
   * Adds the jobs of an `exportJobs` document (text or parsed) to a job store.
   * @throws SerializationError when the document is not one; ConflictingIdError on taken ids
   */
  async importJobs(document: unknown, options: ImportJobsOptions = {}): Promise<Job[]> {
    const alias = options.jobstore ?? 'default';
    this.#rooms.components.checkJobstoreAlias(alias);
    const jobs = await readExport(document, alias, this.#rooms.components.storeContext(), (job) =>
      this.#rooms.builder.checkAddable(job),
    );
    const replaceExisting = options.replaceExisting ?? false;
    const added: Job[] = [];
    for (const job of jobs) {
      const entry = { job, computeNextRunTime: false, replaceExisting, defaulted: [] };
      added.push(await this.#jobs().add(entry));
    }
    return added;
  }

  /**
   * Checks that a job store alias given to a call that lists or removes jobs names one (an
   * unknown one listed no jobs and removed none, silently), as `addJob` checks its `jobstore`.
   * @throws ComponentLookupError naming the job stores there are
   */
  #checkJobstore(jobstore: string | undefined): void {
    if (jobstore !== undefined) this.#rooms.components.checkJobstoreAlias(jobstore);
  }

  /**
   * The job with this id (pending while stopped).
   * @throws UnrestorableJobError when it is stored but cannot be restored; JobLookupError when
   *   there is none
   */
  async #findJob(id: string, jobstore?: string): Promise<FoundJob> {
    const found = await this.#jobs().find(id, jobstore);
    if (found !== null) return found;
    const unrestorable = await this.#rooms.stored.findUnrestorable(id, jobstore);
    if (unrestorable !== null)
      throw new UnrestorableJobError(id, unrestorable.jobstore, unrestorable.cause);
    throw new JobLookupError(id, jobstore);
  }
}
