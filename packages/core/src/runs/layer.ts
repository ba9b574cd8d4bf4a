/**
 * The run layer: the one place that decides a due run's fate. It turns the loop's due run times
 * into run records, refuses runs past `maxInstances` or a full executor queue, queues the rest
 * in front of their executor (at most its `maxWorkers` at once), checks the misfire grace when a
 * run actually starts, starts the task through the executor, enforces the job's `timeout`,
 * cancels runs at a shutdown without waiting, and records each outcome. Events and log lines
 * are read from the records (`report.ts`).
 */
import {
  ComponentLookupError,
  ExecutorQueueFullError,
  JobTimeoutError,
  MaxInstancesReachedError,
  RunCancelledError,
} from '../errors.js';
import type { Clock, ClockTimer, Executor } from '../interfaces.js';
import type { Job } from '../job.js';
import type { Listeners } from '../listeners.js';
import type { Log } from '../logger.js';
import { isPromiseLike } from '../thenable.js';
import { hashId, InstanceCounts } from './instances.js';
import { Line, type Submission } from './line.js';
import { RunObservers } from './observers.js';
import { RunReport } from './report.js';
import { RunRecord, type RunOutcome } from './run.js';
import type { DueRuns } from './run-times.js';

const NONE: readonly number[] = Object.freeze([]);

/** @internal What the run layer tells of the runs whose store keeps a run ledger. */
export interface RunRecorder {
  /** The run's task starts now (`run.startedMs` is set). */
  started(run: RunRecord): void;
  /** The run has its outcome. */
  finished(run: RunRecord): void;
}

