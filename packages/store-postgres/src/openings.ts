/**
 * Opening runs, the step a claim and `runJob` share: count each job's slots in flight and
 * write its runs in flight, or its refused runs when the job has `maxInstances` slots taken.
 * Each job's advisory transaction lock makes the count and the write one step against every
 * other scheduler opening runs of the same job.
 */
import { encodeRunRow, type RunOpening, type RunRow } from '@kairos/core';
import type { PoolClient } from 'pg';
import type { LedgerStatements } from './ledger-statements.js';
import { jobLockKey } from './names.js';

/** Where {@link writeOpenings} writes. */
export interface OpeningTarget {
  readonly client: PoolClient;
  readonly sql: LedgerStatements;
  /** The store's first advisory lock key (`StoreNames.runsLockSpace`). */
  readonly lockSpace: number;
}

/**
 * Writes the rows of each opening inside the caller's transaction, holding each job's lock
 * until it ends. Jobs must be distinct.
 * @returns per opening, true when its runs were opened (`rows` written), false when the job had
 *   no free slot at `now` (`refused` written)
 */
export async function writeOpenings(
  target: OpeningTarget,
  openings: readonly RunOpening[],
  now: number,
): Promise<boolean[]> {
  const { client, sql } = target;
  const jobIds = openings.map(openingJobId).filter((id) => id !== null);
  if (jobIds.length === 0) return openings.map(() => true);
  await lockJobs(target, jobIds);
  // Read committed: this statement sees every run written by whoever held a lock before us.
  const counted = await client.query<{ jobId: string; slots: number }>(sql.slotsInFlight, [
    jobIds,
    now,
  ]);
  const slots = new Map(counted.rows.map((row) => [row.jobId, row.slots]));
  const opened = openings.map((opening) => {
    const jobId = openingJobId(opening);
    return jobId === null || (slots.get(jobId) ?? 0) < opening.maxInstances;
  });
  const rows = openings.flatMap((opening, index) =>
    opened[index] === true ? opening.rows : opening.refused,
  );
  await insertRuns(client, sql, rows);
  return opened;
}

/**
 * Takes the advisory transaction locks of these jobs (held until the transaction ends), always
 * in the same order, so two schedulers locking overlapping sets of jobs cannot deadlock.
 */
export async function lockJobs(target: OpeningTarget, jobIds: readonly string[]): Promise<void> {
  const keys = [...new Set(jobIds.map((id) => jobLockKey(id)))].sort((a, b) => a - b);
  await target.client.query(target.sql.lockJobs, [target.lockSpace, keys]);
}

/** Inserts runs with one statement (none when there are none). */
export async function insertRuns(
  client: PoolClient,
  sql: LedgerStatements,
  rows: readonly RunRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await client.query(sql.insertRuns, [
    rows.map((row) => row.id),
    rows.map((row) => row.jobId),
    rows.map((row) => row.scheduledRunTime),
    rows.map((row) => row.outcome),
    rows.map((row) => row.schedulerId),
    rows.map((row) => row.leaseUntil),
    rows.map((row) => row.slot),
    rows.map((row) => encodeRunRow(row)),
  ]);
}

/** The job an opening is for; null for an opening without rows, which writes nothing. */
function openingJobId(opening: RunOpening): string | null {
  return opening.rows[0]?.jobId ?? opening.refused[0]?.jobId ?? null;
}
