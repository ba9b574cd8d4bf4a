/**
 * Job context: a running task can ask which job it is running for, and for which scheduled
 * time, and read the abort signal of its timeout, without any change to its signature.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** What `currentJob()` returns inside a running task. */
export interface JobContext {
  /** The id of the job being run. */
  readonly jobId: string;
  /** Its name. */
  readonly jobName: string;
  /** The alias of the job store it is kept in. */
  readonly jobstore: string;
  /** The run time this run was scheduled for. */
  readonly scheduledRunTime: Date;
  /**
   * The run's id, as its record and the run history name it: with `attempt`, a key for a task
   * that must not do its work twice (a retried abandoned run has a new id and the same
   * `scheduledRunTime`).
   */
  readonly runId: string;
  /** 0, or 1, 2, … for the retries of an abandoned run (`onAbandoned: 'retry'`). */
  readonly attempt: number;
  /** Aborted when the run exceeds the job's `timeout` (or the scheduler shuts down without waiting). */
  readonly signal: AbortSignal;
}

const storage = new AsyncLocalStorage<JobContext>();

/**
 * The job the calling task is running for, or undefined outside a job run.
 *
 * @example
 * scheduler.addJob(async () => {
 *   const { jobId, scheduledRunTime, signal } = currentJob()!;
 *   await fetch(url, { signal });
 * }, { type: 'interval', minutes: 5 });
 */
export function currentJob(): JobContext | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` with `context` as the current job: the executors' side of `currentJob()`. An
 * executor that runs tasks in a worker thread calls it there, from `@kairos/core/job-context`.
 */
export function runInJobContext<T>(context: JobContext, fn: () => T): T {
  return storage.run(context, fn);
}

/**
 * @internal Calls `task(...args)` with `context` as the current job: {@link runInJobContext}
 * without a closure per run.
 */
export function callInJobContext(
  context: JobContext,
  task: (...args: unknown[]) => unknown,
  args: readonly unknown[],
): unknown {
  return storage.run(context, callTask, task, args);
}

function callTask(task: (...args: unknown[]) => unknown, args: readonly unknown[]): unknown {
  return args.length === 0 ? task() : task(...args);
}
