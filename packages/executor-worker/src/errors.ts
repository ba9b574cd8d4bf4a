/**
 * The errors of the worker executor's runs, as JOB_ERROR events and `submitJob` carry them,
 * and how this package's messages quote values and errors.
 */

/**
 * The worker thread running a job died before the run finished: the task called
 * `process.exit()`, ran out of memory under `resourceLimits`, or an error escaped it outside
 * the run (a throw in a timer callback). The pool replaces the thread.
 */
export class WorkerCrashedError extends Error {
  /** The job whose run was lost. */
  readonly jobId: string;

  constructor(jobName: string, jobId: string, cause: unknown) {
    super(
      `The worker thread running job "${jobName}" (id ${jobId}) died: ${messageOf(cause)}; ` +
        `the thread was replaced`,
      { cause },
    );
    this.name = 'WorkerCrashedError';
    this.jobId = jobId;
  }
}

/**
 * A run was cancelled (its timeout passed, or the scheduler shut down without waiting) before a
 * worker thread took it: its task never started. The task's signal carries it as its reason.
 */
export class RunCancelledBeforeStartError extends Error {
  /** The job whose run was cancelled. */
  readonly jobId: string;

  constructor(jobName: string, jobId: string) {
    super(
      `Job "${jobName}" (id ${jobId}) was cancelled before a worker thread took its run (its ` +
        `timeout passed or the scheduler shut down without waiting); the task did not start`,
    );
    this.name = 'RunCancelledBeforeStartError';
    this.jobId = jobId;
  }
}

/**
 * A worker thread could not import the executor's `setup` module, so the run's task did not
 * start. Made in the thread: `job_error` carries a copy, an `Error` with this name.
 */
export class WorkerSetupError extends Error {
  /** The job whose run did not start. */
  readonly jobId: string;

  constructor(jobName: string, jobId: string, setup: string, cause: unknown) {
    super(
      `Job "${jobName}" (id ${jobId}) did not start: its worker thread could not import the ` +
        `WorkerExecutor setup module '${setup}' (${messageOf(cause)}); fix the module or the ` +
        `setup option. The thread tries again at its next run`,
      { cause },
    );
    this.name = 'WorkerSetupError';
    this.jobId = jobId;
  }
}

/** An error's message, or a thrown value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
