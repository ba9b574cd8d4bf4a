/**
 * A run read back from a store's run ledger, as `getRuns()`, `Job.lastRun` and the abandoned
 * event give it: the same {@link Run} shape as a live record, from the row's JSON.
 */
import type { RunRow } from '../ledger.js';
import type { Run, RunError, RunOutcome, RunState } from './run.js';

/** A {@link Run} from a ledger row. */
export class StoredRun implements Run {
  readonly id: string;
  readonly jobId: string;
  readonly jobName: string;
  readonly jobstore: string;
  readonly executor: string;
  readonly schedulerId: string;
  readonly attempt: number;
  readonly outcome: RunOutcome | null;
  readonly error: RunError | null;
  readonly result: unknown;
  readonly #row: RunRow;

  constructor(row: RunRow) {
    this.#row = row;
    this.id = row.id;
    this.jobId = row.jobId;
    this.jobName = row.jobName;
    this.jobstore = row.jobstore;
    this.executor = row.executor;
    this.schedulerId = row.schedulerId;
    this.attempt = row.attempt;
    this.outcome = row.outcome;
    this.error = row.error;
    this.result = row.result;
  }

  get scheduledRunTime(): Date {
    return new Date(this.#row.scheduledRunTime);
  }

  get coalescedRunTimes(): readonly Date[] {
    return this.#row.coalescedRunTimes.map((time) => new Date(time));
  }

  get submittedAt(): Date {
    return new Date(this.#row.submittedAt);
  }

  get startedAt(): Date | null {
    return this.#row.startedAt === null ? null : new Date(this.#row.startedAt);
  }

  get finishedAt(): Date | null {
    return this.#row.finishedAt === null ? null : new Date(this.#row.finishedAt);
  }

  get durationMs(): number | null {
    const { startedAt, finishedAt } = this.#row;
    return startedAt === null || finishedAt === null ? null : finishedAt - startedAt;
  }

  toJSON(): RunState {
    const row = this.#row;
    return {
      id: row.id,
      jobId: row.jobId,
      jobName: row.jobName,
      jobstore: row.jobstore,
      executor: row.executor,
      schedulerId: row.schedulerId,
      scheduledRunTime: row.scheduledRunTime,
      coalescedRunTimes: [...row.coalescedRunTimes],
      submittedAt: row.submittedAt,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      outcome: row.outcome,
      error: row.error,
      result: row.result,
      attempt: row.attempt,
    };
  }
}
