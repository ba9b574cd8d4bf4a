/**
 * Scheduler events: APScheduler's 17 codes with its bit values, so masks written for
 * APScheduler (`EVENT_JOB_EXECUTED | EVENT_JOB_ERROR`) mean the same here, the event classes
 * with its fields, and the snake_case names used by `scheduler.on(name, fn)`.
 */
import type { Run } from './runs/run.js';

/** The scheduler started. */
export const EVENT_SCHEDULER_STARTED = 1;
/** The scheduler shut down. */
export const EVENT_SCHEDULER_SHUTDOWN = 2;
/** Job processing was paused. */
export const EVENT_SCHEDULER_PAUSED = 4;
/** Job processing was resumed. */
export const EVENT_SCHEDULER_RESUMED = 8;
/** An executor was added. */
export const EVENT_EXECUTOR_ADDED = 16;
/** An executor was removed. */
export const EVENT_EXECUTOR_REMOVED = 32;
/** A job store was added. */
export const EVENT_JOBSTORE_ADDED = 64;
/** A job store was removed. */
export const EVENT_JOBSTORE_REMOVED = 128;
/** All jobs were removed from one job store or from all of them. */
export const EVENT_ALL_JOBS_REMOVED = 256;
/** A job was added to a job store. */
export const EVENT_JOB_ADDED = 512;
/** A job was removed from its job store. */
export const EVENT_JOB_REMOVED = 1024;
/** A job was modified from outside the scheduler. */
export const EVENT_JOB_MODIFIED = 2048;
/** A job ran and returned. */
export const EVENT_JOB_EXECUTED = 4096;
/** A job ran and threw (or timed out). */
export const EVENT_JOB_ERROR = 8192;
/** A run did not happen because it started later than the job's misfire grace time allows. */
export const EVENT_JOB_MISSED = 16384;
/** A job was handed to its executor. */
export const EVENT_JOB_SUBMITTED = 32768;
/** A run was refused because the job had `maxInstances` runs in progress. */
export const EVENT_JOB_MAX_INSTANCES = 65536;
/**
 * A stored job cannot be restored (its task or trigger cannot be loaded): it is kept, skipped
 * and listed with the state `'unrestorable'` until it is fixed. Kairos's own code, the next free
 * bit after APScheduler's.
 */
export const EVENT_JOB_UNRESTORABLE = 131072;
/**
 * A run was found abandoned: its scheduler died (or lost the store for longer than its lease)
 * before the run had an outcome. Emitted once, by the scheduler that found it.
 */
export const EVENT_JOB_ABANDONED = 262144;
/** Every event code; the default mask of `addListener`. */
export const EVENT_ALL = 524287;

/** The code → name table behind `scheduler.on(name, fn)`. */
export const EVENT_NAMES = {
  1: 'scheduler_started',
  2: 'scheduler_shutdown',
  4: 'scheduler_paused',
  8: 'scheduler_resumed',
  16: 'executor_added',
  32: 'executor_removed',
  64: 'jobstore_added',
  128: 'jobstore_removed',
  256: 'all_jobs_removed',
  512: 'job_added',
  1024: 'job_removed',
  2048: 'job_modified',
  4096: 'job_executed',
  8192: 'job_error',
  16384: 'job_missed',
  32768: 'job_submitted',
  65536: 'job_max_instances',
  131072: 'job_unrestorable',
  262144: 'job_abandoned',
} as const;

/** One event code (a single bit). */
export type EventCode = keyof typeof EVENT_NAMES;
/** The name of one event code, as `scheduler.on` takes it. */
export type EventName = (typeof EVENT_NAMES)[EventCode];

/** Scheduler-level events: started, shutdown, paused, resumed, executor/job store added/removed, all jobs removed. */
export class SchedulerEvent {
  /** The event code (one bit of {@link EVENT_ALL}). */
  readonly code: EventCode;
  /** The alias of the executor or job store concerned, when there is one. */
  readonly alias: string | null;

