/**
 * The bulk add of a MongoDB job store: every job of a batch or none. In a transaction where the
 * server has them; on a standalone server, with an ordered `insertMany` whose inserted jobs are
 * deleted again when an id turns out to be taken.
 */
import {
  ConflictingIdError,
  earliestRunTime,
  storedBatch,
  type Job,
  type JobStoreContext,
} from '@kairos/core';
import type { Collection } from 'mongodb';
import { jobDocument } from './queries.js';
import { failedWriteIndex, isDuplicateKeyError, type JobDocument } from './schema.js';
import { atomically, type TransactionTarget } from './transactions.js';

/** Where a batch goes, and what the store learnt about its server's transactions. */
export interface BatchTarget extends TransactionTarget {
  readonly jobs: Collection<JobDocument>;
  readonly context: JobStoreContext;
  readonly alias: string;
}

/**
 * Adds the jobs, all or none; the ids added.
 * @param writtenBy the store instance, so its own change stream ignores the inserts
 * @throws ConflictingIdError naming an id given twice or taken; SerializationError before
 *   anything is written
 */
export async function addBatch(
  target: BatchTarget,
  jobs: readonly Job[],
  writtenBy: string,
): Promise<string[]> {
  const { context, alias, jobs: collection } = target;
  const stored = storedBatch(context, jobs, alias);
  if (stored.length === 0) return [];
  const ids = stored.map((job) => job.id);
  // Taken ids fail the call before any write (the insert below still catches a race).
  const found = await collection.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
  if (found.length > 0) {
    const taken = new Set(found.map((document) => document._id));
    throw new ConflictingIdError(ids.find((id) => taken.has(id)) ?? String(found[0]?._id), alias);
  }
  // Only the earliest job wakes other schedulers; the rest are quiet.
  const earliest = earliestRunTime(stored);
  const loud = stored.find((job) => job.nextRunTime === earliest && earliest !== null);
  const documents = stored.map((job) => jobDocument(job, writtenBy, job !== loud));
  try {
    await atomically(target, async (session) => {
      if (session === undefined) await insertOrUndo(target, documents);
      else await target.jobs.insertMany(documents, { session, ordered: true });
    });
  } catch (error) {
    throw conflictOr(error, documents, target.alias);
  }
  return ids;
}

/** One ordered insert; on a taken id, the documents it inserted are deleted again. */
async function insertOrUndo(target: BatchTarget, documents: JobDocument[]): Promise<void> {
  try {
    await target.jobs.insertMany(documents, { ordered: true });
  } catch (error) {
    const failedAt = failedWriteIndex(error);
    if (failedAt !== undefined && failedAt > 0) {
      const inserted = documents.slice(0, failedAt);
      await target.jobs.deleteMany({
        _id: { $in: inserted.map((document) => document._id) },
        writtenBy: inserted[0]?.writtenBy ?? '',
      });
    }
    throw conflictOr(error, documents, target.alias);
  }
}

/** A ConflictingIdError naming the document a duplicate-key error is about, else `error`. */
function conflictOr(error: unknown, documents: JobDocument[], alias: string): unknown {
  if (!isDuplicateKeyError(error)) return error;
  const document = documents[failedWriteIndex(error) ?? -1];
  return document === undefined ? error : new ConflictingIdError(document._id, alias);
}
