/**
 * The public contracts of @kairos/core in one place: the clock, the logger, job stores,
 * executors, tasks, the stored form of a job, and the options of schedulers and jobs.
 * Implementations depend on these, never the other way round.
 */
import type { DateInput, Trigger, TriggerSpec } from '@kairos/triggers';
import type { AnySchedulerEvent, EventCode } from './events.js';
import type { Job } from './job.js';

// ─── time ──────────────────────────────────────────────────────────────────────────────────────

/** A timer started by a {@link Clock}. */
export interface ClockTimer {
  /** Stops the timer; calling it after the timer fired does nothing. */
  cancel(): void;
  /** Lets the process exit while this timer is pending (Node's `timer.unref()`). */
  unref(): void;
}

/**
 * Where the scheduler reads the time and sleeps. The system clock in production; a
 * {@link FakeClock} in tests, so scheduling logic runs without sleeping.
 */
export interface Clock {
  /** The current time, UTC epoch milliseconds. */
  now(): number;
  /** Calls `callback` once after `delayMs` (0 ≤ delayMs ≤ 2^31-1). */
  setTimer(callback: () => void, delayMs: number): ClockTimer;
}

// ─── logging ───────────────────────────────────────────────────────────────────────────────────

/** A log method in pino's shape: a message, or a context object then a message. */
export interface LogMethod {
  (message: string): void;
  (context: Record<string, unknown>, message: string): void;
}

/**
 * A logger the scheduler writes to: pino, a pino child, or anything with these four methods
 * (`console` works). Errors are logged as `logger.error({err}, message)`.
 */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** pino's level check; when present, lines of disabled levels are not even formatted. */
  isLevelEnabled?(level: string): boolean;
}

// ─── tasks ─────────────────────────────────────────────────────────────────────────────────────

/** A task function. Its arguments are the job's `args`; it may return a promise. */
// Any parameter list is accepted: args are checked by the caller, not the scheduler.
export type TaskFunction = (...args: never[]) => unknown;

/**
 * What a job runs: a function (memory store and async executor only), the name of a task
 * registered with `scheduler.registerTask(name, fn)`, or a module reference such as
 * `'./tasks/report.js#build'` or `'some-package#cleanup'`.
 */
export type Task = TaskFunction | string;

// ─── jobs ──────────────────────────────────────────────────────────────────────────────────────

/** A trigger as `addJob` takes it: an instance, or a spec whose `type` is a registered alias. */
export type TriggerInput = Trigger | TriggerSpec | ({ type: string } & Record<string, unknown>);

/** Per-job policies, with APScheduler's defaults. */
export interface JobDefaults {
  /** Seconds a run may start late and still run; null = always run. Default 1. */
  misfireGraceTime?: number | null;
  /** Run once instead of once per missed run time when several are due. Default true. */
  coalesce?: boolean;
  /** How many runs of the job may be in progress at once. Default 1. */
  maxInstances?: number;
}

/** Options of `addJob`. */
export interface AddJobOptions extends JobDefaults {
  /** Arguments passed to the task. */
  args?: readonly unknown[];
  /** The job id. Default: a random UUID. */
  id?: string;
  /** A readable name. Default: the task's name. */
  name?: string;
  /**
   * When to run first. Default: the trigger's first fire time (computed at `start()` for jobs
   * added before it). `null` adds the job paused.
   */
  nextRunTime?: DateInput | null;
  /** Alias of the job store to keep the job in. Default `'default'`. */
  jobstore?: string;
  /** Alias of the executor to run it in. Default `'default'`. */
  executor?: string;
  /** Replace a job with the same id instead of failing with `ConflictingIdError`. */
  replaceExisting?: boolean;
  /** Seconds a run may take before it is aborted and reported as an error; null = no limit. */
  timeout?: number | null;
}

/** What `modifyJob` can change. */
export interface JobChanges extends JobDefaults {
  task?: Task;
  args?: readonly unknown[];
  name?: string;
  trigger?: TriggerInput;
  executor?: string;
  nextRunTime?: DateInput | null;
  timeout?: number | null;
}

/**
 * A job in its stored JSON form: what persistent stores keep and `exportJobs` writes.
 * `nextRunTime` is UTC epoch milliseconds so stores can index it.
 */
export interface JobState {
  /** Format version, for migrations. */
  version: 1;
  id: string;
  name: string;
  /** A registered task name or a module reference. */
  task: string;
  /** The arguments, with Dates and BigInts tagged (see `serialize.ts`). */
  args: unknown[];
  trigger: TriggerSpec | ({ type: string } & Record<string, unknown>);
  executor: string;
  misfireGraceTime: number | null;
  coalesce: boolean;
  maxInstances: number;
  timeout: number | null;
  nextRunTime: number | null;
}

/** What a {@link Job} handle calls back into: its scheduler. */
export interface JobHost {
  modifyJob(id: string, changes: JobChanges, jobstore?: string): Promise<Job>;
  rescheduleJob(id: string, trigger: TriggerInput, jobstore?: string): Promise<Job>;
  pauseJob(id: string, jobstore?: string): Promise<Job>;
  resumeJob(id: string, jobstore?: string): Promise<Job | null>;
  removeJob(id: string, jobstore?: string): Promise<void>;
  runJob(id: string, jobstore?: string): Promise<void>;
}

