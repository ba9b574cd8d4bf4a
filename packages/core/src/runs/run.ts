/**
 * The run record: one due run's life, from the moment the loop hands it over to its outcome.
 * The run layer (`layer.ts`) is the only writer; events, log lines and (later) history rows,
 * metrics and dashboard views are all read from it.
 */
import type { RunControl } from '../interfaces.js';
import type { Job } from '../job.js';
import type { RunRow } from '../ledger.js';
import { describeError, summarizeResult, type RunError } from './summary.js';

export type { RunError } from './summary.js';

/**
 * How a run ended:
 * - `executed`: the task returned;
 * - `error`: the task threw (or could not be loaded);
 * - `missed`: it would have started later than the job's `misfireGraceTime` allows;
 * - `skipped`: refused at submission (the job had `maxInstances` runs in progress, or the
 *   executor's queue was full);
 * - `timeout`: it ran past the job's `timeout` and was aborted;
 * - `cancelled`: the scheduler shut down without waiting, before or during the run;
 * - `abandoned`: its scheduler died (or lost its store for longer than its lease) before it
 *   had an outcome; another scheduler of the store found the lapsed lease and ended it.
 */
export type RunOutcome =
  'executed' | 'error' | 'missed' | 'skipped' | 'timeout' | 'cancelled' | 'abandoned';

/** Every {@link RunOutcome}, in the order the docs list them. */
export const RUN_OUTCOMES: readonly RunOutcome[] = [
  'executed',
  'error',
  'missed',
  'skipped',
  'timeout',
  'cancelled',
  'abandoned',
];

/** A run as JSON: instants as UTC epoch milliseconds, for history stores and HTTP. */
export interface RunState {
  /** Unique among the runs of every scheduler. */
  id: string;
  /** The id of the job that ran. */
  jobId: string;
  /** The job's name at the time of the run. */
  jobName: string;
  /** The alias of the job store the job is kept in. */
  jobstore: string;
  /** The alias of the executor that runs (or would have run) it. */
  executor: string;
  /** The id of the scheduler that took the run. */
  schedulerId: string;
  /** The time the run was scheduled for. */
  scheduledRunTime: number;
  /** Earlier run times folded into this run by coalescing (oldest first). */
  coalescedRunTimes: number[];
  /** When the loop handed the run to the run layer. */
  submittedAt: number;
  /** When the task started; null when it never did. */
  startedAt: number | null;
  /** When the outcome was decided; null while the run waits or runs. */
  finishedAt: number | null;
  /** How it ended; null while it waits or runs. */
  outcome: RunOutcome | null;
  /** The error of an `error`, `timeout` or `cancelled` run (or of a refused one). */
  error: RunError | null;
  /** A JSON-safe summary of the task's return value (`executed` runs). */
  result: unknown;
  /** 0 for a scheduled or `runJob` run; 1, 2, … for the retries of an abandoned run. */
  attempt: number;
}

/** One run of a job: what was due, when it was handed over, started and finished, and how it ended. */
export interface Run {
  /** Unique among the runs of every scheduler: the scheduler id, its start and a sequence number. */
  readonly id: string;
  /** The id of the job that ran. */
  readonly jobId: string;
  /** The job's name at the time of the run. */
  readonly jobName: string;
  /** The alias of the job store the job is kept in. */
  readonly jobstore: string;
  /** The alias of the executor that runs (or would have run) it. */
  readonly executor: string;
  /** The id of the scheduler that took the run (its owner while it is in flight). */
  readonly schedulerId: string;
  /** 0 for a scheduled or `runJob` run; 1, 2, … for the retries of an abandoned run. */
  readonly attempt: number;
  /** The time the run was scheduled for. */
  readonly scheduledRunTime: Date;
  /** Earlier run times folded into this run by coalescing (oldest first), or none. */
  readonly coalescedRunTimes: readonly Date[];
  /** When the loop handed the run to the run layer. */
  readonly submittedAt: Date;
  /** When the task started; null when it never did (missed, skipped, cancelled while queued). */
  readonly startedAt: Date | null;
  /** When the outcome was decided; null while the run waits or runs. */
  readonly finishedAt: Date | null;
  /** How it ended; null while it waits or runs. */
  readonly outcome: RunOutcome | null;
  /** The error of an `error`, `timeout` or `cancelled` run (or of a refused one), as JSON. */
  readonly error: RunError | null;
  /**
   * A JSON-safe summary of the task's return value (`executed` runs): JSON values as they are
   * up to a size bound, other values described (see `summary.ts`). Undefined otherwise.
   */
  readonly result: unknown;
  /** Milliseconds from start to finish, or null. */
  readonly durationMs: number | null;
  /** The record as JSON. */
  toJSON(): RunState;
}

/**
 * @internal The run layer's mutable record. It is also the run's {@link RunControl}: the
 * `currentJob()` context of the task and the abort handle its executor listens to, so a run
 * costs one object (its AbortController is made only when something reads `signal`).
 */
