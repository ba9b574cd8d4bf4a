/**
 * AsyncExecutor (alias `async`, the default): runs sync and async tasks in this process, at
 * most `maxWorkers` submissions at a time, with per-run timeouts through an `AbortSignal`.
 */
import { z } from 'zod';
import { JobTimeoutError } from '../errors.js';
import type { TaskFunction } from '../interfaces.js';
import type { Job } from '../job.js';
import { runInJobContext, type JobContext } from '../job-context.js';
import { parseOptions, positiveInteger } from '../options.js';
import { isPromiseLike } from '../thenable.js';
import { BaseExecutor } from './base.js';
import { SubmissionQueue, type Submission } from './queue.js';

/** Options of {@link AsyncExecutor}. */
export interface AsyncExecutorOptions {
  /** How many submissions may run at once; the rest wait in order. Default 10. */
  maxWorkers?: number;
}

/** The schema of {@link AsyncExecutorOptions}, as configuration dictionaries give them. */
export const asyncExecutorOptions = z.strictObject({ maxWorkers: positiveInteger.optional() });

/** The context of one run; its abort controller is made only when someone needs it. */
class RunContext implements JobContext {
  readonly job: Job;
  readonly runTime: number;
  #controller: AbortController | null = null;

  constructor(job: Job, runTime: number) {
    this.job = job;
    this.runTime = runTime;
  }

  get jobId(): string {
    return this.job.id;
  }

  get jobName(): string {
    return this.job.name;
  }

  get jobstore(): string {
    return this.job.jobstore;
  }

  get scheduledRunTime(): Date {
    return new Date(this.runTime);
  }

  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
  }
}

/**
 * Runs tasks in the host's event loop. A sync task blocks the loop while it runs, as any sync
 * code does; CPU-bound work belongs in the worker executor. A task error becomes a JOB_ERROR
 * event carrying the error and its stack; a run longer than the job's `timeout` is aborted
 * through the signal `currentJob()` exposes and reported as a JOB_ERROR with a
 * {@link JobTimeoutError}.
 */
export class AsyncExecutor extends BaseExecutor {
  /** Submissions that may run at once. */
  readonly maxWorkers: number;
  readonly #queue: SubmissionQueue;
  #dropping = false;
  readonly #running = new Set<RunContext>();

  /** @throws ConfigurationError naming the bad option */
  constructor(options: AsyncExecutorOptions = {}) {
    super();
    const parsed = parseOptions(asyncExecutorOptions, options, 'AsyncExecutor');
    this.maxWorkers = parsed.maxWorkers ?? 10;
    this.#queue = new SubmissionQueue(
      this.maxWorkers,
      (submission) => this.#runFrom(submission, 0),
      (submission) => this.finished(submission.job),
    );
  }

  /** {@inheritDoc Executor.start} */
  override start(...args: Parameters<BaseExecutor['start']>): Promise<void> {
    this.#dropping = false;
    return super.start(...args);
  }

  /**
   * Stops taking runs. With `wait`, resolves once queued and running submissions are done;
   * without, drops the queued ones and aborts the signals of the running ones.
   */
  override async shutdown(wait: boolean): Promise<void> {
    if (!wait) {
      this.#dropping = true;
      const dropped = this.#queue.drop();
      for (const submission of dropped) this.finished(submission.job);
      if (dropped.length > 0) {
        this.log.warn(`Dropped ${dropped.length} queued job run(s) at shutdown`);
      }
      for (const run of this.#running) run.abort(new Error('The scheduler shut down'));
      return;
    }
    await this.#queue.whenIdle();
  }

  protected enqueue(job: Job, runTimes: readonly number[]): void {
    this.#queue.push({ job, runTimes });
  }

  /** Runs the submission's run times from `index` in order; a promise once one goes async. */
  #runFrom(submission: Submission, index: number): Promise<void> | undefined {
    const { job, runTimes } = submission;
    for (let i = index; i < runTimes.length; i++) {
      const runTime = runTimes[i] ?? 0;
      const pending = this.#runOne(job, runTime);
      if (pending !== undefined) return pending.then(() => this.#runFrom(submission, i + 1));
    }
    return undefined;
  }

  /** One run: misfire check, then the task; a promise only when the task is async. */
  #runOne(job: Job, runTime: number): Promise<void> | undefined {
    if (!this.checkMisfire(job, runTime)) return undefined;
    if (this.#dropping) return undefined;
    let task: TaskFunction | Promise<TaskFunction>;
    try {
      task = this.context.resolveTask(job);
    } catch (error) {
      this.reportError(job, runTime, error);
      return undefined;
    }
    if (typeof task !== 'function') {
      return task.then(
        (resolved) => this.#invoke(job, runTime, resolved),
        (error: unknown) => this.reportError(job, runTime, error),
      );
    }
    return this.#invoke(job, runTime, task);
  }

  #invoke(job: Job, runTime: number, task: TaskFunction): Promise<void> | undefined {
    this.reportStart(job, runTime);
    const run = new RunContext(job, runTime);
    let result: unknown;
    try {
      result = runInJobContext(run, () => (task as (...args: unknown[]) => unknown)(...job.args));
    } catch (error) {
      this.reportError(job, runTime, error);
      return undefined;
    }
    if (!isPromiseLike(result)) {
      if (job.timeout === null) {
        this.reportSuccess(job, runTime, result);
        return undefined;
      }
      result = Promise.resolve(result);
    }
    return this.#settle(job, runTime, run, result as PromiseLike<unknown>);
  }

  /** Waits for an async run, racing it against the job's timeout. */
  #settle(job: Job, runTime: number, run: RunContext, result: PromiseLike<unknown>): Promise<void> {
    this.#running.add(run);
    return new Promise<void>((resolve) => {
      let settled = false;
      const timer =
        job.timeout === null
          ? null
          : this.context.clock.setTimer(() => {
              if (settled) return;
              settled = true;
              const error = new JobTimeoutError(job.name, job.id, job.timeout ?? 0);
              run.abort(error);
              this.#running.delete(run);
              this.reportError(job, runTime, error);
              resolve();
            }, job.timeout * 1000);
      const finish = (report: () => void): void => {
        if (settled) return;
        settled = true;
        timer?.cancel();
        this.#running.delete(run);
        report();
        resolve();
      };
      result.then(
        (retval) => finish(() => this.reportSuccess(job, runTime, retval)),
        (error: unknown) => finish(() => this.reportError(job, runTime, error)),
      );
    });
  }
}
