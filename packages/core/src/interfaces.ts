/**
 * The public contracts of @kairos/core in one place: the clock, the logger, job stores,
 * executors, tasks, the stored form of a job, and the options of schedulers and jobs.
 * Implementations depend on these, never the other way round.
 */
import type { Job, UnrestorableJob } from './job.js';
import type { JobDefaults, JobState, Task, TaskFunction } from './job-data.js';
import type { JobContext } from './job-context.js';
import type { RunClaim, RunLedger } from './ledger.js';

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
  /** Detail for following what the scheduler does. */
  debug: LogMethod;
  /** Start, shutdown and other milestones. */
  info: LogMethod;
  /** Something went wrong that the scheduler works around (a missed run, a retried store). */
  warn: LogMethod;
  /** A failure the user should see: a task that threw, a store that cannot be reached. */
  error: LogMethod;
  /** pino's level check; when present, lines of disabled levels are not even formatted. */
  isLevelEnabled?(level: string): boolean;
}

// ─── tasks and jobs ────────────────────────────────────────────────────────────────────────────

export type {
  AddJobOptions,
  JobChanges,
  JobDefaults,
  JobState,
  Task,
  TaskFunction,
  TriggerInput,
} from './job-data.js';
export type { JobHost } from './job.js';

// ─── job stores ────────────────────────────────────────────────────────────────────────────────

/** What a job store gets from its scheduler when it starts. */
export interface JobStoreContext {
  /** The scheduler's clock: the store's notion of now and its timers. */
  readonly clock: Clock;
  /** The scheduler's logger. */
  readonly logger: Logger;
  /**
   * Turns a job into its stored form; throws `SerializationError` naming the job and the problem
   * (a task function with no registered name, arguments JSON cannot hold).
   */
  serializeJob(job: Job): JobState;
  /**
   * Turns a stored form back into a job of this scheduler, kept in the job store `alias`. Throws
   * when the state is invalid, its trigger cannot be rebuilt, or its task is neither registered
   * nor an allowed module reference. Stores use {@link UnrestorableJobs} rather than calling
   * this directly, so such jobs are kept, skipped and reported.
   */
  restoreJob(state: JobState, alias: string): Job;
  /**
   * Reports a stored job that cannot be restored (the store keeps it and skips it): the
   * scheduler logs the job and the cause and emits EVENT_JOB_UNRESTORABLE. Called once per job
   * per store start, by {@link UnrestorableJobs}.
   */
  reportUnrestorable(id: string, error: unknown): void;
  /**
   * Wakes the scheduler's loop because jobs changed outside it (another process added one).
   * With the job's next run time (epoch ms), the loop wakes only when that comes before its
   * planned wakeup.
   */
  wakeup(nextRunTime?: number): void;
}

/** One call of the loop's atomic fire step; see {@link JobStore.claimDueJobs}. */
export interface DueJobsClaim {
  /** The time of the pass (epoch ms): jobs whose next run time is ≤ `now` are due. */
  readonly now: number;
  /** At most this many jobs are claimed, earliest first. */
  readonly limit: number;
  /**
   * A due job's successor: the same job with its next run time advanced, `null` when its trigger
   * is exhausted (the store deletes the job), or `undefined` to leave the job as it is and not
   * claim it (it stays due and is tried again later). It has no side effects: a store may call
   * it for a job that another scheduler then claims first.
   */
  advance(job: Job): Job | null | undefined;
  /**
   * Present when the store has a {@link JobStore.ledger}: the run rows to write for each job
   * the store claims, in the same transaction (see {@link RunClaim}).
   */
  readonly runs?: RunClaim;
}

/** A run a scheduler won in {@link JobStore.claimDueJobs}. */
export interface ClaimedRun {
  /** The job as it was stored when claimed; the scheduler submits this snapshot. */
  readonly job: Job;
  /** What the store now holds: the job with its next run time advanced, or null (deleted). */
  readonly next: Job | null;
  /**
   * With `claim.runs`: true when the job had `maxInstances` runs in flight across the store's
   * schedulers, so the store wrote the refused (`skipped`) rows instead of runs in flight.
   */
  readonly refused?: boolean;
}

/**
 * Keeps jobs, ordered by next run time. Every method may be called while others are pending; a
 * store serialises what it must. Thrown errors are caught by the scheduler, logged, and retried.
 * A persistent store may be shared by several schedulers, in several processes; its
 * {@link claimDueJobs} is what makes each due run fire once. `@kairos/testkit` holds the
 * conformance suite every store should pass.
 */
