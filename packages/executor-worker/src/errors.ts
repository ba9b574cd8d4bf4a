/** The errors of the worker executor's runs, as JOB_ERROR events and `submitJob` carry them. */

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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
