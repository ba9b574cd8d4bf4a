/**
 * AsyncExecutor (alias `async`, the default): runs sync and async tasks in this process, at
 * most `maxWorkers` submissions at a time.
 */
import { z } from 'zod';
import { ExecutorNotStartedError } from '../errors.js';
import type { Executor, ExecutorContext, RunControl, TaskFunction } from '../interfaces.js';
import type { Job } from '../job.js';
import { callInJobContext } from '../job-context.js';
import { parseOptions, positiveInteger } from '../options.js';
import { isPromiseLike } from '../thenable.js';

/** Options of {@link AsyncExecutor}. */
export interface AsyncExecutorOptions {
  /** How many submissions may run at once; the rest wait in order. Default 10. */
  maxWorkers?: number;
}

/** The schema of {@link AsyncExecutorOptions}, as configuration dictionaries give them. */
export const asyncExecutorOptions = z.strictObject({ maxWorkers: positiveInteger.optional() });

/**
 * Runs tasks in the host's event loop. A sync task blocks the loop while it runs, as any sync
 * code does; CPU-bound work belongs in the worker executor. When a run is aborted (its timeout,
 * a shutdown without waiting) the task's `currentJob().signal` aborts and the run ends at once;
 * a task that ignores the signal goes on in the background, its result unheard.
 */
export class AsyncExecutor implements Executor {
  /** Submissions that may run at once. */
  readonly maxWorkers: number;
  #context: ExecutorContext | null = null;

  /** @throws ConfigurationError naming the bad option */
  constructor(options: AsyncExecutorOptions = {}) {
    const parsed = parseOptions(asyncExecutorOptions, options, 'AsyncExecutor');
    this.maxWorkers = parsed.maxWorkers ?? 10;
  }

  /** {@inheritDoc Executor.start} */
  start(context: ExecutorContext): Promise<void> {
    this.#context = context;
    return Promise.resolve();
  }

  /** {@inheritDoc Executor.shutdown} */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** {@inheritDoc Executor.run} */
  run(job: Job, _runTime: number, control: RunControl): unknown {
    if (this.#context === null) throw new ExecutorNotStartedError('AsyncExecutor');
    const task = this.#context.resolveTask(job);
    if (typeof task !== 'function') {
      return abortable(
        task.then((resolved) => call(resolved, job, control)),
        control,
      );
    }
    const result = call(task, job, control);
    return isPromiseLike(result) ? abortable(result, control) : result;
  }
}

function call(task: TaskFunction, job: Job, control: RunControl): unknown {
  return callInJobContext(control, task as (...args: unknown[]) => unknown, job.args);
}

/** The task's promise, or its run's abort reason if that comes first. */
function abortable(result: PromiseLike<unknown>, control: RunControl): Promise<unknown> {
  return new Promise((resolve, reject) => {
    control.onAbort(reject);
    result.then(resolve, reject);
  });
}