export interface JobStore {
  /** Called when the scheduler starts, or when the store is added to a running scheduler. */
  start(context: JobStoreContext, alias: string): Promise<void>;
  /** Releases connections and timers; the scheduler calls it on shutdown or removal. */
  shutdown(): Promise<void>;
  /**
   * The job with this id, or null (also when it is stored but cannot be restored: then it is
   * reported, and {@link getUnrestorableJobs} lists it).
   */
  lookupJob(id: string): Promise<Job | null>;
  /** The earliest next run time (epoch ms) of any job, or null when none is scheduled. */
  getNextRunTime(): Promise<number | null>;
  /** Every job: scheduled ones earliest first, then paused ones. */
  getAllJobs(): Promise<Job[]>;
  /**
   * The stored jobs this store keeps but cannot restore, earliest next run time first, then
   * paused ones: those its other methods have come across since it started (after
   * `getAllJobs()`, all of them). The scheduler lists them in `getJobs()`, `getJob()` and
   * `printJobs()`. A store that serialises jobs implements it with
   * {@link UnrestorableJobs.list}; a store that cannot hold such jobs (the memory store) may
   * leave it out.
   */
  getUnrestorableJobs?(): Promise<UnrestorableJob[]>;
  /** Adds a job; throws `ConflictingIdError` when the id is taken. */
  addJob(job: Job): Promise<void>;
  /**
   * Adds several jobs in one transaction (or pipeline, or bulk write): all of them, or none
   * when an id is taken or given twice (then throws `ConflictingIdError` naming it). The
   * scheduler's `addJobs` calls it; a store without it gets one `addJob` call per job, in order.
   */
  addJobs?(jobs: readonly Job[]): Promise<void>;
  /** Replaces the job with the same id; throws `JobLookupError` when there is none. */
  updateJob(job: Job): Promise<void>;
  /**
   * Replaces the job with the same id only while its stored next run time is still
   * `nextRunTimeMs` (null: paused), the one the caller read: resolves false, writing nothing,
   * when a claim advanced it meanwhile (or anything else changed it); throws `JobLookupError`
   * when there is no such job. `modifyJob` uses it for a change that leaves the next run time
   * alone, so that it never puts back a run time a scheduler has already claimed (which would
   * run it again); a store without it gets `updateJob`, and that race.
   */
  updateJobIf?(job: Job, nextRunTimeMs: number | null): Promise<boolean>;
  /** Removes a job; throws `JobLookupError` when there is none. */
  removeJob(id: string): Promise<void>;
  /** Removes every job. */
  removeAllJobs(): Promise<void>;
  /**
   * The atomic fire step. For each job due at `claim.now` (earliest first, at most
   * `claim.limit`), asks `claim.advance(job)` for its successor and, in one compare-and-set
   * against the stored job, replaces it with that successor (or deletes it when the successor is
   * null). Resolves to the runs this call won; a job that another scheduler claimed, changed or
   * removed meanwhile is left out, so when several schedulers claim the same due job exactly one
   * of them gets it. Jobs that cannot be restored are skipped (and reported once).
   *
   * Without a ledger a claim is final: the run is the caller's, and it is lost if the caller
   * dies before running it. With one (`claim.runs` given), the claim also writes each won
   * job's run rows, in flight under a lease or refused for `maxInstances`, in the same
   * transaction, so a run whose scheduler dies is found and ended as abandoned.
   */
  claimDueJobs(claim: DueJobsClaim): Promise<ClaimedRun[]>;
  /**
   * The store's runs and nodes: leases, recovery of abandoned runs, cluster-wide
   * `maxInstances` and run history. A store with one honours `claim.runs` in
   * {@link claimDueJobs}; a store without one has neither history nor leases (runs are
   * counted per scheduler, as they are handed out).
   */
  readonly ledger?: RunLedger;
}

// ─── executors ─────────────────────────────────────────────────────────────────────────────────

/** What an executor gets from its scheduler when it starts. */
export interface ExecutorContext {
  /** The scheduler's clock, for timeouts and idle timers. */
  readonly clock: Clock;
  /** The scheduler's logger. */
  readonly logger: Logger;
  /** The function a job runs (resolving a registered name or module reference). */
  resolveTask(job: Job): TaskFunction | Promise<TaskFunction>;
  /**
   * Where a task's code is, for an executor that loads it in another thread.
   * @throws TaskLookupError when the task is a function (or a name registered for one)
   */
  locateTask(task: Task): TaskLocation;
  /**
   * Tells `on('error')` listeners of a failure the executor survived outside any job run (a
   * worker thread that died while idle); `action` says what it was doing. Log it too.
   */
  reportError(error: unknown, action: string): void;
}

/** Where a task's code is: what a worker thread imports to run it. */
export interface TaskLocation {
  /** The module reference (`'./tasks/report.js#build'`) the task is or is registered for. */
  readonly reference: string;
  /** The module as `import()` takes it: a `file:` URL for paths, the specifier for packages. */
  readonly module: string;
  /** The name of the module's export that is the task. */
  readonly exportName: string;
}

