/**
 * What a run record says to the outside: the job events and the log lines of every run, derived
 * from the record in this one place. Nothing else emits JOB_SUBMITTED, JOB_EXECUTED, JOB_ERROR,
 * JOB_MISSED or JOB_MAX_INSTANCES.
 */
import { formatDuration, formatWallTime } from '@kairos/triggers';
import { MaxInstancesReachedError } from '../errors.js';
import {
  EVENT_JOB_ERROR,
  EVENT_JOB_EXECUTED,
  EVENT_JOB_MAX_INSTANCES,
  EVENT_JOB_MISSED,
  EVENT_JOB_SUBMITTED,
  JobExecutionEvent,
  JobSubmissionEvent,
} from '../events.js';
import type { Job } from '../job.js';
import { zoneOf } from '../job.js';
import type { Listeners } from '../listeners.js';
import type { Log } from '../logger.js';
import type { RunRecord } from './run.js';

/** @internal Reports runs to the scheduler's listeners and log. */
export class RunReport {
  readonly #listeners: Listeners;
  readonly #log: () => Log;

  /** @param log the scheduler's current log (it may be reconfigured while stopped) */
  constructor(listeners: Listeners, log: () => Log) {
    this.#listeners = listeners;
    this.#log = log;
  }

  /** Runs handed to their executor's line (`first` and the runs it links): JOB_SUBMITTED. */
  submitted(job: Job, first: RunRecord): void {
    // Checked here rather than through emit(): no closure per run when no one listens.
    if (this.#listeners.isListening(EVENT_JOB_SUBMITTED)) {
      this.#listeners.dispatch(submissionEvent(EVENT_JOB_SUBMITTED, job, first));
    }
  }

  /**
   * Runs refused at submission (outcome `skipped`): JOB_MAX_INSTANCES and a warning for
   * `maxInstances`; an error line and an `on('error')` report for anything else (a full queue).
   */
  refused(job: Job, first: RunRecord, error: unknown): void {
    const log = this.#log();
    if (error instanceof MaxInstancesReachedError) {
      if (log.warnOn) {
        log.warn(
          `Execution of job "${job.toString()}" (id ${job.id}) skipped: maximum number of running instances reached (${job.maxInstances})`,
        );
      }
      this.#listeners.emit(EVENT_JOB_MAX_INSTANCES, () =>
        submissionEvent(EVENT_JOB_MAX_INSTANCES, job, first),
      );
      return;
    }
    log.error(
      `Error submitting job "${job.toString()}" (id ${job.id}) to executor "${job.executor}"`,
      error,
    );
    this.#listeners.reportError('executor', job.executor, error, `submitting job "${job.name}"`);
  }

  /** A run's task is about to start. */
  started(run: RunRecord): void {
    const log = this.#log();
    if (!log.infoOn) return;
    const { job } = run;
    log.info(
      `Running job "${job.toString()}" (scheduled at ${formatWallTime(run.runTimeMs, zoneOf(job.trigger), { milliseconds: true })})`,
    );
  }

  /**
   * A run has its outcome: JOB_EXECUTED, JOB_ERROR (error, timeout, cancelled while running)
   * or JOB_MISSED, with its log line. A run cancelled before it started is not an event: the
   * line that dropped it logs how many.
   */
  finished(run: RunRecord): void {
    const log = this.#log();
    const { job } = run;
    switch (run.outcome) {
      case 'executed':
        if (log.infoOn) log.info(`Job "${job.toString()}" executed successfully`);
        if (this.#listeners.isListening(EVENT_JOB_EXECUTED)) {
          this.#listeners.dispatch(executionEvent(EVENT_JOB_EXECUTED, run));
        }
        return;
      case 'error':
      case 'timeout':
        log.error(`Job "${job.toString()}" (id ${job.id}) raised an exception`, run.exception);
        this.#listeners.emit(EVENT_JOB_ERROR, () => executionEvent(EVENT_JOB_ERROR, run));
        return;
      case 'cancelled':
        if (run.startedMs === null) return;
        log.error(`Job "${job.toString()}" (id ${job.id}) was cancelled`, run.exception);
        this.#listeners.emit(EVENT_JOB_ERROR, () => executionEvent(EVENT_JOB_ERROR, run));
        return;
      case 'missed':
        if (log.warnOn) {
          const late = (run.finishedMs ?? run.runTimeMs) - run.runTimeMs;
          log.warn(
            `Run time of job "${job.toString()}" (id ${job.id}) was missed by ${formatDuration(late)}`,
          );
        }
        this.#listeners.emit(EVENT_JOB_MISSED, () => executionEvent(EVENT_JOB_MISSED, run));
        return;
      default:
        return;
    }
  }

  /** Whether reporting an executed run calls nothing outside the run layer (no log, no listener). */
  executedQuietly(): boolean {
    return !this.#log().infoOn && !this.#listeners.isListening(EVENT_JOB_EXECUTED);
  }

  /** Queued runs dropped by a shutdown without waiting. */
  dropped(count: number): void {
    if (count > 0) this.#log().warn(`Dropped ${count} queued job run(s) at shutdown`);
  }
}

function submissionEvent(
  code: typeof EVENT_JOB_SUBMITTED | typeof EVENT_JOB_MAX_INSTANCES,
  job: Job,
  first: RunRecord,
): JobSubmissionEvent {
  const runs: RunRecord[] = [];
  for (let run: RunRecord | null = first; run !== null; run = run.nextInSubmission) runs.push(run);
  return new JobSubmissionEvent(
    code,
    job.id,
    job.jobstore,
    runs.map((run) => run.scheduledRunTime),
    runs,
  );
}

function executionEvent(
  code: typeof EVENT_JOB_EXECUTED | typeof EVENT_JOB_ERROR | typeof EVENT_JOB_MISSED,
  run: RunRecord,
): JobExecutionEvent {
  return new JobExecutionEvent(
    code,
    run.jobId,
    run.jobstore,
    run.scheduledRunTime,
    code === EVENT_JOB_EXECUTED
      ? { retval: run.retval }
      : code === EVENT_JOB_ERROR
        ? { exception: run.exception }
        : {},
    run,
  );
}
