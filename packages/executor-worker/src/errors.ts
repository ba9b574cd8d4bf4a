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

/** A run was cancelled by `shutdown({wait: false})`: its signal aborted, its thread terminated unless it stopped. */
export class RunCancelledError extends Error {
  /** The job whose run was cancelled. */
  readonly jobId: string;

  constructor(jobName: string, jobId: string) {
    super(`Job "${jobName}" (id ${jobId}) was cancelled: the scheduler shut down without waiting`);
    this.name = 'RunCancelledError';
    this.jobId = jobId;
  }
}

/** A submission found `maxQueue` submissions already waiting for a thread, and was refused. */
export class WorkerQueueFullError extends Error {
  /** The job whose run was refused. */
  readonly jobId: string;

  constructor(jobName: string, jobId: string, maxQueue: number) {
    super(
      `Run of job "${jobName}" (id ${jobId}) refused: every worker thread is busy and ` +
        (maxQueue === 0
          ? `no run may wait for one (maxQueue 0)`
          : `${maxQueue} run(s) already wait for one (maxQueue)`) +
        `; raise maxWorkers or maxQueue, or run the job less often`,
    );
    this.name = 'WorkerQueueFullError';
    this.jobId = jobId;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
