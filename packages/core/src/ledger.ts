/**
 * The run ledger: what a job store keeps of runs so that several schedulers sharing it can
 * trust each other and an operator can look back. A store that has one (`JobStore.ledger`)
 * writes a row for every run it hands out — in the same transaction as the claim — with an
 * owner and a lease; the owner renews its leases with its heartbeat and records each outcome;
 * every scheduler of the store ends the runs of dead owners exactly once (`abandoned`), and the
 * finished rows are the run history, trimmed per job on write.
 *
 * All times are UTC epoch milliseconds on the store's clock (the scheduler applies the offset it
 * measured with {@link RunLedger.serverTime}). `@kairos/testkit`'s `runJobStoreConformance` has
 * the ledger tests every store with a ledger must pass.
 */
import type { Job } from './job.js';
import type { RunOutcome, RunState } from './runs/run.js';

/** What a job does when a run of it is found abandoned (its scheduler died during the run). */
export type AbandonedPolicy = 'fail' | 'retry';

/**
 * One run as a ledger keeps it: the run record's JSON ({@link RunState}) plus what the cluster
 * needs while it is in flight. `outcome` is null while the run waits or runs.
 */
export interface RunRow extends RunState {
  /**
   * The id of the first run of its submission (runs handed over together share one
   * `maxInstances` slot): a job's runs in flight occupy as many slots as distinct `slot`s.
   */
  readonly slot: string;
  /** Until when the owner (`schedulerId`) holds the run; null once it has an outcome. */
  readonly leaseUntil: number | null;
  /** The job's policy when this run is abandoned, as it was when the run was claimed. */
  readonly onAbandoned: AbandonedPolicy;
  /** How many retries an abandoned run of the job may have in all. */
  readonly maxRetries: number;
  /**
   * The job as it was stored when the run was claimed (its JSON document), so a retry can run
   * it even after it left the store; null once the run has an outcome, and for jobs that are
   * not retried (`onAbandoned: 'fail'`).
   */
  readonly job: string | null;
}

/**
 * The rows a claim writes for one job it wins: the runs of one submission, in flight. When the
 * job already has `maxInstances` slots in flight (unfinished rows whose lease has not lapsed),
 * the store writes `refused` instead — the same runs, ended `skipped` — and the claim reports
 * the job as refused.
 */
export interface RunOpening {
  /** The runs in flight (outcome null, a lease, the job document), earliest first. */
  readonly rows: readonly RunRow[];
  /**
   * The same runs ended `skipped` for `maxInstances`, written when the job has no free slot
   * (may be computed when read: read it only to write it).
   */
  readonly refused: readonly RunRow[];
  /** The job's `maxInstances`: its slots across every scheduler of the store. */
  readonly maxInstances: number;
}

/** What {@link JobStore.claimDueJobs} gets when the store has a ledger. */
export interface RunClaim {
  /**
   * The rows to write for a job the store claims, in the claim's transaction; called once per
   * job that `advance` gave a successor to (and may be called for a job the store then loses).
   */
  open(job: Job): RunOpening;
}

/** Which runs the ledger ends as abandoned, and what it writes in their place. */
export interface LapsedScan {
  /** Runs without an outcome whose `leaseUntil` is before this are lapsed. */
  readonly now: number;
  /** At most this many are ended in one call, oldest lease first. */
  readonly limit: number;
  /**
   * The run's row ended `abandoned` (finished at `now`, no lease, no job document): what the
   * ledger writes, in a compare-and-set on the row still having no outcome.
   */
  abandoned(row: RunRow): RunRow;
  /**
   * The retry to write in the same step, in flight and owned by the scanning scheduler, or null
   * when the row's job fails on abandonment or has had its retries.
   */
  retry(row: RunRow): RunRow | null;
}

/** A run {@link RunLedger.abandonLapsed} ended: exactly one scan of one scheduler gets each. */
export interface AbandonedRun {
  /** The row as it was written: outcome `abandoned`; `schedulerId` is the owner that died. */
  readonly row: RunRow;
  /** The retry written with it, now the scanning scheduler's to run; or null. */
  readonly retry: RunRow | null;
}

/**
 * How long finished runs are kept, per job; trimmed when a run of the job is recorded. With
 * history off, `{keep: 0, maxAge: 0}`: a run's row is deleted as its outcome is recorded.
 */
export interface Retention {
  /** Keep at most this many finished runs of each job (the newest by scheduled time); may be 0. */
  readonly keep: number;
  /** Drop finished runs scheduled more than this many seconds before now. */
  readonly maxAge: number;
}

/** A filter and a page of {@link RunLedger.getRuns}. */
export interface RunQuery {
  /** Only the runs of this job. */
  readonly jobId?: string;
  /** Only runs with one of these outcomes (`null` for runs in flight). */
  readonly outcomes?: readonly (RunOutcome | null)[];
  /** Only runs scheduled at or after this time. */
  readonly since?: number;
  /** Only runs scheduled at or before this time. */
  readonly until?: number;
  /** At most this many runs. */
  readonly limit: number;
  /**
   * Where the previous page ended (its last run), so pages do not shift when runs are written
   * meanwhile: only runs strictly after it in the order (scheduled time, then id, both newest
   * first). Decode the public cursor with `decodeRunCursor`.
   */
  readonly after?: RunPosition;
}

