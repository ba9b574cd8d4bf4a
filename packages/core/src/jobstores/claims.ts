/**
 * Claim planning, the part of the fire step that is the same in every store: for each due row,
 * restore the job, ask `claim.advance` for its successor and serialise it. The store then makes
 * the writes its own way (in a transaction, a compare-and-set script, conditional updates).
 */
import type { DueJobsClaim, JobStoreContext } from '../interfaces.js';
import type { Job } from '../job.js';
import type { RunOpening } from '../ledger.js';
import { storedJob, type JobToStore, type StoredJob } from './stored-job.js';
import type { UnrestorableJobs } from './unrestorable.js';

/** One due job the store is to claim: what it read, and what it is to write instead. */
export interface PlannedClaim<Row extends StoredJob = StoredJob> {
  /** The row as read: the expected values of a compare-and-set. */
  readonly row: Row;
  /** The job restored from it (what the claim hands back as `ClaimedRun.job`). */
  readonly job: Job;
  /** Its successor from `claim.advance`; null when the job is to be deleted. */
  readonly next: Job | null;
  /** The successor as the store writes it; null when the job is to be deleted. */
  readonly successor: JobToStore | null;
  /**
   * The run rows to write with the claim when the store has a ledger (`claim.runs`), else null.
   * Write `opening.rows`, or `opening.refused` when the job already has `opening.maxInstances`
   * slots in flight.
   */
  readonly opening: RunOpening | null;
}

/** What {@link planClaims} decided about a page of due rows. */
export interface ClaimPlan<Row extends StoredJob = StoredJob> {
  /** The jobs to claim, in the order of the rows. */
  readonly claims: PlannedClaim<Row>[];
  /**
   * How many of the rows it looked at it left in place (already seen, unrestorable, or left
   * alone by `advance`); rows after the last claim it needed were not looked at.
   */
  readonly passedOver: number;
}

/** How {@link planClaims} works through rows. */
export interface ClaimPlanning {
  /** The claim the store was asked for: the time, the limit and how to advance each job. */
  readonly claim: DueJobsClaim;
  /** The store's context, to restore the rows' jobs. */
  readonly context: JobStoreContext;
  /** The store's record of jobs that cannot be restored: their rows are skipped. */
  readonly unrestorable: UnrestorableJobs;
  /** At most this many claims; default `claim.limit`. */
  readonly limit?: number;
  /**
   * Ids already looked at by this claim call, for stores that read several pages: a claimed
   * job whose successor is still due comes round again and must be passed over. Rows looked at
   * are added to it.
   */
  readonly seen?: Set<string>;
}

/**
 * Plans the claims of a page of due rows (earliest first). Skips rows already seen, jobs that
 * cannot be restored (reported once by `unrestorable`) and jobs `advance` leaves alone; stops
 * at the limit. Has no side effects on the store: the store writes the plan, and a claim that
 * loses its compare-and-set is simply not returned.
 * @throws SerializationError when a successor cannot be stored (nothing is written then)
 */
export function planClaims<Row extends StoredJob>(
  rows: Iterable<Row>,
  planning: ClaimPlanning,
): ClaimPlan<Row> {
  const { claim, context, unrestorable, seen } = planning;
  const limit = planning.limit ?? claim.limit;
  const claims: PlannedClaim<Row>[] = [];
  let passedOver = 0;
  if (limit <= 0) return { claims, passedOver };
  for (const row of rows) {
    if (seen !== undefined) {
      if (seen.has(row.id)) {
        passedOver += 1;
        continue;
      }
      seen.add(row.id);
    }
    const job = unrestorable.restoreStored(row);
    const next = job === null ? undefined : claim.advance(job);
    if (job === null || next === undefined) {
      passedOver += 1;
      continue;
    }
    claims.push({
      row,
      job,
      next,
      successor: next === null ? null : storedJob(context, next),
      opening: claim.runs?.open(job) ?? null,
    });
    if (claims.length >= limit) break;
  }
  return { claims, passedOver };
}