  constructor(code: EventCode, alias: string | null = null) {
    this.code = code;
    this.alias = alias;
  }

  /** The snake_case name of {@link SchedulerEvent.code}, e.g. `'job_executed'`. */
  get name(): EventName {
    return EVENT_NAMES[this.code];
  }
}

/** Events about one job: added, removed, modified. */
export class JobEvent extends SchedulerEvent {
  /** The job's id. */
  readonly jobId: string;
  /** The alias of the job store the job is in. */
  readonly jobstore: string;

  constructor(code: EventCode, jobId: string, jobstore: string) {
    super(code);
    this.jobId = jobId;
    this.jobstore = jobstore;
  }
}

/** A job was submitted to its executor, or refused because of `maxInstances`. */
export class JobSubmissionEvent extends JobEvent {
  /** The run times handed over (one when the job coalesces). */
  readonly scheduledRunTimes: readonly Date[];
  /** The run records, one per run time (read them later for their outcome). */
  readonly runs: readonly Run[];

  constructor(
    code: EventCode,
    jobId: string,
    jobstore: string,
    scheduledRunTimes: readonly Date[],
    runs: readonly Run[] = [],
  ) {
    super(code, jobId, jobstore);
    this.scheduledRunTimes = scheduledRunTimes;
    this.runs = runs;
  }
}

/** The outcome of one run: executed, error (a throw, a timeout, a cancellation) or missed. */
export class JobExecutionEvent extends JobEvent {
  /** The run time this run was scheduled for. */
  readonly scheduledRunTime: Date;
  /** What the task returned (JOB_EXECUTED). */
  readonly retval: unknown;
  /** What the task threw, or the timeout error (JOB_ERROR). */
  readonly exception: unknown;
  /** The stack of `exception` when it has one (JOB_ERROR). */
  readonly traceback: string | null;
  /** The run record this event reports (its outcome, times and error), when there is one. */
  readonly run: Run | null;

  constructor(
    code: EventCode,
    jobId: string,
    jobstore: string,
    scheduledRunTime: Date,
    outcome: { retval?: unknown; exception?: unknown } = {},
    run: Run | null = null,
  ) {
    super(code, jobId, jobstore);
    this.run = run;
    this.scheduledRunTime = scheduledRunTime;
    this.retval = outcome.retval;
    this.exception = outcome.exception;
    this.traceback =
      outcome.exception instanceof Error && typeof outcome.exception.stack === 'string'
        ? outcome.exception.stack
        : null;
  }
}

/** A stored job that cannot be restored: its id, its store and why. */
export class JobUnrestorableEvent extends JobEvent {
  /** Why the job cannot be restored. */
  readonly exception: unknown;

  constructor(jobId: string, jobstore: string, exception: unknown) {
    super(EVENT_JOB_UNRESTORABLE, jobId, jobstore);
    this.exception = exception;
  }
}

/** A run whose scheduler died before it had an outcome, found by this scheduler. */
export class JobAbandonedEvent extends JobEvent {
  /** The run time of the abandoned run. */
  readonly scheduledRunTime: Date;
  /** The id of the scheduler that owned the run. */
  readonly owner: string;
  /** The abandoned run's record. */
  readonly run: Run;
  /** Whether a retry was started (the job's `onAbandoned: 'retry'`, retries left). */
  readonly retried: boolean;

  constructor(jobstore: string, run: Run, retried: boolean) {
    super(EVENT_JOB_ABANDONED, run.jobId, jobstore);
    this.scheduledRunTime = run.scheduledRunTime;
    this.owner = run.schedulerId;
    this.run = run;
    this.retried = retried;
  }
}

