/**
 * The writes of the fire step for one claimed job: the job's compare-and-set (advanced or
 * deleted) and, with a run ledger, the job's run rows, in one transaction where the server has
 * them.
 */
import type { ClaimedRun, PlannedClaim, StoredJob } from '@kairos/core';
import type { ClientSession, Collection } from 'mongodb';
import { openRuns, type LedgerTarget } from './ledger.js';
import { claimFilter, storedFields } from './queries.js';
import type { JobDocument } from './schema.js';
import { atomically } from './transactions.js';

/** What a claim writes to: the jobs, and the ledger's collections. */
export interface ClaimTarget extends LedgerTarget {
  readonly jobs: Collection<JobDocument>;
}

/** A due job as the fire step read it: the expected values of its compare-and-set. */
export interface DueRow extends StoredJob {
  readonly nextRunTime: number;
}

/**
 * Claims one planned job: resolves to the run won, or null when the job was no longer as read
 * (another claimer had it first, or it was replaced or removed), and then nothing is written.
 *
 * With `plan.opening` the job's runs are written in the same transaction as its compare-and-set,
 * in flight or refused for `maxInstances` (`refused: true`). On a server without transactions
 * they are written right after the compare-and-set won.
 */
export async function writeClaim(
  target: ClaimTarget,
  plan: PlannedClaim<DueRow>,
  now: number,
): Promise<ClaimedRun | null> {
  const { row, successor, job, next, opening } = plan;
  const advance = async (session: ClientSession | undefined): Promise<boolean> => {
    const filter = claimFilter(row.id, row.nextRunTime, row.document);
    const options = { projection: { _id: 1 }, session };
    const found =
      successor === null
        ? await target.jobs.findOneAndDelete(filter, options)
        : await target.jobs.findOneAndUpdate(filter, { $set: storedFields(successor) }, options);
    return found !== null;
  };
  if (opening === null) return (await advance(undefined)) ? { job, next } : null;
  return atomically(target, async (session) => {
    if (!(await advance(session))) return null;
    const opened = await openRuns(target, opening, now, session);
    return { job, next, refused: !opened };
  });
}
