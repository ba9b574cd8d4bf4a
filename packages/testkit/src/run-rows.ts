/**
 * Run ledger builders for store tests: a run row with every field filled in, the same row
 * ended, a `RunClaim` that opens rows for each claimed job under a given lease, and a
 * `LapsedScan` that ends lapsed runs and retries them, so a ledger test states only what it
 * is about.
 */
import {
  endedRow,
  type Job,
  type LapsedScan,
  type RunClaim,
  type RunOpening,
  type RunOutcome,
  type RunRow,
} from '@kairos/core';
import type { TestStoreContext } from './context.js';

/** The time rows are scheduled at when a test does not say: the {@link TestStoreContext} clock's start. */
export const RUN_TIME = Date.UTC(2030, 0, 1);

/** How long a lease lasts when a builder is not told: 30 seconds. */
export const LEASE_MS = 30_000;

/**
 * A run row: in flight (no outcome, a lease of {@link LEASE_MS} from its scheduled time, a job
 * document) unless `fields` says otherwise. Its slot is its own id, its scheduler
 * `scheduler-a`, its job `job`.
 */
export function runRow(fields: Partial<RunRow> & { readonly id: string }): RunRow {
  const jobId = fields.jobId ?? 'job';
  const scheduledRunTime = fields.scheduledRunTime ?? RUN_TIME;
  const outcome = fields.outcome ?? null;
  return {
    jobId,
    jobName: jobId,
    jobstore: 'default',
    executor: 'default',
    schedulerId: 'scheduler-a',
    scheduledRunTime,
    coalescedRunTimes: [],
    submittedAt: scheduledRunTime,
    startedAt: null,
    finishedAt: outcome === null ? null : scheduledRunTime,
    outcome,
    error: null,
    result: null,
    slot: fields.id,
    leaseUntil: outcome === null ? scheduledRunTime + LEASE_MS : null,
    attempt: 0,
    onAbandoned: 'fail',
    maxRetries: 0,
    job: outcome === null ? JSON.stringify({ id: jobId }) : null,
    ...fields,
  };
}

/**
 * A row ended with `outcome` at `finishedAt` (started at its scheduled time): what a scheduler
 * passes to `finish`. No lease, no job document.
 */
export function finishedRow(
  row: RunRow,
  outcome: RunOutcome,
  finishedAt: number,
  changes: Partial<RunRow> = {},
): RunRow {
  return endedRow(row, { outcome, finishedAt, startedAt: row.scheduledRunTime, ...changes });
}

/** How {@link runClaim} opens runs. */
export interface RunClaimOptions {
  /** The scheduler that owns the runs (default `scheduler-a`); run ids start with it. */
  readonly schedulerId?: string;
  /** The lease of the runs in flight, epoch ms. */
  readonly leaseUntil: number;
  /** When refused rows are ended; default the context clock's time at the call. */
  readonly now?: number;
  /** The slots the job may hold; default the job's `maxInstances`. */
  readonly maxInstances?: number;
  /** How many runs one submission has (they share a slot); default 1. */
  readonly runsPerJob?: number;
}

/** A {@link RunClaim} that records every opening it made. */
export interface RecordingRunClaim extends RunClaim {
  /** Every opening `open` made, in order. */
  readonly openings: RunOpening[];
}

/**
 * A `claim.runs` for `claimDueJobs` tests: for each job, `runsPerJob` runs in flight under the
 * lease (scheduled at the job's next run time then a second apart, ids
 * `<schedulerId>/<job id>/<scheduled time>`, one slot: the first run's id, the job document
 * from the context), refused as `skipped` rows.
 */
export function runClaim(context: TestStoreContext, options: RunClaimOptions): RecordingRunClaim {
  const schedulerId = options.schedulerId ?? 'scheduler-a';
  const openings: RunOpening[] = [];
  return {
    openings,
    open(job: Job): RunOpening {
      const now = options.now ?? context.clock.now();
      const first = job.nextRunTimeMs ?? now;
      const document = JSON.stringify(context.serializeJob(job));
      const rows: RunRow[] = [];
      for (let index = 0; index < (options.runsPerJob ?? 1); index += 1) {
        const scheduledRunTime = first + index * 1000;
        const id = `${schedulerId}/${job.id}/${scheduledRunTime}`;
        rows.push(
          runRow({
            id,
            jobId: job.id,
            jobName: job.name,
            jobstore: context.alias,
            executor: job.executor,
            schedulerId,
            scheduledRunTime,
            submittedAt: now,
            slot: rows[0]?.id ?? id,
            leaseUntil: options.leaseUntil,
            maxRetries: 0,
            job: document,
          }),
        );
      }
      const opening: RunOpening = {
        rows,
        refused: rows.map((row) =>
          endedRow(row, {
            outcome: 'skipped',
            finishedAt: now,
            error: {
              name: 'MaxInstancesReachedError',
              message: `job ${job.id} has its maxInstances runs in flight`,
              stack: null,
            },
          }),
        ),
        maxInstances: options.maxInstances ?? job.maxInstances,
      };
      openings.push(opening);
      return opening;
    },
  };
}

/** How {@link lapsedScan} ends lapsed runs. */
export interface LapsedScanOptions {
  /** Leases before this have lapsed. */
  readonly now: number;
  /** At most this many runs per call; default 100. */
  readonly limit?: number;
  /** The scanning scheduler: it owns the retries (default `scheduler-b`). */
  readonly schedulerId?: string;
  /** The lease of a retry; default `now` + {@link LEASE_MS}. */
  readonly leaseUntil?: number;
}

/**
 * A `LapsedScan`: ends each run `abandoned` at `now`, and retries a run whose `onAbandoned` is
 * `retry` while its `attempt` is below its `maxRetries` (id `<run id>.retry<attempt>`, same
 * slot, owned by the scanner, in flight under a fresh lease).
 */
export function lapsedScan(options: LapsedScanOptions): LapsedScan {
  const { now } = options;
  const schedulerId = options.schedulerId ?? 'scheduler-b';
  return {
    now,
    limit: options.limit ?? 100,
    abandoned: (row) => endedRow(row, { outcome: 'abandoned', finishedAt: now }),
    retry: (row) =>
      row.onAbandoned === 'retry' && row.attempt < row.maxRetries
        ? {
            ...row,
            id: `${row.id}.retry${row.attempt + 1}`,
            attempt: row.attempt + 1,
            schedulerId,
            submittedAt: now,
            startedAt: null,
            finishedAt: null,
            leaseUntil: options.leaseUntil ?? now + LEASE_MS,
          }
        : null,
  };
}
