/**
 * Claiming helpers for store tests: a claimer that empties a store batch by batch, as a
 * scheduler's passes would, and the successor a minutely job's advance gives.
 */
import type { ClaimedRun, DueJobsClaim, Job, JobStore } from '@kairos/core';
import type { TestStoreContext } from './context.js';

/** Claims batch after batch until a claim comes back empty; every run won, in order. */
export async function claimUntilEmpty(store: JobStore, claim: DueJobsClaim): Promise<ClaimedRun[]> {
  const won: ClaimedRun[] = [];
  for (;;) {
    const batch = await store.claimDueJobs(claim);
    if (batch.length === 0) return won;
    won.push(...batch);
  }
}

/** An `advance` that moves each claimed job's next run time one minute on. */
export function oneMinuteLater(context: TestStoreContext): (job: Job) => Job {
  return (job) => context.withFields(job, { nextRunTimeMs: (job.nextRunTimeMs ?? 0) + 60_000 });
}