export class RunRecord implements Run, RunControl {
  readonly job: Job;
  readonly schedulerId: string;
  /** The scheduler id and start that prefix the run's id. */
  readonly idPrefix: string;
  readonly sequence: number;
  readonly runTimeMs: number;
  readonly coalescedMs: readonly number[];
  readonly submittedMs: number;
  startedMs: number | null = null;
  finishedMs: number | null = null;
  outcome: RunOutcome | null = null;
  /** What the task returned (kept as is for JOB_EXECUTED listeners). */
  retval: unknown = undefined;
  /** What the task threw, or the timeout / cancellation / refusal error. */
  exception: unknown = undefined;
  /** @internal The next run of the same submission (see the run layer's `Submission`). */
  nextInSubmission: RunRecord | null = null;
  /** @internal The hash of the job id in the run layer's instance counts (first run only). */
  idHash = 0;
  attempt = 0;
  /** @internal The first run of its submission (itself for the first). */
  first: RunRecord = this;
  /** @internal Whether the run's outcome goes to its store's run ledger. */
  ledgered = false;
  /** @internal Its store's clock minus the scheduler's (ms): run times are on the store's clock. */
  offsetMs = 0;
  /**
   * @internal The job document its ledger row holds while in flight (for a retry of the run
   * when it is abandoned), so a later write of the row in flight keeps it; null for none.
   */
  ledgerDocument: string | null = null;
  #abortReason: Error | undefined = undefined;
  #controller: AbortController | null = null;
  #abortListeners: ((reason: Error) => void)[] | null = null;

  constructor(
    job: Job,
    schedulerId: string,
    idPrefix: string,
    sequence: number,
    runTimeMs: number,
    coalescedMs: readonly number[],
    submittedMs: number,
  ) {
    this.job = job;
    this.schedulerId = schedulerId;
    this.idPrefix = idPrefix;
    this.sequence = sequence;
    this.runTimeMs = runTimeMs;
    this.coalescedMs = coalescedMs;
    this.submittedMs = submittedMs;
  }

  get id(): string {
    return `${this.idPrefix}:${this.sequence}`;
  }

  get jobId(): string {
    return this.job.id;
  }

  get runId(): string {
    return this.id;
  }

  get jobName(): string {
    return this.job.name;
  }

  get jobstore(): string {
    return this.job.jobstore;
  }

  get executor(): string {
    return this.job.executor;
  }

  get scheduledRunTime(): Date {
    return new Date(this.runTimeMs);
  }

  get coalescedRunTimes(): readonly Date[] {
    return this.coalescedMs.map((time) => new Date(time));
  }

  get submittedAt(): Date {
    return new Date(this.submittedMs);
  }

  get startedAt(): Date | null {
    return this.startedMs === null ? null : new Date(this.startedMs);
  }

  get finishedAt(): Date | null {
    return this.finishedMs === null ? null : new Date(this.finishedMs);
  }

  get durationMs(): number | null {
    return this.startedMs === null || this.finishedMs === null
      ? null
      : this.finishedMs - this.startedMs;
  }

  get error(): RunError | null {
    return this.exception === undefined ? null : describeError(this.exception);
  }

  get result(): unknown {
    return this.outcome === 'executed' ? summarizeResult(this.retval) : undefined;
  }

  toJSON(): RunState {
    return {
      id: this.id,
      jobId: this.jobId,
      jobName: this.jobName,
      jobstore: this.jobstore,
      executor: this.executor,
      schedulerId: this.schedulerId,
      scheduledRunTime: this.runTimeMs,
      coalescedRunTimes: [...this.coalescedMs],
      submittedAt: this.submittedMs,
      startedAt: this.startedMs,
      finishedAt: this.finishedMs,
      outcome: this.outcome,
      error: this.error,
      result: this.result,
      attempt: this.attempt,
    };
  }

  /**
   * The run as its store's ledger keeps it.
   * @param leaseUntil the lease while in flight; null once it has an outcome
   * @param job the job's stored document while in flight (for a retry); null once ended
   */
  toRow(leaseUntil: number | null, job: string | null): RunRow {
    const inFlight = this.outcome === null;
    // The record's JSON with the ledger's fields added to it (not spread into a copy).
    return Object.assign(this.toJSON(), {
      slot: this.first.id,
      leaseUntil: inFlight ? leaseUntil : null,
      onAbandoned: this.job.onAbandoned,
      maxRetries: this.job.maxRetries,
      job: inFlight ? job : null,
    });
  }

  // ─── RunControl (the task's currentJob() and its executor's abort handle) ──────────────────

  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#abortReason !== undefined;
  }

  get abortReason(): Error | undefined {
    return this.#abortReason;
  }

  onAbort(listener: (reason: Error) => void): void {
    if (this.#abortReason !== undefined) {
      listener(this.#abortReason);
      return;
    }
    (this.#abortListeners ??= []).push(listener);
  }

  /** Cancels the run: aborts its signal and tells its executor (once). */
  abort(reason: Error): void {
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#abortListeners;
    this.#abortListeners = null;
    for (const listener of listeners ?? []) listener(reason);
  }
}
