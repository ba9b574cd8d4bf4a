/**
 * What every executor shares: `maxInstances` accounting per job, the misfire check at the
 * moment a run starts, and the outcome events and log lines of each run.
 */
import { formatDuration, formatWallTime } from '@kairos/triggers';
import { MaxInstancesReachedError } from '../errors.js';
import {
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MISSED,
  JobExecutionEvent,
} from '../events.js';
import type { Executor, ExecutorContext } from '../interfaces.js';
import type { Job } from '../job.js';
import { zoneOf } from '../job.js';
import { Log, silentLogger } from '../logger.js';

/**
 * The base of executors. A subclass implements {@link BaseExecutor.enqueue} and reports each run
 * through the `report*` methods, calling {@link BaseExecutor.finished} once per submission.
 */
export abstract class BaseExecutor implements Executor {
  #context: ExecutorContext | null = null;
  #alias = '';
  #log = new Log(silentLogger);
  readonly #instances = new Map<string, number>();

  /** {@inheritDoc Executor.start} */
  start(context: ExecutorContext, alias: string): Promise<void> {
    this.#context = context;
    this.#alias = alias;
    this.#log = new Log(context.logger);
    return Promise.resolve();
  }

  /** {@inheritDoc Executor.shutdown} */
  abstract shutdown(wait: boolean): Promise<void>;

  /** {@inheritDoc Executor.submitJob} */
  submitJob(job: Job, runTimes: readonly number[]): void {
    const running = this.#instances.get(job.id) ?? 0;
    if (running >= job.maxInstances) {
      throw new MaxInstancesReachedError(job.name, job.id, job.maxInstances);
    }
    this.#instances.set(job.id, running + 1);
    this.enqueue(job, runTimes);
  }

  /** The alias the scheduler knows this executor by. */
  protected get alias(): string {
    return this.#alias;
  }

  /** The scheduler's side; throws when the executor was not started. */
  protected get context(): ExecutorContext {
    if (this.#context === null) {
      throw new Error(`${this.constructor.name} was not started; add it to a scheduler first`);
    }
    return this.#context;
  }

  /** The log of this executor. */
  protected get log(): Log {
    return this.#log;
  }

  /** How many submissions of a job are in progress. */
  protected instancesOf(jobId: string): number {
    return this.#instances.get(jobId) ?? 0;
  }

  /** Queues or starts one accepted submission; must not run anything before returning. */
  protected abstract enqueue(job: Job, runTimes: readonly number[]): void;

  /** Marks one submission of `job` as done (all of its run times), freeing an instance slot. */
  protected finished(job: Job): void {
    const running = (this.#instances.get(job.id) ?? 1) - 1;
    if (running <= 0) this.#instances.delete(job.id);
    else this.#instances.set(job.id, running);
  }

  /**
   * The misfire check at actual start: a run later than `misfireGraceTime` after its
   * scheduled time is skipped and reported as JOB_MISSED. Returns whether to run.
   */
  protected checkMisfire(job: Job, runTime: number): boolean {
    if (job.misfireGraceTime === null) return true;
    const late = this.context.clock.now() - runTime;
    if (late <= job.misfireGraceTime * 1000) return true;
    if (this.#log.warnOn) {
      this.#log.warn(`Run time of job "${job.toString()}" was missed by ${formatDuration(late)}`);
    }
    this.#emit(job, EVENT_JOB_MISSED, runTime, {});
    return false;
  }

  /** Logs the start of a run. */
  protected reportStart(job: Job, runTime: number): void {
    if (this.#log.infoOn) {
      this.#log.info(
        `Running job "${job.toString()}" (scheduled at ${formatWallTime(runTime, zoneOf(job.trigger), { milliseconds: true })})`,
      );
    }
  }

  /** Reports a run that returned. */
  protected reportSuccess(job: Job, runTime: number, retval: unknown): void {
    if (this.#log.infoOn) this.#log.info(`Job "${job.toString()}" executed successfully`);
    this.#emit(job, EVENT_JOB_EXECUTED, runTime, { retval });
  }

  /** Reports a run that threw (or timed out). */
  protected reportError(job: Job, runTime: number, exception: unknown): void {
    this.#log.error(`Job "${job.toString()}" raised an exception`, exception);
    this.#emit(job, EVENT_JOB_ERROR, runTime, { exception });
  }

  #emit(
    job: Job,
    code: typeof EVENT_JOB_EXECUTED | typeof EVENT_JOB_ERROR | typeof EVENT_JOB_MISSED,
    runTime: number,
    outcome: { retval?: unknown; exception?: unknown },
  ): void {
    const context = this.context;
    if (!context.isListening(code)) return;
    context.dispatchEvent(
      new JobExecutionEvent(code, job.id, job.jobstore, new Date(runTime), outcome),
    );
  }
}
