/**
 * The fire step of a {@link RedisJobStore}: reads due jobs in batches, plans their claims with
 * core's `planClaims`, and writes each batch with the claim script (a compare-and-set per job,
 * and its runs when the store has a ledger).
 */
import {
  planClaims,
  type ClaimedRun,
  type DueJobsClaim,
  type JobStoreContext,
  type PlannedClaim,
  type UnrestorableJobs,
} from '@kairos/core';
import {
  DELETE_JOB,
  PAUSE_JOB,
  type ClaimWrite,
  type DueRow,
  type StoreScripts,
} from './scripts.js';

/** Batches in a row that other schedulers took entirely before a claim call gives up. */
const MAX_LOST_BATCHES = 3;

/** What {@link claimDueJobs} works with: the started store's parts. */
export interface ClaimSession {
  readonly context: JobStoreContext;
  readonly scripts: StoreScripts;
  readonly unrestorable: UnrestorableJobs;
}

/**
 * Claims due jobs (see `RedisJobStore.claimDueJobs`): per batch, one script reads the due jobs
 * with their documents, the jobs are restored and advanced here, and one script writes every
 * successor whose stored run time and document are still the ones read, with the job's runs
 * (or its refused runs) when `claim.runs` is given. Jobs left alone stay where they are and the
 * read moves past them; it stops at `limit` runs, when no due job is left, or after a few
 * batches in a row lost every job to other schedulers.
 */
export async function claimDueJobs(
  session: ClaimSession,
  claim: DueJobsClaim,
): Promise<ClaimedRun[]> {
  const { context, scripts, unrestorable } = session;
  const { now, limit } = claim;
  const claimed: ClaimedRun[] = [];
  // Ids this call looked at: a claimed job whose successor is still due comes round again.
  const seen = new Set<string>();
  // Due jobs this call leaves in place (skipped, unrestorable, already claimed) come first in
  // the sorted set; the next read starts after them.
  let offset = 0;
  let lostBatches = 0;
  while (claimed.length < limit) {
    const wanted = limit - claimed.length;
    const count = wanted + unrestorable.size;
    let rows: DueRow[];
    let candidates: PlannedClaim<DueRow>[];
    let won: Map<string, boolean>;
    try {
      rows = await scripts.dueJobs(now, offset, count);
      const plan = planClaims(rows, { claim, context, unrestorable, limit: wanted, seen });
      offset += plan.passedOver;
      candidates = plan.claims;
      won = new Map(
        (await scripts.claimJobs(candidates.map((planned) => claimWrite(planned, now)))).map(
          ({ id, refused }) => [id, refused],
        ),
      );
    } catch (error) {
      // The batches before were won and written: their runs must go ahead, not be dropped with
      // the error (the store has moved those jobs on). The next pass meets the failure again.
      if (claimed.length === 0) throw error;
      context.logger.warn(
        { err: error },
        `Redis job store: a further batch of due jobs could not be claimed; the ` +
          `${claimed.length} run(s) already claimed go ahead, the rest wait for the next pass`,
      );
      break;
    }
    for (const { job, next, opening } of candidates) {
      const refused = won.get(job.id);
      if (refused === undefined) continue;
      claimed.push(opening === null ? { job, next } : { job, next, refused });
    }
    if (rows.length < count) break;
    // Another scheduler took the whole batch: read again (it moved those jobs on), but give up
    // after a few such rounds; the scheduler's next pass comes at once as jobs are still due.
    lostBatches = candidates.length > 0 && won.size === 0 ? lostBatches + 1 : 0;
    if (lostBatches >= MAX_LOST_BATCHES) break;
  }
  return claimed;
}

/** The compare-and-set that replaces the job read as `row` with its successor, and its runs. */
function claimWrite({ row, successor, opening }: PlannedClaim<DueRow>, now: number): ClaimWrite {
  const expected = {
    id: row.id,
    expectedRunTime: row.nextRunTime,
    expectedDocument: row.document,
    opening,
    now,
  };
  if (successor === null) return { ...expected, successorRunTime: DELETE_JOB, document: '' };
  const { nextRunTime, document } = successor;
  return {
    ...expected,
    successorRunTime: nextRunTime === null ? PAUSE_JOB : String(nextRunTime),
    document,
  };
}