/** The event class each name delivers, for typed `scheduler.on(name, fn)`. */
export interface EventMap {
  /** {@link EVENT_SCHEDULER_STARTED}: the scheduler started. */
  scheduler_started: SchedulerEvent;
  /** {@link EVENT_SCHEDULER_SHUTDOWN}: the scheduler shut down. */
  scheduler_shutdown: SchedulerEvent;
  /** {@link EVENT_SCHEDULER_PAUSED}: job processing was paused. */
  scheduler_paused: SchedulerEvent;
  /** {@link EVENT_SCHEDULER_RESUMED}: job processing was resumed. */
  scheduler_resumed: SchedulerEvent;
  /** {@link EVENT_EXECUTOR_ADDED}: an executor was added. */
  executor_added: SchedulerEvent;
  /** {@link EVENT_EXECUTOR_REMOVED}: an executor was removed. */
  executor_removed: SchedulerEvent;
  /** {@link EVENT_JOBSTORE_ADDED}: a job store was added. */
  jobstore_added: SchedulerEvent;
  /** {@link EVENT_JOBSTORE_REMOVED}: a job store was removed. */
  jobstore_removed: SchedulerEvent;
  /**
   * {@link EVENT_ALL_JOBS_REMOVED}: all jobs were removed from one job store or from all of them.
   */
  all_jobs_removed: SchedulerEvent;
  /** {@link EVENT_JOB_ADDED}: a job was added to a job store. */
  job_added: JobEvent;
  /** {@link EVENT_JOB_REMOVED}: a job was removed from its job store. */
  job_removed: JobEvent;
  /** {@link EVENT_JOB_MODIFIED}: a job was modified from outside the scheduler. */
  job_modified: JobEvent;
  /** {@link EVENT_JOB_EXECUTED}: a job ran and returned. */
  job_executed: JobExecutionEvent;
  /** {@link EVENT_JOB_ERROR}: a job ran and threw (or timed out). */
  job_error: JobExecutionEvent;
  /**
   * {@link EVENT_JOB_MISSED}: a run started later than the job's misfire grace time allows, so it
   * did not happen.
   */
  job_missed: JobExecutionEvent;
  /** {@link EVENT_JOB_SUBMITTED}: a job was handed to its executor. */
  job_submitted: JobSubmissionEvent;
  /**
   * {@link EVENT_JOB_MAX_INSTANCES}: a run was refused: the job had `maxInstances` runs in
   * progress.
   */
  job_max_instances: JobSubmissionEvent;
  /** {@link EVENT_JOB_UNRESTORABLE}: a stored job cannot be restored; it is kept and skipped. */
  job_unrestorable: JobUnrestorableEvent;
  /** {@link EVENT_JOB_ABANDONED}: a run was found abandoned by its dead scheduler. */
  job_abandoned: JobAbandonedEvent;
}

/** Any event a listener can receive. */
export type AnySchedulerEvent = EventMap[EventName];

/** A listener for events selected by a mask. May be async; a rejection is logged like a throw. */
export type EventListener = (event: AnySchedulerEvent) => unknown;

/**
 * What `scheduler.on('error', fn)` receives: a failure the scheduler caught and survived (a job
 * store or executor call, a listener, a trigger that threw), so monitoring can see it. The loop
 * retries after `jobstoreRetryInterval`.
 */
export interface SchedulerErrorEvent {
  /** Where it happened. */
  readonly source: 'jobstore' | 'executor' | 'listener' | 'trigger';
  /** The alias of the job store or executor (for a trigger: the job's store), when there is one. */
  readonly alias: string | null;
  /** What was thrown. */
  readonly error: unknown;
  /** What the scheduler was doing, e.g. `getting due jobs`. */
  readonly action: string;
}

const CODE_BY_NAME = new Map<string, EventCode>(
  Object.entries(EVENT_NAMES).map(([code, name]) => [name, Number(code) as EventCode]),
);

/** The code of an event name, or undefined when the name is not one. */
export function eventCodeOf(name: string): EventCode | undefined {
  return CODE_BY_NAME.get(name);
}