/** A run's place in the history's order: newest scheduled time first, then id descending. */
export interface RunPosition {
  /** The run's scheduled time, in epoch ms. */
  readonly scheduledRunTime: number;
  /** The run id, to order runs scheduled at the same time. */
  readonly id: string;
}

/** A scheduler's heartbeat. */
export interface NodeBeat {
  /** The scheduler id. */
  readonly id: string;
  /** The host name the scheduler runs on. */
  readonly host: string;
  /** The scheduler's process id. */
  readonly pid: number;
  /** When the scheduler started, in epoch ms. */
  readonly startedAt: number;
  /** The time of the beat: the node's `lastSeen`. */
  readonly now: number;
  /** The new lease of the runs it names. */
  readonly leaseUntil: number;
  /** Its runs still without a recorded outcome: their leases are extended to `leaseUntil`. */
  readonly runIds: readonly string[];
  /** Nodes not seen since this time are deleted. */
  readonly pruneBefore: number;
}

/** A scheduler as the ledger last saw it. */
export interface NodeRow {
  /** The scheduler id. */
  readonly id: string;
  /** The host name the scheduler runs on. */
  readonly host: string;
  /** The scheduler's process id. */
  readonly pid: number;
  /** When the scheduler started, in epoch ms. */
  readonly startedAt: number;
  /** Its last heartbeat, in epoch ms. */
  readonly lastSeen: number;
}

/**
 * The runs and nodes of one store. Every method may fail (the scheduler logs, reports and
 * retries); none may leave a half-written step behind.
 */
export interface RunLedger {
  /**
   * True for a store only one scheduler can use (the memory store): no run is opened there
   * (claims carry no `runs`, `maxInstances` is counted by the scheduler, nothing is leased,
   * no heartbeat, no scan); the scheduler only records each run's outcome with
   * {@link finish}, which then inserts the row.
   */
  readonly local?: boolean;
  /**
   * The store's clock (epoch ms), for stores on a server (`now()`, `TIME`, `$$NOW`). Without
   * it the scheduler's clock is the store's.
   */
  serverTime?(): Promise<number>;
  /**
   * Opens the runs of a `runJob` call: writes `opening.rows` unless the job already has
   * `opening.maxInstances` slots in flight at `now`, else writes `opening.refused`. Resolves to
   * whether the runs were opened.
   */
  open(opening: RunOpening, now: number): Promise<boolean>;
  /**
   * Records a run's outcome: replaces the row with `row` (outcome set, lease and job document
   * cleared) if the stored row has no outcome yet, then, with `retention`, trims the job's
   * finished runs. Resolves to false when the stored row already had an outcome (another
   * scheduler ended it as abandoned) or is gone; then nothing is written. A `local` ledger
   * inserts a row it does not have.
   */
  finish(row: RunRow, retention: Retention | null): Promise<boolean>;
  /**
   * Records several outcomes in one transaction (or script, or bulk write): for each row what
   * {@link finish} does, in order, trimming each job once. Resolves to each row's `finish`
   * result. Optional, and what makes a busy scheduler cheap: it records the outcomes of a turn
   * together; without it the scheduler calls `finish` once per row.
   */
  finishMany?(rows: readonly RunRow[], retention: Retention | null): Promise<boolean[]>;
  /**
   * Records that runs in flight have started: each row (the run as its owner has it now, with
   * `startedAt` set) replaces the stored row if that still has no outcome and is owned by
   * `row.schedulerId`; the stored lease is kept, whatever `row.leaseUntil` says. Rows the store
   * no longer holds in flight are left out. Optional: without it a run's start time reaches the
   * store with its outcome, and a run in flight reads `startedAt: null` until then.
   */
  start?(rows: readonly RunRow[]): Promise<void>;
  /**
   * Ends lapsed runs exactly once: each is rewritten with `scan.abandoned(row)` in a
   * compare-and-set (still no outcome, lease still lapsed), and `scan.retry(row)`, when not null,
   * is inserted in the same step. Runs another scheduler ended first are left out.
   */
  abandonLapsed(scan: LapsedScan): Promise<AbandonedRun[]>;
  /** Records a heartbeat: upserts the node, renews its leases, deletes long-dead nodes. */
  beat(beat: NodeBeat): Promise<void>;
  /** Removes a node that shuts down (its runs all have outcomes by then, or lapse). */
  leave(nodeId: string): Promise<void>;
  /** Every node, in the order of their ids. */
  getNodes(): Promise<NodeRow[]>;
  /** Runs matching `query`, newest scheduled time first (then id descending). */
  getRuns(query: RunQuery): Promise<RunRow[]>;
  /** The newest run (by scheduled time, then id) of each of these jobs that has any. */
  lastRuns(jobIds: readonly string[]): Promise<Map<string, RunRow>>;
  /** Deletes every run and node (with `removeAllJobs`, for tests and resets). */
  clear(): Promise<void>;
}