// ─── job stores ────────────────────────────────────────────────────────────────────────────────

/** What a job store gets from its scheduler when it starts. */
export interface JobStoreContext {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Turns a job into its stored form; throws `SerializationError` naming the job and the problem. */
  serializeJob(job: Job): JobState;
  /** Turns a stored form back into a job of this scheduler, kept in the job store `alias`. */
  restoreJob(state: JobState, alias: string): Job;
}

/**
 * Keeps jobs, ordered by next run time. Every method may be called while others are pending; a
 * store serialises what it must. Thrown errors are caught by the scheduler, logged, and retried.
 */
export interface JobStore {
  /** Called when the scheduler starts, or when the store is added to a running scheduler. */
  start(context: JobStoreContext, alias: string): Promise<void>;
  /** Releases connections and timers; the scheduler calls it on shutdown or removal. */
  shutdown(): Promise<void>;
  /** The job with this id, or null. */
  lookupJob(id: string): Promise<Job | null>;
  /** Jobs whose next run time is ≤ `now` (epoch ms), earliest first. */
  getDueJobs(now: number): Promise<Job[]>;
  /** The earliest next run time (epoch ms) of any job, or null when none is scheduled. */
  getNextRunTime(): Promise<number | null>;
  /** Every job: scheduled ones earliest first, then paused ones. */
  getAllJobs(): Promise<Job[]>;
  /** Adds a job; throws `ConflictingIdError` when the id is taken. */
  addJob(job: Job): Promise<void>;
  /** Replaces the job with the same id; throws `JobLookupError` when there is none. */
  updateJob(job: Job): Promise<void>;
  /** Removes a job; throws `JobLookupError` when there is none. */
  removeJob(id: string): Promise<void>;
  /** Removes every job. */
  removeAllJobs(): Promise<void>;
  /**
   * Stores the outcome of one pass of the loop over due jobs, in one call: each snapshot in
   * `updated` (its next run time advanced) replaces the stored one, and each id in `removed`
   * (its trigger is exhausted) is deleted. A job removed meanwhile stays removed: its update
   * and its removal are skipped without error.
   */
  releaseDueJobs(updated: readonly Job[], removed: readonly string[]): Promise<void>;
}

// ─── executors ─────────────────────────────────────────────────────────────────────────────────

/** What an executor gets from its scheduler when it starts. */
export interface ExecutorContext {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Whether any listener wants events of this code (so events nobody hears are not built). */
  isListening(code: EventCode): boolean;
  /** Delivers an event to the listeners whose mask selects it. */
  dispatchEvent(event: AnySchedulerEvent): void;
  /** The function a job runs (resolving a registered name or module reference). */
  resolveTask(job: Job): TaskFunction | Promise<TaskFunction>;
}

/** Runs jobs and reports each run's outcome as events. */
export interface Executor {
  /** Called when the scheduler starts, or when the executor is added to a running scheduler. */
  start(context: ExecutorContext, alias: string): Promise<void>;
  /** Stops taking runs; with `wait`, resolves once the runs in progress have finished. */
  shutdown(wait: boolean): Promise<void>;
  /**
   * Accepts one submission of a job with the run times it is due for. Throws
   * `MaxInstancesReachedError` when the job already has `maxInstances` submissions in progress.
   * Must not start the run before returning, so the scheduler's JOB_SUBMITTED comes first.
   */
  submitJob(job: Job, runTimes: readonly number[]): void;
}

// ─── schedulers ────────────────────────────────────────────────────────────────────────────────

/** `'stopped'` before `start()` and after `shutdown()`, `'paused'` while job processing is paused. */
export type SchedulerState = 'stopped' | 'running' | 'paused';

/**
 * A plugin given by alias (`{type: 'memory'}`, `{type: 'async', maxWorkers: 20}`) or by
 * constructor (`{class: MyStore, ...options}`), with its options beside it.
 */
export type PluginSpec =
  | ({ type: string } & Record<string, unknown>)
  | ({ class: new (options: Record<string, unknown>) => unknown } & Record<string, unknown>);

/** The nested form of a scheduler's configuration; `configure()` also takes the flat form. */
export interface SchedulerOptions {
  /** IANA time zone for triggers built from specs without one. Default: the host's. */
  timezone?: string;
  /** Job stores by alias. Default: `{default: {type: 'memory'}}`. */
  jobstores?: Record<string, JobStore | PluginSpec>;
  /** Executors by alias. Default: `{default: {type: 'async'}}`. */
  executors?: Record<string, Executor | PluginSpec>;
  /** Policies of jobs that do not set their own. */
  jobDefaults?: JobDefaults;
  /** Seconds to wait before retrying after a job store failed. Default 10. */
  jobstoreRetryInterval?: number;
  /** Longest sleep of the loop in seconds, so clock changes and suspends are noticed. Default 60. */
  maxSleepTime?: number;
  /** BackgroundScheduler: whether its timers leave the process free to exit. Default true. */
  daemon?: boolean;
  /** Where log lines go. Default: nowhere. */
  logger?: Logger;
  /** Where time comes from. Default: the system clock. */
  clock?: Clock;
  /** Tasks to register by name, as `registerTask` does. */
  tasks?: Record<string, TaskFunction>;
}