/**
 * One run as its executor sees it: the task's `currentJob()` context (pass it to
 * `runInJobContext`) and the run's cancellation. The run layer aborts it when the run passes the
 * job's `timeout` (a `JobTimeoutError`) or the scheduler shuts down without waiting (a
 * `RunCancelledError`).
 */
export interface RunControl extends JobContext {
  /** Whether the run was cancelled. */
  readonly aborted: boolean;
  /** Why, once it was. */
  readonly abortReason: Error | undefined;
  /** Calls `listener` once when the run is cancelled (at once when it already was). */
  onAbort(listener: (reason: Error) => void): void;
}

/**
 * Runs tasks, and nothing else: which runs happen, when, how many at once per job, and what
 * their outcome means is the run layer's business (misfire, coalescing, `maxInstances`,
 * timeouts, events). `@kairos/testkit`'s `runExecutorConformance` checks an executor against
 * this contract.
 */
export interface Executor {
  /** How many runs it takes at once; the run layer queues the rest in order. */
  readonly maxWorkers: number;
  /**
   * How many runs may wait for one of its `maxWorkers` slots; a run beyond that is refused
   * (outcome `skipped`). Default: no limit.
   */
  readonly maxQueue?: number;
  /** Called when the scheduler starts, or when the executor is added to a running scheduler. */
  start(context: ExecutorContext, alias: string): Promise<void>;
  /**
   * Releases threads, pools and timers. The run layer calls it once every run it handed over
   * has settled (finished, or cancelled through its {@link RunControl}).
   */
  shutdown(): Promise<void>;
  /**
   * Runs `job`'s task once for the run scheduled at `runTime` (epoch ms): returns what the task
   * returned, or a promise of it; throws or rejects with what the task threw. When `control`
   * is aborted, the returned promise must settle soon after (rejecting with
   * `control.abortReason`), once the task stopped or was left behind.
   */
  run(job: Job, runTime: number, control: RunControl): unknown;
  /**
   * Optional: checks that this executor can run a job, at the call that adds or changes it
   * (before it is stored), so a job it could never run fails there rather than at its first run.
   * May be called before `start`.
   * @param locateTask as {@link ExecutorContext.locateTask}
   * @throws an error naming the job and what to change
   */
  checkJob?(job: Job, locateTask: (task: Task) => TaskLocation): void;
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
  /**
   * Where log lines go. Default: warnings and errors to stderr (failed runs with their stack,
   * missed runs, max-instance skips, unrestorable jobs, store failures); `false` for nowhere.
   */
  logger?: Logger | false;
  /** Where time comes from. Default: the system clock. */
  clock?: Clock;
  /** Tasks to register by name, as `registerTask` does: functions or module references. */
  tasks?: Record<string, TaskFunction | string>;
  /**
   * The modules that task references (`'./tasks.js#build'`) may load: package names (which
   * also allow their subpaths) and paths (a file, or a directory ending in `/`, relative to the
   * working directory). A stored reference is code the scheduler will import, so a shared or
   * exposed store should be limited to the application's own task modules. Default: any.
   */
  taskModules?: readonly string[] | null;
  /**
   * Whether command tasks (`{ command }`, `{ argv }`) may be kept in and run from a persistent
   * job store: `true` for any, or the programs allowed (`argv[0]` as written, such as
   * `'pg_dump'` or `'/usr/bin/pg_dump'`; `'/bin/sh'` allows shell lines). A stored command is
   * code the scheduler will run, so the default is `false`: adding a command job to a
   * persistent store fails, and one found there is kept but not run (reported unrestorable).
   * Commands in the memory store always run: they never leave the process that added them.
   */
  commands?: boolean | readonly string[];
  /**
   * The scheduler's id in the stores it shares with others: it owns the runs it claims and
   * names itself in `getNodes()`. Unique among the schedulers of a store. Default
   * `host:pid:random`.
   */
  schedulerId?: string;
  /**
   * Seconds a run's lease lasts in a store with a run ledger (every built-in one): the
   * scheduler renews its leases every third of it, and a run whose lease lapsed (its scheduler
   * died) is found within half of it and ended as abandoned. Minimum 1, default 30.
   */
  leaseSeconds?: number;
  /**
   * Run history in stores with a run ledger: `false` keeps none (leases still work), or how
   * much to keep per job: the newest `keep` runs (default 100) that are at most `maxAge`
   * seconds old (default 604800, a week), trimmed when a run of the job is recorded.
   */
  history?: false | { keep?: number; maxAge?: number };
}