/** @internal The run layer of one scheduler. */
export class RunLayer {
  readonly #clock: () => Clock;
  readonly #report: RunReport;
  readonly #listeners: Listeners;
  readonly #log: () => Log;
  readonly #schedulerId: () => string;
  /**
   * The scheduler's id, and the prefix of its run ids (the id and a mark of this start), read
   * once per start rather than per run.
   */
  #series: { readonly schedulerId: string; readonly prefix: string } | null = null;
  /** Takes each ledgered run as it starts and once it has an outcome (the cluster room). */
  #recorder: RunRecorder | null = null;
  readonly #lines = new Map<string, Line>();
  /** The lines being detached with `wait`: {@link cancelAll} may still cancel them. */
  readonly #detaching = new Set<Line>();
  /** Submissions in progress (queued or running) per job: what `maxInstances` bounds. */
  readonly #instances = new InstanceCounts();
  #sequence = 0;
  /**
   * When the synchronous run that just ended finished (epoch ms), or -1: the start time of the
   * run started right after it in the same turn, which spares a clock read per run. Set only
   * when nothing outside the run layer ran since (no JOB_EXECUTED listener, no info log), and
   * forgotten at the end of the turn.
   */
  #finishedJustNow = -1;
  /** Code told of each run's start and outcome (`scheduler.observeRuns`). */
  readonly observers = new RunObservers();
  readonly #observerFailed = (error: unknown): void => {
    this.#log().error('A run observer failed', error);
    this.#listeners.reportError('listener', null, error, 'observing runs');
  };

  /**
   * @param clock the scheduler's clock (read at each use: it is configurable while stopped)
   * @param log the scheduler's current log
   */
  constructor(schedulerId: () => string, clock: () => Clock, listeners: Listeners, log: () => Log) {
    this.#schedulerId = schedulerId;
    this.#clock = clock;
    this.#listeners = listeners;
    this.#log = log;
    this.#report = new RunReport(listeners, log);
  }

  /** Sends each ledgered run to `recorder` as its task starts and once it has its outcome. */
  recordWith(recorder: RunRecorder): void {
    this.#recorder = recorder;
  }

  /**
   * Starts a new series of run ids (at each scheduler start): a scheduler with a configured
   * id that restarts must not reuse the ids of its earlier runs.
   */
  newSeries(): { readonly schedulerId: string; readonly prefix: string } {
    const schedulerId = this.#schedulerId();
    this.#sequence = 0;
    return (this.#series = { schedulerId, prefix: `${schedulerId}:${Date.now().toString(36)}` });
  }

  /** Runs of the job `jobId` queued or running. */
  instancesOf(jobId: string): number {
    return this.#instances.activeOf(jobId);
  }

  /** Starts handing runs to a started executor under `alias`. */
  attach(alias: string, executor: Executor): void {
    this.#lines.set(alias, new Line(alias, executor, this));
  }

  /**
   * Stops handing runs to the executor `alias` and shuts it down: with `wait`, once its queued
   * and running runs are done; without, queued runs are cancelled (never started, no event)
   * and running ones aborted, each reported with a {@link RunCancelledError}.
   */
  async detach(alias: string, wait: boolean): Promise<void> {
    const line = this.#lines.get(alias);
    if (line === undefined) return;
    this.#lines.delete(alias);
    if (!wait) this.#cancel(line);
    this.#detaching.add(line);
    try {
      await line.queue.whenIdle();
    } finally {
      this.#detaching.delete(line);
    }
    await line.executor.shutdown();
  }

  /**
   * Cancels every run, queued or running, of the executors attached and of those being
   * detached with `wait`, as a detach without `wait` does: a `shutdown({ wait: false })` made
   * while a waiting `shutdown()` is in progress.
   */
  cancelAll(): void {
    for (const line of [...this.#lines.values(), ...this.#detaching])
      if (!line.cancelling) this.#cancel(line);
  }

  /**
   * Stops handing runs to the executor `alias` and leaves it running (`removeExecutor(alias,
   * false)`): the runs it has go on and are still recorded.
   */
  forget(alias: string): void {
    this.#lines.delete(alias);
  }

  /** Detaches every executor (see {@link detach}); failures are the caller's to report. */
  async detachAll(
    wait: boolean,
    failed: (alias: string, error: unknown) => void = () => undefined,
  ): Promise<void> {
    // Cancel everywhere first, so one executor's slow shutdown does not hold the others' runs.
    if (!wait) for (const line of this.#lines.values()) this.#cancel(line);
    for (const alias of [...this.#lines.keys()]) {
      try {
        await this.detach(alias, wait);
      } catch (error) {
        failed(alias, error);
      }
    }
  }

  /**
   * Makes the records of one submission: a run per run time, linked from the first (which
   * `coalesced` times fold into when there is one run), not yet handed over.
   * @param now when they are handed over
   * @param attempt 0, or the retry number of an abandoned run
   */
  prepare(
    job: Job,
    runTimes: readonly number[],
    coalesced: readonly number[],
    now: number,
    attempt = 0,
  ): RunRecord {
    const last = runTimes.length - 1;
    const { schedulerId, prefix } = this.#series ?? this.newSeries();
    const first = new RunRecord(
      job,
      schedulerId,
      prefix,
      ++this.#sequence,
      runTimes[0] ?? now,
      last <= 0 ? coalesced : NONE,
      now,
    );
    first.attempt = attempt;
    for (let index = 1, previous = first; index <= last; index++) {
      const run = new RunRecord(
        job,
        schedulerId,
        prefix,
        ++this.#sequence,
        runTimes[index] ?? now,
        index === last ? coalesced : NONE,
        now,
      );
      run.first = first;
      run.attempt = attempt;
      previous.nextInSubmission = run;
      previous = run;
    }
    return first;
  }

  /**
   * Submits the runs a due job owes (the loop's side, for stores without a shared run
   * ledger). Refusals are reported, never thrown.
   * @param now the time of the loop's pass, when the runs are handed over
   * @param recorded whether each outcome goes to the store's (local) ledger
   */
  submitDue(job: Job, due: DueRuns, now: number, recorded = false): void {
    this.warnOfSkipped(job, due);
    if (due.runTimes.length === 0) return;
    const first = this.prepare(job, due.runTimes, due.coalesced, now);
    if (recorded) markRecorded(first);
    this.#submit(first, now, false, false);
  }

  /**
   * Submits runs whose rows its store's ledger opened (with the claim, or `open` for runJob):
   * the store counted `maxInstances` across its schedulers; each outcome is recorded there.
   */
  submitOpened(first: RunRecord, now: number): void {
    markRecorded(first);
    this.#submit(first, now, false, true);
  }

  /**
   * Reports runs its store's ledger refused for `maxInstances` across its schedulers (it wrote
   * them as `skipped`): JOB_MAX_INSTANCES, as a local refusal.
   */
  refuseOpened(first: RunRecord, now: number): void {
    const { job } = first;
    const refusal = new MaxInstancesReachedError(job.name, job.id, job.maxInstances);
    for (let run: RunRecord | null = first; run !== null; run = run.nextInSubmission) {
      this.#close(run, 'skipped', now, refusal);
    }
    this.#report.refused(job, first, refusal);
  }

  /** Logs that a due job owed more run times than the loop enumerates. */
  warnOfSkipped(job: Job, due: DueRuns): void {
    if (!due.skippedSome) return;
    this.#log().warn(
      `Job "${job.name}" (id ${job.id}) missed more run times than the loop enumerates at ` +
        `once (the clock jumped or the scheduler was down); ` +
        (job.coalesce
          ? 'they are coalesced into the latest one'
          : `submitting ${due.runTimes.length} of them, the rest are skipped`),
    );
  }

  /**
   * Runs a job once now (`runJob`), in a store without a shared run ledger.
   * @throws ComponentLookupError, MaxInstancesReachedError or ExecutorQueueFullError
   */
  submitNow(job: Job, recorded = false): void {
    const now = this.#clock().now();
    const first = this.prepare(job, [now], NONE, now);
    if (recorded) markRecorded(first);
    this.#submit(first, now, true, false);
  }

  /**
   * Checks that the executor `alias` is attached.
   * @throws ComponentLookupError naming the executors there are
   */
  checkExecutor(alias: string): void {
    if (!this.#lines.has(alias))
      throw new ComponentLookupError('executor', alias, this.#lines.keys());
  }

  /**
   * Hands a submission to its executor's line, or refuses it. `counted`: its store's ledger
   * counted `maxInstances` already.
   */
  #submit(first: RunRecord, now: number, rethrow: boolean, counted: boolean): void {
    const { job } = first;
    const line = this.#lines.get(job.executor);
    if (line === undefined) {
      const error = new ComponentLookupError('executor', job.executor, this.#lines.keys());
      for (let run: RunRecord | null = first; run !== null; run = run.nextInSubmission) {
        this.#close(run, 'skipped', now, error);
      }
      if (rethrow) throw error;
      this.#log().error(
        `Executor lookup ("${job.executor}") failed for job "${job.toString()}" (id ${job.id}); its run is skipped and the job kept`,
        error,
      );
      this.#listeners.reportError(
        'executor',
        job.executor,
        error,
        `looking up the executor of job "${job.name}"`,
      );
      return;
    }
    const idHash = hashId(job.id);
    first.idHash = idHash;
    const refusal =
      !counted && this.#instances.activeOf(job.id, idHash) >= job.maxInstances
        ? new MaxInstancesReachedError(job.name, job.id, job.maxInstances)
        : line.full
          ? new ExecutorQueueFullError(job.name, job.id, line.alias, line.executor.maxQueue ?? 0)
          : null;
    if (refusal !== null) {
      for (let run: RunRecord | null = first; run !== null; run = run.nextInSubmission) {
        this.#close(run, 'skipped', now, refusal);
      }
      this.#report.refused(job, first, refusal);
      if (rethrow) throw refusal;
      return;
    }
    this.#instances.add(job.id, idHash);
    this.#report.submitted(job, first);
    line.queue.push(first);
  }

  /** @internal The queue's start: the submission's runs from `run` on, in order. */
  startSubmission(line: Line, run: RunRecord | null): Promise<void> | undefined {
    for (let current = run; current !== null; current = current.nextInSubmission) {
      const pending = this.#start(line, current);
      if (pending !== undefined) {
        const rest = current.nextInSubmission;
        if (rest === null) return pending;
        return pending.then(() => {
          const next = this.startSubmission(line, rest);
          this.forgetFinishTime();
          return next;
        });
      }
    }
    return undefined;
  }

  /** @internal The end of a turn of starts: the next start reads the clock. */
  forgetFinishTime(): void {
    this.#finishedJustNow = -1;
  }

  /** @internal The queue's end of a submission: its `maxInstances` slot is free again. */
  release(submission: Submission): void {
    this.#instances.release(submission.jobId, submission.idHash);
  }

  /** One run: cancelled, missed, or started; a promise only while an async task runs. */
  #start(line: Line, run: RunRecord): Promise<void> | undefined {
    const finishedJustNow = this.#finishedJustNow;
    this.#finishedJustNow = -1;
    const now = finishedJustNow >= 0 ? finishedJustNow : this.#clock().now();
    if (line.cancelling) {
      this.#finish(run, 'cancelled', now, new RunCancelledError(run.jobName, run.jobId));
      return undefined;
    }
    const { job } = run;
    // The misfire check happens when the run actually starts: queue time counts. A retry of an
    // abandoned run is late by nature and runs all the same.
    if (
      job.misfireGraceTime !== null &&
      run.attempt === 0 &&
      now + run.offsetMs - run.runTimeMs > job.misfireGraceTime * 1000
    ) {
      this.#finish(run, 'missed', now);
      return undefined;
    }
    run.startedMs = now;
    if (run.ledgered) this.#recorder?.started(run);
    this.#report.started(run);
    let result: unknown;
    try {
      result = this.observers.watchStarts
        ? this.observers.start(run, job, line.startRun)
        : line.executor.run(job, run.runTimeMs, run);
    } catch (error) {
      this.#finish(run, 'error', this.#clock().now(), error);
      return undefined;
    }
    if (!isPromiseLike(result)) {
      run.retval = result;
      const finishedMs = this.#clock().now();
      this.#finish(run, 'executed', finishedMs);
      if (this.#report.executedQuietly() && !this.observers.watchOutcomes) {
        this.#finishedJustNow = finishedMs;
      }
      return undefined;
    }
    return this.#await(line, run, result);
  }

  /** Waits for an async run, aborting it at the job's timeout. */
  #await(line: Line, run: RunRecord, result: PromiseLike<unknown>): Promise<void> {
    const { job } = run;
    line.running.add(run);
    const timer: ClockTimer | null =
      job.timeout === null
        ? null
        : this.#clock().setTimer(() => {
            run.abort(new JobTimeoutError(job.name, job.id, job.timeout ?? 0));
          }, job.timeout * 1000);
    const settle = (failed: boolean, value: unknown): void => {
      timer?.cancel();
      line.running.delete(run);
      const now = this.#clock().now();
      // A cancelled task that finished within its grace is reported as cancelled all the same.
      const reason = run.abortReason;
      if (reason !== undefined) {
        this.#finish(run, reason instanceof JobTimeoutError ? 'timeout' : 'cancelled', now, reason);
      } else if (failed) {
        this.#finish(run, 'error', now, value);
      } else {
        run.retval = value;
        this.#finish(run, 'executed', now);
      }
    };
    return new Promise<void>((resolve) => {
      result.then(
        (value) => {
          settle(false, value);
          resolve();
        },
        (error: unknown) => {
          settle(true, error);
          resolve();
        },
      );
    });
  }

  /** Cancels a line's queued runs and aborts its running ones. */
  #cancel(line: Line): void {
    line.cancelling = true;
    const now = this.#clock().now();
    let dropped = 0;
    for (const submission of line.queue.drop()) {
      for (let run: RunRecord | null = submission; run !== null; run = run.nextInSubmission) {
        this.#close(run, 'cancelled', now, new RunCancelledError(run.jobName, run.jobId));
        dropped++;
      }
      this.release(submission);
    }
    this.#report.dropped(dropped);
    for (const run of line.running) run.abort(new RunCancelledError(run.jobName, run.jobId));
  }

  /** Records an outcome and reports it. */
  #finish(run: RunRecord, outcome: RunOutcome, now: number, exception?: unknown): void {
    this.#close(run, outcome, now, exception);
    this.#report.finished(run);
  }

  #close(run: RunRecord, outcome: RunOutcome, now: number, exception: unknown): void {
    run.outcome = outcome;
    run.finishedMs = now;
    if (exception !== undefined) run.exception = exception;
    if (run.ledgered) this.#recorder?.finished(run);
    if (this.observers.watchOutcomes) this.observers.finished(run, run.job, this.#observerFailed);
  }
}

/** Marks the runs of a submission as recorded in their store's ledger. */
function markRecorded(first: RunRecord): void {
  for (let run: RunRecord | null = first; run !== null; run = run.nextInSubmission) {
    run.ledgered = true;
  }
}
