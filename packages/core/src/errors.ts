/**
 * The errors @kairos/core throws. Each message names the job, store, executor or key involved
 * and says what to do about it.
 */

/** No job with this id exists (in the given job store, when one was named). */
export class JobLookupError extends Error {
  /** The id that was looked up. */
  readonly jobId: string;

  constructor(jobId: string, jobstore?: string) {
    super(
      `No job by the id of '${jobId}' was found` +
        (jobstore === undefined ? '' : ` in job store '${jobstore}'`),
    );
    this.name = 'JobLookupError';
    this.jobId = jobId;
  }
}

/**
 * The job is stored but its store cannot restore it (its task cannot be loaded), so it can be
 * listed and removed but not paused, resumed, modified, rescheduled or run.
 */
export class UnrestorableJobError extends Error {
  /** The id of the job. */
  readonly jobId: string;

  /** @param cause why the job cannot be restored (`UnrestorableJob.cause`) */
  constructor(jobId: string, jobstore: string, cause: unknown) {
    const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(
      `Job '${jobId}' is stored in job store '${jobstore}' but cannot be restored (${why}); ` +
        `make its task loadable (register it, or list its module in taskModules), replace it ` +
        `with addJob(…, { id: '${jobId}', replaceExisting: true }), or remove it with ` +
        `removeJob('${jobId}')`,
      { cause },
    );
    this.name = 'UnrestorableJobError';
    this.jobId = jobId;
  }
}

/** A job with this id already exists; pass `replaceExisting: true` to replace it. */
export class ConflictingIdError extends Error {
  /** The id that is already taken. */
  readonly jobId: string;

  constructor(jobId: string, jobstore?: string) {
    super(
      `Job identifier '${jobId}' conflicts with an existing job` +
        (jobstore === undefined ? '' : ` in job store '${jobstore}'`) +
        `; choose another id or pass replaceExisting: true`,
    );
    this.name = 'ConflictingIdError';
    this.jobId = jobId;
  }
}

/** The call needs a stopped scheduler (configure), and this one is running. */
export class SchedulerAlreadyRunningError extends Error {
  constructor(action = 'This operation') {
    super(`${action} cannot be done while the scheduler is running; call shutdown() first`);
    this.name = 'SchedulerAlreadyRunningError';
  }
}

/** The call needs a running scheduler, and this one is stopped. */
export class SchedulerNotRunningError extends Error {
  constructor(action = 'This operation') {
    super(`${action} needs a running scheduler; call start() first`);
    this.name = 'SchedulerNotRunningError';
  }
}

/** A run was refused because the job already has `maxInstances` runs in progress. */
export class MaxInstancesReachedError extends Error {
  /** The job whose run was refused. */
  readonly jobId: string;
  /** Its `maxInstances`. */
  readonly maxInstances: number;

  constructor(jobName: string, jobId: string, maxInstances: number) {
    super(MaxInstancesReachedError.message(jobName, jobId, maxInstances));
    this.name = 'MaxInstancesReachedError';
    this.jobId = jobId;
    this.maxInstances = maxInstances;
  }

  /** The message of the error, without making one (a run ledger's refused rows carry it). */
  static message(jobName: string, jobId: string, maxInstances: number): string {
    return (
      `Job "${jobName}" (id ${jobId}) has reached its maximum number of concurrently running ` +
      `instances (${maxInstances}); raise maxInstances if overlapping runs are fine`
    );
  }
}

/** A job run went past its `timeout` and was aborted; the run is reported as a JOB_ERROR. */
export class JobTimeoutError extends Error {
  /** The job whose run timed out. */
  readonly jobId: string;
  /** Its timeout in seconds. */
  readonly timeout: number;

  constructor(jobName: string, jobId: string, timeout: number) {
    super(`Job "${jobName}" (id ${jobId}) timed out after ${timeout} s and was aborted`);
    this.name = 'JobTimeoutError';
    this.jobId = jobId;
    this.timeout = timeout;
  }
}

/** A configuration key or value (scheduler, job store, executor, plugin) is not usable. */
export class ConfigurationError extends Error {
  /** The key at fault, e.g. `kairos.executors.default.max_workers` or `misfireGraceTime`. */
  readonly key: string;

  constructor(key: string, problem: string) {
    super(`${key}: ${problem}`);
    this.name = 'ConfigurationError';
    this.key = key;
  }
}

/** A job option passed to `addJob`/`modifyJob` is invalid. */
export class JobOptionError extends Error {
  /** The option at fault, e.g. `maxInstances`. */
  readonly option: string;
  /** The value that was given. */
  readonly value: unknown;

  constructor(job: string, option: string, value: unknown, problem: string) {
    super(`${job}: ${option}: ${problem}`);
    this.name = 'JobOptionError';
    this.option = option;
    this.value = value;
  }
}

/** A job cannot be turned into (or back from) its stored JSON form. */
export class SerializationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SerializationError';
  }
}

/** A task reference (registered name or `module#export`) cannot be resolved to a function. */
export class TaskLookupError extends Error {
  /** The reference that failed. */
  readonly task: string;
  /** What is wrong with it, without the task's name. */
  readonly problem: string;

