/**
 * The outcomes of a MongoDB run ledger (`finish`, `finishMany`): each run's compare-and-set on
 * its having no outcome yet and the release of its slot entry, for any number of runs in one
 * step of a fixed number of operations, then the retention trims of the jobs touched, once per
 * job.
 */
import { encodeRunRow, type Retention, type RunRow } from '@kairos/core';
import type { AnyBulkWriteOperation, ClientSession, Collection } from 'mongodb';
import {
  finishedRuns,
  finishedRunsOf,
  HISTORY_ORDER,
  releasePipeline,
  runFields,
  trimFilter,
  trimStatsPipeline,
  unfinishedRun,
  unfinishedRuns,
  type TrimStats,
} from './ledger-queries.js';
import type { RunDocument, SlotsDocument } from './schema.js';
import { atomically, type TransactionTarget } from './transactions.js';

/** What outcomes are written to: the ledger's runs and slots (a started store's `LedgerTarget`). */
export interface OutcomeTarget extends TransactionTarget {
  readonly runs: Collection<RunDocument>;
  readonly slots: Collection<SlotsDocument>;
}

/**
 * How many history positions one trim aggregation may collect (about `keep` + 1 per job): a
 * few megabytes, far below the 100 MB a `$group` may hold.
 */
const TRIM_POSITIONS = 50_000;

/**
 * Records outcomes: what `finish` does for each row, in order, as one step (one transaction
 * where the server has them), then the trims of the jobs whose runs were recorded, each once,
 * at the newest `finishedAt` of its rows. Resolves to whether each row was written; a row given
 * twice is written the first time only.
 */
export async function finishRuns(
  target: OutcomeTarget,
  rows: readonly RunRow[],
  retention: Retention | null,
): Promise<boolean[]> {
  const first = new Map<string, RunRow>();
  for (const row of rows) if (!first.has(row.id)) first.set(row.id, row);
  if (first.size === 0) return [];
  const recorded = await atomically(target, (session) =>
    recordOutcomes(target, [...first.values()], session),
  );
  const seen = new Set<string>();
  const written = rows.map((row) => {
    const once = !seen.has(row.id);
    seen.add(row.id);
    return once && recorded.has(row.id);
  });
  if (retention !== null) {
    const trims = new Map<string, number>();
    for (const row of recorded.values()) {
      const now = row.finishedAt ?? row.submittedAt;
      trims.set(row.jobId, Math.max(now, trims.get(row.jobId) ?? now));
    }
    await trimJobs(target, trims, retention);
  }
  return written;
}

/**
 * Writes the outcomes of rows with distinct ids: one read of those still without one (skipped
 * for a single row, whose replace says it), one bulk write of their replaces, one of their jobs'
 * slot releases. Resolves to the rows written, by id.
 */
async function recordOutcomes(
  target: OutcomeTarget,
  rows: readonly RunRow[],
  session: ClientSession | undefined,
): Promise<Map<string, RunRow>> {
  const { runs, slots } = target;
  let open = rows;
  if (rows.length > 1) {
    const found = await runs
      .find(unfinishedRuns(rows.map((row) => row.id)), { projection: { _id: 1 }, session })
      .toArray();
    const ids = new Set(found.map((document) => document._id));
    open = rows.filter((row) => ids.has(row.id));
  }
  const recorded = new Map<string, RunRow>();
  if (open.length === 0) return recorded;
  const replaces = open.map((row): AnyBulkWriteOperation<RunDocument> => ({
    replaceOne: { filter: unfinishedRun(row.id), replacement: runFields(row) },
  }));
  const { matchedCount } = await runs.bulkWrite(replaces, { session, ordered: true });
  const won =
    matchedCount === open.length ? open : await ownWrites(target, open, matchedCount, session);
  for (const row of won) recorded.set(row.id, row);
  if (won.length === 0) return recorded;
  const byJob = new Map<string, string[]>();
  for (const row of won) byJob.set(row.jobId, [...(byJob.get(row.jobId) ?? []), row.id]);
  const releases = [...byJob].map(([jobId, runIds]): AnyBulkWriteOperation<SlotsDocument> => ({
    updateOne: { filter: { _id: jobId }, update: releasePipeline(runIds, []) },
  }));
  await slots.bulkWrite(releases, { session, ordered: true });
  return recorded;
}

/**
 * The rows a bulk of replaces wrote when it matched fewer than it was sent: another scheduler
 * ended some runs between the read and the replaces (only without a transaction). A run found
 * without an outcome now holds either this row (written here) or its abandonment.
 */
async function ownWrites(
  target: OutcomeTarget,
  sent: readonly RunRow[],
  matchedCount: number,
  session: ClientSession | undefined,
): Promise<readonly RunRow[]> {
  if (matchedCount === 0) return [];
  const stored = await target.runs
    .find({ _id: { $in: sent.map((row) => row.id) } }, { projection: { row: 1 }, session })
    .toArray();
  const texts = new Map(stored.map((document) => [document._id, document.row]));
  return sent.filter((row) => texts.get(row.id) === encodeRunRow(row));
}

/**
 * Trims the finished runs of these jobs (job id → the time the retention counts from): with
 * `keep` 0 one delete of all of them; else one aggregation finds, per job, where its newest
 * `keep` end and how old its oldest run is, and one bulk write deletes what goes, only for the
 * jobs that have something to drop. Runs in flight are never matched.
 */
async function trimJobs(
  target: OutcomeTarget,
  jobs: ReadonlyMap<string, number>,
  retention: Retention,
): Promise<void> {
  const { runs } = target;
  if (jobs.size === 0) return;
  if (retention.keep <= 0) {
    await runs.deleteMany(finishedRunsOf([...jobs.keys()]));
    return;
  }
  const stats = await trimStats(target, [...jobs.keys()], retention.keep);
  const deletes: AnyBulkWriteOperation<RunDocument>[] = [];
  for (const line of stats) {
    const now = jobs.get(line._id);
    if (now === undefined) continue;
    const filter = trimFilter(line, now - retention.maxAge * 1000);
    if (filter !== null) deletes.push({ deleteMany: { filter } });
  }
  if (deletes.length > 0) await runs.bulkWrite(deletes, { ordered: false });
}

/**
 * The {@link TrimStats} of these jobs: aggregations over as many jobs as `TRIM_POSITIONS`
 * allows, all at once; with a `keep` larger than that, one indexed `find` per job skipping
 * `keep` finished runs (the age is then left to the delete to find).
 */
async function trimStats(
  target: OutcomeTarget,
  jobIds: readonly string[],
  keep: number,
): Promise<TrimStats[]> {
  const { runs } = target;
  const perQuery = Math.floor(TRIM_POSITIONS / (keep + 1));
  if (perQuery < 1) {
    return Promise.all(
      jobIds.map(async (jobId) => {
        const [past] = await runs
          .find(finishedRuns(jobId), {
            sort: HISTORY_ORDER,
            skip: keep,
            limit: 1,
            projection: { _id: 1, scheduledRunTime: 1 },
          })
          .toArray();
        const position =
          past === undefined
            ? {}
            : { past: { scheduledRunTime: past.scheduledRunTime, id: past._id } };
        return { _id: jobId, ...position };
      }),
    );
  }
  const chunks: string[][] = [];
  for (let start = 0; start < jobIds.length; start += perQuery) {
    chunks.push(jobIds.slice(start, start + perQuery));
  }
  const lines = await Promise.all(
    chunks.map((chunk) =>
      runs.aggregate<TrimStats>(trimStatsPipeline(chunk, keep), { allowDiskUse: true }).toArray(),
    ),
  );
  return lines.flat();
}