  constructor(task: string, problem: string) {
    super(`Task '${task}': ${problem}`);
    this.name = 'TaskLookupError';
    this.task = task;
    this.problem = problem;
  }
}

/** No job store or executor is registered under this alias on the scheduler. */
export class ComponentLookupError extends Error {
  constructor(kind: 'job store' | 'executor', alias: string, known: Iterable<string>) {
    const names = [...known].map((name) => `'${name}'`);
    super(
      `No ${kind} named '${alias}'; ` +
        (names.length === 0 ? `none is configured` : `configured: ${names.join(', ')}`),
    );
    this.name = 'ComponentLookupError';
  }
}

/** A run was cancelled because the scheduler shut down without waiting (before or during it). */
export class RunCancelledError extends Error {
  /** The job whose run was cancelled. */
  readonly jobId: string;

  constructor(jobName: string, jobId: string) {
    super(`Job "${jobName}" (id ${jobId}) was cancelled: the scheduler shut down without waiting`);
    this.name = 'RunCancelledError';
    this.jobId = jobId;
  }
}

/**
 * A run was refused because its executor had `maxQueue` runs already waiting for one of its
 * `maxWorkers` slots.
 */
export class ExecutorQueueFullError extends Error {
  /** The job whose run was refused. */
  readonly jobId: string;
  /** The alias of the executor. */
  readonly executor: string;

  constructor(jobName: string, jobId: string, executor: string, maxQueue: number) {
    super(
      `Run of job "${jobName}" (id ${jobId}) refused: every slot of executor '${executor}' is ` +
        `busy and ` +
        (maxQueue === 0
          ? `no run may wait for one (maxQueue 0)`
          : `${maxQueue} run(s) already wait for one (maxQueue)`) +
        `; raise maxWorkers or maxQueue, or run the job less often`,
    );
    this.name = 'ExecutorQueueFullError';
    this.jobId = jobId;
    this.executor = executor;
  }
}

/** An executor was asked to run a job before it was started by a scheduler. */
export class ExecutorNotStartedError extends Error {
  constructor(executor: string) {
    super(`${executor} was not started; add it to a scheduler and start the scheduler first`);
    this.name = 'ExecutorNotStartedError';
  }
}

/**
 * A job store cannot do what was asked: its database cannot be opened or reached, was closed,
 * or answered something the store cannot use. The message names the store and says what to do.
 */
export class JobStoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JobStoreError';
  }
}

/** A job store was called before `start()` or after `shutdown()`, or started a second time. */
export class StoreNotStartedError extends JobStoreError {
  constructor(message: string) {
    super(message);
    this.name = 'StoreNotStartedError';
  }
}

/** A job store's stored schema version is not one this version of its package can use. */
export class SchemaVersionError extends JobStoreError {
  /** The version found in the store, as stored (null when none could be read). */
  readonly found: unknown;
  /** The version this code writes. */
  readonly expected: number;

  constructor(message: string, found: unknown, expected: number) {
    super(message);
    this.name = 'SchemaVersionError';
    this.found = found;
    this.expected = expected;
  }
}

/**
 * A command task did not succeed: it could not start, exited with a non-zero code, or was
 * killed by a signal. The message ends with the last lines of its standard error.
 */
export class CommandFailedError extends Error {
  /** The exit code, or null when the command was killed by a signal or did not start. */
  readonly exitCode: number | null;
  /** The signal that killed it (`'SIGKILL'`), or null. */
  readonly signal: string | null;
  /** The last bytes of its standard error (at most the tail the runner keeps). */
  readonly stderr: string;

  constructor(
    message: string,
    details: { exitCode: number | null; signal: string | null; stderr: string },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CommandFailedError';
    this.exitCode = details.exitCode;
    this.signal = details.signal;
    this.stderr = details.stderr;
  }
}

/** A command task ran past its own `timeout`: its process group was sent SIGTERM (then SIGKILL). */
export class CommandTimeoutError extends Error {
  /** The command's timeout in seconds. */
  readonly timeout: number;

  constructor(command: string, timeout: number, killed: boolean, killGrace: number) {
    super(
      `Command ${command} ran past its timeout of ${timeout} s: its process group was sent ` +
        `SIGTERM` +
        (killed ? `, then SIGKILL after ${killGrace} s` : '') +
        `; raise the command's timeout if it needs longer`,
    );
    this.name = 'CommandTimeoutError';
    this.timeout = timeout;
  }
}

/**
 * A command task met a scheduler that does not allow commands in a persistent job store: it
 * cannot be stored there, and one found there is kept but not run (reported unrestorable).
 */
export class CommandNotAllowedError extends Error {
  /** The program the command runs (`/bin/sh` for a shell line). */
  readonly program: string;

  constructor(job: string, command: string, program: string, allowed: readonly string[] | false) {
    super(
      `${job}: command ${command} is not allowed in a persistent job store: ` +
        (allowed === false
          ? `this scheduler does not allow stored commands; `
          : `'${program}' is not among the allowed programs (${allowed.map((name) => `'${name}'`).join(', ') || 'none'}); `) +
        `set the scheduler option commands: true (or 'kairos.commands': 'true'), or list the ` +
        `programs: commands: ['${program}']`,
    );
    this.name = 'CommandNotAllowedError';
    this.program = program;
  }
}
